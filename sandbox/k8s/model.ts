// The pure parts of the local rendition: what a kubelet would compute from a pod spec (resource quantities, the
// container's environment, probe timing and verdicts, pod names), kept apart from Docker so they are unit-tested.
import { createHash } from "node:crypto";
import type { ContainerSpec, ProbeSpec } from "./validate";

/** Pods one run may have: every pod is a container on a machine shared by every learner. */
export const MAX_PODS = 6;

/** Bytes of a memory quantity: "64Mi", "128M", "1Gi", "1e6", "512". */
export function memoryBytes(q: string | number): number | undefined {
  if (typeof q === "number") return q;
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)(Ki|Mi|Gi|Ti|k|K|M|G|T)?$/.exec(q.trim());
  if (!m) return undefined;
  const units: Record<string, number> = {
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
    k: 1e3,
    K: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
  };
  return Math.round(Number(m[1]) * (m[2] ? units[m[2]] : 1));
}

/** Cores of a CPU quantity: "250m" = 0.25, "1" = 1, 0.5 = 0.5. */
export function cpuCores(q: string | number): number | undefined {
  if (typeof q === "number") return q;
  const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(q.trim());
  if (!m) return undefined;
  return m[2] ? Number(m[1]) / 1000 : Number(m[1]);
}

/** The container's limits, never above the sandbox's own: the rendition runs on the same machine as everything. */
export function containerLimits(
  c: ContainerSpec,
  sandbox: { memoryBytes: number; cpus: number },
): { memoryBytes: number; cpus: number; notes: string[] } {
  const notes: string[] = [];
  const limits = c.resources?.limits ?? {};
  let memory = sandbox.memoryBytes;
  let cpus = sandbox.cpus;
  if (limits.memory !== undefined) {
    const asked = memoryBytes(limits.memory);
    if (asked !== undefined && asked <= sandbox.memoryBytes) memory = asked;
    else
      notes.push(`memory limit ${String(limits.memory)} capped at the sandbox's ${sandbox.memoryBytes / 1024 ** 2}Mi`);
  } else notes.push(`no memory limit: the sandbox's ${sandbox.memoryBytes / 1024 ** 2}Mi applies`);
  if (limits.cpu !== undefined) {
    const asked = cpuCores(limits.cpu);
    if (asked !== undefined && asked > 0 && asked <= sandbox.cpus) cpus = asked;
    else notes.push(`cpu limit ${String(limits.cpu)} capped at the sandbox's ${sandbox.cpus}`);
  }
  // Docker refuses less than 6 MiB; a pod limited that low would not start in Kubernetes either.
  memory = Math.max(memory, 6 * 1024 * 1024);
  return { memoryBytes: memory, cpus, notes };
}

/** The container's environment as the kubelet builds it: literal values, and secretKeyRefs resolved. */
export function containerEnv(
  c: ContainerSpec,
  secrets: Map<string, Record<string, string>>,
): { env: Record<string, string>; fromSecrets: string[] } {
  const env: Record<string, string> = {};
  const fromSecrets: string[] = [];
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref) {
      const value = secrets.get(ref.name)?.[ref.key];
      if (value === undefined) continue; // an optional reference to nothing: unset, as in Kubernetes
      env[e.name] = value;
      fromSecrets.push(`${e.name} ← Secret ${ref.name}/${ref.key}`);
    } else env[e.name] = e.value ?? "";
  }
  return { env, fromSecrets };
}

export interface ProbeTiming {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  failureThreshold: number;
  successThreshold: number;
}

/** A probe's timing with the defaults of the Kubernetes API. */
export function probeTiming(p: ProbeSpec): ProbeTiming {
  return {
    initialDelayMs: (p.initialDelaySeconds ?? 0) * 1000,
    periodMs: Math.max(1, p.periodSeconds ?? 10) * 1000,
    timeoutMs: Math.max(1, p.timeoutSeconds ?? 1) * 1000,
    failureThreshold: Math.max(1, p.failureThreshold ?? 3),
    successThreshold: Math.max(1, p.successThreshold ?? 1),
  };
}

/**
 * Consecutive results of one probe and the verdict they add up to. A readiness probe starts failed (no traffic
 * before the first success); a liveness probe starts passed (no restart before it has failed enough times).
 */
export class ProbeState {
  private failures = 0;
  private successes = 0;
  passing: boolean;

  constructor(
    readonly timing: ProbeTiming,
    initiallyPassing: boolean,
  ) {
    this.passing = initiallyPassing;
  }

  /** Records one result; returns the new verdict when it changed. */
  record(ok: boolean): boolean | undefined {
    if (ok) {
      this.failures = 0;
      this.successes++;
      if (!this.passing && this.successes >= this.timing.successThreshold) {
        this.passing = true;
        return true;
      }
    } else {
      this.successes = 0;
      this.failures++;
      if (this.passing && this.failures >= this.timing.failureThreshold) {
        this.passing = false;
        return false;
      }
    }
    return undefined;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }
}

/** An HTTP probe passes on 200–399, as the kubelet's does. */
export function probeStatusOk(status: number): boolean {
  return status >= 200 && status < 400;
}

/** Like the pod-template-hash label: the same template always gives the same hash. */
export function templateHash(template: unknown): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  const digest = createHash("sha256").update(JSON.stringify(template)).digest();
  return [...digest.subarray(0, 10)].map((b) => alphabet[b % alphabet.length]).join("");
}

/** "web-6b4f9c7d8x-1": the Deployment, its template's hash, the replica's number. */
export function podName(deployment: string, hash: string, index: number): string {
  return `${deployment}-${hash}-${index}`;
}

/** Restart delay after a crash: 10 s doubling to 5 min, like the kubelet's CrashLoopBackOff. */
export function crashBackoffMs(restarts: number): number {
  return Math.min(300_000, 10_000 * 2 ** Math.max(0, restarts - 1));
}

/** Round-robin over the endpoints that are ready right now. */
export class RoundRobin<T> {
  private next = 0;

  pick(ready: T[]): T | undefined {
    if (ready.length === 0) return undefined;
    const chosen = ready[this.next % ready.length];
    this.next = (this.next + 1) % Number.MAX_SAFE_INTEGER;
    return chosen;
  }
}
