// The lesson manifest (lessons/<NN-slug>/lesson.json): validated at load time and in tests.
import { z } from "zod";
import { FAULT_TYPES, faultSchema, linkSchema, toxicNameSchema } from "./faults";

const bilingual = z.object({ zh: z.string().min(1), en: z.string().min(1) });

const httpMethod = z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]);

/** A relative path inside the lesson folder, e.g. "services/user-service/main.go". */
const lessonPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !p.split("/").includes("..") && !p.includes("\\"), {
    message: "must be a relative path inside the lesson",
  });

const serviceName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}$/, "lower-case letters, digits and dashes; also the service's DNS name");

export const serviceSchema = z.object({
  name: serviceName,
  /** Folder of the service's Go module, relative to the lesson folder. */
  dir: lessonPath,
  /** Port the service listens on inside its container (published on 127.0.0.1). */
  port: z.number().int().min(1).max(65535),
  protocol: z.enum(["http", "grpc"]).default("http"),
  env: z.record(z.string(), z.string()).default({}),
  /** Runs this tool of the sandbox image (e.g. an agent) in `dir` instead of building a Go program there. */
  command: z.array(z.string().min(1)).min(1).optional(),
  /**
   * Builds the service as an image from this Dockerfile (relative to `dir`, which is the build context) and runs
   * that image, instead of building a Go program in the sandbox image.
   */
  build: z
    .object({
      dockerfile: z
        .string()
        .regex(/^[A-Za-z0-9._-]+$/, "a file name in the service folder")
        .default("Dockerfile"),
    })
    .optional(),
  /** Services that must be healthy before this one starts. */
  dependsOn: z.array(serviceName).default([]),
  /**
   * Files (relative to `dir`) the running service re-reads by itself, e.g. a watched config.yaml: the page can
   * send an edit of one into the running container instead of asking for a new Run.
   */
  liveFiles: z
    .array(
      z
        .string()
        .regex(/^[A-Za-z0-9._+@-]+(\/[A-Za-z0-9._+@-]+)*$/, "a file path inside the service folder")
        .refine((p) => !p.split("/").some((seg) => seg === "." || seg === ".."), "must stay inside the service folder"),
    )
    .optional(),
  /** How the playground decides the service is up: an HTTP GET answered with this status. */
  health: z
    .object({
      path: z.string().startsWith("/"),
      status: z.number().int().default(200),
    })
    .optional(),
});

export const requestSchema = z.object({
  name: bilingual,
  service: serviceName,
  method: httpMethod.default("GET"),
  path: z.string().startsWith("/"),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
});

/**
 * Spans of the request's trace a check expects (all in the one trace the request started): which service made it,
 * its name and kind, its status, an event it carries, attributes it has, how long it may take, and how many such
 * spans there are (exactly `count`; without it, at least one).
 */
export const spanMatcherSchema = z
  .object({
    service: serviceName.optional(),
    name: z.string().min(1).max(300).optional(),
    kind: z.enum(["internal", "server", "client", "producer", "consumer"]).optional(),
    status: z.enum(["unset", "ok", "error"]).optional(),
    event: z.string().min(1).max(300).optional(),
    attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    maxDurationMs: z.number().positive().max(600_000).optional(),
    count: z.number().int().min(0).max(1000).optional(),
  })
  .strict();

export const traceExpectSchema = z
  .object({
    spans: z.array(spanMatcherSchema).min(1).max(20),
    /** How long the spans may take to reach the collector (a batch exporter sends every few hundred ms). */
    waitMs: z.number().int().min(100).max(15_000).default(5_000),
  })
  .strict();

/** What the answer to a check's request must be. */
export const checkExpectSchema = z.object({
  status: z.number().int(),
  /** Every string must appear in the response body. */
  bodyContains: z.array(z.string()).default([]),
  /** Top-level JSON fields that must equal these values. */
  json: z.record(z.string(), z.unknown()).optional(),
  /** The spans the request must have produced across the services (the request starts its own trace). */
  trace: traceExpectSchema.optional(),
});

