// The Kubernetes cluster that lesson 16.8.2 runs on: the playground's own (`npm run cluster -- up`) by default, or
// the one a kubeconfig names (PLAYGROUND_KUBECONFIG). Its API clients, its readiness, how a learner's image reaches
// its container runtime, and the namespaces a crashed server left behind.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import type { Readable } from "node:stream";
import { AppsV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi, Log, Watch } from "@kubernetes/client-node";
import { APP_LABEL, APP_NAME, OWNER_PID_LABEL } from "../labels";
import { localCluster } from "./local-cluster";

export interface ClusterStatus {
  ready: boolean;
  /** Which cluster: "the playground's local cluster" or the kubeconfig's path. */
  name: string;
  /** What is wrong and what to do, when not ready. */
  detail?: string;
}

/** The API clients of one cluster. */
export interface ClusterApi {
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  objects: KubernetesObjectApi;
  watch: Watch;
  log: Log;
  /** Whether the playground's own cluster is meant: its containerd is on this machine, so images can be loaded. */
  local: boolean;
  name: string;
}

function kubeconfigPath(): { file: string; local: boolean } {
  const chosen = process.env.PLAYGROUND_KUBECONFIG;
  return chosen ? { file: chosen, local: false } : { file: localCluster.kubeconfig, local: true };
}

let cached: { file: string; api: ClusterApi } | undefined;

/** The clients of the configured cluster; undefined while its kubeconfig does not exist (the cluster never started). */
export function clusterApi(): ClusterApi | undefined {
  const { file, local } = kubeconfigPath();
  if (!existsSync(file)) return undefined;
  if (cached?.file === file) return cached.api;
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  const api: ClusterApi = {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    objects: KubernetesObjectApi.makeApiClient(kc),
    watch: new Watch(kc),
    log: new Log(kc),
    local,
    name: local ? "the playground's local cluster" : `the cluster of ${file}`,
  };
  cached = { file, api };
  return api;
}

const START_HINT = "Start it with `npm run cluster -- up` (the first time builds it: ~20 min; later ~40 s).";

/** Ready = the API server answers and a node is Ready (pods can be scheduled). */
export async function clusterStatus(): Promise<ClusterStatus> {
  const { file, local } = kubeconfigPath();
  const name = local ? "the playground's local cluster" : `the cluster of ${file}`;
  const api = clusterApi();
  if (!api)
    return {
      ready: false,
      name,
      detail: local ? `The cluster has not been started. ${START_HINT}` : `${file} is missing.`,
    };
  try {
    const nodes = await api.core.listNode({ timeoutSeconds: 3 });
    const ready = nodes.items.some((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
    if (!ready) return { ready: false, name, detail: "No node is Ready yet: the cluster is still starting." };
    return { ready: true, name };
  } catch (err) {
    return {
      ready: false,
      name,
      detail:
        `Its API server does not answer (${(err as Error).message.split("\n")[0]}). ${local ? START_HINT : ""}`.trim(),
    };
  }
}

/**
 * The containerd whose images the cluster's node runs: the local cluster's, or for another cluster whose node is this
 * machine (k3s, a kind node's socket bound out) the one PLAYGROUND_CLUSTER_CONTAINERD names.
 */
function runtimeSocket(api: ClusterApi): string | undefined {
  const socket = process.env.PLAYGROUND_CLUSTER_CONTAINERD ?? (api.local ? localCluster.containerdSocket : undefined);
  return socket && existsSync(socket) ? socket : undefined;
}

/**
 * Puts an image (a `docker save` archive, streamed) into the cluster's container runtime under `ref`, the way kind
 * and minikube load local images: nothing is pushed to or pulled from a registry.
 */
export function loadImage(api: ClusterApi, archive: Readable): Promise<void> {
  const socket = runtimeSocket(api);
  if (!socket) {
    return Promise.reject(
      new Error(
        `no containerd of ${api.name} is reachable on this machine to load the image into ` +
          "(set PLAYGROUND_CLUSTER_CONTAINERD to its socket; no registry is reachable here)",
      ),
    );
  }
  return new Promise((resolve, reject) => {
    const ctr = spawn("ctr", ["--address", socket, "-n", localCluster.containerdNamespace, "images", "import", "-"], {
      stdio: ["pipe", "ignore", "pipe"],
    });
    let stderr = "";
    ctr.stderr.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
    ctr.on("error", reject);
    ctr.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`ctr images import failed (${code}): ${stderr.trim()}`)),
    );
    archive.on("error", (err) => {
      ctr.kill();
      reject(err);
    });
    archive.pipe(ctr.stdin);
  });
}

/** The refs of the local runtime's images that start with `prefix`. */
export function listImages(api: ClusterApi, prefix: string): Promise<string[]> {
  const socket = runtimeSocket(api);
  if (!socket) return Promise.resolve([]);
  return new Promise((resolve) => {
    const ctr = spawn("ctr", ["--address", socket, "-n", localCluster.containerdNamespace, "images", "ls", "-q"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    let out = "";
    ctr.stdout.on("data", (c: Buffer) => (out += c.toString()));
    ctr.on("error", () => resolve([]));
    ctr.on("close", () => resolve(out.split("\n").filter((l) => l.startsWith(prefix))));
  });
}

/** Removes images of a namespace from the local runtime (their refs carry the namespace's name). */
export async function removeImages(api: ClusterApi, refs: string[]): Promise<void> {
  const socket = runtimeSocket(api);
  if (!socket || refs.length === 0) return;
  await new Promise<void>((resolve) => {
    const ctr = spawn("ctr", ["--address", socket, "-n", localCluster.containerdNamespace, "images", "rm", ...refs], {
      stdio: "ignore",
    });
    ctr.on("error", () => resolve());
    ctr.on("close", () => resolve());
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Deletes the run namespaces whose server process is gone (a crash, a kill): their pods would run forever. */
export async function reapClusterOrphans(): Promise<number> {
  const api = clusterApi();
  if (!api) return 0;
  const list = await api.core.listNamespace({ labelSelector: `${APP_LABEL}=${APP_NAME}`, timeoutSeconds: 5 });
  let reaped = 0;
  for (const ns of list.items) {
    const pid = Number(ns.metadata?.labels?.[OWNER_PID_LABEL]);
    if (pid && pid !== process.pid && alive(pid)) continue;
    if (pid === process.pid) continue;
    await api.core.deleteNamespace({ name: ns.metadata!.name! }).catch(() => {});
    reaped++;
  }
  return reaped;
}
