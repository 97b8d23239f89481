/** The payment ledger (payments.ts): payments recorded against orders, (provider, providerReference) unique. */
import type { Queryable } from "@polyscale/platform";
import type { NewPayment, Order, Payment } from "../model.js";
import { ORDER_COLUMNS, PAYMENT_COLUMNS, withDetails, type OrderRow } from "./rows.js";

/** Records a payment; false when (provider, providerReference) is recorded already. */
export async function insertPayment(tx: Queryable, payment: NewPayment): Promise<boolean> {
  const result = await tx.query(
    `INSERT INTO payments (id, order_id, kind, amount_cents, currency, provider, provider_reference)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (provider, provider_reference) DO NOTHING`,
    [
      payment.id,
      payment.orderId,
      payment.kind,
      payment.amountCents,
      payment.currency,
      payment.provider,
      payment.providerReference,
    ],
  );
  return result.rowCount === 1;
}

export async function findPaymentByReference(
  db: Queryable,
  provider: string,
  providerReference: string,
): Promise<Payment | undefined> {
  const result = await db.query<Payment>(
    `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE provider = $1 AND provider_reference = $2`,
    [provider, providerReference],
  );
  return result.rows[0];
}

/** Locks an order row until the transaction ends, so payments on one order are recorded one at a time. */
export async function lockOrder(tx: Queryable, id: string): Promise<Order | undefined> {
  const result = await tx.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1 FOR UPDATE`, [id]);
  return (await withDetails(tx, result.rows))[0];
}
