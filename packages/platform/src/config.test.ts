import { describe, expect, it } from "vitest";
import { ConfigError, readConfig, setting, variablesOf } from "./config.js";

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

  it("lists the variables a settings object reads", () => {
    expect(variablesOf(settings)).toEqual(["SOME_PORT", "SOME_DATABASE_URL", "SOME_VERBOSE", "SOME_MODE", "SOME_NAME"]);
  });
});

/** The problems readConfig reports for an environment (it must refuse it). */
function problemsOf(settings: Parameters<typeof readConfig>[0], environment: NodeJS.ProcessEnv): string[] {
  try {
    readConfig(settings, environment);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("readConfig accepted the environment");
}
