/**
 * The order rows several job files read (lifecycle, payments, placement): their columns, and the lines and payments
 * joined to them. Left out of the barrel (repository.ts): what callers use is the functions built on it.
 */
import type { PostalAddress, Queryable } from "@polyscale/platform";
import type { Order, OrderLine, OrderStatus, Payment } from "../model.js";

export interface OrderRow {
  id: string;
  accountId: string;
  status: OrderStatus;
  totalCents: number;
  currency: string;
  createdAt: Date;
  updatedAt: Date;
  paymentDueAt: Date | null;
  shippingAddress: PostalAddress | null;
  billingAddress: PostalAddress | null;
}

/** The columns of an OrderRow, named as its fields. */
export const ORDER_COLUMNS = `id, account_id AS "accountId", status, total_cents AS "totalCents", currency,
  created_at AS "createdAt", updated_at AS "updatedAt", payment_due_at AS "paymentDueAt",
  shipping_address AS "shippingAddress", billing_address AS "billingAddress"`;

/** The columns of a Payment, named as its fields. */
export const PAYMENT_COLUMNS = `id, order_id AS "orderId", kind, amount_cents AS "amountCents", currency, provider,
  provider_reference AS "providerReference", created_at AS "createdAt"`;

/** Adds the lines and payments to order rows: one query each, whatever the number of orders. */
export async function withDetails(db: Queryable, rows: readonly OrderRow[]): Promise<Order[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  // One after the other: a transaction is a single connection, which runs one query at a time anyway.
  const lines = await db.query<OrderLine & { orderId: string }>(
    `SELECT order_id AS "orderId", product_id AS "productId", variant_id AS "variantId", sku, options, name,
            description, unit_price_cents AS "unitPriceCents", quantity, line_total_cents AS "lineTotalCents"
       FROM order_lines WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, line_number`,
    [ids],
  );
  const payments = await db.query<Payment>(
    `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE order_id = ANY($1::uuid[]) ORDER BY created_at, id`,
    [ids],
  );
  const linesOf = groupBy(lines.rows, (line) => line.orderId);
  const paymentsOf = groupBy(payments.rows, (payment) => payment.orderId);
  return rows.map((row) => ({
    ...row,
    // The grouping key stays out of the domain's line.
    lines: (linesOf.get(row.id) ?? []).map(({ orderId, ...line }): OrderLine => line),
    payments: paymentsOf.get(row.id) ?? [],
  }));
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
