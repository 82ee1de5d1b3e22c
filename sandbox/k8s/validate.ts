// Checks a lesson's Kubernetes manifests before anything runs: YAML syntax, the Kubernetes API schema of each kind
// (kubernetes-models), and the mistakes the schema cannot see (probes on ports the container does not open, a
// Service that selects no pod, a secretKeyRef to nothing, unpinned images). Pure: text in, problems with lines out.
import { podSecurityFindings } from "./pod-security";
import { asArray, asRecord } from "./values";
import { Document, isMap, isNode, isPair, isScalar, LineCounter, parseAllDocuments, type Node } from "yaml";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";

export type Severity = "error" | "warning";

/** Pods one learner's namespace may have (its ResourceQuota): every pod shares one machine with every learner. */
export const MAX_PODS = 6;

export interface K8sProblem {
  /** Lesson-relative file, e.g. "k8s/app.yaml". */
  file: string;
  line: number;
  column: number;
  severity: Severity;
  message: string;
}

/** One YAML document of a manifest file, with what it takes to point at its lines. */
export interface K8sObject {
  file: string;
  kind: string;
  name: string;
  /** The document as plain data. */
  value: Record<string, unknown>;
  doc: Document;
  lines: LineCounter;
}

export interface ContainerPort {
  containerPort: number;
  name?: string;
}

export interface EnvVarSource {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}

export interface ProbeSpec {
  httpGet?: { path?: string; port: number | string };
  tcpSocket?: { port: number | string };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
  successThreshold?: number;
}

export interface ContainerSpec {
  name: string;
  image?: string;
  ports?: ContainerPort[];
  env?: EnvVarSource[];
  resources?: { limits?: Record<string, string | number>; requests?: Record<string, string | number> };
  livenessProbe?: ProbeSpec;
  readinessProbe?: ProbeSpec;
  startupProbe?: ProbeSpec;
}

export interface DeploymentSpec {
  replicas?: number;
  selector: { matchLabels?: Record<string, string> };
  template: { metadata?: { labels?: Record<string, string> }; spec: { containers: ContainerSpec[] } };
}

export interface ServicePortSpec {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
}

export interface ServiceSpecK8s {
  selector?: Record<string, string>;
  ports?: ServicePortSpec[];
}

export interface ValidateOptions {
  /** Image names the lesson can build (lesson.json's kubernetes.images); others are errors when given. */
  buildableImages?: string[];
}

export interface ValidationResult {
  objects: K8sObject[];
  problems: K8sProblem[];
}

/**
 * Bounds on what one lesson's manifests may ask of a machine every learner shares (each port is published, each
 * replica is a container). Kubernetes itself allows far more; these are the playground's, said as editor markers.
 */
export const MANIFEST_LIMITS = {
  /** Objects in all manifest files: a lesson has a handful. */
  objects: 32,
  /** Containers (and init containers) in one pod template. */
  containersPerPod: 4,
  /** containerPorts of one container. */
  portsPerContainer: 16,
  /** Ports of one Service. */
  portsPerService: 16,
  /** Environment variables of one container. */
  envPerContainer: 100,
  /** Keys of one Secret or ConfigMap. */
  keysPerObject: 100,
  /** Probe delays and periods, seconds: longer is surely a typo (and overflows a timer). */
  probeSeconds: 3600,
  /** Problems reported; past it one line says how many more there are. */
  problems: 200,
  /**
   * Bytes of one manifest file, checked before it is parsed: the lesson's are under 2 KiB, and parsing YAML with
   * positions costs ~50 ms per 64 KiB on the event loop every learner shares (files may otherwise be 256 KiB).
   */
  fileBytes: 64 * 1024,
} as const;

/** The kinds checked against their schema; anything else is reported as not understood here. */
const SCHEMAS: Record<string, { apiVersion: string; validate: (v: Record<string, unknown>) => void }> = {
  Deployment: { apiVersion: "apps/v1", validate: (v) => new Deployment(v as never).validate() },
  Service: { apiVersion: "v1", validate: (v) => new Service(v as never).validate() },
  Secret: { apiVersion: "v1", validate: (v) => new Secret(v as never).validate() },
  ConfigMap: { apiVersion: "v1", validate: (v) => new ConfigMap(v as never).validate() },
};

