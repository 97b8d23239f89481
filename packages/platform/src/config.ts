/**
 * Typed configuration from environment variables. Each service declares its settings once (name, type, default);
 * reading them checks every value and reports all problems together, naming each variable.
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { describeError } from "./error-description.js";
import { AppError } from "./errors.js";
import { grpcTlsProblems } from "./grpc-tls.js";
import { requireCurrency } from "./validation.js";

export interface Setting<T> {
  readonly variable: string;
  read(raw: string | undefined): T;
  /**
   * What NODE_ENV=production requires of the value read: the problem, or undefined when it is fine (a development
   * default or an unset secret is refused there, see setting.requiredInProduction and setting.developmentDefault).
   */
  productionProblem?(value: T): string | undefined;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  /** What start-up failures print beside the message (exitOnStartFailure). */
  readonly code = "CONFIG_INVALID";
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
}

/** A settings object: each key's setting (`accountSettings`, `productSettings`, …). */
export type Settings = Record<string, Setting<unknown>>;

/** The values readConfig reads for a settings object, by the same keys. */
export type ValuesOf<S> = { [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

/**
 * A rule between settings (product's ELASTICSEARCH_URL needs NATS_URL): readConfig reports its problem with the
 * others, checked once each setting it relates was read without a problem of its own.
 */
export interface SettingRule<S extends Settings> {
  /** The settings it relates, by key. */
  readonly keys: readonly (keyof S)[];
  /** What is wrong with these values together, starting with a variable's name; undefined when they agree. */
  problem(values: ValuesOf<S>): string | undefined;
}

/**
 * Reads every setting from the environment and checks every rule: the settings' own, production's requirements, and
 * `rules` between settings. Every problem is reported at once, by variable, in one ConfigError (CONFIG_INVALID).
 */
export function readConfig<S extends Settings>(
  settings: S,
  environment: NodeJS.ProcessEnv = process.env,
  rules: readonly SettingRule<S>[] = [],
): ValuesOf<S> {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  const unread = new Set<string>();
  for (const [key, setting] of Object.entries(settings)) {
    const raw = environment[setting.variable];
    try {
      values[key] = setting.read(raw === "" ? undefined : raw);
    } catch (error) {
      // An invalidArgument about the variable (setting.currency's requireCurrency) already starts with its name.
      const named = error instanceof AppError && error.field === setting.variable;
      problems.push(named ? error.message : `${setting.variable}: ${(error as Error).message}`);
      unread.add(key);
      continue;
    }
    const problem = environment.NODE_ENV === "production" ? setting.productionProblem?.(values[key]) : undefined;
    if (problem) problems.push(`${setting.variable}: ${problem}`);
  }
  // A setting that could not be read is reported already; a rule over it would only repeat that (or guess).
  for (const rule of rules) {
    if (rule.keys.some((key) => unread.has(key as string))) continue;
    const problem = rule.problem(values as ValuesOf<S>);
    if (problem) problems.push(problem);
  }
  // Every process reads the common settings, so every process refuses to start without its service credentials,
  // or with files it cannot read, before anything else happens.
  if ("grpcTlsCa" in settings) problems.push(...grpcTlsProblems(environment));
  if (problems.length > 0) throw new ConfigError(problems);
  return values as ValuesOf<S>;
}

/** The environment variable names a settings object reads, e.g. to check deployment files against them. */
export function variablesOf(settings: Record<string, Setting<unknown>>): string[] {
  return Object.values(settings).map((setting) => setting.variable);
}

function required<T>(variable: string, parse: (raw: string) => T, fallback: T | undefined): Setting<T> {
  return {
    variable,
    read(raw) {
      if (raw === undefined) {
        if (fallback === undefined) throw new Error("is required");
        return fallback;
      }
      return parse(raw);
    },
  };
}

function parseInteger(raw: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(raw.trim())) throw new Error(`must be a whole number (got "${raw}")`);
  const value = Number(raw);
  if (value < min || value > max) throw new Error(`must be between ${min} and ${max} (got ${value})`);
  return value;
}

/** A PEM private key of `type`; the errors never repeat the text, which is a secret. */
function parsePrivateKey(raw: string, type: "ed25519"): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: raw, format: "pem" });
  } catch {
    throw new Error("is not a PEM private key");
  }
  if (key.asymmetricKeyType !== type) {
    throw new Error(`must be an Ed25519 private key (got ${key.asymmetricKeyType ?? "another"} key)`);
  }
  return key;
}

