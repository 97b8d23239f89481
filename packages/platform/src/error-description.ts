/** What a log line holds about an error. */
export interface ErrorDescription {
  type: string;
  message: string;
  code?: string;
}

/**
 * What may be logged about an error: its kind (class name), message and code, never a stack, query text or
 * parameters. The logger applies it to every `err` it is given; a description passes through unchanged.
 */
export function describeError(error: unknown): ErrorDescription {
  if (isDescription(error)) return error;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { type: error.constructor.name, message: error.message, ...(typeof code === "string" ? { code } : {}) };
  }
  return { type: typeof error, message: String(error) };
}

function isDescription(value: unknown): value is ErrorDescription {
  if (typeof value !== "object" || value === null || value instanceof Error) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.type === "string" && typeof candidate.message === "string";
}
