-- NULL until the owner follows the link of a verification email; cleared when the email changes.
ALTER TABLE accounts ADD COLUMN email_verified_at timestamptz;

-- Single-use tokens sent by email (password reset, email verification), stored as SHA-256 hashes like refresh tokens.
CREATE TABLE account_tokens (
  token_hash bytea PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  purpose text NOT NULL CHECK (purpose IN ('password_reset', 'email_verification')),
  -- The address the token was sent to: once the account's email changed, the token is void.
  email text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX account_tokens_account ON account_tokens (account_id, purpose) WHERE used_at IS NULL;
CREATE INDEX account_tokens_expires_at ON account_tokens (expires_at);
