// The cluster's daemons: their command lines, starting each in its own process group with a PID file, stopping them.
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pki } from "./certs";
import { etcFile, type PodNetwork } from "./config";
import { LOOPBACK, NODE_NAME, SERVICE_CIDR, paths, ports, timeouts } from "./settings";
import { sleep } from "./shell";

export interface Daemon {
  name: string;
  bin: string;
  args: string[];
}

const bin = (name: string) => path.join(paths.bin, name);

/** Every daemon, in start order; `down` stops them in reverse. */
export function daemons(net: PodNetwork): Daemon[] {
  const etcdUrl = `https://${LOOPBACK}:${ports.etcdClient}`;
  return [
    { name: "containerd", bin: "/usr/bin/containerd", args: ["--config", etcFile("containerd.toml")] },
    {
      name: "etcd",
      bin: bin("etcd"),
      args: [
        "--name=playground",
        `--data-dir=${paths.etcdData}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        // One member, peers on loopback only: nobody else ever joins.
        `--listen-peer-urls=http://${LOOPBACK}:${ports.etcdPeer}`,
        `--initial-advertise-peer-urls=http://${LOOPBACK}:${ports.etcdPeer}`,
        `--initial-cluster=playground=http://${LOOPBACK}:${ports.etcdPeer}`,
        `--listen-metrics-urls=http://${LOOPBACK}:${ports.etcdMetrics}`,
        `--cert-file=${pki("etcd-server.crt")}`,
        `--key-file=${pki("etcd-server.key")}`,
        `--trusted-ca-file=${pki("ca.crt")}`,
        "--client-cert-auth",
        // A playground's cluster holds a few hundred objects: a small quota, frequent compaction.
        "--quota-backend-bytes=536870912",
        "--auto-compaction-retention=1h",
        "--log-level=warn",
      ],
    },
    {
      name: "kube-apiserver",
      bin: bin("kube-apiserver"),
      args: [
        `--bind-address=${LOOPBACK}`,
        `--secure-port=${ports.apiserver}`,
        // Informative only: with the reconciler off nothing is published for it (the kubernetes Service has no endpoints).
        `--advertise-address=${net.gateway}`,
        "--endpoint-reconciler-type=none",
        `--etcd-servers=https://${LOOPBACK}:${ports.etcdClient}`,
        `--etcd-cafile=${pki("ca.crt")}`,
        `--etcd-certfile=${pki("apiserver-etcd-client.crt")}`,
        `--etcd-keyfile=${pki("apiserver-etcd-client.key")}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        `--client-ca-file=${pki("ca.crt")}`,
        `--tls-cert-file=${pki("apiserver.crt")}`,
        `--tls-private-key-file=${pki("apiserver.key")}`,
        `--kubelet-client-certificate=${pki("apiserver-kubelet-client.crt")}`,
        `--kubelet-client-key=${pki("apiserver-kubelet-client.key")}`,
        `--kubelet-certificate-authority=${pki("ca.crt")}`,
        // The node's host name resolves to 127.0.0.1, where the kubelet listens.
        "--kubelet-preferred-address-types=Hostname",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        `--service-account-key-file=${pki("sa.pub")}`,
        `--service-account-signing-key-file=${pki("sa.key")}`,
        "--authorization-mode=Node,RBAC",
        // PodSecurity is on by default; NodeRestriction keeps the kubelet's credentials to its own node.
        "--enable-admission-plugins=NodeRestriction",
        // Privileged pods are allowed by the server so that Pod Security Admission is what refuses them per namespace.
        "--allow-privileged=true",
        "--anonymous-auth=false",
        "--profiling=false",
      ],
    },
    {
      name: "kube-controller-manager",
      bin: bin("kube-controller-manager"),
      args: [
        `--kubeconfig=${etcFile("controller-manager.kubeconfig")}`,
        `--authentication-kubeconfig=${etcFile("controller-manager.kubeconfig")}`,
        `--authorization-kubeconfig=${etcFile("controller-manager.kubeconfig")}`,
        `--bind-address=${LOOPBACK}`,
        `--secure-port=${ports.controllerManager}`,
        "--leader-elect=false",
        "--use-service-account-credentials=true",
        `--service-account-private-key-file=${pki("sa.key")}`,
        `--root-ca-file=${pki("ca.crt")}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        "--allocate-node-cidrs=true",
        `--cluster-cidr=${net.podCidr}`,
        `--node-cidr-mask-size=${net.prefix}`,
        "--profiling=false",
      ],
    },
    {
      name: "kube-scheduler",
      bin: bin("kube-scheduler"),
      args: [
        `--kubeconfig=${etcFile("scheduler.kubeconfig")}`,
        `--authentication-kubeconfig=${etcFile("scheduler.kubeconfig")}`,
        `--authorization-kubeconfig=${etcFile("scheduler.kubeconfig")}`,
        `--bind-address=${LOOPBACK}`,
        `--secure-port=${ports.scheduler}`,
        "--leader-elect=false",
        "--profiling=false",
      ],
    },
    {
      name: "kubelet",
      bin: bin("kubelet"),
      args: [
        `--config=${etcFile("kubelet.json")}`,
        `--kubeconfig=${etcFile("kubelet.kubeconfig")}`,
        `--root-dir=${paths.kubeletRoot}`,
        `--hostname-override=${NODE_NAME}`,
        // The bridge's address: a routable node IP (loopback is refused), which pods reach through their gateway.
        `--node-ip=${net.gateway}`,
      ],
    },
    { name: "kube-proxy", bin: bin("kube-proxy"), args: [`--config=${etcFile("kube-proxy.json")}`] },
    {
      // NetworkPolicy enforcement only (iptables + ipset): each learner's namespace admits traffic from its own pods
      // (and the node's probes) and from nowhere else. No routing, no service proxy, no listener.
      name: "kube-router",
      bin: bin("kube-router"),
      args: [
        `--kubeconfig=${etcFile("kube-router.kubeconfig")}`,
        `--hostname-override=${NODE_NAME}`,
        "--run-firewall=true",
        "--run-router=false",
        "--run-service-proxy=false",
        "--enable-cni=false",
        "--health-port=0",
        "--metrics-port=0",
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        "--iptables-sync-period=5m",
      ],
    },
  ];
}

