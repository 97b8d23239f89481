import { v7 as uuidv7, validate, version } from "uuid";

/** A new identifier: a UUIDv7, so ids are unique, sort by creation time and index well. */
export function newId(): string {
  return uuidv7();
}

/** True when the value has the shape of an id this system hands out. */
export function isId(value: string): boolean {
  return validate(value) && version(value) === 7;
}
