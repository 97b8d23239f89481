import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import {
  baseObjects,
  commandAvailable,
  defaultMetricsPort,
  defaultPort,
  exists,
  kubernetesFiles,
  kubernetesRoot,
  literalNames,
  literalValue,
  objectsOfKind,
  processNames,
  readCompose,
  readKubernetesDocuments,
  readKustomization,
  readRepositoryFile,
  secretVariables,
  serviceNames,
  variablesRead,
  type KubernetesKind,
  type KubernetesObject,
  type ProcessName,
} from "./test-repository-files.js";

const kustomizationDirectories = kubernetesFiles()
  .filter((file) => path.basename(file) === "kustomization.yaml")
  .map((file) => path.dirname(file));
const objects = baseObjects();
const named = <Kind extends KubernetesKind>(kind: Kind, name: string) => {
  const found = objectsOfKind(objects, kind).find((object) => object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in deploy/k8s/base`);
  return found;
};
const containerOf = (name: ProcessName) => {
  const containers = named("Deployment", name).spec.template.spec.containers;
  expect(containers.length).toBe(1);
  return containers[0]!;
};
/** Every configMapGenerator entry of a process's settings, in the base and in the overlays. */
const configLiterals = (name: ProcessName) =>
  kustomizationDirectories.flatMap((directory) =>
    (readKustomization(directory).configMapGenerator ?? [])
      .filter((generator) => generator.name === `${name}-config`)
      .flatMap((generator) => generator.literals ?? []),
  );
const baseConfigLiterals = (name: ProcessName) =>
  readKustomization("base").configMapGenerator?.find((generator) => generator.name === `${name}-config`)?.literals;

function render(directory: string): KubernetesObject[] {
  const result = spawnSync("kubectl", ["kustomize", path.join(kubernetesRoot, directory)], { encoding: "utf8" });
  expect(result.status, result.stderr).toBe(0);
  return parseAllDocuments(result.stdout).map((document) => document.toJS() as KubernetesObject);
}

describe("deploy/k8s", () => {
  it("holds only well-formed Kubernetes YAML", () => {
    const files = kubernetesFiles();
    expect(files).toContain(path.join("base", "kustomization.yaml"));
    expect(files).toContain(path.join("overlays", "local", "kustomization.yaml"));
    for (const file of files) {
      for (const document of readKubernetesDocuments(file) as KubernetesObject[]) {
        expect(document.apiVersion, file).toEqual(expect.any(String));
        expect(document.kind, file).toEqual(expect.any(String));
      }
    }
  });

  it("lists in every kustomization only resources that exist, and in the base every manifest there is", () => {
    for (const directory of kustomizationDirectories) {
      for (const resource of readKustomization(directory).resources ?? []) {
        const target = path.join(directory, resource);
        expect(exists(target), target).toBe(true);
        if (!/\.ya?ml$/.test(resource)) expect(exists(path.join(target, "kustomization.yaml")), target).toBe(true);
      }
      for (const patch of readKustomization(directory).patches ?? []) {
        if (patch.path) expect(exists(path.join(directory, patch.path)), patch.path).toBe(true);
      }
    }
    const manifests = kubernetesFiles()
      .filter((file) => path.dirname(file) === "base" && path.basename(file) !== "kustomization.yaml")
      .map((file) => path.basename(file));
    expect([...(readKustomization("base").resources ?? [])].sort()).toEqual(manifests.sort());
  });

  it("gives each process a Deployment, a Service, an autoscaler and a disruption budget", () => {
    for (const kind of ["Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget"]) {
      const names = objectsOfKind(objects, kind).map((object) => object.metadata.name);
      expect(names.sort(), kind).toEqual([...processNames].sort());
    }
    const services = objectsOfKind(objects, "Service").map((object) => object.metadata.name);
    expect(services.sort()).toEqual([...processNames, "nats", "redis"].sort());
  });

  it("runs Redis without persistence for the gateways' throttling counts, and points only the gateway at it", () => {
    const redis = named("StatefulSet", "redis");
    const container = redis.spec.template.spec.containers[0]!;
    expect(container.args).toEqual(expect.arrayContaining(["--save", "", "--appendonly", "no"]));
    expect(redis.spec.volumeClaimTemplates).toBeUndefined();
    expect(container.readinessProbe?.exec?.command).toEqual(["redis-cli", "ping"]);
    expect(named("Service", "redis").spec.ports[0]?.port).toBe(6379);
    expect(literalValue(baseConfigLiterals("gateway"), "REDIS_URL")).toBe("redis://redis:6379");
    for (const name of serviceNames) expect(literalValue(baseConfigLiterals(name), "REDIS_URL"), name).toBeUndefined();
  });

  it("runs NATS with JetStream as a StatefulSet on a persistent volume, and points every service at it", () => {
    const nats = named("StatefulSet", "nats");
    const container = nats.spec.template.spec.containers[0]!;
    expect(container.args).toEqual(expect.arrayContaining(["--jetstream", "--store_dir", "/data"]));
    expect(container.volumeMounts).toEqual([{ name: "data", mountPath: "/data" }]);
    expect(nats.spec.volumeClaimTemplates?.map((claim) => claim.metadata.name)).toEqual(["data"]);
    expect(nats.spec.volumeClaimTemplates?.[0]?.spec.resources.requests.storage).toMatch(/^\d+Gi$/);
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"] as const) {
      expect(container[probe]?.httpGet?.path, probe).toBe("/healthz?js-enabled-only=true");
    }
    expect(named("Service", "nats").spec.ports[0]?.port).toBe(4222);
    for (const name of serviceNames) {
      expect(literalValue(baseConfigLiterals(name), "NATS_URL"), name).toBe("nats://nats:4222");
    }
    expect(literalValue(baseConfigLiterals("gateway"), "NATS_URL")).toBeUndefined();
  });

  it("gives every Deployment readiness and liveness probes and resource requests and limits", () => {
    for (const name of processNames) {
      const container = containerOf(name);
      expect(container.readinessProbe, name).toBeDefined();
      expect(container.livenessProbe, name).toBeDefined();
      // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- vitest types asymmetric matchers as any
      expect(container.resources?.requests, name).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- vitest types asymmetric matchers as any
      expect(container.resources?.limits, name).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    }
  });

  it("probes the services with the gRPC health check over their own certificate and the gateway on /readyz and /healthz", () => {
    for (const name of serviceNames) {
      const container = containerOf(name);
      for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"] as const) {
        // Kubernetes' native gRPC probe shows no client certificate, which mutual TLS refuses.
        expect(container[probe]?.exec?.command, `${name} ${probe}`).toEqual([
          "node",
          "packages/platform/dist/healthcheck.js",
          "grpc",
          `127.0.0.1:${defaultPort(name)}`,
        ]);
      }
    }
    const gateway = containerOf("gateway");
    expect(gateway.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(gateway.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: "http" });
  });

  it("runs image polyscale/<process> on the code's default port, behind a Service on the same port", () => {
    for (const name of processNames) {
      const container = containerOf(name);
      expect(container.image, name).toBe(`polyscale/${name}`);
      expect(container.ports, name).toEqual([
        // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- vitest types asymmetric matchers as any
        { name: expect.any(String), containerPort: defaultPort(name) },
        { name: "metrics", containerPort: defaultMetricsPort(name) },
      ]);
      const service = named("Service", name);
      expect(service.spec.selector, name).toEqual(named("Deployment", name).spec.template.metadata.labels);
      expect(service.spec.ports, name).toEqual([
        expect.objectContaining({ port: defaultPort(name), targetPort: container.ports?.[0]?.name }),
      ]);
    }
  });

  it("announces each pod's metrics port for scraping and sends traces to the cluster's OTLP collector", () => {
    for (const name of processNames) {
      expect(named("Deployment", name).spec.template.metadata.annotations, name).toEqual({
        "prometheus.io/scrape": "true",
        "prometheus.io/port": String(defaultMetricsPort(name)),
        "prometheus.io/path": "/metrics",
      });
      expect(literalValue(baseConfigLiterals(name), "OTEL_EXPORTER_OTLP_ENDPOINT"), name).toMatch(/^http:\/\/.+:4318$/);
    }
  });

  it("makes the gRPC services headless, so callers balance calls over every pod", () => {
    for (const name of serviceNames) expect(named("Service", name).spec.clusterIP, name).toBe("None");
    expect(named("Service", "gateway").spec.clusterIP).toBeUndefined();
  });

  it("tags images in the local overlay as compose builds them", () => {
    const composeTags = processNames.map((name) =>
      readCompose().services[name]!.image!.replace(/\$\{\w+:-(\w+)\}$/, "$1"),
    );
    const local = readKustomization(path.join("overlays", "local"));
    expect(local.images?.map((image) => `${image.name}:${image.newTag}`).sort()).toEqual(composeTags.sort());
    expect(
      readKustomization("base")
        .images?.map((image) => image.name)
        .sort(),
    ).toEqual(processNames.map((name) => `polyscale/${name}`).sort());
  });

  it("names each image as CI publishes it under ghcr.io/<owner>/<repo>/, so an overlay renames it by the target", () => {
    // The base's polyscale/<name> becomes ghcr.io/<owner>/<repo>/<name>:<version> with `kustomize edit set image`
    // (deploy/README.md, "Deploy"): that holds while CI builds one image per process, named by its Dockerfile target.
    const workflow = parse(readRepositoryFile(".github/workflows/ci.yml")) as {
      jobs: {
        images: {
          strategy: { matrix: { target: string[] } };
          steps: Array<{ id?: string; with?: Record<string, string> }>;
        };
      };
    };
    const images = workflow.jobs.images;
    expect([...images.strategy.matrix.target].sort()).toEqual([...processNames].sort());
    expect(images.steps.find((step) => step.id === "meta")?.with?.images).toBe(
      "ghcr.io/${{ github.repository }}/${{ matrix.target }}",
    );
    expect(images.steps.find((step) => step.id === "build")?.with?.target).toBe("${{ matrix.target }}");
  });

  it("sets only variables the code reads, from each process's own ConfigMap and Secret", () => {
    const generated = kustomizationDirectories.flatMap((directory) =>
      (readKustomization(directory).configMapGenerator ?? []).map((generator) => generator.name),
    );
    expect([...new Set(generated)].sort()).toEqual(processNames.map((name) => `${name}-config`).sort());
    for (const name of processNames) {
      const container = containerOf(name);
      expect(container.envFrom, name).toEqual([{ configMapRef: { name: `${name}-config` } }]);
      const names = [...literalNames(configLiterals(name)), ...(container.env ?? []).map((entry) => entry.name)];
      expect(
        names.filter((variable) => !variablesRead(name).includes(variable)),
        name,
      ).toEqual([]);
    }
  });

  it("takes every secret the code reads from a Secret reference and commits no secret value", () => {
    for (const name of processNames) {
      const container = containerOf(name);
      const secretsRead = variablesRead(name).filter((variable) => secretVariables.includes(variable));
      expect(container.env, name).toEqual(
        secretsRead.map((variable) => ({
          name: variable,
          valueFrom: { secretKeyRef: { name: `${name}-secrets`, key: variable } },
        })),
      );
      expect(literalNames(configLiterals(name)).filter((variable) => secretVariables.includes(variable))).toEqual([]);
    }
    for (const file of kubernetesFiles()) {
      const kinds = (readKubernetesDocuments(file) as KubernetesObject[]).map((document) => document.kind);
      expect(kinds, file).not.toContain("Secret");
      expect(Object.keys(readKubernetesDocuments(file)[0] as object), file).not.toContain("secretGenerator");
    }
  });

  it("gives every process mutual TLS between services: its certificate Secret mounted where GRPC_TLS_* point", () => {
    for (const name of processNames) {
      const literals = baseConfigLiterals(name);
      const container = containerOf(name);
      const mount = container.volumeMounts?.find((volume) => volume.name === "grpc-tls");
      expect(mount, name).toMatchObject({ mountPath: "/etc/polyscale/tls", readOnly: true });
      const volumes = named("Deployment", name).spec.template.spec.volumes ?? [];
      expect(volumes.find((volume) => volume.name === "grpc-tls")?.secret, name).toEqual({
        secretName: `${name}-grpc-tls`,
      });
      for (const [variable, file] of [
        ["GRPC_TLS_CA", "ca.crt"],
        ["GRPC_TLS_CERT", "tls.crt"],
        ["GRPC_TLS_KEY", "tls.key"],
      ]) {
        expect(literalValue(literals, variable!), `${name} ${variable}`).toBe(`/etc/polyscale/tls/${file}`);
      }
    }
  });

  it("runs every process in production, listening on all interfaces of its pod", () => {
    for (const name of processNames) {
      expect(literalValue(baseConfigLiterals(name), "NODE_ENV"), name).toBe("production");
      expect(literalValue(baseConfigLiterals(name), "HOST"), name).toBe("0.0.0.0");
    }
  });

  it("points every service address at that Service's name and port", () => {
    const addresses = processNames.flatMap((name) =>
      (baseConfigLiterals(name) ?? []).filter((literal) => /^\w+_SERVICE_ADDRESS=/.test(literal)),
    );
    expect(addresses.length).toBe(6);
    for (const literal of addresses) {
      const [variable = "", address] = literal.split("=");
      const target = variable.replace("_SERVICE_ADDRESS", "").toLowerCase() as ProcessName;
      expect(address, variable).toBe(`${target}:${defaultPort(target)}`);
      expect(named("Service", target).spec.ports[0]?.port).toBe(defaultPort(target));
    }
  });

  it("scales each Deployment between two and more replicas and lets a drain take one pod at a time", () => {
    for (const name of processNames) {
      const autoscaler = named("HorizontalPodAutoscaler", name).spec;
      expect(autoscaler.scaleTargetRef, name).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name });
      expect(autoscaler.minReplicas, name).toBe(2);
      expect(autoscaler.maxReplicas, name).toBeGreaterThan(autoscaler.minReplicas ?? 1);
      // The autoscaler owns the count; a replicas field would reset it on every apply.
      expect(named("Deployment", name).spec.replicas, name).toBeUndefined();
      const budget = named("PodDisruptionBudget", name).spec;
      expect(budget.selector, name).toEqual(named("Deployment", name).spec.selector);
      expect(budget.maxUnavailable, name).toBe(1);
    }
  });

  it("denies ingress by default and lets each process be called only by its callers, on its port", () => {
    const policies = objectsOfKind(objects, "NetworkPolicy");
    const defaultDeny = policies.filter((policy) => Object.keys(policy.spec.podSelector).length === 0);
    expect(defaultDeny.map((policy) => policy.spec)).toEqual([{ podSelector: {}, policyTypes: ["Ingress"] }]);

    const scrape = policies.filter((policy) => policy.metadata.name === "metrics-scrape");
    const callers: Record<string, string[]> = {};
    for (const policy of policies.filter(
      (candidate) => !defaultDeny.includes(candidate) && !scrape.includes(candidate),
    )) {
      const target = policy.spec.podSelector.matchLabels?.["app.kubernetes.io/name"] as ProcessName | "nats" | "redis";
      for (const rule of policy.spec.ingress ?? []) {
        const port = target === "nats" ? 4222 : target === "redis" ? 6379 : defaultPort(target);
        expect(rule.ports, target).toEqual([{ protocol: "TCP", port }]);
        const sources = rule.from
          ? rule.from.map((peer) => peer.podSelector!.matchLabels!["app.kubernetes.io/name"]!)
          : ["anyone"];
        callers[target] = [...(callers[target] ?? []), ...sources].sort();
      }
    }
    expect(callers).toEqual({
      gateway: ["anyone"],
      account: ["gateway", "order", "product"],
      product: ["gateway", "order"],
      order: ["gateway"],
      nats: ["account", "order", "product"],
      redis: ["gateway"],
    });
    // The metrics port of every process, and only it, is open to Prometheus in the monitoring namespace.
    expect(scrape.map((policy) => policy.spec)).toEqual([
      {
        podSelector: {
          matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: [...processNames].sort() }],
        },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
            ports: [{ protocol: "TCP", port: "metrics" }],
          },
        ],
      },
    ]);
  });

  describe.runIf(commandAvailable("kubectl", ["version", "--client"]))("rendered by kustomize", () => {
    it("wires the base: every object in the namespace, every ConfigMap reference to a generated ConfigMap", () => {
      const rendered = render("base");
      const configMaps = objectsOfKind(rendered, "ConfigMap").map((object) => object.metadata.name);
      for (const object of rendered.filter((candidate) => candidate.kind !== "Namespace")) {
        expect(object.metadata.namespace, object.metadata.name).toBe("polyscale");
      }
      for (const deployment of objectsOfKind(rendered, "Deployment")) {
        const [container] = deployment.spec.template.spec.containers;
        expect(configMaps).toContain(container?.envFrom?.[0]?.configMapRef?.name);
        expect(container?.image).toBe(`polyscale/${deployment.metadata.name}:0.1.0`);
      }
    });

    it("runs the local overlay on one replica of the local images, with the gateway on a NodePort", () => {
      const rendered = render(path.join("overlays", "local"));
      for (const deployment of objectsOfKind(rendered, "Deployment")) {
        expect(deployment.spec.template.spec.containers[0]?.image).toBe(`polyscale/${deployment.metadata.name}:local`);
      }
      for (const autoscaler of objectsOfKind(rendered, "HorizontalPodAutoscaler")) {
        expect(autoscaler.spec.minReplicas).toBe(1);
      }
      const gateway = objectsOfKind(rendered, "Service").find((service) => service.metadata.name === "gateway")!;
      expect(gateway.spec.type).toBe("NodePort");
      expect(gateway.spec.ports[0]).toMatchObject({ port: defaultPort("gateway"), nodePort: 30400 });
    });
  });
});
