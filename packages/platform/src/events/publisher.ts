/** One outbox row as it goes to the broker. */
export interface OutboxMessage {
  /** The event id (UUIDv7): the broker's deduplication key. */
  id: string;
  /** Where it is published, e.g. polyscale.order.placed. */
  subject: string;
  /** The CloudEvents JSON envelope. */
  body: string;
  /** W3C trace context of the request that wrote the event (sent as message headers), when it was traced. */
  traceparent?: string;
  tracestate?: string;
  /**
   * The id of the message published just before this one, an earlier event of the same aggregate: the broker must
   * store this one only if that one is the last it stored (JetStream: Nats-Expected-Last-Msg-Id). Unset for the first
   * message of an aggregate in a batch.
   */
  previousId?: string;
}

/**
 * Where the relay sends events. Kept this small so a different broker (Kafka: topic per aggregate type, event id as
 * key, idempotent producer; see ARCHITECTURE.md) fits behind it.
 */
export interface EventPublisher {
  /**
   * Stores the message durably; resolves only once the broker acknowledged it, rejects when it did not (or refused it
   * because the message named as previousId is not the last one stored). Sending the same id twice must store it once.
   * Calls made one after another without awaiting reach the broker in call order.
   */
  publish(message: OutboxMessage): Promise<void>;
  /** False while the broker is known to be unreachable: the relay then waits instead of trying. */
  isConnected(): boolean;
  close(): Promise<void>;
}