export const COMPONENT_NAMES = [
  "containerd",
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kubelet",
  "kube-proxy",
  "kube-router",
];

const pidFile = (name: string) => path.join(paths.pids, `${name}.pid`);
export const logFile = (name: string) => path.join(paths.logs, `${name}.log`);

/** PATH for the daemons: iptables, ip, runc and the containerd shim live in the sbin and bin dirs. */
const DAEMON_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Starts a daemon in its own session (its own process group), output to its log file. */
export function startDaemon(d: Daemon): number {
  mkdirSync(paths.pids, { recursive: true });
  mkdirSync(paths.logs, { recursive: true });
  const fd = openSync(logFile(d.name), "w");
  const child = spawn(d.bin, d.args, {
    detached: true,
    stdio: ["ignore", fd, fd],
    env: { PATH: DAEMON_PATH, HOME: paths.etc, LANG: "C.UTF-8" } as unknown as NodeJS.ProcessEnv,
  });
  closeSync(fd);
  if (!child.pid) throw new Error(`${d.name} did not start`);
  child.unref();
  writeFileSync(pidFile(d.name), String(child.pid));
  return child.pid;
}

function cmdline(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return null;
  }
}

/** The PID of a daemon we started, if it still runs the binary we started (not a recycled PID). */
export function daemonPid(name: string): number | null {
  if (!existsSync(pidFile(name))) return null;
  const pid = Number(readFileSync(pidFile(name), "utf8"));
  const cmd = cmdline(pid);
  if (!cmd) return null;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // A zombie is dead: it only waits for its parent (gone) to be reaped by init.
  if (/\) Z /.test(stat)) return null;
  return path.basename(cmd[0]) === (name === "containerd" ? "containerd" : name) ? pid : null;
}

const processAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

/** SIGTERM to the daemon's process group, SIGKILL after the grace time. Returns whether one was running. */
export async function stopDaemon(name: string): Promise<boolean> {
  const pid = daemonPid(name);
  rmSync(pidFile(name), { force: true });
  if (pid === null) return false;
  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      /* the group is gone */
    }
  };
  signalGroup("SIGTERM");
  const deadline = Date.now() + timeouts.stopGraceMs;
  while (processAlive(pid) && Date.now() < deadline) await sleep(100);
  if (processAlive(pid)) signalGroup("SIGKILL");
  while (processAlive(pid)) await sleep(50);
  return true;
}

/** Processes that belong to our containerd but outlive it: its shims (they start their own sessions). */
export function strayShims(): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = cmdline(Number(entry));
    if (!cmd || !cmd[0].includes("containerd-shim")) continue;
    const i = cmd.indexOf("-address");
    if (i >= 0 && cmd[i + 1] === paths.containerdSocket) out.push(Number(entry));
  }
  return out;
}
