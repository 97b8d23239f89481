import { spawnSync } from "node:child_process";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  commandAvailable,
  composePath,
  defaultMetricsPort,
  defaultPort,
  healthcheckCommand,
  processNames,
  readCompose,
  readRepositoryFile,
  secretVariables,
  serviceNames,
  variablesRead,
  type ProcessName,
} from "./test-repository-files.js";

const compose = readCompose();
const app = (name: ProcessName) => compose.services[name]!;

describe("compose.yaml", () => {
  it.runIf(commandAvailable("docker-compose", ["version"]))("is valid for docker-compose", () => {
    const result = spawnSync("docker-compose", ["-f", composePath, "config", "-q"], { encoding: "utf8" });
    expect(result.status, result.stderr).toBe(0);
  });

  it("runs the four processes, a database for each service, Elasticsearch, NATS, Redis, and Prometheus, Jaeger and Grafana", () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [
        "account",
        "account-db",
        "elasticsearch",
        "gateway",
        "nats",
        "order",
        "order-db",
        "product",
        "product-db",
        "redis",
        "prometheus",
        "jaeger",
        "grafana",
      ].sort(),
    );
  });

  it("gives every container a healthcheck", () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.healthcheck?.disable, name).toBeFalsy();
      expect(service.healthcheck?.test?.length, name).toBeGreaterThan(0);
    }
  });

  it("starts each container only once what it calls is healthy", () => {
    const dependencies = Object.fromEntries(
      Object.entries(compose.services).map(([name, service]) => [name, Object.keys(service.depends_on ?? {}).sort()]),
    );
    expect(dependencies).toEqual({
      "account-db": [],
      "product-db": [],
      "order-db": [],
      elasticsearch: [],
      nats: [],
      redis: [],
      account: ["account-db", "nats"],
      product: ["elasticsearch", "nats", "product-db"],
      order: ["account", "nats", "order-db", "product"],
      gateway: ["account", "order", "product", "redis"],
      prometheus: [],
      jaeger: [],
      grafana: ["jaeger", "prometheus"],
    });
    for (const service of Object.values(compose.services)) {
      for (const dependency of Object.values(service.depends_on ?? {})) {
        expect(dependency.condition).toBe("service_healthy");
      }
    }
  });

  it("sets on the four processes only variables the code reads", () => {
    for (const name of processNames) {
      const unknown = Object.keys(app(name).environment ?? {}).filter(
        (variable) => !variablesRead(name).includes(variable),
      );
      expect(unknown, name).toEqual([]);
    }
  });

  it("binds every process to all interfaces of its container", () => {
    for (const name of processNames) expect(app(name).environment?.HOST, name).toBe("0.0.0.0");
  });

  it("gives each service its own database and product its search engine", () => {
    expect(app("account").environment?.ACCOUNT_DATABASE_URL).toMatch(/@account-db:5432\/account$/);
    expect(app("product").environment?.PRODUCT_DATABASE_URL).toMatch(/@product-db:5432\/product$/);
    expect(app("order").environment?.ORDER_DATABASE_URL).toMatch(/@order-db:5432\/order$/);
    expect(app("product").environment?.ELASTICSEARCH_URL).toBe("http://elasticsearch:9200");
  });

  it("builds each process from its Dockerfile target and checks it with the built-in healthcheck on its port", () => {
    for (const name of processNames) {
      expect(app(name).build, name).toEqual({ context: ".", target: name });
      expect(app(name).image, name).toMatch(new RegExp(`^polyscale/${name}:`));
    }
    for (const name of serviceNames) {
      expect(app(name).expose, name).toEqual([String(defaultPort(name)), String(defaultMetricsPort(name))]);
      expect(app(name).healthcheck?.test, name).toEqual(["CMD", ...healthcheckCommand(name)]);
    }
    // The gateway counts as healthy once it is ready: the services it calls answer.
    expect(app("gateway").healthcheck?.test).toEqual(["CMD", ...healthcheckCommand("gateway", "/readyz")]);
    expect(app("gateway").ports?.map((mapping) => mapping.split(":").at(-1))).toEqual([String(defaultPort("gateway"))]);
    expect(app("gateway").expose).toEqual([String(defaultMetricsPort("gateway"))]);
  });

  it("points every service address at that service's name and port", () => {
    const addresses = processNames.flatMap((name) =>
      Object.entries(app(name).environment ?? {}).filter(([variable]) => variable.endsWith("_SERVICE_ADDRESS")),
    );
    expect(addresses.length).toBe(6);
    for (const [variable, address] of addresses) {
      const target = variable.replace("_SERVICE_ADDRESS", "").toLowerCase() as ProcessName;
      expect(address, variable).toBe(`${target}:${defaultPort(target)}`);
    }
  });

  it("takes every secret from the environment, never from the file", () => {
    const secrets = [...secretVariables, "POSTGRES_PASSWORD"];
    const interpolation = (variable: string) => new RegExp(`^\\$\\{${variable}(:?[-?][^}]*)?\\}$`);
    for (const service of Object.values(compose.services)) {
      for (const [variable, value] of Object.entries(service.environment ?? {})) {
        if (variable.endsWith("_DATABASE_URL")) {
          expect(value, variable).toMatch(/^postgres:\/\/polyscale:\$\{POSTGRES_PASSWORD(:-[^}]*)?\}@/);
        } else if (secrets.includes(variable)) {
          expect(value, variable).toMatch(interpolation(variable));
        }
      }
    }
  });

  it("keeps all data in named volumes", () => {
    for (const name of ["account-db", "product-db", "order-db", "elasticsearch", "nats", "prometheus", "grafana"]) {
      // Besides the read-only configuration mounted from the repository.
      const volumes = (compose.services[name]!.volumes ?? []).filter((volume) => !volume.startsWith("./"));
      expect(volumes.length, name).toBe(1);
      const volume = volumes[0]!.split(":")[0]!;
      expect(Object.keys(compose.volumes ?? {}), name).toContain(volume);
    }
  });

  it("runs a single-node Elasticsearch of the client's major.minor version, without security, with a bounded heap", () => {
    const manifest = JSON.parse(readRepositoryFile("services/product/package.json")) as {
      dependencies: Record<string, string>;
    };
    const clientRange = manifest.dependencies["@elastic/elasticsearch"]!;
    const [, clientMajorMinor] = /^\D*(\d+\.\d+)\./.exec(clientRange) ?? [];
    const elasticsearch = compose.services.elasticsearch!;
    expect(elasticsearch.image).toMatch(
      new RegExp(`^docker\\.elastic\\.co/elasticsearch/elasticsearch:${clientMajorMinor!.replace(".", "\\.")}\\.\\d+$`),
    );
    expect(elasticsearch.environment?.["discovery.type"]).toBe("single-node");
    expect(elasticsearch.environment?.["xpack.security.enabled"]).toBe("false");
    expect(elasticsearch.environment?.ES_JAVA_OPTS).toMatch(/-Xmx\d+[mg]/);
  });

  it("sends every process's traces to Jaeger over OTLP and lets Prometheus scrape each metrics port", () => {
    const scrape = parse(readRepositoryFile("deploy/prometheus/prometheus.yml")) as {
      rule_files: string[];
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
    };
    expect(
      Object.fromEntries(
        scrape.scrape_configs.map((job) => [job.job_name, job.static_configs.flatMap((c) => c.targets)]),
      ),
    ).toEqual(Object.fromEntries(processNames.map((name) => [name, [`${name}:${defaultMetricsPort(name)}`]])));
    expect(compose.services.jaeger!.expose).toContain("4318");
    for (const name of processNames) {
      expect(app(name).environment?.OTEL_EXPORTER_OTLP_ENDPOINT, name).toMatch(/http:\/\/jaeger:4318\}$/);
    }
    const prometheusMounts = compose.services.prometheus!.volumes ?? [];
    expect(prometheusMounts).toContain("./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro");
    for (const ruleFile of scrape.rule_files) {
      expect(prometheusMounts).toContain(`./deploy/prometheus/${ruleFile}:/etc/prometheus/${ruleFile}:ro`);
    }
  });

  it("provisions Grafana with the dashboard and data sources of the uids the dashboard uses", () => {
    const grafana = compose.services.grafana!;
    expect(grafana.volumes).toEqual(
      expect.arrayContaining([
        "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro",
        "./deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro",
      ]),
    );
    const providers = parse(readRepositoryFile("deploy/grafana/provisioning/dashboards/dashboards.yml")) as {
      providers: Array<{ options: { path: string } }>;
    };
    expect(providers.providers.map((provider) => provider.options.path)).toEqual(["/var/lib/grafana/dashboards"]);
    const sources = parse(readRepositoryFile("deploy/grafana/provisioning/datasources/datasources.yml")) as {
      datasources: Array<{ uid: string; type: string; url: string }>;
    };
    expect(sources.datasources.map((source) => [source.uid, source.type, source.url])).toEqual([
      ["prometheus", "prometheus", "http://prometheus:9090"],
      ["jaeger", "jaeger", "http://jaeger:16686"],
    ]);
  });

  it("runs Redis without persistence and points the gateway, and only it, at it", () => {
    const redis = compose.services.redis!;
    expect(redis.image).toMatch(/^redis:\d+/);
    expect(redis.command).toEqual(["redis-server", "--save", "", "--appendonly", "no"]);
    expect(redis.volumes).toBeUndefined();
    expect(app("gateway").environment?.REDIS_URL).toBe("${REDIS_URL:-redis://redis:6379}");
    for (const name of serviceNames) expect(app(name).environment?.REDIS_URL, name).toBeUndefined();
  });

  it("runs NATS with JetStream on its volume and points every service at it", () => {
    const nats = compose.services.nats!;
    expect(nats.image).toMatch(/^nats:\d+\.\d+/);
    expect(nats.command).toEqual(expect.arrayContaining(["--jetstream", "--store_dir", "/data"]));
    expect(nats.volumes).toEqual(["nats-data:/data"]);
    for (const name of serviceNames) expect(app(name).environment?.NATS_URL, name).toBe("nats://nats:4222");
    expect(app("gateway").environment?.NATS_URL).toBeUndefined();
  });
});
