// Faults a learner injects on a link between two services of a run (latency, bandwidth, a stalled or reset
// connection): their shapes, shared by the lesson manifest, the socket protocol, the engine and the page.
import { z } from "zod";

const serviceName = z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, "a service name");

/** A caller and the service it calls, as the manifest declares it (the caller's calls to `to` go through a proxy). */
export const linkSchema = z.object({ from: serviceName, to: serviceName }).strict();

/** Bounds: enough to make any lesson's timeouts fire, small enough that a fault can never hold a run for long. */
const ms = (max: number) => z.number().int().min(0).max(max);

/**
 * One fault on a link. `latency` delays every chunk both ways (the request and its answer) by `latencyMs` ± `jitterMs`,
 * as a slow network would: a round trip takes twice that longer. The others act on the answers (callee → caller):
 * `bandwidth` lets `rateKBps` kilobytes a second through; `timeout` lets nothing through and closes the connection after
 * `timeoutMs` (0: never, until the fault is removed); `reset` resets the connection (TCP RST) `afterMs` after it opens.
 */
export const faultSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("latency"), latencyMs: ms(60_000), jitterMs: ms(60_000).default(0) }).strict(),
  z.object({ type: z.literal("bandwidth"), rateKBps: z.number().int().min(1).max(1_000_000) }).strict(),
  z.object({ type: z.literal("timeout"), timeoutMs: ms(600_000) }).strict(),
  z.object({ type: z.literal("reset"), afterMs: ms(600_000).default(0) }).strict(),
]);

export const FAULT_TYPES = ["latency", "bandwidth", "timeout", "reset"] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

/** The name a fault (a Toxiproxy toxic) has on its link; a toxic added from the shell may have any such name. */
export const toxicNameSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "a fault's name");

export type Link = z.infer<typeof linkSchema>;
export type Fault = z.infer<typeof faultSchema>;

/** A fault in force on a link: one of ours (named by its type), or a toxic someone added from the shell. */
export type ActiveFault =
  (Fault & { name: string }) | { type: "other"; name: string; toxicType: string; attributes: Record<string, number> };

/** A link of the run and what is in force on it. `proxy` is its Toxiproxy proxy's name (for toxiproxy-cli). */
export interface LinkState extends Link {
  proxy: string;
  /** False when someone disabled the proxy from the shell (`toxiproxy-cli toggle`): the link is then cut. */
  enabled: boolean;
  faults: ActiveFault[];
}

/** The Toxiproxy proxy of a link: one name a learner can type in the shell. */
export function proxyName(link: Link): string {
  return `${link.from}__${link.to}`;
}

/** One line for a fault, e.g. "latency 800 ms ± 100 ms". */
export function describeFault(f: ActiveFault): string {
  switch (f.type) {
    case "latency":
      return `latency ${f.latencyMs} ms${f.jitterMs ? ` ± ${f.jitterMs} ms` : ""}`;
    case "bandwidth":
      return `bandwidth ${f.rateKBps} KB/s`;
    case "timeout":
      return f.timeoutMs ? `timeout: nothing through, closed after ${f.timeoutMs} ms` : "timeout: nothing through";
    case "reset":
      return `reset${f.afterMs ? ` after ${f.afterMs} ms` : ""}`;
    default:
      return `${f.name} (${f.toxicType})`;
  }
}
