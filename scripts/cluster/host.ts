// The host side of the cluster: choosing the pod range, the bridge and its route, and what `up` records for `down`.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { PodNetwork } from "./config";
import { BRIDGE, HARD_CODED_HOST_PATHS, POD_CIDR_CANDIDATES, RECORDED_SYSCTLS, SERVICE_CIDR, paths } from "./settings";
import { run, tryRun } from "./shell";

/** What the host looked like before the first `up`; `down` puts it back and then forgets it. */
export interface HostRecord {
  net: PodNetwork;
  /** Each recorded sysctl's value before `up` (null: it did not exist, e.g. br_netfilter not loaded). */
  sysctls: Record<string, string | null>;
  /** Hard-coded paths that did not exist before `up`: `down` removes them. */
  absentPaths: string[];
  /** Network namespaces present before `up`: any other cni-* one is ours. */
  netnsBefore: string[];
}

export const NETNS_DIR = "/run/netns";

const sysctlPath = (name: string) => path.join("/proc/sys", name.replaceAll(".", "/"));
export function readSysctl(name: string): string | null {
  try {
    return readFileSync(sysctlPath(name), "utf8").trim();
  } catch {
    return null;
  }
}
export function writeSysctl(name: string, value: string) {
  writeFileSync(sysctlPath(name), value);
}

function ipToInt(ip: string): number {
  return ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}
function cidrRange(cidr: string): [number, number] {
  const [ip, bits] = cidr.split("/");
  const size = 2 ** (32 - Number(bits ?? 32));
  const start = Math.floor(ipToInt(ip) / size) * size;
  return [start, start + size - 1];
}
function overlaps(a: string, b: string) {
  const [a0, a1] = cidrRange(a);
  const [b0, b1] = cidrRange(b);
  return a0 <= b1 && b0 <= a1;
}

/** The first candidate range no route of this host overlaps (our own bridge's routes do not count). */
export function choosePodNetwork(): PodNetwork {
  const routes = JSON.parse(run("ip", ["-4", "-j", "route", "show", "table", "all"])) as {
    dst: string;
    dev?: string;
  }[];
  const taken = routes.filter((r) => r.dst !== "default" && r.dev !== BRIDGE && /^\d/.test(r.dst)).map((r) => r.dst);
  if (taken.some((t) => overlaps(t, SERVICE_CIDR))) {
    throw new Error(`the service range ${SERVICE_CIDR} is already routed on this host (${taken.join(", ")})`);
  }
  const podCidr = POD_CIDR_CANDIDATES.find((c) => !taken.some((t) => overlaps(t, c)));
  if (!podCidr) throw new Error(`every pod range (${POD_CIDR_CANDIDATES.join(", ")}) is already in use on this host`);
  const [start] = cidrRange(podCidr);
  const gateway = [24, 16, 8, 0].map((s) => ((start + 1) >>> s) & 255).join(".");
  return { podCidr, gateway, prefix: Number(podCidr.split("/")[1]) };
}

export function readHostRecord(): HostRecord | null {
  return existsSync(paths.hostRecord) ? (JSON.parse(readFileSync(paths.hostRecord, "utf8")) as HostRecord) : null;
}

/**
 * Records the host before the first `up`. An `up` after a crash keeps the first record: the sysctls may already be
 * the kubelet's by then, and the original values are the ones to restore.
 */
export function recordHost(): HostRecord {
  const existing = readHostRecord();
  if (existing) return existing;
  // br_netfilter gives the bridge's traffic to iptables (kube-proxy's rewrites of pod-to-pod Service traffic need it).
  if (!existsSync("/proc/sys/net/bridge")) tryRun("modprobe", ["br_netfilter"]);
  const record: HostRecord = {
    net: choosePodNetwork(),
    sysctls: Object.fromEntries(RECORDED_SYSCTLS.map((s) => [s, readSysctl(s)])),
    absentPaths: [...HARD_CODED_HOST_PATHS, NETNS_DIR].filter((p) => !existsSync(p)),
    netnsBefore: existsSync(NETNS_DIR) ? readdirSync(NETNS_DIR) : [],
  };
  mkdirSync(path.dirname(paths.hostRecord), { recursive: true });
  writeFileSync(paths.hostRecord, JSON.stringify(record, null, 2));
  return record;
}

