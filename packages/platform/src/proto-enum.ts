/**
 * An enum field of a request as a service receives it: one of the domain's values, or, from the wire, the number of
 * a value the contract does not define (a newer client's) written as text, which is none of them. The service checks
 * it with `requireOneOf`, so the refusal names the field wherever the request came from. Unset is `undefined`.
 */
export type EnumInput<Domain extends string> = Domain | `${number}`;

/**
 * A proto enum's number read through `table`, the domain value → proto number table the server also writes with:
 * the domain value it names; `undefined` for 0, the contract's …_UNSPECIFIED (the field was left unset); any other
 * number as text. It only converts: whether unset means a default or is refused, and the refusal of a number the
 * contract does not define, are the service's (`requireOneOf`).
 */
export function enumFromProto<Domain extends string>(
  table: Readonly<Record<Domain, number>>,
  value: number,
): EnumInput<Domain> | undefined {
  if (value === 0) return undefined;
  const named = (Object.keys(table) as Domain[]).find((domain) => table[domain] === value);
  return named ?? `${value}`;
}
