-- Guest carts (src/cart.ts): an anonymous shopper's cart, named by a token the service hands out once (32 random
-- bytes, base64url). Only the token's SHA-256 is stored, so the database never holds a token that opens a cart.
CREATE TABLE guest_carts (
  id uuid PRIMARY KEY,
  token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Moved on by every write (GUEST_CART_TTL_SECONDS later); past it the token is dead and the sweep deletes the cart
  -- with its lines. A merge into an account's cart deletes it at once.
  expires_at timestamptz NOT NULL
);

CREATE INDEX guest_carts_expires_idx ON guest_carts (expires_at);

-- A cart's lines belong to its cart: an account's (cart_id = the account id, as before) or a guest cart's (cart_id =
-- guest_carts.id). Both are UUIDv7s made apart, so they never meet.
ALTER TABLE cart_items RENAME COLUMN account_id TO cart_id;