function parseUrl(raw: string, protocols: string[]): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error("must be a URL");
  }
  if (!protocols.includes(url.protocol)) throw new Error(`must be a ${protocols.join(" or ")} URL`);
  return raw;
}

/**
 * A nats: or tls: URL that names a host. WHATWG URL parses `nats://` (a scheme it has no rules for) with an empty
 * host, which no client can reach. (Not required of every URL: a PostgreSQL URL may name a socket instead.)
 */
function parseNatsUrl(raw: string): string {
  parseUrl(raw, ["nats:", "tls:"]);
  if (new URL(raw).hostname === "") throw new Error("must name a host");
  return raw;
}

export const setting = {
  string(variable: string, fallback?: string): Setting<string> {
    return required(variable, (raw) => raw, fallback);
  },
  optionalString(variable: string): Setting<string | undefined> {
    return { variable, read: (raw) => raw };
  },
  integer(variable: string, fallback: number, limits: { min: number; max: number }): Setting<number> {
    return required(variable, (raw) => parseInteger(raw, limits.min, limits.max), fallback);
  },
  port(variable: string, fallback: number): Setting<number> {
    return required(variable, (raw) => parseInteger(raw, 0, 65535), fallback);
  },
  boolean(variable: string, fallback: boolean): Setting<boolean> {
    return required(
      variable,
      (raw) => {
        if (/^(1|true|yes|on)$/i.test(raw)) return true;
        if (/^(0|false|no|off)$/i.test(raw)) return false;
        throw new Error(`must be true or false (got "${raw}")`);
      },
      fallback,
    );
  },
  /** Comma-separated values, trimmed, empty ones dropped. */
  list(variable: string, fallback: string[]): Setting<string[]> {
    return required(
      variable,
      (raw) =>
        raw
          .split(",")
          .map((value) => value.trim())
          .filter((value) => value.length > 0),
      fallback,
    );
  },
  oneOf<T extends string>(variable: string, values: readonly T[], fallback: T): Setting<T> {
    return required(
      variable,
      (raw) => {
        if (!values.includes(raw as T)) throw new Error(`must be one of ${values.join(", ")} (got "${raw}")`);
        return raw as T;
      },
      fallback,
    );
  },
  /** A PostgreSQL connection URL, required: `npm start` sets one for each service (its embedded PostgreSQL). */
  databaseUrl(variable: string): Setting<string> {
    return {
      variable,
      read(raw) {
        if (raw === undefined) throw new Error("is required (npm start sets it to the embedded PostgreSQL)");
        return parseUrl(raw, ["postgres:", "postgresql:"]);
      },
    };
  },
  /** NATS server URLs, comma-separated, each nats:// or tls://; unset means none. */
  optionalNatsUrls(variable: string): Setting<string | undefined> {
    return {
      variable,
      read: (raw) =>
        raw === undefined
          ? undefined
          : raw
              .split(",")
              .map((url) => parseNatsUrl(url.trim()))
              .join(","),
    };
  },
  /** An http(s) URL, `fallback` when unset. */
  httpUrl(variable: string, fallback: string): Setting<string> {
    return required(variable, (raw) => parseUrl(raw, ["http:", "https:"]), fallback);
  },
  optionalHttpUrl(variable: string): Setting<string | undefined> {
    return { variable, read: (raw) => (raw === undefined ? undefined : parseUrl(raw, ["http:", "https:"])) };
  },
  /**
   * An Ed25519 private key, PEM (PKCS#8), as the key it is; unset means none. A value that is not one is refused
   * with the other bad settings, never repeated (account's JWT_PRIVATE_KEY).
   */
  optionalEd25519PrivateKey(variable: string): Setting<KeyObject | undefined> {
    return { variable, read: (raw) => (raw === undefined ? undefined : parsePrivateKey(raw, "ed25519")) };
  },
  /** An ISO 4217 currency code, uppercased (the platform's requireCurrency). */
  currency(variable: string, fallback: string): Setting<string> {
    return required(variable, (raw) => requireCurrency(variable, raw), fallback);
  },
  /** An optional setting that NODE_ENV=production requires: `what` says what to set it to. */
  requiredInProduction<T>(optional: Setting<T | undefined>, what: string): Setting<T | undefined> {
    return {
      ...optional,
      productionProblem: (value) => (value === undefined ? `is required in production (${what})` : undefined),
    };
  },
  /**
   * A string whose default is for development only: NODE_ENV=production refuses it, unset or given (`advice` says
   * what to set instead). The message never repeats the value, which is a secret.
   */
  developmentDefault(variable: string, fallback: string, advice: string): Setting<string> {
    return {
      ...required(variable, (raw) => raw, fallback),
      productionProblem: (value) => (value === fallback ? `is the development default; ${advice}` : undefined),
    };
  },
};