/** The usual check: one request, and what its answer must be. `kind` may be left out. */
export const requestCheckSchema = requestSchema.extend({
  kind: z.literal("request").default("request"),
  /** Wait this long before sending (e.g. for an open circuit breaker to turn half-open). */
  delayMs: z.number().int().min(0).max(20_000).default(0),
  expect: checkExpectSchema,
});

/**
 * A slow request in flight survives Stop: the request is sent, `stopAfterMs` later its service gets SIGTERM (as a
 * restart from the page does it, so the service serves again for the checks that follow), and the answer must
 * still match `expect`. The old process must also have ended by itself with code 0, not been killed at the end
 * of the grace period.
 */
export const survivesStopCheckSchema = requestSchema.extend({
  kind: z.literal("survives-stop"),
  /** How long the request is in flight before the stop: it must not have been answered by then. */
  stopAfterMs: z.number().int().min(50).max(5000).default(250),
  /**
   * The service traces its requests: the span of the request in flight must reach the run's collector, which
   * proves the last spans were flushed after the server finished the request, not before.
   */
  traced: z.boolean().default(false),
  expect: checkExpectSchema,
});

/**
 * A step, not a request: puts a fault on one of the lesson's fault links (`add`), or takes one off (`remove`, by its
 * type), so the checks after it prove what the services do under it (a breaker that opens) and after it (one that
 * closes again).
 */
export const faultCheckSchema = z
  .object({
    kind: z.literal("fault"),
    name: bilingual,
    link: linkSchema,
    add: faultSchema.optional(),
    remove: z.union([z.enum(FAULT_TYPES), toxicNameSchema]).optional(),
  })
  .strict()
  .refine((c) => (c.add === undefined) !== (c.remove === undefined), "a fault step either adds or removes a fault");

export const checkSchema = z.discriminatedUnion("kind", [
  requestCheckSchema,
  survivesStopCheckSchema,
  faultCheckSchema,
]);

/**
 * The links a run routes through its fault proxy (sandbox/faults.ts): each caller's calls to its callee. The proxy
 * listens on the callee's port in the callee's stead, so a callee is the target of one link at most and two links'
 * callees have different ports.
 */
export const faultsSchema = z.object({ links: z.array(linkSchema).min(1).max(8) }).strict();

/** Image name as a Kubernetes manifest writes it, e.g. "playground/web:1.0". */
const imageName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?$/, "an image name like playground/web:1.0");

/**
 * A lesson run from Kubernetes manifests: they are validated, then their Deployments run as a local rendition on
 * Docker. Each image a Deployment names is built from the Dockerfile in a service folder of the lesson.
 */
export const kubernetesSchema = z.object({
  /** Manifest files (YAML, several documents each), relative to the lesson folder. */
  manifests: z.array(lessonPath).min(1),
  /** Image name → the folder holding its Dockerfile (the build context). */
  images: z.record(imageName, lessonPath),
  /** The Kubernetes Services the request panel and the checks reach; each must be defined in the manifests. */
  services: z.array(serviceName).min(1),
});

