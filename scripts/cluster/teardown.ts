// `down`: stops the cluster and removes every trace of it on the host (pods, mounts, bridge, rules, sysctls). Idempotent.
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, rmdirSync, statSync } from "node:fs";
import path from "node:path";
import { NETNS_DIR, readHostRecord, removeHostNetwork, restoreSysctls, type HostRecord } from "./host";
import { COMPONENT_NAMES, stopDaemon, strayShims } from "./processes";
import { CNI_NETWORK, HARD_CODED_HOST_PATHS, RUN_DIR, STATE_DIR, paths } from "./settings";
import { progress, seconds, sleep, tryRun } from "./shell";

/** Chains the kubelet, kube-proxy and the CNI firewall/portmap plugins create; nothing else on the host uses these prefixes. */
const OUR_CHAIN = /^(KUBE-|CNI-|PLAYGROUND-)/;
const CGROUP_ROOT = "/sys/fs/cgroup";
/** crictl removes pods through the CRI, so each one's network is torn down by its CNI plugins. */
const CRICTL_TIMEOUT_S = 60;

function crictl(args: string[]) {
  return tryRun(path.join(paths.bin, "crictl"), [
    `--runtime-endpoint=unix://${paths.containerdSocket}`,
    `--timeout=${CRICTL_TIMEOUT_S}s`,
    ...args,
  ]);
}
function ctr(args: string[]) {
  return tryRun("ctr", ["--address", paths.containerdSocket, "-n", "k8s.io", ...args]);
}

/** Pods and their containers, removed through our containerd while it still runs. */
function removePods() {
  if (!existsSync(paths.containerdSocket) || tryRun("ctr", ["--address", paths.containerdSocket, "version"]) === null)
    return;
  crictl(["rmp", "--all", "--force"]);
  for (const task of (ctr(["tasks", "ls", "-q"]) ?? "").split("\n").filter(Boolean)) {
    ctr(["tasks", "kill", "-s", "SIGKILL", task]);
    ctr(["tasks", "delete", "-f", task]);
  }
  for (const c of (ctr(["containers", "ls", "-q"]) ?? "").split("\n").filter(Boolean)) ctr(["containers", "delete", c]);
}

/** Every PID in a cgroup under kubepods (one per v1 hierarchy): a container process that outlived its shim. */
function kubepodsProcesses(): number[] {
  const pids = new Set<number>();
  const walk = (dir: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    const procs = path.join(dir, "cgroup.procs");
    if (existsSync(procs)) for (const p of readFileSync(procs, "utf8").split("\n").filter(Boolean)) pids.add(Number(p));
    for (const e of entries)
      if (statSync(path.join(dir, e), { throwIfNoEntry: false })?.isDirectory()) walk(path.join(dir, e));
  };
  for (const h of existsSync(CGROUP_ROOT) ? readdirSync(CGROUP_ROOT) : []) walk(path.join(CGROUP_ROOT, h, "kubepods"));
  return [...pids];
}

/** The cgroups the kubelet made (cgroupfs driver), deepest first; rmdir only works on an empty one, so this is safe. */
function removeKubepodsCgroups() {
  const rm = (dir: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const e of entries)
      if (statSync(path.join(dir, e), { throwIfNoEntry: false })?.isDirectory()) rm(path.join(dir, e));
    try {
      rmdirSync(dir);
    } catch {
      /* still busy or already gone */
    }
  };
  for (const h of existsSync(CGROUP_ROOT) ? readdirSync(CGROUP_ROOT) : []) rm(path.join(CGROUP_ROOT, h, "kubepods"));
}

async function killStrays(): Promise<number> {
  let killed = 0;
  for (let round = 0; round < 20; round++) {
    const pids = [...strayShims(), ...kubepodsProcesses()];
    if (!pids.length) break;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
        killed++;
      } catch {
        /* gone already */
      }
    }
    await sleep(100);
  }
  return killed;
}

/** Mount points under our own dirs, and the pod network namespaces that were not there before `up`. */
export function clusterMounts(record: HostRecord | null): string[] {
  const before = new Set(record?.netnsBefore ?? []);
  const points = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split(" ")[4].replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  return points.filter(
    (p) =>
      p.startsWith(`${STATE_DIR}/`) ||
      p.startsWith(`${RUN_DIR}/`) ||
      (p.startsWith(`${NETNS_DIR}/cni-`) && !before.has(path.basename(p))),
  );
}

function unmountAll(record: HostRecord | null): number {
  let n = 0;
  for (let round = 0; round < 5; round++) {
    const mounts = clusterMounts(record).sort((a, b) => b.length - a.length);
    if (!mounts.length) break;
    for (const m of mounts) {
      if (tryRun("umount", [m]) !== null || tryRun("umount", ["-l", m]) !== null) n++;
    }
  }
  const before = new Set(record?.netnsBefore ?? []);
  for (const f of existsSync(NETNS_DIR) ? readdirSync(NETNS_DIR) : []) {
    if (f.startsWith("cni-") && !before.has(f)) rmSync(path.join(NETNS_DIR, f), { force: true });
  }
  return n;
}

/** Every rule and chain with our prefixes, in each table, for IPv4 and IPv6, through one iptables-restore each. */
export function clusterIptablesRules(family: "iptables" | "ip6tables"): string[] {
  return (tryRun(`${family}-save`, []) ?? "")
    .split("\n")
    .filter((l) => /(^:|-A |-j |-g )(KUBE-|CNI-|PLAYGROUND-)/.test(l));
}

