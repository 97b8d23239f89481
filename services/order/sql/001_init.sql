-- Carts, orders with their product snapshots, idempotency claims and the payments ledger.

CREATE TABLE cart_items (
  account_id uuid NOT NULL,
  product_id uuid NOT NULL,
  quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 1000),
  added_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, product_id)
);

CREATE TABLE orders (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL,
  status text NOT NULL CHECK (status IN ('PENDING_PAYMENT', 'PAID', 'FULFILLED', 'CANCELLED', 'REFUNDED')),
  total_cents bigint NOT NULL CHECK (total_cents >= 0),
  currency char(3) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- ListOrders of one account and of all accounts, newest first.
CREATE INDEX orders_account_created_idx ON orders (account_id, created_at DESC, id DESC);
CREATE INDEX orders_created_idx ON orders (created_at DESC, id DESC);

-- What the product looked like when the order was placed; later catalog changes do not touch it.
CREATE TABLE order_lines (
  order_id uuid NOT NULL REFERENCES orders (id),
  -- Position in the order as placed, so lines come back in the customer's order.
  line_number integer NOT NULL CHECK (line_number >= 1),
  product_id uuid NOT NULL,
  name text NOT NULL,
  description text NOT NULL,
  unit_price_cents bigint NOT NULL CHECK (unit_price_cents >= 0),
  quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 1000),
  line_total_cents bigint NOT NULL CHECK (line_total_cents = unit_price_cents * quantity),
  PRIMARY KEY (order_id, line_number),
  UNIQUE (order_id, product_id)
);

-- A claimed key points at the order id its first request will use; the order row appears once that request succeeds.
CREATE TABLE idempotency_keys (
  account_id uuid NOT NULL,
  key text NOT NULL,
  request_fingerprint text NOT NULL,
  order_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, key)
);

CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

CREATE TABLE payments (
  id uuid PRIMARY KEY,
  order_id uuid NOT NULL REFERENCES orders (id),
  kind text NOT NULL CHECK (kind IN ('CAPTURE', 'REFUND')),
  amount_cents bigint NOT NULL CHECK (amount_cents > 0),
  currency char(3) NOT NULL,
  provider text NOT NULL,
  provider_reference text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- A provider's webhook delivered twice records one payment.
  UNIQUE (provider, provider_reference)
);

CREATE INDEX payments_order_idx ON payments (order_id, created_at, id);
