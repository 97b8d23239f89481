/** Payments recorded against orders; (provider, providerReference) is unique. */
import type { Queryable } from "@polyscale/platform";
import type { NewPayment, Payment } from "../model.js";

/** The columns of a Payment, named as its fields. */
export const PAYMENT_COLUMNS = `id, order_id AS "orderId", kind, amount_cents AS "amountCents", currency, provider,
  provider_reference AS "providerReference", created_at AS "createdAt"`;

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