export type PathPart = string | number;

/** 1-based line and column of a character offset. */
function position(lines: LineCounter, offset: number): { line: number; column: number } {
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

/** Line and column of the node at `path` (its key, for a map entry), or of the nearest ancestor that exists. */
export function locate(obj: K8sObject, path: PathPart[]): { line: number; column: number } {
  for (let n = path.length; n >= 0; n--) {
    const parentPath = path.slice(0, Math.max(0, n - 1));
    const parent = n === 0 ? undefined : (obj.doc.getIn(parentPath, true) as unknown);
    // For a map entry, point at the key: that is the line a reader looks for.
    if (n > 0 && isMap(parent)) {
      const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === path[n - 1]);
      if (pair && isNode(pair.key) && pair.key.range) return position(obj.lines, pair.key.range[0]);
    }
    const node = (n === 0 ? obj.doc.contents : obj.doc.getIn(path.slice(0, n), true)) as Node | null | undefined;
    if (isNode(node) && node.range) return position(obj.lines, node.range[0]);
  }
  return { line: 1, column: 1 };
}

/** Splits "/spec/template/0" (JSON pointer) into path parts; array indexes become numbers. */
function pointerPath(pointer: string): PathPart[] {
  if (!pointer) return [];
  return pointer
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

interface SchemaError {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function schemaErrors(err: unknown): SchemaError[] {
  const list = (err as { errors?: unknown }).errors;
  if (Array.isArray(list)) return list as SchemaError[];
  return [{ instancePath: "", message: (err as Error).message }];
}

/** Parses every document of every manifest file; syntax errors and documents without kind/name are problems. */
export function parseManifests(files: Record<string, string>): ValidationResult {
  const objects: K8sObject[] = [];
  const problems: K8sProblem[] = [];
  for (const [file, text] of Object.entries(files)) {
    if (text.length > MANIFEST_LIMITS.fileBytes) {
      const kib = Math.round(text.length / 1024);
      problems.push({
        file,
        line: 1,
        column: 1,
        severity: "error",
        message: `${file} is ${kib} KiB; a manifest here is at most ${MANIFEST_LIMITS.fileBytes / 1024} KiB`,
      });
      continue;
    }
    const lines = new LineCounter();
    const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
    if (!Array.isArray(docs)) continue; // an empty stream
    for (const doc of docs) {
      if (doc.errors.length > 0) {
        for (const e of doc.errors) {
          const pos = position(lines, e.pos[0]);
          problems.push({ file, ...pos, severity: "error", message: `YAML: ${e.message.split("\n")[0]}` });
        }
        continue;
      }
      let value: unknown;
      try {
        value = doc.toJS();
      } catch (err) {
        // The yaml library refuses alias bombs ("billion laughs") here rather than expanding them.
        const pos = position(lines, doc.range[0]);
        problems.push({ file, ...pos, severity: "error", message: `YAML: ${(err as Error).message}` });
        continue;
      }
      if (value == null) continue; // an empty document (a trailing ---)
      const obj = { file, kind: "", name: "", value: {} as Record<string, unknown>, doc, lines };
      if (typeof value !== "object" || Array.isArray(value)) {
        problems.push({ file, ...locate(obj, []), severity: "error", message: "a document must be a mapping" });
        continue;
      }
      obj.value = value as Record<string, unknown>;
      const kind = obj.value.kind;
      const name = (obj.value.metadata as { name?: unknown } | undefined)?.name;
      if (typeof kind !== "string" || !kind) {
        problems.push({ file, ...locate(obj, ["kind"]), severity: "error", message: "the document has no kind" });
        continue;
      }
      if (typeof name !== "string" || !name) {
        problems.push({
          file,
          ...locate(obj, ["metadata", "name"]),
          severity: "error",
          message: `this ${kind} has no metadata.name`,
        });
        continue;
      }
      objects.push({ ...obj, kind, name });
    }
  }
  return { objects, problems };
}

/** Checks each object against the Kubernetes API schema of its kind. */
function checkSchemas(objects: K8sObject[], problems: K8sProblem[]): void {
  for (const obj of objects) {
    const schema = SCHEMAS[obj.kind];
    const at = (path: PathPart[], severity: Severity, message: string): void => {
      problems.push({ file: obj.file, ...locate(obj, path), severity, message });
    };
    if (!schema) {
      at(
        ["kind"],
        "warning",
        `${obj.kind} "${obj.name}" is not checked or run here (only ${Object.keys(SCHEMAS).join(", ")})`,
      );
      continue;
    }
    if (obj.value.apiVersion !== schema.apiVersion) {
      at(
        ["apiVersion"],
        "error",
        `a ${obj.kind} is apiVersion ${schema.apiVersion}, not ${String(obj.value.apiVersion)}`,
      );
      continue;
    }
    try {
      schema.validate(obj.value);
    } catch (err) {
      for (const e of schemaErrors(err)) {
        const path = pointerPath(e.instancePath ?? "");
        const missing = e.params?.missingProperty;
        const where = path.length ? `${path.join(".")}: ` : "";
        const message =
          typeof missing === "string"
            ? `${where}required field "${missing}" is missing`
            : `${where}${e.message ?? "does not match the schema"}`;
        at(path, "error", `${obj.kind} ${obj.name}: ${message}`);
      }
    }
  }
}

function labelsMatch(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** Does `port` (a number or a port name) name one of the container's ports? */
export function resolvePort(port: number | string | undefined, ports: ContainerPort[]): number | undefined {
  if (typeof port === "number") return ports.some((p) => p.containerPort === port) ? port : undefined;
  if (typeof port === "string") {
    if (/^\d+$/.test(port)) return resolvePort(Number(port), ports);
    return ports.find((p) => p.name === port)?.containerPort;
  }
  return undefined;
}

/** "1.0", "sha256:…" pinned; "", "latest" not. */
export function imageTag(image: string): string | undefined {
  const at = image.indexOf("@");
  if (at >= 0) return image.slice(at + 1);
  const slash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  return colon > slash ? image.slice(colon + 1) : undefined;
}

const PROBES = ["livenessProbe", "readinessProbe", "startupProbe"] as const;

function isBase64(s: string): boolean {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(s.replace(/\s/g, "")) && s.replace(/\s/g, "").length % 4 === 0;
}

/** The keys a Secret defines (data is base64, stringData plain). */
export function secretKeys(obj: K8sObject): Set<string> {
  const data = (obj.value.data ?? {}) as Record<string, unknown>;
  const stringData = (obj.value.stringData ?? {}) as Record<string, unknown>;
  return new Set([...Object.keys(data), ...Object.keys(stringData)]);
}

/** A Secret's values as the container sees them (data decoded from base64; stringData wins). */
export function secretValues(obj: K8sObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((obj.value.data ?? {}) as Record<string, unknown>))
    out[k] = Buffer.from(String(v), "base64").toString("utf8");
  for (const [k, v] of Object.entries((obj.value.stringData ?? {}) as Record<string, unknown>)) out[k] = String(v);
  return out;
}

/** The rules the schema cannot express; they need several objects or what a container opens. */
function checkSemantics(objects: K8sObject[], problems: K8sProblem[], opts: ValidateOptions): void {
  const deployments = objects.filter((o) => o.kind === "Deployment");
  const secrets = new Map(objects.filter((o) => o.kind === "Secret").map((o) => [o.name, o]));
  const seen = new Set<string>();
  for (const obj of objects) {
    const key = `${obj.kind}/${obj.name}`;
    if (seen.has(key))
      problems.push({
        file: obj.file,
        ...locate(obj, ["metadata", "name"]),
        severity: "error",
        message: `${obj.kind} "${obj.name}" is defined twice`,
      });
    seen.add(key);
  }

  for (const obj of objects.filter((o) => o.kind === "Secret")) {
    for (const [k, v] of Object.entries((obj.value.data ?? {}) as Record<string, unknown>)) {
      if (typeof v !== "string" || !isBase64(v))
        problems.push({
          file: obj.file,
          ...locate(obj, ["data", k]),
          severity: "error",
          message: `Secret ${obj.name}: data.${k} is not base64 (put plain text under stringData instead)`,
        });
    }
  }

  for (const obj of deployments) {
    const at = (path: PathPart[], severity: Severity, message: string): void => {
      problems.push({ file: obj.file, ...locate(obj, path), severity, message: `Deployment ${obj.name}: ${message}` });
    };
    const spec = obj.value.spec as DeploymentSpec | undefined;
    if (!spec?.template?.spec?.containers) continue; // the schema check has reported it
    if (spec.replicas !== undefined && spec.replicas < 1)
      at(
        ["spec", "replicas"],
        "error",
        `replicas is ${spec.replicas}: no pod would run, so the Service has nothing to send to`,
      );
    const labels = spec.template.metadata?.labels;
    if (!labelsMatch(spec.selector?.matchLabels, labels))
      at(
        ["spec", "selector"],
        "error",
        "spec.selector.matchLabels must match the labels of spec.template.metadata.labels",
      );

    spec.template.spec.containers.forEach((c, ci) => {
      const base: PathPart[] = ["spec", "template", "spec", "containers", ci];
      const ports = c.ports ?? [];
      const image = c.image ?? "";
      const tag = imageTag(image);
      if (image && (tag === undefined || tag === "latest"))
        at(
          [...base, "image"],
          "warning",
          `image "${image}" ${tag ? "uses :latest" : "has no tag (that means :latest)"}: pin a version, so every pod and every rollback runs the same build`,
        );
      if (image && opts.buildableImages && !opts.buildableImages.includes(image))
        at(
          [...base, "image"],
          "error",
          `no image "${image}" can be built here: the lesson builds ${opts.buildableImages.join(", ") || "none"} (lesson.json kubernetes.images)`,
        );
      for (const probe of PROBES) {
        const p = c[probe];
        if (!p) continue;
        const handler = p.httpGet ? "httpGet" : p.tcpSocket ? "tcpSocket" : undefined;
        const port = p.httpGet?.port ?? p.tcpSocket?.port;
        if (handler && resolvePort(port, ports) === undefined) {
          const open = ports.map((x) => (x.name ? `${x.containerPort} (${x.name})` : String(x.containerPort)));
          at(
            [...base, probe, handler, "port"],
            "error",
            `${probe} of container ${c.name} checks port ${String(port)}, which the container does not declare (its ports: ${open.join(", ") || "none"})`,
          );
        }
        if (p.httpGet?.path !== undefined && !p.httpGet.path.startsWith("/"))
          at([...base, probe, "httpGet", "path"], "error", `${probe} path "${p.httpGet.path}" must start with /`);
      }
      (c.env ?? []).forEach((e, ei) => {
        const ref = e.valueFrom?.secretKeyRef;
        if (!ref) return;
        const path = [...base, "env", ei, "valueFrom", "secretKeyRef"];
        const secret = secrets.get(ref.name);
        const severity: Severity = ref.optional ? "warning" : "error";
        const consequence = ref.optional ? "the variable stays unset" : "the pod could not start";
        if (!secret)
          at(
            [...path, "name"],
            severity,
            `env ${e.name} refers to Secret "${ref.name}", which is not defined (${consequence})`,
          );
        else if (!secretKeys(secret).has(ref.key))
          at(
            [...path, "key"],
            severity,
            `env ${e.name} refers to key "${ref.key}" of Secret ${ref.name}, which has only ${[...secretKeys(secret)].join(", ") || "no keys"} (${consequence})`,
          );
      });
    });
  }

  for (const obj of objects.filter((o) => o.kind === "Service")) {
    const at = (path: PathPart[], severity: Severity, message: string): void => {
      problems.push({ file: obj.file, ...locate(obj, path), severity, message: `Service ${obj.name}: ${message}` });
    };
    const spec = (obj.value.spec ?? {}) as ServiceSpecK8s;
    const selected = deployments.filter((d) =>
      labelsMatch(spec.selector, (d.value.spec as DeploymentSpec | undefined)?.template?.metadata?.labels),
    );
    if (selected.length === 0) {
      at(
        ["spec", "selector"],
        "error",
        "its selector matches the pod labels of no Deployment, so it would have no endpoints",
      );
      continue;
    }
    (spec.ports ?? []).forEach((p, pi) => {
      const target = p.targetPort ?? p.port;
      const ok = selected.every((d) =>
        (d.value.spec as DeploymentSpec).template.spec.containers.some(
          (c) => resolvePort(target, c.ports ?? []) !== undefined,
        ),
      );
      if (!ok)
        at(
          ["spec", "ports", pi, p.targetPort === undefined ? "port" : "targetPort"],
          "error",
          `targetPort ${String(target)} is not a containerPort (or port name) of the pods it selects`,
        );
    });
  }
}

/**
 * Field names the API knows at the places a typo silently loses something (a misspelt probe is simply no probe):
 * the API server drops unknown fields, and kubectl only warns about them.
 */
const KNOWN_FIELDS: { where: string; path: (PathPart | "*")[]; kinds: string[]; fields: string[] }[] = [
  {
    where: "a Deployment's spec",
    path: ["spec"],
    kinds: ["Deployment"],
    fields: [
      "replicas",
      "selector",
      "template",
      "strategy",
      "minReadySeconds",
      "revisionHistoryLimit",
      "paused",
      "progressDeadlineSeconds",
    ],
  },
  {
    where: "a container",
    path: ["spec", "template", "spec", "containers", "*"],
    kinds: ["Deployment"],
    fields: [
      "name",
      "image",
      "command",
      "args",
      "workingDir",
      "ports",
      "envFrom",
      "env",
      "resources",
      "resizePolicy",
      "restartPolicy",
      "volumeMounts",
      "volumeDevices",
      "livenessProbe",
      "readinessProbe",
      "startupProbe",
      "lifecycle",
      "terminationMessagePath",
      "terminationMessagePolicy",
      "imagePullPolicy",
      "securityContext",
      "stdin",
      "stdinOnce",
      "tty",
    ],
  },
  ...["livenessProbe", "readinessProbe", "startupProbe"].map((probe) => ({
    where: `a ${probe}`,
    path: ["spec", "template", "spec", "containers", "*", probe] as (PathPart | "*")[],
    kinds: ["Deployment"],
    fields: [
      "exec",
      "httpGet",
      "tcpSocket",
      "grpc",
      "initialDelaySeconds",
      "timeoutSeconds",
      "periodSeconds",
      "successThreshold",
      "failureThreshold",
      "terminationGracePeriodSeconds",
    ],
  })),
  {
    where: "a Service's spec",
    path: ["spec"],
    kinds: ["Service"],
    fields: [
      "ports",
      "selector",
      "clusterIP",
      "clusterIPs",
      "type",
      "externalIPs",
      "sessionAffinity",
      "loadBalancerIP",
      "loadBalancerSourceRanges",
      "externalName",
      "externalTrafficPolicy",
      "healthCheckNodePort",
      "publishNotReadyAddresses",
      "sessionAffinityConfig",
      "ipFamilies",
      "ipFamilyPolicy",
      "allocateLoadBalancerNodePorts",
      "loadBalancerClass",
      "internalTrafficPolicy",
      "trafficDistribution",
    ],
  },
  {
    where: "a Secret",
    path: [],
    kinds: ["Secret"],
    fields: ["apiVersion", "kind", "metadata", "data", "stringData", "type", "immutable"],
  },
];

/** The playground's own bounds (MANIFEST_LIMITS): counts the schema allows but a shared machine cannot give. */
function checkBounds(objects: K8sObject[], problems: K8sProblem[]): void {
  const L = MANIFEST_LIMITS;
  if (objects.length > L.objects) {
    const first = objects[L.objects];
    problems.push({
      file: first.file,
      ...locate(first, ["kind"]),
      severity: "error",
      message: `${objects.length} objects in the manifests; the playground takes at most ${L.objects}`,
    });
  }
  for (const obj of objects) {
    const at = (path: PathPart[], message: string): void => {
      problems.push({
        file: obj.file,
        ...locate(obj, path),
        severity: "error",
        message: `${obj.kind} ${obj.name}: ${message}`,
      });
    };
    const spec = asRecord(obj.value.spec);
    if (obj.kind === "Deployment") {
      const replicas = spec.replicas;
      if (typeof replicas === "number" && replicas > MAX_PODS)
        at(
          ["spec", "replicas"],
          `replicas is ${replicas}; the playground runs at most ${MAX_PODS} pods (this machine is shared)`,
        );
      const pod = asRecord(asRecord(spec.template).spec);
      for (const list of ["containers", "initContainers"] as const) {
        const containers = asArray(pod[list]);
        if (containers.length > L.containersPerPod)
          at(
            ["spec", "template", "spec", list],
            `${containers.length} ${list}; a pod here has at most ${L.containersPerPod}`,
          );
        containers.forEach((raw, ci) => {
          const c = asRecord(raw);
          const base: PathPart[] = ["spec", "template", "spec", list, ci];
          const ports = asArray(c.ports);
          if (ports.length > L.portsPerContainer)
            at(
              [...base, "ports"],
              `container ${String(c.name)} declares ${ports.length} ports; at most ${L.portsPerContainer} (each one a Service or probe uses is published on this machine)`,
            );
          const env = asArray(c.env);
          if (env.length > L.envPerContainer)
            at(
              [...base, "env"],
              `container ${String(c.name)} has ${env.length} environment variables; at most ${L.envPerContainer}`,
            );
          for (const probe of PROBES) {
            const p = asRecord(c[probe]);
            for (const field of ["initialDelaySeconds", "periodSeconds", "timeoutSeconds"]) {
              const v = p[field];
              if (typeof v === "number" && v > L.probeSeconds)
                at([...base, probe, field], `${probe}.${field} is ${v}; at most ${L.probeSeconds} seconds here`);
            }
          }
        });
      }
    }
    if (obj.kind === "Service") {
      const ports = asArray(spec.ports);
      if (ports.length > L.portsPerService)
        at(["spec", "ports"], `${ports.length} ports; a Service here has at most ${L.portsPerService}`);
    }
    if (obj.kind === "Secret" || obj.kind === "ConfigMap") {
      for (const field of ["data", "stringData", "binaryData"]) {
        const keys = Object.keys(asRecord(obj.value[field])).length;
        if (keys > L.keysPerObject) at([field], `${keys} keys in ${field}; at most ${L.keysPerObject}`);
      }
    }
  }
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = row[j];
      row[j] = next;
    }
  }
  return row[b.length];
}

