// What the playground applies for a learner's manifests, and what it refuses: pure, so it is unit-tested. Every object
// goes into the run's namespace; only the kinds the lesson teaches are applied; a Service cannot open the host
// (NodePort, LoadBalancer, externalIPs, ExternalName); each pod runs the image the run built and loaded (nothing
// is pulled) under Pod Security "restricted" (the namespace enforces it; the defaults it requires are filled in
// where the learner left them out, and said so).
import { locate, type K8sObject, type K8sProblem, type PathPart } from "./validate";
import { asArray, asRecord } from "./values";

/** apiVersion per kind the lesson's manifests may use. */
export const APPLIED_KINDS: Record<string, string> = {
  Deployment: "apps/v1",
  Service: "v1",
  Secret: "v1",
  ConfigMap: "v1",
};

/** The label that marks what a run applied, so a later Run of the same learner can prune what the files dropped. */
export const MANAGED_LABEL = "playground.managed";

export interface PlannedObject {
  source: K8sObject;
  /** The object as sent to the API server. */
  body: Record<string, unknown> & {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace: string; labels: Record<string, string> };
  };
}

export interface ApplyPlan {
  objects: PlannedObject[];
  problems: K8sProblem[];
  /** What the playground changed and why, one line each, for the terminal. */
  notes: string[];
}

export interface PlanOptions {
  namespace: string;
  labels: Record<string, string>;
  /** The image a manifest names → the ref the run loaded into the cluster. */
  images: Map<string, string>;
}

/** The securityContext fields Pod Security "restricted" requires of every container, as this playground fills them. */
const RESTRICTED_CONTAINER_DEFAULTS = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

export function planApply(objects: K8sObject[], opts: PlanOptions): ApplyPlan {
  const problems: K8sProblem[] = [];
  const notes: string[] = [];
  const planned: PlannedObject[] = [];
  const filled = new Set<string>();
  for (const source of objects) {
    const at = (path: PathPart[], severity: "error" | "warning", message: string): void => {
      problems.push({ file: source.file, ...locate(source, path), severity, message });
    };
    const apiVersion = APPLIED_KINDS[source.kind];
    if (!apiVersion) {
      at(
        ["kind"],
        "error",
        `${source.kind} "${source.name}" is not applied here: a run's namespace takes ${Object.keys(APPLIED_KINDS).join(", ")}`,
      );
      continue;
    }
    const body = structuredClone(source.value) as PlannedObject["body"];
    const metadata = asRecord(body.metadata);
    if (typeof metadata.namespace === "string" && metadata.namespace !== opts.namespace)
      at(
        ["metadata", "namespace"],
        "warning",
        `metadata.namespace "${metadata.namespace}" is ignored: everything of this run goes into its own namespace, ${opts.namespace}`,
      );
    body.metadata = {
      ...(metadata as object),
      name: source.name,
      namespace: opts.namespace,
      labels: { ...(asRecord(metadata.labels) as Record<string, string>), ...opts.labels, [MANAGED_LABEL]: "true" },
    };
    if (source.kind === "Service") checkService(source, body, at);
    if (source.kind === "Deployment") fillPodTemplate(source, body, opts, at, filled);
    planned.push({ source, body });
  }
  if (filled.size > 0)
    notes.push(
      `Pod Security "restricted" (enforced on this namespace) requires ${[...filled].join(", ")}: ` +
        "filled in where your containers leave them out (write them yourself to silence this line)",
    );
  return { objects: planned, problems, notes };
}

