import type { EventPublisher } from "./publisher.js";

/** An unsent outbox row as the relay reads it. */
export interface OutboxRow {
  id: number;
  event_id: string;
  subject: string;
  aggregate_id: string;
  body: string;
  traceparent: string | null;
  tracestate: string | null;
}

/** What became of a batch once every acknowledgement is in. */
export interface BatchOutcome {
  /** Outbox ids the broker acknowledged, each aggregate's only up to its first failure: these may be deleted. */
  sent: number[];
  /** Rows not counted as sent (refused, lost, or after a failure of their aggregate): the next batch sends them. */
  failed: number;
  /** The first failure, for the log. */
  firstError?: unknown;
}

/**
 * Publishes rows (in id order) pipelined: every row is handed to the broker at once, each aggregate's rows one after
 * the other in id order, the aggregates in the order of their first row, and then all acknowledgements are awaited
 * (waiting for each before sending the next made the events of a hot product queue behind one round trip each). The
 * calls are made synchronously, so this batch's messages reach the broker contiguously and an aggregate's run is never
 * interleaved with another message. Every row but the first of its aggregate names the row sent just before it as
 * previousId (JetStream: Nats-Expected-Last-Msg-Id, which is stream-wide, hence the contiguity), so when one is lost
 * the later ones of its aggregate are refused rather than stored ahead of it. Only the acknowledged rows before an
 * aggregate's first failure count as sent: the later ones are published again (the broker drops any copy it already
 * stored), so none of them can end up before the one that failed.
 */
export async function publishRows(publisher: EventPublisher, rows: readonly OutboxRow[]): Promise<BatchOutcome> {
  const byAggregate = new Map<string, OutboxRow[]>();
  for (const row of rows) {
    const list = byAggregate.get(row.aggregate_id) ?? [];
    list.push(row);
    byAggregate.set(row.aggregate_id, list);
  }
  const runs = [...byAggregate.values()];
  const acks = runs.map((run) =>
    Promise.allSettled(
      run.map((row, index) =>
        publisher.publish({
          id: row.event_id,
          subject: row.subject,
          body: row.body,
          traceparent: row.traceparent ?? undefined,
          tracestate: row.tracestate ?? undefined,
          previousId: index === 0 ? undefined : run[index - 1]!.event_id,
        }),
      ),
    ),
  );
  const outcome: BatchOutcome = { sent: [], failed: 0 };
  for (const [runIndex, outcomes] of (await Promise.all(acks)).entries()) {
    const firstFailure = outcomes.findIndex((settled) => settled.status === "rejected");
    const acknowledged = firstFailure === -1 ? outcomes.length : firstFailure;
    outcome.sent.push(...runs[runIndex]!.slice(0, acknowledged).map((row) => row.id));
    if (firstFailure !== -1) {
      outcome.failed += outcomes.length - acknowledged;
      outcome.firstError ??= (outcomes[firstFailure] as PromiseRejectedResult).reason;
    }
  }
  return outcome;
}