/** Every concrete path matching a pattern with "*" for any array index. */
function expand(value: unknown, pattern: (PathPart | "*")[], prefix: PathPart[] = []): PathPart[][] {
  if (pattern.length === 0) return [prefix];
  const [head, ...rest] = pattern;
  if (head === "*") {
    if (!Array.isArray(value)) return [];
    return value.flatMap((v, i) => expand(v, rest, [...prefix, i]));
  }
  if (value === null || typeof value !== "object") return [];
  return expand((value as Record<string, unknown>)[head as string], rest, [...prefix, head]);
}

/** Warns about fields the API does not know at the places listed above, with the nearest known name. */
function checkUnknownFields(objects: K8sObject[], problems: K8sProblem[]): void {
  for (const obj of objects) {
    for (const rule of KNOWN_FIELDS.filter((r) => r.kinds.includes(obj.kind))) {
      for (const path of expand(obj.value, rule.path)) {
        let target: unknown = obj.value;
        for (const part of path) target = (target as Record<PathPart, unknown>)[part];
        if (target === null || typeof target !== "object" || Array.isArray(target)) continue;
        for (const key of Object.keys(target)) {
          if (rule.fields.includes(key)) continue;
          // A near miss ("readinesProbe"), or the start of a longer name ("period" for "periodSeconds").
          const lower = key.toLowerCase();
          // A long key is no typo of a field name, and comparing it would cost its length times every name.
          if (lower.length > 64) {
            problems.push({
              file: obj.file,
              ...locate(obj, [...path, key]),
              severity: "warning",
              message: `${obj.kind} ${obj.name}: unknown field "${key.slice(0, 64)}…" in ${rule.where}: the API server drops it`,
            });
            continue;
          }
          const prefixed = rule.fields.find((f) => f.toLowerCase().startsWith(lower));
          const best = rule.fields.reduce((a, b) =>
            distance(lower, a.toLowerCase()) <= distance(lower, b.toLowerCase()) ? a : b,
          );
          const suggestion = distance(lower, best.toLowerCase()) <= 3 ? best : prefixed;
          const hint = suggestion ? `; did you mean "${suggestion}"?` : "";
          problems.push({
            file: obj.file,
            ...locate(obj, [...path, key]),
            severity: "warning",
            message: `${obj.kind} ${obj.name}: unknown field "${key}" in ${rule.where}: the API server drops it${hint}`,
          });
        }
      }
    }
  }
}

