import { describe, expect, it } from "vitest";
import { EVENT_CATALOGUE, EVENT_STREAMS, eventsSubject, eventType, type EventName } from "./catalogue.js";

/** NATS wildcard matching: `>` matches one or more trailing tokens, `*` exactly one. */
function matches(pattern: string, subject: string): boolean {
  const want = pattern.split(".");
  const have = subject.split(".");
  for (const [index, token] of want.entries()) {
    if (token === ">") return have.length > index;
    if (token !== "*" && token !== have[index]) return false;
  }
  return want.length === have.length;
}

describe("event streams", () => {
  it("capture every catalogue event in its source's stream, and no other stream", () => {
    for (const name of Object.keys(EVENT_CATALOGUE) as EventName[]) {
      const capturing = Object.entries(EVENT_STREAMS).filter(([, stream]) =>
        stream.subjects.some((subject) => matches(subject, eventType(name))),
      );
      expect(
        capturing.map(([source]) => source),
        name,
      ).toEqual([EVENT_CATALOGUE[name].source]);
    }
  });

  it("eventsSubject is the wildcard of one group", () => {
    expect(matches(eventsSubject("product"), eventType("product.updated"))).toBe(true);
    expect(matches(eventsSubject("product"), eventType("order.placed"))).toBe(false);
  });
});
