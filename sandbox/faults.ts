// A run's fault proxy: a Toxiproxy server in a sandboxed container on the run's network, with one proxy per link the
// lesson declares ("shop-service → inventory-service"), so a learner can slow, throttle, stall or reset that link alone.
//
// How a caller's calls reach the proxy: the proxy listens on the callee's own port, and the caller's /etc/hosts
// (ProcessSpec.hosts) names the proxy's address for the callee. The caller's code, its URL and its environment stay as
// the lesson wrote them; only that caller is routed through the proxy — the callee's other clients, the collector and
// the Shell tab still reach it directly — and Toxiproxy itself reaches the callee by the run's DNS. One consequence,
// checked by the manifest's schema: two links to one callee, or to two callees on one port, would need the same
// listener, so a callee is the target of one link at most.
//
// Who reaches its API (port 8474): the server, through the port published on 127.0.0.1 like every service's (never
// reachable from another run: run networks are isolated and cannot open connections to the host), and the run's own
// Shell tab by name (`toxiproxy-cli`, TOXIPROXY_URL=http://toxiproxy:8474). Everything it answers is read as
// untrusted: the shell can create proxies and toxics without end, so answers are bounded and parsed defensively.
import { request as httpRequest } from "node:http";
import type { Backend, RunNetwork, SandboxProcess } from "./backend";
import { SandboxError } from "./errors";
import { SERVICE_LABEL } from "./labels";
import {
  FAULTS_CALL_MS,
  FAULTS_CPUS,
  FAULTS_MAX_ANSWER_BYTES,
  FAULTS_MEMORY_BYTES,
  FAULTS_PIDS,
  FAULTS_READY_MS,
} from "./limits";
import {
  FAULT_TYPES,
  proxyName,
  type ActiveFault,
  type Fault,
  type FaultType,
  type Link,
  type LinkState,
} from "../lib/shared/faults";

/** Toxiproxy's API port inside its container. */
export const FAULTS_API_PORT = 8474;
/** The names it has on the run's network: what toxiproxy-cli in the shell is pointed at. */
export const FAULTS_HOST = "toxiproxy";

export interface FaultLink extends Link {
  /** The callee's port: the proxy listens on it, so the caller's URL needs no change. */
  port: number;
}

export interface FaultsOptions {
  backend: Backend;
  network: RunNetwork;
  runId: string;
  image: string;
  labels: Record<string, string>;
  links: FaultLink[];
}

interface Toxic {
  name: string;
  type: string;
  stream: "upstream" | "downstream";
  attributes: Record<string, number>;
}

/**
 * The Toxiproxy toxics that make one fault, named as toxiproxy-cli names a toxic it adds without a name
 * (`<type>_<stream>`), so `toxiproxy-cli toxic add -t latency ...` from the shell and the page speak of the same
 * thing. Latency is put on both directions, as a slow network delays a request and its answer alike (one round trip
 * then takes twice the latency longer); the others act on the answers (the callee → caller stream).
 */
export function toxicsOf(fault: Fault): Toxic[] {
  const one = (type: string, stream: Toxic["stream"], attributes: Record<string, number>): Toxic => ({
    name: `${type}_${stream}`,
    type,
    stream,
    attributes,
  });
  switch (fault.type) {
    case "latency": {
      const attributes = { latency: fault.latencyMs, jitter: fault.jitterMs };
      return [one("latency", "downstream", attributes), one("latency", "upstream", attributes)];
    }
    case "bandwidth":
      return [one("bandwidth", "downstream", { rate: fault.rateKBps })];
    case "timeout":
      return [one("timeout", "downstream", { timeout: fault.timeoutMs })];
    case "reset":
      return [one("reset_peer", "downstream", { timeout: fault.afterMs })];
  }
}

/** A fault of ours with the attributes of a toxic that makes it. */
function faultFrom(type: FaultType, a: Record<string, number>): Fault {
  const n = (k: string): number => a[k] ?? 0;
  switch (type) {
    case "latency":
      return { type, latencyMs: n("latency"), jitterMs: n("jitter") };
    case "bandwidth":
      return { type, rateKBps: n("rate") };
    case "timeout":
      return { type, timeoutMs: n("timeout") };
    case "reset":
      return { type, afterMs: n("timeout") };
  }
}

