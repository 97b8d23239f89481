import { v7 as uuidv7, validate, version } from "uuid";

/** A new identifier: a UUIDv7, so ids are unique, sort by creation time and index well. */
export function newId(): string {
  return uuidv7();
}

/** True when the value has the shape of an id this system hands out. */
export function isId(value: string): boolean {
  return validate(value) && version(value) === 7;
}

/**
 * A UUIDv7 made from given parts instead of the clock and a random source: the same (msecs, random) always gives the
 * same id, so generated data (the demo catalogue) can be generated again without duplicating rows.
 *
 * @param msecs the id's timestamp, milliseconds since 1970
 * @param random 16 bytes; only some of them are used
 */
export function idFrom(msecs: number, random: Uint8Array): string {
  return uuidv7({ msecs, random });
}