/** Parses and checks manifest files (path → text). Errors mean the manifests would not work; warnings, that they should change. */
export function validateManifests(files: Record<string, string>, opts: ValidateOptions = {}): ValidationResult {
  const { objects, problems } = parseManifests(files);
  checkBounds(objects, problems);
  for (const f of podSecurityFindings(objects)) {
    problems.push({ file: f.obj.file, ...locate(f.obj, f.path), severity: "error", message: f.message });
  }
  // Past the bounds, the other checks would only spend time on what cannot run anyway.
  if (!problems.some((p) => p.severity === "error")) {
    checkSchemas(objects, problems);
    checkUnknownFields(objects, problems);
  }
  // Cross-object rules need well-formed objects: they run only when the schema check found nothing wrong.
  if (!problems.some((p) => p.severity === "error")) checkSemantics(objects, problems, opts);
  problems.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
  return { objects, problems: capProblems(problems) };
}

/**
 * The checks before a real API server sees the manifests: syntax and bounds, what Pod Security refuses, near-miss
 * field names (the API server silently drops them), and the cross-object mistakes it accepts (a probe on a port the
 * container does not open, a Service selecting no pod, `:latest`). The schema itself is the API server's to check
 * (its dry run), so its messages are the ones a learner meets on any cluster.
 */