/** A toxic as the API lists it, checked field by field (the shell may have made it); undefined when malformed. */
function readToxic(raw: unknown): Toxic | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const t = raw as { name?: unknown; type?: unknown; stream?: unknown; attributes?: unknown };
  if (typeof t.name !== "string" || typeof t.type !== "string") return undefined;
  const given =
    typeof t.attributes === "object" && t.attributes !== null ? (t.attributes as Record<string, unknown>) : {};
  const attributes: Record<string, number> = {};
  for (const [k, v] of Object.entries(given).slice(0, 8)) if (typeof v === "number") attributes[k.slice(0, 40)] = v;
  const stream = t.stream === "upstream" ? "upstream" : "downstream";
  return { name: t.name.slice(0, 64), type: t.type.slice(0, 40), stream, attributes };
}

const same = (a: Toxic, b: Toxic): boolean =>
  a.name === b.name &&
  a.type === b.type &&
  a.stream === b.stream &&
  Object.entries(b.attributes).every(([k, v]) => a.attributes[k] === v);

/**
 * The faults in force, from a proxy's toxics: a fault of ours when every toxic that makes it is there as we would
 * make it; any other toxic (one direction of a latency, one added from the shell under its own name) as it is.
 */
export function faultsOf(rawToxics: unknown[]): ActiveFault[] {
  const toxics = rawToxics.map(readToxic).filter((t): t is Toxic => t !== undefined);
  const used = new Set<Toxic>();
  const out: ActiveFault[] = [];
  for (const type of FAULT_TYPES) {
    const first = toxics.find((t) => t.name === toxicsOf(faultFrom(type, {}))[0].name);
    if (!first) continue;
    const wanted = toxicsOf(faultFrom(type, first.attributes));
    const found = wanted.map((w) => toxics.find((t) => same(t, w)));
    if (found.every((t) => t !== undefined)) {
      for (const t of found) used.add(t!);
      out.push({ ...faultFrom(type, first.attributes), name: type });
    }
  }
  for (const t of toxics)
    if (!used.has(t)) out.push({ type: "other", name: t.name, toxicType: t.type, attributes: t.attributes });
  return out;
}

export class RunFaults {
  private constructor(
    private readonly process: SandboxProcess,
    private readonly apiPort: number,
    /** Its address on the run's network: the one callers' /etc/hosts name for their callees. */
    readonly address: string,
    readonly links: readonly FaultLink[],
  ) {}

  /** Starts the proxy, creates a proxy per link, and returns once they all listen. */
  static async start(opts: FaultsOptions): Promise<RunFaults> {
    const process = await opts.backend.create(opts.network, {
      name: `${opts.runId}-faults`,
      image: opts.image,
      cmd: ["toxiproxy-server", "-host", "0.0.0.0", "-port", String(FAULTS_API_PORT)],
      user: "1000:1000",
      hostname: FAULTS_HOST,
      aliases: [FAULTS_HOST],
      // Toxiproxy logs every connection at info level: only its warnings are worth the bytes.
      env: { LOG_LEVEL: "warn", HOME: "/tmp" },
      labels: { ...opts.labels, [SERVICE_LABEL]: "faults" },
      ports: [FAULTS_API_PORT],
      tmpfs: { "/tmp": "rw,noexec,nosuid,nodev,size=8m,mode=1777" },
      memoryBytes: FAULTS_MEMORY_BYTES,
      cpus: FAULTS_CPUS,
      pids: FAULTS_PIDS,
      stdin: false,
    });
    try {
      // Its output is not shown (nobody's service); the engine drops it as it comes, never buffering it.
      const started = await process.start({ data: () => {}, end: () => {}, fault: () => {} });
      const apiPort = started.hostPorts.get(FAULTS_API_PORT);
      if (!apiPort || !started.address) throw new Error("the fault proxy has no address");
      const faults = new RunFaults(process, apiPort, started.address, opts.links);
      await faults.ready();
      for (const link of opts.links) {
        await faults.call("POST", "/proxies", {
          name: proxyName(link),
          listen: `0.0.0.0:${link.port}`,
          upstream: `${link.to}:${link.port}`,
          enabled: true,
        });
      }
      return faults;
    } catch (err) {
      await process.remove().catch(() => {});
      throw new SandboxError(
        "FAULTS_FAILED",
        `The run's fault proxy (Toxiproxy) did not start: ${(err as Error).message}`,
      );
    }
  }

