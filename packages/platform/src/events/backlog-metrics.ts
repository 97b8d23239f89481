import type pg from "pg";
import type { Logger } from "pino";
import type { Queryable } from "../database.js";
import { describeError } from "../error-description.js";
import { gauge } from "../metrics.js";

/** The outbox backlog on /metrics, beside the relay (relay.ts) that drains it; started by startEvents (start.ts). */

let backlogExported = false;

/**
 * Exports the outbox backlog of a process on its /metrics, read from the table at each scrape:
 * polyscale_outbox_pending_events (rows the broker has not acknowledged yet) and
 * polyscale_outbox_oldest_pending_age_seconds (how long the oldest of them has waited, in seconds; 0 when none), which
 * the PolyScaleOutboxLag alert watches. For a process that publishes (without a broker, pending rows are expected).
 * Once per process: later calls are ignored. A failed read leaves the gauges out of that scrape and is logged.
 */
export function exportOutboxBacklog(database: Queryable, logger: Logger): void {
  if (backlogExported) return;
  backlogExported = true;
  /** The rows of a backlog query, or undefined (logged) when the database could not answer. */
  const read = async <Row extends pg.QueryResultRow>(sql: string): Promise<Row[] | undefined> => {
    try {
      return (await database.query<Row>(sql)).rows;
    } catch (error) {
      logger.warn({ err: describeError(error) }, "outbox backlog could not be read for /metrics");
      return undefined;
    }
  };
  gauge({
    name: "polyscale_outbox_pending_events",
    help: "Events in the transactional outbox not yet acknowledged by the broker",
    async collect() {
      this.reset();
      const rows = await read<{ count: number }>("SELECT count(*)::int AS count FROM event_outbox");
      if (rows) this.set(rows[0]!.count);
    },
  });
  gauge({
    name: "polyscale_outbox_oldest_pending_age_seconds",
    help: "Seconds since the oldest event not yet acknowledged by the broker was written (0 when none is pending)",
    async collect() {
      this.reset();
      // The oldest pending row is the first by id (published rows are deleted): the primary key finds it.
      const rows = await read<{ age: number }>(
        "SELECT extract(epoch FROM now() - created_at)::float8 AS age FROM event_outbox ORDER BY id LIMIT 1",
      );
      if (rows) this.set(Math.max(0, rows[0]?.age ?? 0));
    },
  });
}
