-- What one account holds unpaid (its unpaid orders, and the units of the given products in them), read once the
-- account's holds lock is taken: a transaction-scoped advisory lock (namespace 1000010, the account id's hashtext),
-- held until the caller's transaction ends, so two concurrent orders of one account cannot both pass a limit that only
-- one of them fits in. A volatile SQL function, because in READ COMMITTED each of its statements takes a fresh
-- snapshot: the read after the lock sees an order its holder committed while this one waited, even when the caller is a
-- single statement that began before the lock was granted (storing an order checks and inserts in one statement).
CREATE FUNCTION locked_unpaid_holds(account text, products uuid[])
RETURNS TABLE (unpaid_orders int, units json)
LANGUAGE sql VOLATILE AS $$
  SELECT pg_advisory_xact_lock(1000010, hashtext(account));
  SELECT (SELECT count(*)::int FROM orders WHERE account_id = account::uuid AND status = 'PENDING_PAYMENT'),
         coalesce((SELECT json_object_agg(product_id, units) FROM (
            SELECT l.product_id, sum(l.quantity) AS units
              FROM orders o JOIN order_lines l ON l.order_id = o.id
             WHERE o.account_id = account::uuid AND o.status = 'PENDING_PAYMENT' AND l.product_id = ANY(products)
             GROUP BY l.product_id) held), '{}'::json);
$$;