  /** What each caller's /etc/hosts needs: its callees' names → the proxy. */
  hostsOf(caller: string): Record<string, string> {
    const hosts: Record<string, string> = {};
    for (const l of this.links) if (l.from === caller) hosts[l.to] = this.address;
    return hosts;
  }

  private async ready(): Promise<void> {
    const deadline = Date.now() + FAULTS_READY_MS;
    for (;;) {
      try {
        await this.call("GET", "/version");
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  private link(link: Link): FaultLink {
    const found = this.links.find((l) => l.from === link.from && l.to === link.to);
    if (!found) {
      throw new SandboxError(
        "BAD_REQUEST",
        `This run has no fault link ${link.from} → ${link.to}.`,
        `Its links: ${this.links.map((l) => `${l.from} → ${l.to}`).join(", ") || "none"}.`,
      );
    }
    return found;
  }

  /** Every link and the faults in force on it, as Toxiproxy has them (changes made from the shell included). */
  async list(): Promise<LinkState[]> {
    const answer = (await this.call("GET", "/proxies")) as Record<string, unknown> | undefined;
    return this.links.map((l) => {
      const proxy = answer?.[proxyName(l)] as { enabled?: unknown; toxics?: unknown } | undefined;
      const toxics = Array.isArray(proxy?.toxics) ? proxy.toxics.slice(0, 32) : [];
      return {
        from: l.from,
        to: l.to,
        proxy: proxyName(l),
        enabled: proxy?.enabled !== false && proxy !== undefined,
        faults: faultsOf(toxics),
      };
    });
  }

  /** Puts the fault on the link, replacing one of the same type. */
  async add(link: Link, fault: Fault): Promise<void> {
    const proxy = proxyName(this.link(link));
    await this.remove(link, fault.type);
    for (const toxic of toxicsOf(fault)) await this.call("POST", `/proxies/${proxy}/toxics`, { ...toxic, toxicity: 1 });
  }

  /** Removes the fault of this name (a type of ours, or a toxic's name) from the link; one that is not there is fine. */
  async remove(link: Link, name: string): Promise<void> {
    const proxy = proxyName(this.link(link));
    const ours = (FAULT_TYPES as readonly string[]).includes(name);
    const toxics = ours ? toxicsOf(faultFrom(name as FaultType, {})).map((t) => t.name) : [name];
    for (const toxic of toxics) {
      await this.call("DELETE", `/proxies/${proxy}/toxics/${encodeURIComponent(toxic)}`).catch((err: unknown) => {
        if (!(err instanceof ApiError && err.status === 404)) throw err;
      });
    }
  }

  async close(): Promise<void> {
    await this.process.remove().catch(() => {});
  }

  /** One call to the API, bounded in time and size; its JSON answer (undefined when it has none). */
  private call(method: string, path: string, body?: unknown): Promise<unknown> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: "127.0.0.1",
          port: this.apiPort,
          method,
          path,
          timeout: FAULTS_CALL_MS,
          headers: payload ? { "content-type": "application/json", "content-length": payload.length } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (c: Buffer) => {
            size += c.length;
            if (size > FAULTS_MAX_ANSWER_BYTES) {
              req.destroy(new Error(`its answer to ${method} ${path} is larger than ${FAULTS_MAX_ANSWER_BYTES} bytes`));
              return;
            }
            chunks.push(c);
          });
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const status = res.statusCode ?? 0;
            if (status >= 400) {
              reject(new ApiError(status, `Toxiproxy answered ${status} to ${method} ${path}: ${text.slice(0, 200)}`));
              return;
            }
            if (!text.trim()) return resolve(undefined);
            try {
              resolve(JSON.parse(text));
            } catch {
              resolve(undefined);
            }
          });
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`Toxiproxy did not answer ${method} ${path} in time`)));
      req.on("error", reject);
      req.end(payload);
    });
  }
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
