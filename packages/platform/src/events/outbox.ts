import { context, propagation } from "@opentelemetry/api";
import type { Queryable } from "../database.js";
import { newId } from "../ids.js";
import { eventType, toCloudEvent, type DomainEvent } from "./catalogue.js";

/**
 * Writes events to the transactional outbox (the event_outbox table every service's migrations create). Call it with
 * the transaction that makes the change, so an event exists if and only if the change committed; the OutboxRelay
 * publishes it after the commit.
 *
 * Call it AFTER the statements that lock or create the aggregate's row: the outbox id is the publishing order, and a
 * second transaction on the same aggregate waits for that row lock, so it takes its outbox id only after the first
 * one committed. That is what makes ids, and so publication, follow commit order per aggregate.
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

export async function recordEvents(tx: Queryable, events: readonly DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  const time = new Date();
  const ids = events.map(() => newId());
  const trace: { traceparent?: string; tracestate?: string } = {};
  propagation.inject(context.active(), trace);
  await tx.query(
    `INSERT INTO event_outbox (event_id, subject, aggregate_id, body, traceparent, tracestate)
     SELECT *, $5::text, $6::text FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])`,
    [
      ids,
      events.map((event) => eventType(event.name)),
      events.map((event) => event.subject),
      events.map((event, index) => JSON.stringify(toCloudEvent(event, ids[index]!, time))),
      trace.traceparent ?? null,
      trace.tracestate ?? null,
    ],
  );
  tx.afterCommit(eventsCommitted);
}
