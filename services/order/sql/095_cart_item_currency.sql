-- The currency of the product when it was put in the cart, so that the cart lock can keep a cart to one currency.
-- Lines stored before this migration have none and are not compared.
ALTER TABLE cart_items ADD COLUMN currency text;
