-- ListOrders filtered by status (an admin's "every unpaid order"), newest first: a range of this index per status.
-- Filters by account use orders_account_created_idx; by time alone, orders_created_idx.
CREATE INDEX orders_status_created_idx ON orders (status, created_at DESC, id DESC);