/** The bridge before the CNI plugin, with the service range routed onto it so no ClusterIP packet leaves the host. */
export function setUpHostNetwork(net: PodNetwork) {
  // Forwarding between the bridge's ports through the host (pod → ClusterIP → pod), filtered by iptables.
  writeSysctl("net.ipv4.ip_forward", "1");
  if (readSysctl("net.bridge.bridge-nf-call-iptables") !== null) writeSysctl("net.bridge.bridge-nf-call-iptables", "1");
  if (tryRun("ip", ["link", "show", BRIDGE]) === null) run("ip", ["link", "add", BRIDGE, "type", "bridge"]);
  const addrs = run("ip", ["-4", "-o", "addr", "show", "dev", BRIDGE]);
  if (!addrs.includes(`${net.gateway}/${net.prefix}`))
    run("ip", ["addr", "add", `${net.gateway}/${net.prefix}`, "dev", BRIDGE]);
  run("ip", ["link", "set", BRIDGE, "up"]);
  run("ip", ["route", "replace", SERVICE_CIDR, "dev", BRIDGE, "src", net.gateway]);
  guardHostFromPods(net);
  acceptPodTraffic();
}

/** The chain that lets pod-to-pod traffic through FORWARD once the network policy controller has had its say. */
export const POD_FORWARD_CHAIN = "PLAYGROUND-POD-FORWARD";

/**
 * Docker's FORWARD policy is DROP, so pod-to-pod traffic (direct, or through a ClusterIP that kube-proxy rewrote)
 * needs an accept. It is appended, after the jump the network policy controller keeps first in FORWARD: a packet a
 * NetworkPolicy refuses is rejected there and never reaches this. Pods have no route beyond the bridge, so nothing
 * else is forwarded for them.
 */
function acceptPodTraffic() {
  tryRun("iptables", ["-N", POD_FORWARD_CHAIN]);
  run("iptables", ["-F", POD_FORWARD_CHAIN]);
  run("iptables", ["-A", POD_FORWARD_CHAIN, "-i", BRIDGE, "-o", BRIDGE, "-j", "ACCEPT"]);
  const jump = ["FORWARD", "-i", BRIDGE, "-j", POD_FORWARD_CHAIN];
  if (tryRun("iptables", ["-C", ...jump]) === null) run("iptables", ["-A", ...jump]);
}

/** The chain that keeps learners' pods away from the host's own services. */
export const POD_GUARD_CHAIN = "PLAYGROUND-POD-INPUT";

/**
 * Pods reach the host only for cluster DNS (CoreDNS listens on the bridge's gateway) and for answers to connections
 * the host opened (the kubelet's probes, the playground's requests). Everything else a pod sends to any address of
 * the host — the playground's own port, the kubelet, etcd, Docker's networks' gateways — is dropped, so a learner's
 * pod is as far from the machine as a learner's container is. In the mangle table, before filter's INPUT, where the
 * network policy controller keeps its own jumps first: nothing it accepts can get past this. Removed by `down`.
 */
function guardHostFromPods(net: PodNetwork) {
  tryRun("iptables", ["-t", "mangle", "-N", POD_GUARD_CHAIN]);
  run("iptables", ["-t", "mangle", "-F", POD_GUARD_CHAIN]);
  const rules = [
    ["-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "RETURN"],
    ["-d", net.gateway, "-p", "udp", "--dport", "53", "-j", "RETURN"],
    ["-d", net.gateway, "-p", "tcp", "--dport", "53", "-j", "RETURN"],
    ["-j", "DROP"],
  ];
  for (const rule of rules) run("iptables", ["-t", "mangle", "-A", POD_GUARD_CHAIN, ...rule]);
  const jump = ["PREROUTING", "-i", BRIDGE, "-m", "addrtype", "--dst-type", "LOCAL", "-j", POD_GUARD_CHAIN];
  if (tryRun("iptables", ["-t", "mangle", "-C", ...jump]) === null)
    run("iptables", ["-t", "mangle", "-I", ...jump.slice(0, 1), "1", ...jump.slice(1)]);
}

/** Removes the bridge, with whatever veths are still attached; its routes go with it. */
export function removeHostNetwork() {
  const ports = JSON.parse(tryRun("ip", ["-j", "link", "show", "master", BRIDGE]) ?? "[]") as { ifname: string }[];
  for (const p of ports) tryRun("ip", ["link", "del", p.ifname]);
  if (tryRun("ip", ["link", "show", BRIDGE]) !== null) run("ip", ["link", "del", BRIDGE]);
  tryRun("ip", ["route", "del", SERVICE_CIDR]);
}

/** Puts back every recorded sysctl that differs (and that exists: br_netfilter may stay loaded, as Docker needs it). */
export function restoreSysctls(record: HostRecord): string[] {
  const restored: string[] = [];
  for (const [name, value] of Object.entries(record.sysctls)) {
    if (value === null) continue;
    const now = readSysctl(name);
    if (now !== null && now !== value) {
      writeSysctl(name, value);
      restored.push(`${name} ${now} → ${value}`);
    }
  }
  return restored;
}