export const manifestSchema = z
  .object({
    /** Chapter section, e.g. "16.1" or "16.4.2". */
    section: z.string().regex(/^16\.\d+(\.\d+)?$/),
    title: bilingual,
    summary: bilingual,
    services: z.array(serviceSchema).default([]),
    /** Files opened first in the editor, in tab order; the rest follow alphabetically. */
    openFiles: z.array(lessonPath).default([]),
    requests: z.array(requestSchema).default([]),
    checks: z.array(checkSchema).default([]),
    kubernetes: kubernetesSchema.optional(),
    /** Runs a fault proxy (Toxiproxy) between these services, driven from the service map, the shell and checks. */
    faults: faultsSchema.optional(),
  })
  .superRefine((m, ctx) => {
    const all = runnableServices(m);
    const names = new Set(all.map((s) => s.name));
    if (names.size !== all.length) ctx.addIssue({ code: "custom", message: "service names must be unique" });
    for (const s of m.services) {
      if (s.build && s.command)
        ctx.addIssue({ code: "custom", message: `${s.name}: build and command exclude each other` });
    }
    for (const s of m.services)
      for (const d of s.dependsOn)
        if (!names.has(d)) ctx.addIssue({ code: "custom", message: `${s.name} depends on unknown service ${d}` });
    for (const r of [...m.requests, ...m.checks.filter((c) => c.kind !== "fault")])
      if (!names.has(r.service))
        ctx.addIssue({ code: "custom", message: `request "${r.name.en}" targets unknown service ${r.service}` });
    // Only a service of the lesson's own can be stopped and started again; a Kubernetes Service's pods cannot.
    for (const c of m.checks)
      if (c.kind === "survives-stop" && names.has(c.service) && !m.services.some((s) => s.name === c.service))
        ctx.addIssue({
          code: "custom",
          message: `check "${c.name.en}" cannot stop ${c.service}: not a service of the lesson`,
        });
    const links = m.faults?.links ?? [];
    const portOf = new Map(m.services.map((s) => [s.name, s.port]));
    const targets = new Map<number, string>();
    for (const l of links) {
      const where = `fault link ${l.from} → ${l.to}`;
      if (!portOf.has(l.from) || !portOf.has(l.to))
        ctx.addIssue({ code: "custom", message: `${where}: both ends must be services of the lesson` });
      if (l.from === l.to) ctx.addIssue({ code: "custom", message: `${where}: a service does not call itself` });
      const port = portOf.get(l.to);
      if (port === undefined) continue;
      if (targets.has(port))
        ctx.addIssue({
          code: "custom",
          message: `${where}: the proxy already listens on port ${port} for ${targets.get(port)}; a callee (and its port) is the target of one link`,
        });
      targets.set(port, l.to);
    }
    for (const c of m.checks)
      if (c.kind === "fault" && !links.some((l) => l.from === c.link.from && l.to === c.link.to))
        ctx.addIssue({
          code: "custom",
          message: `check "${c.name.en}" acts on ${c.link.from} → ${c.link.to}, which is not one of the lesson's fault links`,
        });
  });

/** Every service a run of the lesson shows and answers on: its own services, then its Kubernetes Services. */
export function runnableServices(m: {
  services: { name: string; protocol: "http" | "grpc" }[];
  kubernetes?: { services: string[] };
}): { name: string; protocol: "http" | "grpc" }[] {
  return [
    ...m.services.map((s) => ({ name: s.name, protocol: s.protocol })),
    ...(m.kubernetes?.services ?? []).map((name) => ({ name, protocol: "http" as const })),
  ];
}

/** Lesson path of each live file → the services that re-read it while they run (for the page's Ctrl/Cmd+S). */
export function liveFileMap(m: {
  services: { name: string; dir: string; liveFiles?: string[]; build?: unknown }[];
}): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of m.services) {
    if (s.build) continue;
    for (const f of s.liveFiles ?? []) (out[`${s.dir.replace(/\/+$/, "")}/${f}`] ??= []).push(s.name);
  }
  return out;
}

export type LessonManifest = z.infer<typeof manifestSchema>;
export type KubernetesSpec = z.infer<typeof kubernetesSchema>;
export type ServiceSpec = z.infer<typeof serviceSchema>;
export type RequestSpec = z.infer<typeof requestSchema>;
export type CheckSpec = z.infer<typeof checkSchema>;
export type SpanMatcher = z.infer<typeof spanMatcherSchema>;
export type TraceExpect = z.infer<typeof traceExpectSchema>;
export type CheckExpect = z.infer<typeof checkExpectSchema>;
export type SurvivesStopCheckSpec = z.infer<typeof survivesStopCheckSchema>;
export type FaultCheckSpec = z.infer<typeof faultCheckSchema>;