function checkService(
  source: K8sObject,
  body: Record<string, unknown>,
  at: (path: PathPart[], severity: "error" | "warning", message: string) => void,
): void {
  const spec = asRecord(body.spec);
  const type = spec.type ?? "ClusterIP";
  if (type !== "ClusterIP")
    at(
      ["spec", "type"],
      "error",
      `Service ${source.name}: type ${String(type)} would open this machine to the network; a run's Services are ClusterIP (the request panel reaches them)`,
    );
  if (spec.externalIPs !== undefined)
    at(
      ["spec", "externalIPs"],
      "error",
      `Service ${source.name}: externalIPs would capture traffic to other addresses`,
    );
  if (spec.externalName !== undefined)
    at(["spec", "externalName"], "error", `Service ${source.name}: externalName points outside the cluster`);
  asArray(spec.ports).forEach((raw, i) => {
    if (asRecord(raw).nodePort !== undefined)
      at(["spec", "ports", i, "nodePort"], "error", `Service ${source.name}: nodePort opens a port of this machine`);
  });
}

function fillPodTemplate(
  source: K8sObject,
  body: Record<string, unknown>,
  opts: PlanOptions,
  at: (path: PathPart[], severity: "error" | "warning", message: string) => void,
  filled: Set<string>,
): void {
  const template = asRecord(asRecord(body.spec).template);
  const pod = asRecord(template.spec);
  // Pods of a lesson never talk to the API server; without a token a compromised pod has nothing to try.
  pod.automountServiceAccountToken = false;
  asArray(pod.containers).forEach((raw, ci) => {
    const c = asRecord(raw);
    const image = String(c.image ?? "");
    const ref = opts.images.get(image);
    if (!ref) {
      at(
        ["spec", "template", "spec", "containers", ci, "image"],
        "error",
        `Deployment ${source.name}: no image "${image}" was built by this run (nothing can be pulled here)`,
      );
      return;
    }
    c.image = ref;
    // The image is in the node's runtime already; a pull would fail (no registry is reachable) and must not be tried.
    c.imagePullPolicy = "Never";
    const ctx = asRecord(c.securityContext);
    for (const [key, value] of Object.entries(RESTRICTED_CONTAINER_DEFAULTS)) {
      if (ctx[key] !== undefined) continue;
      ctx[key] = structuredClone(value);
      filled.add(`securityContext.${key}`);
    }
    c.securityContext = ctx;
  });
}

/** The API server's reason for refusing an object, as problems at the lines its fields name. */
export function apiErrorProblems(source: K8sObject, err: unknown): K8sProblem[] {
  const status = statusOf(err);
  const message = status?.message ?? (err as Error).message ?? String(err);
  const causes = status?.details?.causes ?? [];
  const where = `${source.kind} ${source.name}`;
  if (causes.length === 0) {
    // Server-side apply reports a type error as ".spec.replicas: expected numeric…" in the message.
    const field = /(?:^|\s)\.?((?:[A-Za-z]\w*)(?:\.[A-Za-z]\w*|\[\d+\])+):/.exec(message)?.[1];
    const path = field ? fieldPath(field) : ["kind"];
    return [
      { file: source.file, ...locate(source, path), severity: "error", message: `${where}: API server: ${message}` },
    ];
  }
  return causes.map((c) => ({
    file: source.file,
    ...locate(source, c.field ? fieldPath(c.field) : ["kind"]),
    severity: "error" as const,
    message: `${where}: API server: ${c.field ? `${c.field}: ` : ""}${c.message ?? c.reason ?? "invalid"}`,
  }));
}

interface ApiStatus {
  message?: string;
  details?: { causes?: { reason?: string; message?: string; field?: string }[] };
}

function statusOf(err: unknown): ApiStatus | undefined {
  let body = (err as { body?: unknown }).body;
  if (typeof body === "string") {
    try {
      body = JSON.parse(body);
    } catch {
      return { message: body as string };
    }
  }
  return body && typeof body === "object" ? (body as ApiStatus) : undefined;
}

/** "spec.template.spec.containers[0].ports[0].containerPort" → path parts ("[0]" an index). */
export function fieldPath(field: string): PathPart[] {
  const parts: PathPart[] = [];
  for (const m of field.replace(/^\./, "").matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    parts.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  }
  return parts;
}