/** The network policy controller's ipsets (KUBE-SRC-…, KUBE-DST-…), once no rule refers to them. */
export function clusterIpsets(): string[] {
  return (tryRun("ipset", ["list", "-n"]) ?? "").split("\n").filter((n) => /^(inet6:)?(KUBE-|kube-router)/.test(n));
}

function removeIpsets(): number {
  const sets = clusterIpsets();
  for (const name of sets) tryRun("ipset", ["destroy", name]);
  return sets.length;
}

function removeIptablesRules(): number {
  let removed = 0;
  for (const family of ["iptables", "ip6tables"] as const) {
    const saved = tryRun(`${family}-save`, []);
    if (!saved) continue;
    let table = "";
    const byTable = new Map<string, { chains: string[]; jumps: string[] }>();
    for (const line of saved.split("\n")) {
      if (line.startsWith("*")) {
        table = line.slice(1);
        byTable.set(table, { chains: [], jumps: [] });
      }
      const t = byTable.get(table);
      if (!t) continue;
      const chain = /^:(\S+)/.exec(line)?.[1];
      if (chain && OUR_CHAIN.test(chain)) t.chains.push(chain);
      const rule = /^-A (\S+) (.*)$/.exec(line);
      // Rules inside our chains go with the flush; rules elsewhere that jump into them are deleted one by one.
      if (rule && !OUR_CHAIN.test(rule[1]) && /(-j|-g) (KUBE-|CNI-|PLAYGROUND-)/.test(rule[2]))
        t.jumps.push(`-D ${rule[1]} ${rule[2]}`);
    }
    const script: string[] = [];
    for (const [name, t] of byTable) {
      if (!t.chains.length && !t.jumps.length) continue;
      script.push(
        `*${name}`,
        ...t.jumps,
        ...t.chains.map((c) => `-F ${c}`),
        ...t.chains.map((c) => `-X ${c}`),
        "COMMIT",
      );
      removed += t.jumps.length + t.chains.length;
    }
    if (script.length) {
      if (tryRun(`${family}-restore`, ["--noflush"], { input: `${script.join("\n")}\n` }) === null) {
        throw new Error(`${family}-restore could not remove the cluster's rules; see \`${family}-save\``);
      }
    }
  }
  return removed;
}

/** Paths the kubelet/CRI/libcni create on their own: removed if `up` found them absent, else only our entries. */
function removeHardCodedPaths(record: HostRecord | null) {
  const absent = new Set(record?.absentPaths ?? []);
  for (const p of [...HARD_CODED_HOST_PATHS, NETNS_DIR]) {
    if (!existsSync(p)) continue;
    if (absent.has(p)) {
      rmSync(p, { recursive: true, force: true });
      continue;
    }
    if (p === "/var/lib/cni/results") {
      for (const f of readdirSync(p)) if (f.startsWith(`${CNI_NETWORK}-`)) rmSync(path.join(p, f), { force: true });
    }
    if (p === "/var/log/containers") {
      for (const f of readdirSync(p)) {
        const link = path.join(p, f);
        const target = tryReadlink(link);
        if (target?.startsWith(paths.podLogs)) rmSync(link, { force: true });
      }
    }
  }
}

function tryReadlink(p: string): string | null {
  try {
    return readlinkSync(p);
  } catch {
    return null;
  }
}

/** Stops everything `up` started and puts the host back. Safe to call when nothing runs. */
export async function down() {
  const started = Date.now();
  const record = readHostRecord();
  // The controllers first (nothing recreates pods), then the kubelet (nothing restarts containers), then the pods.
  for (const name of ["kube-controller-manager", "kube-scheduler", "kubelet"]) {
    if (await stopDaemon(name)) progress(`stopped ${name}`);
  }
  removePods();
  for (const name of [...COMPONENT_NAMES]
    .reverse()
    .filter((n) => !["kube-controller-manager", "kube-scheduler", "kubelet"].includes(n))) {
    if (await stopDaemon(name)) progress(`stopped ${name}`);
  }
  const strays = await killStrays();
  if (strays) progress(`killed ${strays} leftover shim or container processes`);
  const unmounted = unmountAll(record);
  if (unmounted) progress(`unmounted ${unmounted} mounts`);
  const stuck = clusterMounts(record);
  if (stuck.length) throw new Error(`still mounted, data kept: ${stuck.join(", ")}`);
  const rules = removeIptablesRules();
  if (rules) progress(`removed ${rules} iptables rules and chains (KUBE-*, CNI-*, PLAYGROUND-*)`);
  const sets = removeIpsets();
  if (sets) progress(`removed ${sets} ipsets of the network policy controller`);
  removeHostNetwork();
  if (record) for (const line of restoreSysctls(record)) progress(`restored ${line}`);
  removeHardCodedPaths(record);
  removeKubepodsCgroups();
  // Data goes; certificates, configs and logs stay (the next `up` reuses the first and rewrites the others).
  for (const p of [paths.etcdData, paths.kubeletRoot, paths.containerdRoot, paths.cniData, paths.podLogs, RUN_DIR]) {
    rmSync(p, { recursive: true, force: true });
  }
  try {
    rmdirSync(path.dirname(RUN_DIR)); // our parent dir under /run, if nothing else of ours is in it
  } catch {
    /* not empty, or gone */
  }
  console.log(`cluster down (${seconds(started)})`);
}
