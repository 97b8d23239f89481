/**
 * Reads the deployment files (Dockerfile, compose.yaml, deploy/k8s) and what the code says they must agree with: the
 * environment variables each process reads and its default port. Used by the tests beside it.
 */
import { readConfig, TELEMETRY_VARIABLES, variablesOf, type Setting } from "@polyscale/platform";
import { accountSettings } from "@polyscale/account/config";
import { productSettings } from "@polyscale/product/config";
import { orderSettings } from "@polyscale/order/config";
import { gatewaySettings } from "@polyscale/gateway/config";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments } from "yaml";

export const repositoryRoot = fileURLToPath(new URL("../..", import.meta.url));
export const kubernetesRoot = path.join(repositoryRoot, "deploy/k8s");

export type ProcessName = "account" | "product" | "order" | "gateway";
export type ServiceName = Exclude<ProcessName, "gateway">;
export const serviceNames: readonly ServiceName[] = ["account", "product", "order"];
export const processNames: readonly ProcessName[] = [...serviceNames, "gateway"];

type Settings = Record<string, Setting<unknown>> & { port: Setting<number>; metricsPort: Setting<number> };

interface ProcessFacts {
  /** The package whose dependencies the image must carry. */
  packageName: string;
  /** The compiled entry point, relative to the repository root. */
  script: string;
  settings: Settings;
}

export const processes: Record<ProcessName, ProcessFacts> = {
  account: { packageName: "@polyscale/account", script: "services/account/dist/main.js", settings: accountSettings },
  product: { packageName: "@polyscale/product", script: "services/product/dist/main.js", settings: productSettings },
  order: { packageName: "@polyscale/order", script: "services/order/dist/main.js", settings: orderSettings },
  gateway: { packageName: "@polyscale/gateway", script: "gateway/dist/main.js", settings: gatewaySettings },
};

/** The port a process listens on when nothing overrides it, as the code itself computes it. */
export function defaultPort(name: ProcessName): number {
  return readConfig({ port: processes[name].settings.port }, {}).port;
}

/** The environment variables a process reads: its settings, and the OpenTelemetry SDK's standard ones. */
export function variablesRead(name: ProcessName): string[] {
  return [...variablesOf(processes[name].settings), ...TELEMETRY_VARIABLES];
}

/** The port of a process's Prometheus metrics endpoint when nothing overrides it. */
export function defaultMetricsPort(name: ProcessName): number {
  return readConfig({ metricsPort: processes[name].settings.metricsPort }, {}).metricsPort;
}

/** The command of the built-in container healthcheck for a process on its default port. */
export function healthcheckCommand(name: ProcessName, httpPath = "/healthz"): string[] {
  const port = defaultPort(name);
  const probe = name === "gateway" ? ["http", `http://127.0.0.1:${port}${httpPath}`] : ["grpc", `127.0.0.1:${port}`];
  return ["node", "packages/platform/dist/healthcheck.js", ...probe];
}

/** Variables whose values are secrets: never committed, always from the environment or a Kubernetes Secret. */
export const secretVariables = [
  "ACCOUNT_DATABASE_URL",
  "PRODUCT_DATABASE_URL",
  "ORDER_DATABASE_URL",
  "JWT_PRIVATE_KEY",
  "ADMIN_PASSWORD",
  // Carries the SMTP password.
  "SMTP_URL",
  "PAYMENT_WEBHOOK_SECRET",
];

export function readRepositoryFile(relativePath: string): string {
  return readFileSync(path.join(repositoryRoot, relativePath), "utf8");
}

/** Whether a command can be run here (docker-compose and kubectl are optional on developer machines). */
export function commandAvailable(command: string, versionArgs: string[]): boolean {
  return spawnSync(command, versionArgs, { stdio: "ignore" }).status === 0;
}

// ---- compose.yaml ----

export interface ComposeService {
  image?: string;
  command?: string[];
  build?: { context: string; target?: string };
  environment?: Record<string, string>;
  expose?: string[];
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  depends_on?: Record<string, { condition?: string }>;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export const composePath = path.join(repositoryRoot, "compose.yaml");

/** compose.yaml as Compose reads it: `<<` merge keys resolved, `${VAR}` interpolations left as written. */
export function readCompose(): ComposeFile {
  return parse(readFileSync(composePath, "utf8"), { merge: true }) as ComposeFile;
}

// ---- deploy/k8s ----

// The fields of the Kubernetes objects that the tests read, as the API defines them (a subset: no types package for
// Kubernetes objects is among our dependencies, and the tests need a few dozen fields of it).

export interface Probe {
  exec?: { command: string[] };
  httpGet?: { path: string; port: string | number };
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: Record<string, unknown> }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

export interface PodTemplate {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: Container[]; volumes?: Array<{ name: string; secret?: { secretName: string } }> };
}

