-- The shipping and billing address of an order, as snapshots taken at placement (the fields of PostalAddress as a
-- JSON object): an edit or deletion in the account's address book never changes an order. NULL when the order was
-- placed without one (createOrder, pickup, digital goods); billing is the shipping address when none was given.
ALTER TABLE orders ADD COLUMN shipping_address jsonb CHECK (jsonb_typeof(shipping_address) = 'object');
ALTER TABLE orders ADD COLUMN billing_address jsonb CHECK (jsonb_typeof(billing_address) = 'object');
