import { describeError, type Database, type Logger, type Queryable } from "@polyscale/platform";
import { toProductDocument, type ElasticsearchEngine, type IndexedProduct } from "./elasticsearch.js";

export interface OutboxWorkerOptions {
  /** Pause between looks at the outbox when it had nothing (more) to deliver. */
  pollMs: number;
  /** Products per delivery; all their waiting rows go in the same delivery. */
  batchSize?: number;
  /** Wait before the first retry of a failed delivery; doubles with each further attempt, up to retryMaxMs. */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

export interface DeliveryReport {
  /** Products whose current state reached the index (written, or removed when the product is gone). */
  delivered: number;
  /** Products Elasticsearch did not accept; their rows stay and are retried later. */
  failed: number;
}

// Any constant will do; it only has to be the same in every replica of the product service.
const OUTBOX_DELIVERY_LOCK_KEY = 727_002;
// 2^20 × retryBaseMs is far past any sensible cap; bounding the exponent keeps power() from overflowing.
const MAX_BACKOFF_EXPONENT = 20;

/**
 * Delivers the search outbox (see outbox.ts) to Elasticsearch. Each delivery runs in one transaction: it claims due
 * rows with FOR UPDATE SKIP LOCKED, reads the CURRENT state of their products, writes them in one bulk request, and
 * deletes the rows only for products Elasticsearch accepted; the others get their attempts bumped and a later
 * next_attempt_at (exponential backoff, capped). A crash mid-delivery rolls back, so a row is never lost.
 *
 * Deliveries are serialised across replicas by a transaction-scoped advisory lock: two replicas reading the same
 * product at different moments could otherwise write its states to the index in the wrong order.
 */
export class OutboxWorker {
  private readonly batchSize: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly database: Database,
    private readonly engine: ElasticsearchEngine,
    private readonly logger: Logger,
    private readonly options: OutboxWorkerOptions,
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.retryBaseMs = options.retryBaseMs ?? 1_000;
    this.retryMaxMs = options.retryMaxMs ?? 300_000;
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run();
  }

  /** Stops polling; resolves once the delivery in flight, if any, has committed or rolled back. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    await this.loop;
    this.loop = undefined;
  }

  /** Delivers everything due now, batch after batch, until nothing is due (failed rows are due later). */
  async drain(): Promise<DeliveryReport> {
    const total: DeliveryReport = { delivered: 0, failed: 0 };
    for (;;) {
      const report = await this.deliverBatch();
      if (report.delivered + report.failed === 0) return total;
      total.delivered += report.delivered;
      total.failed += report.failed;
    }
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let report: DeliveryReport | undefined;
      try {
        report = await this.deliverBatch();
      } catch (error) {
        this.logger.error({ err: describeError(error) }, "search outbox delivery failed");
      }
      // After a clean delivery more rows may be waiting (a backlog, or changes made meanwhile): look again at once.
      if (report && report.failed === 0 && report.delivered > 0) continue;
      if (!this.stopping) await this.pause();
    }
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.options.pollMs);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** One delivery: claims up to batchSize due products, sends their current state, settles their rows. */
  async deliverBatch(): Promise<DeliveryReport> {
    return this.database.transaction(async (tx) => {
      const lock = await tx.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock($1) AS locked", [
        OUTBOX_DELIVERY_LOCK_KEY,
      ]);
      // Another replica is delivering; the rows will still be there for whoever looks next.
      if (!lock.rows[0]!.locked) return { delivered: 0, failed: 0 };

      const claimed = await claimDueRows(tx, this.batchSize);
      if (claimed.length === 0) return { delivered: 0, failed: 0 };
      const productIds = [...new Set(claimed.map((row) => row.productId))];
      const products = await loadProducts(tx, productIds);

      let failedIds: Set<string>;
      try {
        const foundIds = new Set(products.map((product) => product.id));
        const goneIds = productIds.filter((id) => !foundIds.has(id));
        const refused = [
          ...(await this.engine.indexDocuments(
            products.map((product) => toProductDocument(product, product.categoryName)),
          )),
          ...(await this.engine.deleteDocuments(goneIds)),
        ];
        failedIds = new Set(refused);
        if (refused.length > 0) {
          this.logger.warn({ products: refused.length }, "search index refused some products; will retry");
        }
      } catch (error) {
        failedIds = new Set(productIds);
        this.logger.warn(
          { err: describeError(error), products: productIds.length },
          "search index unreachable or failing; will retry",
        );
      }

      const deliveredRows = claimed.filter((row) => !failedIds.has(row.productId)).map((row) => row.id);
      const failedRows = claimed.filter((row) => failedIds.has(row.productId)).map((row) => row.id);
      if (deliveredRows.length > 0) {
        await tx.query("DELETE FROM search_outbox WHERE id = ANY($1::bigint[])", [deliveredRows]);
      }
      if (failedRows.length > 0) {
        await tx.query(
          `UPDATE search_outbox
              SET attempts = attempts + 1,
                  next_attempt_at = now()
                    + least($2::float8, $3::float8 * power(2, least(attempts, $4))) * interval '1 millisecond'
            WHERE id = ANY($1::bigint[])`,
          [failedRows, this.retryMaxMs, this.retryBaseMs, MAX_BACKOFF_EXPONENT],
        );
      }
      const report = { delivered: productIds.length - failedIds.size, failed: failedIds.size };
      this.logger.debug(report, "search outbox delivered");
      return report;
    });
  }
}

/**
 * Locks the rows of the oldest due products, and every other waiting row of those same products: one write of the
 * current state settles them all.
 */
async function claimDueRows(tx: Queryable, batchSize: number): Promise<Array<{ id: number; productId: string }>> {
  const result = await tx.query<{ id: number; productId: string }>(
    `WITH due AS (
       SELECT product_id FROM search_outbox
        WHERE next_attempt_at <= now()
        ORDER BY id
        LIMIT $1
        FOR UPDATE SKIP LOCKED
     )
     SELECT id, product_id AS "productId" FROM search_outbox
      WHERE product_id IN (SELECT product_id FROM due)
      ORDER BY id
      FOR UPDATE SKIP LOCKED`,
    [batchSize],
  );
  return result.rows;
}

async function loadProducts(tx: Queryable, ids: string[]): Promise<IndexedProductRow[]> {
  const result = await tx.query<IndexedProductRow>(
    `SELECT ${INDEXED_PRODUCT_COLUMNS}
       FROM products p LEFT JOIN categories c ON c.id = p.category_id
      WHERE p.id = ANY($1::uuid[])`,
    [ids],
  );
  return result.rows;
}

export type IndexedProductRow = IndexedProduct & { categoryName: string | null };

/** The columns of an IndexedProductRow, for a query over `products p LEFT JOIN categories c`. */
export const INDEXED_PRODUCT_COLUMNS = `p.id, p.name, p.description, p.price_cents AS "priceCents", p.currency,
  p.category_id AS "categoryId", p.stock, p.created_at AS "createdAt", c.name AS "categoryName"`;
