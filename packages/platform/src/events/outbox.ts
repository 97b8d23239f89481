import { context, propagation } from "@opentelemetry/api";
import type { Queryable } from "../database.js";
import { newId } from "../ids.js";
import { eventType, toCloudEvent, type DomainEvent } from "./catalogue.js";

/**
 * Writes events to the transactional outbox (the event_outbox table every service's migrations create). Call it with
 * the transaction that makes the change, so an event exists if and only if the change committed; the OutboxRelay
 * publishes it after the commit.
 *
 * Call it AFTER the statements that lock or create the aggregate's row, never before: the outbox id is the publishing
 * order, and a second transaction on the same aggregate waits for that row lock, so it takes its outbox id only after
 * the first one committed. That is what makes ids, and so publication, follow commit order per aggregate (a row written
 * before the lock would take its id before the lock was won, and could be published before an event that committed
 * first). For a hot row, write the events in the statement that locks it instead (outboxRows).
 *
 * Inside a traced request the row keeps the request's W3C trace context (traceparent, tracestate), which the relay
 * sends as message headers. Without tracing the propagator is a no-op and nothing is stored. Once the transaction
 * commits, the relays of this process are woken (onEventsCommitted).
 */
const committedListeners = new Set<() => void>();

/**
 * Calls `listener` each time a transaction of this process that wrote events has committed (the relay wakes up
 * instead of waiting for its next poll). Returns the function that removes it.
 */
export function onEventsCommitted(listener: () => void): () => void {
  committedListeners.add(listener);
  return () => committedListeners.delete(listener);
}

function eventsCommitted(): void {
  for (const listener of committedListeners) listener();
}

/**
 * The outbox rows of events, column by column (event_id, subject, aggregate_id, body; one trace context for all), for
 * a statement that inserts them itself together with the change they report, in a data-modifying CTE:
 * `WITH changed AS (UPDATE … RETURNING …) INSERT INTO event_outbox … SELECT … FROM changed`. So a hot row stays locked
 * only for that one statement and the commit, where recordEvents would hold it one more round trip. The ordering rule
 * of recordEvents holds: the INSERT must select from the CTE that locks the rows, so it takes its outbox ids after the
 * locks were won. As recordEvents does, wakes this process's relays once the transaction commits. `time` is the
 * envelopes' time, now unless given (a statement that sets it itself passes a stand-in it replaces).
 */
export function outboxRows(
  tx: Queryable,
  events: readonly DomainEvent[],
  time = new Date(),
): {
  eventIds: string[];
  subjects: string[];
  aggregateIds: string[];
  bodies: string[];
  traceparent: string | null;
  tracestate: string | null;
} {
  const eventIds = events.map(() => newId());
  const trace: { traceparent?: string; tracestate?: string } = {};
  propagation.inject(context.active(), trace);
  if (events.length > 0) tx.afterCommit(eventsCommitted);
  return {
    eventIds,
    subjects: events.map((event) => eventType(event.name)),
    aggregateIds: events.map((event) => event.subject),
    bodies: events.map((event, index) => JSON.stringify(toCloudEvent(event, eventIds[index]!, time))),
    traceparent: trace.traceparent ?? null,
    tracestate: trace.tracestate ?? null,
  };
}

export async function recordEvents(tx: Queryable, events: readonly DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = outboxRows(tx, events);
  await tx.query(
    `INSERT INTO event_outbox (event_id, subject, aggregate_id, body, traceparent, tracestate)
     SELECT *, $5::text, $6::text FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])`,
    [rows.eventIds, rows.subjects, rows.aggregateIds, rows.bodies, rows.traceparent, rows.tracestate],
  );
}