/** Rules between settings, for readConfig's `rules`. */
export const settingRule = {
  /**
   * The setting at `key`, when set, needs the one at `needed` set too; `why` says what for. E.g. product's
   * ELASTICSEARCH_URL needs NATS_URL: the search index follows the product events.
   */
  needs<S extends Settings>(settings: S, key: keyof S, needed: keyof S, why: string): SettingRule<S> {
    return {
      keys: [key, needed],
      problem: (values) =>
        values[key] !== undefined && values[needed] === undefined
          ? `${settings[key]!.variable}: needs ${settings[needed]!.variable} (${why})`
          : undefined,
    };
  },
};

/** Settings every process reads. */
export const commonSettings = {
  environment: setting.oneOf("NODE_ENV", ["development", "test", "production"], "development"),
  logLevel: setting.oneOf("LOG_LEVEL", ["fatal", "error", "warn", "info", "debug", "trace", "silent"], "info"),
  /** How long a gRPC call may take when the caller set no tighter deadline. */
  grpcDeadlineMs: setting.integer("GRPC_DEADLINE_MS", 3000, { min: 1, max: 600_000 }),
  /** How long shutdown waits for in-flight work before it closes connections anyway. */
  shutdownTimeoutMs: setting.integer("SHUTDOWN_TIMEOUT_MS", 10_000, { min: 0, max: 600_000 }),
  /** PEM files for mutual TLS between services (all three or none; required in production), see grpc-tls.ts. */
  grpcTlsCa: setting.optionalString("GRPC_TLS_CA"),
  grpcTlsCert: setting.optionalString("GRPC_TLS_CERT"),
  grpcTlsKey: setting.optionalString("GRPC_TLS_KEY"),
};

/** A multi-line message (ConfigError's list of problems) as one line, its lines joined with "; ". */
export function oneLine(message: string): string {
  return message
    .split("\n")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .join("; ")
    .replace(/:; /g, ": ");
}

/**
 * The `catch` of every command's `main()` (seed, reindex, events:tail, the launchers' settingsOrExit; the services' through
 * exitOnStartFailure):
 * prints one line, `<prefix>: <message> [<code>]` (a multi-line message such as ConfigError's list of problems
 * joined with "; ", the code only when the error has one), and exits with status 1. Never a stack, query or
 * connection string: the line is made from describeError's message and code only, and is read by operators, for whom
 * a stack of a bad setting says nothing they can act on.
 */
export function exitOnFailure(prefix: string): (error: unknown) => never {
  return (error) => {
    const { message, code } = describeError(error);
    console.error(`${prefix}: ${oneLine(message)}${code ? ` [${code}]` : ""}`);
    process.exit(1);
  };
}
