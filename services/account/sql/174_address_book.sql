-- An account's address book. The rule for the fields is the platform's requirePostalAddress (address.ts); these
-- checks only bound what any writer could store. Deleting an address leaves orders alone: they keep snapshots.
CREATE TABLE addresses (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  company text NOT NULL DEFAULT '' CHECK (char_length(company) <= 100),
  line1 text NOT NULL CHECK (char_length(line1) BETWEEN 1 AND 200),
  line2 text NOT NULL DEFAULT '' CHECK (char_length(line2) <= 200),
  city text NOT NULL DEFAULT '' CHECK (char_length(city) <= 100),
  region text NOT NULL DEFAULT '' CHECK (char_length(region) <= 100),
  postal_code text NOT NULL DEFAULT '' CHECK (char_length(postal_code) <= 20),
  country_code text NOT NULL CHECK (country_code ~ '^[A-Z]{2}$'),
  phone text NOT NULL DEFAULT '' CHECK (char_length(phone) <= 32),
  default_shipping boolean NOT NULL DEFAULT false,
  default_billing boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- ListAddresses: oldest first, ties broken by id (UUIDv7).
CREATE INDEX addresses_account ON addresses (account_id, created_at, id);
-- One default of each kind per book; changes take the account's row lock, so they never race into these.
CREATE UNIQUE INDEX addresses_default_shipping ON addresses (account_id) WHERE default_shipping;
CREATE UNIQUE INDEX addresses_default_billing ON addresses (account_id) WHERE default_billing;