/** The spec of each kind the tests read, by kind. */
export interface KubernetesSpecs {
  Deployment: { replicas?: number; selector: LabelSelector; template: PodTemplate };
  StatefulSet: {
    template: PodTemplate;
    volumeClaimTemplates?: Array<{
      metadata: { name: string };
      spec: { resources: { requests: Record<string, string> } };
    }>;
  };
  Service: {
    type?: string;
    clusterIP?: string;
    selector: Record<string, string>;
    ports: Array<{ name?: string; port: number; targetPort?: string | number; nodePort?: number }>;
  };
  HorizontalPodAutoscaler: {
    scaleTargetRef: { apiVersion: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
  };
  PodDisruptionBudget: { selector: LabelSelector; maxUnavailable?: number | string };
  NetworkPolicy: {
    podSelector: LabelSelector;
    policyTypes?: string[];
    ingress?: Array<{
      ports?: Array<{ protocol?: string; port: number | string }>;
      from?: Array<{ podSelector?: LabelSelector; namespaceSelector?: LabelSelector }>;
    }>;
  };
}

export type KubernetesKind = keyof KubernetesSpecs;

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  /** Kind-specific: objectsOfKind gives it its kind's shape. */
  spec?: unknown;
}

/** An object of a kind the tests read, with that kind's spec. */
export interface KubernetesObjectOf<Kind extends KubernetesKind> extends KubernetesObject {
  kind: Kind;
  spec: KubernetesSpecs[Kind];
}

export interface Kustomization {
  resources?: string[];
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
  configMapGenerator?: Array<{ name: string; behavior?: string; literals?: string[] }>;
  patches?: Array<{ path?: string; patch?: string; target?: Record<string, string> }>;
}

/** Every YAML file under deploy/k8s, relative to it. */
export function kubernetesFiles(): string[] {
  const walk = (directory: string): string[] =>
    readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) return walk(full);
      return /\.ya?ml$/.test(entry.name) ? [path.relative(kubernetesRoot, full)] : [];
    });
  return walk(kubernetesRoot);
}

/** The documents of a YAML file under deploy/k8s, failing on any syntax error. */
export function readKubernetesDocuments(relativePath: string): unknown[] {
  const documents = parseAllDocuments(readFileSync(path.join(kubernetesRoot, relativePath), "utf8"));
  return documents.map((document) => {
    if (document.errors.length > 0) throw new Error(`${relativePath}: ${document.errors[0]!.message}`);
    return document.toJS() as unknown;
  });
}

export function readKustomization(directory: string): Kustomization {
  return readKubernetesDocuments(path.join(directory, "kustomization.yaml"))[0] as Kustomization;
}

/** The objects the base kustomization lists, as written (before kustomize adds names, labels and tags). */
export function baseObjects(): KubernetesObject[] {
  return (readKustomization("base").resources ?? []).flatMap(
    (resource) => readKubernetesDocuments(path.join("base", resource)) as KubernetesObject[],
  );
}

/**
 * The objects of one kind, typed as that kind. The shape is the manifests' word, not checked here: a field a manifest
 * lacks reads as undefined and fails the expectation that reads it.
 */
export function objectsOfKind<Kind extends KubernetesKind>(
  objects: KubernetesObject[],
  kind: Kind,
): Array<KubernetesObjectOf<Kind>>;
export function objectsOfKind(objects: KubernetesObject[], kind: string): KubernetesObject[];
export function objectsOfKind(objects: KubernetesObject[], kind: string): KubernetesObject[] {
  return objects.filter((object) => object.kind === kind);
}

/** The variable names a configMapGenerator entry sets from its literals (KEY=value). */
export function literalNames(literals: string[] = []): string[] {
  return literals.map((literal) => literal.slice(0, literal.indexOf("=")));
}

export function literalValue(literals: string[] = [], name: string): string | undefined {
  const literal = literals.find((entry) => entry.startsWith(`${name}=`));
  return literal?.slice(name.length + 1);
}

export function exists(relativeToKubernetesRoot: string): boolean {
  return existsSync(path.join(kubernetesRoot, relativeToKubernetesRoot));
}

// ---- Dockerfile ----

export interface DockerfileStage {
  name: string;
  from: string;
  /** Instructions with continuation lines joined, e.g. { keyword: "EXPOSE", argument: "50051" }. */
  instructions: Array<{ keyword: string; argument: string }>;
}

/** The stages of the Dockerfile, in order. */
export function readDockerfileStages(): DockerfileStage[] {
  const logicalLines = readRepositoryFile("Dockerfile")
    .split("\n")
    .filter((line) => !/^\s*#/.test(line))
    .join("\n")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const stages: DockerfileStage[] = [];
  for (const line of logicalLines) {
    const [, keyword = "", argument = ""] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === "FROM") {
      const [, from = "", name = ""] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(argument) ?? [];
      stages.push({ name, from, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), argument });
    }
  }
  return stages;
}

/** The arguments of one instruction of a stage (all of them, when it occurs more than once). */
export function instructionArguments(stage: DockerfileStage, keyword: string): string[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword).map(({ argument }) => argument);
}
