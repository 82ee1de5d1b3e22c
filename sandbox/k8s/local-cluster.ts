// Where the playground's own single-node cluster (`npm run cluster`) keeps what the engine needs of it: the admin
// kubeconfig and the socket of its containerd (the runtime learners' images are loaded into). One place for both
// the engine and the scripts that start the cluster.
import path from "node:path";

/** Certificates, configs, etcd data, kubelet and containerd roots, logs, the kubeconfig. */
export const CLUSTER_STATE_DIR = process.env.PLAYGROUND_CLUSTER_STATE ?? "/var/lib/go-microservices-playground/cluster";
/** Binaries (kubectl among them) and Go caches of `npm run cluster -- build`: outside the clone, built once. */
export const CLUSTER_CACHE_DIR =
  process.env.PLAYGROUND_CLUSTER_CACHE ?? "/var/cache/go-microservices-playground/cluster";
/** Sockets, PID files and what `up` recorded about the host (tmpfs: a reboot forgets it with the processes). */
export const CLUSTER_RUN_DIR = process.env.PLAYGROUND_CLUSTER_RUN ?? "/run/go-microservices-playground/cluster";

export const localCluster = {
  kubeconfig: path.join(CLUSTER_STATE_DIR, "kubeconfig"),
  containerdSocket: path.join(CLUSTER_RUN_DIR, "containerd", "containerd.sock"),
  /** The progress lines of the last `build`/`up` (the lesson page shows them while the cluster starts). */
  progressLog: path.join(CLUSTER_STATE_DIR, "progress.log"),
  /**
   * The static kubectl of the cluster's build, mounted read-only into a cluster run's shell (shell-access.ts);
   * PLAYGROUND_KUBECTL names another static one (for a cluster of PLAYGROUND_KUBECONFIG on a machine without the build).
   */
  kubectl: process.env.PLAYGROUND_KUBECTL ?? path.join(CLUSTER_CACHE_DIR, "bin", "kubectl"),
  /** containerd's namespace for the kubelet's images. */
  containerdNamespace: "k8s.io",
};
