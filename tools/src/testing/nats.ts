import { jetstream, jetstreamManager, type JsMsg } from "@nats-io/jetstream";
import type { MsgHdrs, NatsConnection } from "@nats-io/transport-node";
import type { CloudEvent } from "@polyscale/platform";

/** One message of an event stream as a test reads it. */
export interface StreamedEvent {
  /** The NATS subject, e.g. polyscale.order.placed. */
  subject: string;
  headers: MsgHdrs | undefined;
  envelope: CloudEvent;
}

/**
 * Every message the stream holds now, in stream order, through an ordered consumer of its own (nothing is
 * acknowledged or left behind on the server).
 */
export async function readStream(connection: NatsConnection, stream: string): Promise<StreamedEvent[]> {
  const total = (await (await jetstreamManager(connection)).streams.info(stream)).state.messages;
  const consumer = await jetstream(connection).consumers.get(stream);
  const received: StreamedEvent[] = [];
  while (received.length < total) {
    const batch = await consumer.fetch({ max_messages: total - received.length, expires: 2_000 });
    for await (const message of batch as AsyncIterable<JsMsg>) {
      received.push({ subject: message.subject, headers: message.headers, envelope: message.json<CloudEvent>() });
    }
  }
  return received;
}