export function validateBeforeApply(files: Record<string, string>, opts: ValidateOptions = {}): ValidationResult {
  const { objects, problems } = parseManifests(files);
  checkBounds(objects, problems);
  for (const f of podSecurityFindings(objects)) {
    problems.push({ file: f.obj.file, ...locate(f.obj, f.path), severity: "error", message: f.message });
  }
  if (!problems.some((p) => p.severity === "error")) {
    checkUnknownFields(objects, problems);
    try {
      checkSemantics(objects, problems, opts);
    } catch {
      // An object of the wrong shape: the API server's dry run says where, in its own words.
    }
  }
  problems.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
  return { objects, problems: capProblems(problems) };
}

/** Keeps the first MANIFEST_LIMITS.problems (errors first), then one line that counts the rest. */
function capProblems(problems: K8sProblem[]): K8sProblem[] {
  const max = MANIFEST_LIMITS.problems;
  if (problems.length <= max) return problems;
  const errors = problems.filter((p) => p.severity === "error");
  const kept = [...errors, ...problems.filter((p) => p.severity !== "error")].slice(0, max);
  const rest = problems.length - kept.length;
  kept.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
  const last = kept[kept.length - 1];
  return [
    ...kept,
    {
      file: last.file,
      line: last.line,
      column: last.column,
      severity: "warning",
      message: `… and ${rest} more problems`,
    },
  ];
}

/** "k8s/app.yaml:12:9: error: …" as in a compiler's output. */
export function formatProblem(p: K8sProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.severity}: ${p.message}`;
}
