import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  ConfigError,
  readConfig,
  setting,
  settingRule,
  variablesOf,
  type SettingRule,
  type Settings,
} from "./config.js";

const settings = {
  port: setting.port("SOME_PORT", 4000),
  url: setting.databaseUrl("SOME_DATABASE_URL"),
  verbose: setting.boolean("SOME_VERBOSE", false),
  mode: setting.oneOf("SOME_MODE", ["a", "b"] as const, "a"),
  name: setting.string("SOME_NAME"),
};

describe("readConfig", () => {
  it("applies defaults and parses values", () => {
    const environment = {
      SOME_NAME: "x",
      SOME_PORT: "5000",
      SOME_VERBOSE: "yes",
      SOME_DATABASE_URL: "postgres://h/db",
    };
    expect(readConfig(settings, environment)).toEqual({
      port: 5000,
      url: "postgres://h/db",
      verbose: true,
      mode: "a",
      name: "x",
    });
  });

  it("splits a list on commas", () => {
    const origins = { origins: setting.list("SOME_ORIGINS", ["*"]) };
    expect(readConfig(origins, {}).origins).toEqual(["*"]);
    expect(readConfig(origins, { SOME_ORIGINS: " https://a.example , ,https://b.example" }).origins).toEqual([
      "https://a.example",
      "https://b.example",
    ]);
  });

  it("accepts a comma-separated list of NATS URLs and refuses other schemes", () => {
    const nats = { url: setting.optionalNatsUrls("SOME_NATS_URL") };
    expect(readConfig(nats, {}).url).toBeUndefined();
    expect(readConfig(nats, { SOME_NATS_URL: "nats://a:4222, tls://b:4222" }).url).toBe("nats://a:4222,tls://b:4222");
    expect(() => readConfig(nats, { SOME_NATS_URL: "nats://a:4222,http://b" })).toThrow(
      "SOME_NATS_URL: must be a nats: or tls: URL",
    );
    // regression: a URL without a host was accepted, and the services then logged NATS_UNREACHABLE as long as they ran
    for (const hostless of ["nats://", "nats://a:4222,tls://"]) {
      expect(() => readConfig(nats, { SOME_NATS_URL: hostless })).toThrow("SOME_NATS_URL: must name a host");
    }
  });

  it("treats an empty variable as unset", () => {
    expect(readConfig(settings, { SOME_NAME: "x", SOME_PORT: "", SOME_DATABASE_URL: "postgres://h/db" }).port).toBe(
      4000,
    );
  });

  it("requires a database URL and says where one comes from", () => {
    expect(() => readConfig(settings, { SOME_NAME: "x" })).toThrow(
      "SOME_DATABASE_URL: is required (npm start sets it to the embedded PostgreSQL)",
    );
  });

  it("reports every bad variable at once, by name", () => {
    let caught: unknown;
    try {
      readConfig(settings, { SOME_PORT: "80a", SOME_DATABASE_URL: "mysql://x", SOME_MODE: "c" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems).toEqual([
      'SOME_PORT: must be a whole number (got "80a")',
      "SOME_DATABASE_URL: must be a postgres: or postgresql: URL",
      'SOME_MODE: must be one of a, b (got "c")',
      "SOME_NAME: is required",
    ]);
  });

  it("reads a currency code uppercased and names the variable once when it is not ISO 4217", () => {
    const currency = { currency: setting.currency("SOME_CURRENCY", "USD") };
    expect(readConfig(currency, {}).currency).toBe("USD");
    expect(readConfig(currency, { SOME_CURRENCY: " eur " }).currency).toBe("EUR");
    expect(problemsOf(currency, { SOME_CURRENCY: "XYZ" })).toEqual(["SOME_CURRENCY: XYZ is not an ISO 4217 currency"]);
    expect(problemsOf(currency, { SOME_CURRENCY: "dollars" })).toEqual([
      "SOME_CURRENCY: must be a three-letter ISO 4217 currency code",
    ]);
  });

  it("refuses with NODE_ENV=production what production requires, with the other problems, never the value", () => {
    const secrets = {
      port: setting.port("SOME_PORT", 4000),
      key: setting.requiredInProduction(setting.optionalString("SOME_KEY"), "a PEM key"),
      secret: setting.developmentDefault("SOME_SECRET", "dev-secret", "set a real one"),
    };
    // Outside production the defaults are what development runs on.
    expect(readConfig(secrets, { NODE_ENV: "development" })).toEqual({
      port: 4000,
      key: undefined,
      secret: "dev-secret",
    });
    expect(problemsOf(secrets, { NODE_ENV: "production", SOME_PORT: "x", SOME_SECRET: "dev-secret" })).toEqual([
      'SOME_PORT: must be a whole number (got "x")',
      "SOME_KEY: is required in production (a PEM key)",
      "SOME_SECRET: is the development default; set a real one",
    ]);
    expect(readConfig(secrets, { NODE_ENV: "production", SOME_KEY: "k", SOME_SECRET: "s3cret" })).toEqual({
      port: 4000,
      key: "k",
      secret: "s3cret",
    });
  });

  it("reads an Ed25519 PEM private key as the key, and refuses any other text or key type without repeating it", () => {
    const keys = { key: setting.optionalEd25519PrivateKey("SOME_KEY") };
    const pemOf = (key: KeyObject) => key.export({ type: "pkcs8", format: "pem" }).toString();
    const ed25519 = pemOf(generateKeyPairSync("ed25519").privateKey);
    expect(readConfig(keys, {}).key).toBeUndefined();
    const key = readConfig(keys, { SOME_KEY: ed25519 }).key!;
    expect(key.asymmetricKeyType).toBe("ed25519");
    expect(pemOf(key)).toBe(ed25519);
    // Another curve's key is a well-formed PEM private key, still not one that signs EdDSA.
    const x25519 = pemOf(generateKeyPairSync("x25519").privateKey);
    const secretText = "secret garbage that is no key";
    const problems = [...problemsOf(keys, { SOME_KEY: x25519 }), ...problemsOf(keys, { SOME_KEY: secretText })];
    expect(problems).toEqual([
      "SOME_KEY: must be an Ed25519 private key (got x25519 key)",
      "SOME_KEY: is not a PEM private key",
    ]);
    expect(problems.join("\n")).not.toContain(x25519.split("\n")[1]);
    expect(problems.join("\n")).not.toContain("garbage");
  });

  it("checks rules between settings with the other problems, once the settings they relate read well", () => {
    const search = {
      port: setting.port("SOME_PORT", 4000),
      engineUrl: setting.optionalHttpUrl("SOME_ENGINE_URL"),
      eventsUrl: setting.optionalNatsUrls("SOME_EVENTS_URL"),
    };
    const rules = [settingRule.needs(search, "engineUrl", "eventsUrl", "the index follows the events")];
    expect(problemsOf(search, { SOME_PORT: "x", SOME_ENGINE_URL: "http://engine" }, rules)).toEqual([
      'SOME_PORT: must be a whole number (got "x")',
      "SOME_ENGINE_URL: needs SOME_EVENTS_URL (the index follows the events)",
    ]);
    // Both set, or neither: the rule holds. Without the rules, the same environment is read as it is.
    const both = { SOME_ENGINE_URL: "http://engine", SOME_EVENTS_URL: "nats://events:4222" };
    expect(readConfig(search, both, rules).engineUrl).toBe("http://engine");
    expect(readConfig(search, {}, rules).engineUrl).toBeUndefined();
    expect(readConfig(search, { SOME_ENGINE_URL: "http://engine" }).eventsUrl).toBeUndefined();
    // A setting that is bad in itself is reported once, not again as a broken rule.
    expect(problemsOf(search, { SOME_ENGINE_URL: "http://engine", SOME_EVENTS_URL: "http://x" }, rules)).toEqual([
      "SOME_EVENTS_URL: must be a nats: or tls: URL",
    ]);
  });

  it("lists the variables a settings object reads", () => {
    expect(variablesOf(settings)).toEqual(["SOME_PORT", "SOME_DATABASE_URL", "SOME_VERBOSE", "SOME_MODE", "SOME_NAME"]);
  });
});

/** The problems readConfig reports for an environment (it must refuse it). */
function problemsOf<S extends Settings>(
  settings: S,
  environment: NodeJS.ProcessEnv,
  rules: readonly SettingRule<S>[] = [],
): string[] {
  try {
    readConfig(settings, environment, rules);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("readConfig accepted the environment");
}
