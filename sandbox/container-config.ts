// The host side of every sandbox container (a service's or a pod's): the limits and isolation that DESIGN.md asks
// for, in one place, so a service and a Kubernetes pod can never be sandboxed differently.
import type Docker from "dockerode";
import type { ProcessMount } from "./backend";
import { MAX_OPEN_FILES } from "./limits";
import { hostHasIpv6 } from "./network";

/**
 * resolv.conf options of every sandbox container. The engine's embedded DNS answers the run's service names at
 * once, but forwards any other name (a stopped service's, an outside host's) to servers a run cannot reach, and
 * never answers: with the defaults a lookup then hangs 10 s. Go's resolver joins lookups of one name already in
 * flight, so a request sent while a service was stopped also stalled the calls made after its restart.
 */
const SANDBOX_DNS_OPTIONS = ["timeout:1", "attempts:1"];

/**
 * No IPv6 inside a sandbox: run networks are IPv4 only, and the engine already turns it off there; saying so
 * ourselves keeps a link-local route to the host closed whatever a future engine defaults to.
 */
const NO_IPV6_SYSCTLS: Record<string, string> = hostHasIpv6()
  ? { "net.ipv6.conf.all.disable_ipv6": "1", "net.ipv6.conf.default.disable_ipv6": "1" }
  : {};

export interface SandboxContainer {
  /** The run's network. */
  network: string;
  /** Container ports ("8080/tcp") published on 127.0.0.1, each on a port the engine picks. */
  ports: string[];
  tmpfs: Record<string, string>;
  memoryBytes: number;
  cpus: number;
  pids: number;
  /** The cgroup parent of every sandbox container (cpu-weight.ts), where the engine's cgroups are ours to arrange. */
  cgroupParent: string | undefined;
  /** Name → address lines of this container's /etc/hosts (ProcessSpec.hosts). */
  hosts?: Record<string, string>;
  /** Host paths bound in (ProcessSpec.mounts). */
  mounts?: ProcessMount[];
}

export function sandboxHostConfig(c: SandboxContainer): Docker.HostConfig {
  return {
    NetworkMode: c.network,
    PortBindings: Object.fromEntries(c.ports.map((p) => [p, [{ HostIp: "127.0.0.1", HostPort: "" }]])),
    ReadonlyRootfs: true,
    Tmpfs: c.tmpfs,
    CapDrop: ["ALL"],
    SecurityOpt: ["no-new-privileges"],
    Memory: c.memoryBytes,
    // Equal to the memory limit: no swap to spill into.
    MemorySwap: c.memoryBytes,
    NanoCpus: Math.round(c.cpus * 1e9),
    PidsLimit: c.pids,
    Ulimits: [{ Name: "nofile", Soft: MAX_OPEN_FILES, Hard: MAX_OPEN_FILES }],
    // Output is streamed and capped by the engine's reader; the engine's own log file would grow without bound.
    LogConfig: { Type: "none", Config: {} },
    DnsOptions: SANDBOX_DNS_OPTIONS,
    Sysctls: NO_IPV6_SYSCTLS,
    ...(c.cgroupParent ? { CgroupParent: c.cgroupParent } : {}),
    ...(c.mounts?.length
      ? {
          Mounts: c.mounts.map((m) => ({
            Type: "bind" as const,
            Source: m.source,
            Target: m.target,
            ReadOnly: m.readOnly,
            // Nothing mounted later under the source shows up inside.
            BindOptions: { Propagation: "rprivate" as const },
          })),
        }
      : {}),
    ...(c.hosts && Object.keys(c.hosts).length
      ? { ExtraHosts: Object.entries(c.hosts).map(([name, ip]) => `${name}:${ip}`) }
      : {}),
  };
}
