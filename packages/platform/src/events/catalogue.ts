import {
  AccountRegistered,
  AccountSessionsRevoked,
  AccountUpdated,
  OrderPlaced,
  OrderStatusChanged,
  PaymentRecorded,
  ProductArchiveChanged,
  ProductChanged,
  ProductStockChanged,
  ProductVariantArchiveChanged,
} from "@polyscale/proto/events/v1/events";

/** The part of a ts-proto message codec the events need: the proto3 JSON mapping both ways. */
interface JsonCodec<T> {
  toJSON(message: T): unknown;
  fromJSON(object: unknown): T;
}

/** The service that owns the database an event is written to; it names the CloudEvents source and the stream. */
export type EventSource = "account" | "product" | "order";

function entry<T>(source: EventSource, message: JsonCodec<T>) {
  return { source, message };
}

/**
 * Every event PolyScale publishes: its name (the CloudEvents `type` without the "polyscale." prefix), the service
 * that publishes it and the protobuf message of its `data` (proto/polyscale/events/v1/events.proto).
 */
export const EVENT_CATALOGUE = {
  "account.registered": entry("account", AccountRegistered),
  "account.updated": entry("account", AccountUpdated),
  "account.sessions_revoked": entry("account", AccountSessionsRevoked),
  "product.created": entry("product", ProductChanged),
  "product.updated": entry("product", ProductChanged),
  "product.stock_changed": entry("product", ProductStockChanged),
  "product.archived": entry("product", ProductArchiveChanged),
  "product.restored": entry("product", ProductArchiveChanged),
  "product.variant_archived": entry("product", ProductVariantArchiveChanged),
  "product.variant_restored": entry("product", ProductVariantArchiveChanged),
  "order.placed": entry("order", OrderPlaced),
  "order.paid": entry("order", OrderStatusChanged),
  "order.cancelled": entry("order", OrderStatusChanged),
  "order.expired": entry("order", OrderStatusChanged),
  "order.fulfilled": entry("order", OrderStatusChanged),
  "order.refunded": entry("order", OrderStatusChanged),
  "payment.recorded": entry("order", PaymentRecorded),
} as const;

export type EventName = keyof typeof EVENT_CATALOGUE;
/** The payload type of an event, as ts-proto generates it from the catalogue's message. */
export type EventData<N extends EventName> =
  (typeof EVENT_CATALOGUE)[N]["message"] extends JsonCodec<infer T> ? T : never;

/** An event before it is written: what happened (name), to which aggregate (subject: its id) and the payload. */
export interface DomainEvent<N extends EventName = EventName> {
  name: N;
  /** Id of the account, product or order the event is about. Events of one subject are published in commit order. */
  subject: string;
  data: EventData<N>;
}

/** Builds a DomainEvent, type-checking the payload against the event's message. */
export function domainEvent<N extends EventName>(name: N, subject: string, data: EventData<N>): DomainEvent<N> {
  return { name, subject, data };
}

/**
 * A CloudEvents 1.0 envelope in its JSON format (https://github.com/cloudevents/spec, json-format.md): what is
 * published, byte for byte, as the NATS message body.
 */
export interface CloudEvent {
  specversion: "1.0";
  /** UUIDv7; also the Nats-Msg-Id, so JetStream drops a republished copy. */
  id: string;
  /** "/polyscale/<service>". */
  source: string;
  /** "polyscale.<event name>", e.g. polyscale.order.placed. */
  type: string;
  /** The aggregate id. */
  subject: string;
  /** RFC 3339 time the change was written. */
  time: string;
  datacontenttype: "application/json";
  /** proto3 JSON of the event's message. */
  data: unknown;
}

const TYPE_PREFIX = "polyscale.";

/** The CloudEvents `type` of an event, which is also its NATS subject: polyscale.order.placed. */
export function eventType(name: EventName): string {
  return TYPE_PREFIX + name;
}

/**
 * The NATS subject wildcard matching every event whose name starts with `group` (the part before the dot:
 * "product" gives polyscale.product.>, which matches polyscale.product.updated), for streams, consumers and
 * subscriptions.
 */
export function eventsSubject(group: string): string {
  return `${TYPE_PREFIX}${group}.>`;
}

/** The event name of a CloudEvents `type`, or undefined when the type is not in the catalogue. */
export function eventNameOf(type: string): EventName | undefined {
  if (!type.startsWith(TYPE_PREFIX)) return undefined;
  const name = type.slice(TYPE_PREFIX.length);
  return Object.hasOwn(EVENT_CATALOGUE, name) ? (name as EventName) : undefined;
}

/** Decodes the data of a received envelope into its typed payload. */
export function eventData<N extends EventName>(name: N, envelope: CloudEvent): EventData<N> {
  return (EVENT_CATALOGUE[name].message as JsonCodec<EventData<N>>).fromJSON(envelope.data);
}

/** Wraps an event in its envelope. */
export function toCloudEvent(event: DomainEvent, id: string, time: Date): CloudEvent {
  const { source, message } = EVENT_CATALOGUE[event.name];
  return {
    specversion: "1.0",
    id,
    source: `/polyscale/${source}`,
    type: eventType(event.name),
    subject: event.subject,
    time: time.toISOString(),
    datacontenttype: "application/json",
    data: (message as JsonCodec<unknown>).toJSON(event.data),
  };
}

/**
 * The JetStream stream of each publishing service and the subjects it captures. payment.recorded belongs to the
 * order service, whose database records payments.
 */
export const EVENT_STREAMS: Record<EventSource, { name: string; subjects: string[] }> = {
  account: { name: "POLYSCALE_ACCOUNT", subjects: [eventsSubject("account")] },
  product: { name: "POLYSCALE_PRODUCT", subjects: [eventsSubject("product")] },
  order: { name: "POLYSCALE_ORDER", subjects: [eventsSubject("order"), eventsSubject("payment")] },
};
