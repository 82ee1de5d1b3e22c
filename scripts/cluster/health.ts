// Health of each part of the cluster (process, endpoints, node, CoreDNS) and the `status` report built from it.
import http from "node:http";
import https from "node:https";
import { readFileSync } from "node:fs";
import { tlsAs } from "./certs";
import { COMPONENT_NAMES, daemonPid } from "./processes";
import { LOOPBACK, NODE_NAME, paths, ports } from "./settings";
import { kubectl, tryRun } from "./shell";

/** An endpoint check waits no longer than this: a healthy local daemon answers in milliseconds. */
const PROBE_TIMEOUT_MS = 3_000;

interface Answer {
  status: number;
  body: string;
}

/** GET over http(s) to a loopback endpoint; TLS as a given certificate's user, or unverified for self-signed servers. */
export function get(url: string, tls?: ReturnType<typeof tlsAs> | "self-signed"): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const opts =
      tls === "self-signed" ? { rejectUnauthorized: false } : tls ? { ca: tls.ca, cert: tls.cert, key: tls.key } : {};
    const req = (url.startsWith("https:") ? https : http).get(url, { ...opts, timeout: PROBE_TIMEOUT_MS }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
  });
}

const ok = async (url: string, tls?: Parameters<typeof get>[1]) => (await get(url, tls)).status === 200;

export const checks = {
  containerd: async () => tryRun("ctr", ["--address", paths.containerdSocket, "version"]) !== null,
  etcd: async () =>
    (await get(`https://${LOOPBACK}:${ports.etcdClient}/health`, tlsAs("apiserver-etcd-client"))).body.includes(
      '"health":"true"',
    ),
  apiserverLivez: async () => ok(`https://${LOOPBACK}:${ports.apiserver}/livez`, tlsAs("admin")),
  apiserverReadyz: async () => ok(`https://${LOOPBACK}:${ports.apiserver}/readyz`, tlsAs("admin")),
  controllerManager: async () => ok(`https://${LOOPBACK}:${ports.controllerManager}/healthz`, "self-signed"),
  scheduler: async () => ok(`https://${LOOPBACK}:${ports.scheduler}/healthz`, "self-signed"),
  kubelet: async () => ok(`http://${LOOPBACK}:${ports.kubeletHealthz}/healthz`),
  kubeProxy: async () => ok(`http://${LOOPBACK}:${ports.kubeProxyHealthz}/healthz`),
  // It has no listener (--health-port=0): ready once it has put its chains in place.
  kubeRouter: async () => tryRun("iptables", ["-n", "-L", "KUBE-ROUTER-FORWARD"]) !== null,
  nodeReady: async () =>
    kubectl(["get", "node", NODE_NAME, "-o", 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']).trim() ===
    "True",
  corednsReady: async () =>
    kubectl(["-n", "kube-system", "get", "deployment", "coredns", "-o", "jsonpath={.status.readyReplicas}"]).trim() ===
    "1",
};

async function safely(check: () => Promise<boolean>): Promise<boolean> {
  try {
    return await check();
  } catch {
    return false;
  }
}

/** Resident memory of a process in MiB (VmRSS), or null if it is gone. */
export function rssMiB(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** One line per daemon with its RSS, and the total of the control plane. */
/** Resident memory of each running component (MiB). */
export function componentMemory(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of COMPONENT_NAMES) {
    const pid = daemonPid(name);
    const rss = pid === null ? null : rssMiB(pid);
    if (rss !== null) out[name] = rss;
  }
  return out;
}

export function memoryReport(): string {
  const memory = componentMemory();
  const total = Object.values(memory).reduce((a, b) => a + b, 0);
  return `resident memory (MiB): ${Object.entries(memory)
    .map(([n, m]) => `${n} ${m}`)
    .join(", ")}; total ${total}`;
}

/** Prints every component's health; true only if all are good. */
export async function status(): Promise<boolean> {
  const rows: [string, boolean, string][] = [];
  const endpoint: Record<string, (() => Promise<boolean>)[]> = {
    containerd: [checks.containerd],
    etcd: [checks.etcd],
    "kube-apiserver": [checks.apiserverLivez, checks.apiserverReadyz],
    "kube-controller-manager": [checks.controllerManager],
    "kube-scheduler": [checks.scheduler],
    kubelet: [checks.kubelet],
    "kube-proxy": [checks.kubeProxy],
    "kube-router": [checks.kubeRouter],
  };
  for (const name of COMPONENT_NAMES) {
    const pid = daemonPid(name);
    if (pid === null) {
      rows.push([name, false, "not running"]);
      continue;
    }
    const results = await Promise.all(endpoint[name].map(safely));
    const healthy = results.every(Boolean);
    const detail =
      name === "kube-apiserver"
        ? `livez ${results[0] ? "ok" : "failing"}, readyz ${results[1] ? "ok" : "failing"}`
        : healthy
          ? "healthy"
          : "unhealthy";
    rows.push([name, healthy, `pid ${pid}, ${detail}, ${rssMiB(pid) ?? "?"} MiB`]);
  }
  const apiUp = rows.find((r) => r[0] === "kube-apiserver")?.[1] ?? false;
  rows.push([`node ${NODE_NAME}`, apiUp && (await safely(checks.nodeReady)), "Ready"]);
  rows.push(["coredns", apiUp && (await safely(checks.corednsReady)), "1/1 ready"]);
  for (const [name, good, detail] of rows)
    console.log(
      `${good ? "✓" : "✗"} ${name.padEnd(24)} ${good ? detail : detail.replace(/^Ready$|^1\/1 ready$/, "not ready")}`,
    );
  return rows.every((r) => r[1]);
}
