/**
 * An example event consumer for developers: `npm run events:tail [-- SUBJECT]` prints every PolyScale event as it is
 * published, one line each (time, type, subject, data), e.g. `npm run events:tail -- 'polyscale.order.>'`.
 *
 * It listens on plain NATS subjects (every JetStream publish is also a NATS message), so it sees events live and keeps
 * nothing. A consumer that must not miss events while it is down reads the streams through a durable JetStream
 * consumer instead (README.md, "Events"). Reads NATS_URL (default nats://127.0.0.1:4222).
 */
import { connectNats, exitOnFailure, type CloudEvent } from "@polyscale/platform";

/** The line printed for one message: the envelope's time, type and subject, then its data as JSON. */
export function formatEvent(subject: string, body: string): string {
  try {
    const event = JSON.parse(body) as CloudEvent;
    return `${event.time} ${event.type} ${event.subject} ${JSON.stringify(event.data)}`;
  } catch {
    return `${new Date().toISOString()} ${subject} (not a CloudEvent) ${body.slice(0, 200)}`;
  }
}

/**
 * The servers of a NATS_URL (comma-separated) as they may be printed: without user name and password (OWASP Logging
 * Cheat Sheet: never log credentials).
 */
export function withoutCredentials(natsUrl: string): string {
  return natsUrl
    .split(",")
    .map((one) => {
      try {
        const url = new URL(one.trim());
        url.username = "";
        url.password = "";
        return url.href;
      } catch {
        return "(not a URL)";
      }
    })
    .join(",");
}

async function main(): Promise<void> {
  const url = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
  const subject = process.argv[2] ?? "polyscale.>";
  const connection = await connectNats(url, "polyscale-events-tail");
  const subscription = connection.subscribe(subject);
  const stop = () => void connection.drain().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  console.error(`listening on ${subject} at ${withoutCredentials(url)} (Ctrl-C to stop)`);
  for await (const message of subscription) console.log(formatEvent(message.subject, message.string()));
}

main().catch(exitOnFailure("events:tail cannot run"));
