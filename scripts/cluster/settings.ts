// The local cluster's paths, versions, ports, address ranges and limits, each with the reason it has that value.
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CLUSTER_CACHE_DIR, CLUSTER_RUN_DIR, CLUSTER_STATE_DIR, localCluster } from "../../sandbox/index";

export const BUILD_DIR = path.join(import.meta.dirname, "build");

/** versions.env is the one place versions live: the build reads it and the cache key hashes it. */
function readVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path.join(BUILD_DIR, "versions.env"), "utf8").split("\n")) {
    const m = /^([A-Z_]+)=(\S+)$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}
const versions = readVersions();
export const KUBERNETES_VERSION = versions.KUBERNETES_VERSION;
export const ETCD_VERSION = versions.ETCD_VERSION;
export const COREDNS_VERSION = versions.COREDNS_VERSION;
export const CRI_TOOLS_VERSION = versions.CRI_TOOLS_VERSION;
export const KUBE_ROUTER_VERSION = versions.KUBE_ROUTER_VERSION;

/** Binaries and Go caches live outside the clone so a fresh clone (CI) reuses them: ~7 GB, built once. */
export const CACHE_DIR = CLUSTER_CACHE_DIR;
/** Certificates (kept across down/up), configs, etcd data, kubelet and containerd roots, logs (wiped by down). */
export const STATE_DIR = CLUSTER_STATE_DIR;
/** Sockets, PID files and what `up` recorded about the host; tmpfs, so a reboot forgets it with the processes. */
export const RUN_DIR = CLUSTER_RUN_DIR;

export const paths = {
  bin: path.join(CACHE_DIR, "bin"),
  images: path.join(CACHE_DIR, "images"),
  cniBin: path.join(CACHE_DIR, "cni", "usr", "lib", "cni"),
  goModCache: path.join(CACHE_DIR, "go", "mod"),
  goBuildCache: path.join(CACHE_DIR, "go", "build"),
  pki: path.join(STATE_DIR, "pki"),
  etc: path.join(STATE_DIR, "etc"),
  cniConf: path.join(STATE_DIR, "etc", "cni"),
  cniData: path.join(STATE_DIR, "cni-ipam"),
  etcdData: path.join(STATE_DIR, "etcd"),
  kubeletRoot: path.join(STATE_DIR, "kubelet"),
  podLogs: path.join(STATE_DIR, "pod-logs"),
  containerdRoot: path.join(STATE_DIR, "containerd"),
  logs: path.join(STATE_DIR, "logs"),
  kubectlCache: path.join(STATE_DIR, "kubectl-cache"),
  /** The admin kubeconfig the playground (and the tests) use. */
  kubeconfig: localCluster.kubeconfig,
  containerdState: path.join(RUN_DIR, "containerd"),
  containerdSocket: localCluster.containerdSocket,
  /** runc's state of our containers, away from /run/containerd/runc where Docker's containerd keeps its own. */
  runcRoot: path.join(RUN_DIR, "runc"),
  pids: path.join(RUN_DIR, "pids"),
  hostRecord: path.join(RUN_DIR, "host-record.json"),
};

export const NODE_NAME = os.hostname();
/** Pod sandbox image: a static pause binary in a one-layer image, imported (nothing can be pulled here). */
export const PAUSE_IMAGE = "playground.local/pause:3.10";
export const COREDNS_IMAGE = `playground.local/coredns:${COREDNS_VERSION}`;

/**
 * Pod ranges tried in order: the first that overlaps no route of this host is used, so pods never shadow a network
 * Docker or the machine already has. A /24 is ~250 pods, far above what one node runs here.
 */
export const POD_CIDR_CANDIDATES = ["10.244.0.0/24", "10.245.0.0/24", "10.246.0.0/24", "10.247.0.0/24"];
/** Services' ClusterIPs; .1 is the `kubernetes` Service, .10 the cluster DNS. Routed onto the bridge only. */
export const SERVICE_CIDR = "10.96.0.0/24";
export const KUBERNETES_SERVICE_IP = "10.96.0.1";
export const DNS_SERVICE_IP = "10.96.0.10";
export const CLUSTER_DOMAIN = "cluster.local";
/** The pods' bridge (made by `up` before the CNI plugin sees it, so the service route has a device to point at). */
export const BRIDGE = "pgk8s0";
/** The CNI network's name; it also prefixes the plugin's cache files, which teardown removes by it. */
export const CNI_NETWORK = "playground-k8s";

/** Every listener is on 127.0.0.1 (CoreDNS on the bridge's gateway, which only pods and the host reach). */
export const ports = {
  etcdClient: 2379,
  etcdPeer: 2380,
  etcdMetrics: 2381,
  apiserver: 6443,
  kubelet: 10250,
  kubeletHealthz: 10248,
  kubeProxyMetrics: 10249,
  kubeProxyHealthz: 10256,
  controllerManager: 10257,
  scheduler: 10259,
  /** CoreDNS runs on the host network (it must reach the API server on 127.0.0.1); these ports are loopback only. */
  corednsHealth: 18053,
  corednsReady: 18054,
};
export const LOOPBACK = "127.0.0.1";

/** The sysctls the kubelet, kube-proxy or `up` may change: recorded before, restored by `down`. */
export const RECORDED_SYSCTLS = [
  "vm.overcommit_memory",
  "vm.panic_on_oom",
  "kernel.panic",
  "kernel.panic_on_oops",
  "kernel.keys.root_maxkeys",
  "kernel.keys.root_maxbytes",
  "net.ipv4.conf.all.route_localnet",
  "net.ipv4.ip_forward",
  "net.bridge.bridge-nf-call-iptables",
  "net.bridge.bridge-nf-call-ip6tables",
];

/**
 * Paths the kubelet, containerd's CRI or libcni create whatever they are told; teardown removes them when `up` found
 * them absent, else only what the cluster put in them.
 */
export const HARD_CODED_HOST_PATHS = [
  "/var/lib/kubelet/device-plugins",
  "/var/lib/kubelet",
  "/var/log/containers",
  "/var/lib/cni/results",
  "/var/lib/cni",
];

export const timeouts = {
  /** A daemon that does not answer its health check by then will not: its log says why. */
  componentReadyMs: 60_000,
  /** Node Ready takes 6–10 s here; CoreDNS a few more. Generous for a machine busy with other builds. */
  nodeReadyMs: 120_000,
  corednsReadyMs: 120_000,
  /** SIGTERM first; then SIGKILL after this long (the kubelet and containerd stop in well under a second). */
  stopGraceMs: 10_000,
};

/** Go builds share 2 cores with other work: -p 2, and the flags that keep binaries small. */
export const GO_BUILD_PARALLELISM = 2;
