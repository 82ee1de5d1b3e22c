// kubectl in a cluster run's shell, on the run's namespace and nothing else. The server gives the namespace a
// ServiceAccount whose Role reads what a learner watches (pods, logs, Services, Deployments, events…), scales a
// Deployment, deletes a pod and port-forwards to one; it asks the API server for a short-lived token of it (TokenRequest)
// and keeps it: the shell gets a unix socket of the server's proxy (api-proxy.ts), bind-mounted read-only with a
// kubeconfig that points at the forwarder inside the container (sandbox/kube-forward). kubectl is the cluster build's
// own static binary, mounted read-only. The account, its Role and binding go with the namespace; the socket, its
// folder and the token's only holder (the proxy) go when the shell or the run ends.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { ProcessMount } from "../backend";
import { KUBE_TOKEN_SECONDS } from "../limits";
import { KubeApiProxy, type ApiServerTarget } from "./api-proxy";
import { serverSideApply, type ApplyObject } from "./apply";
import type { ClusterApi } from "./cluster";
import { localCluster } from "./local-cluster";

export const SHELL_ACCOUNT = "playground-shell";
/** Inside the container: the proxy's socket and the kubeconfig (read-only), and kubectl (read-only). */
export const KUBE_DIR = "/opt/kube";
export const KUBECTL_DIR = "/opt/kubectl";
/** Where kubectl finds the API inside the container: the forwarder's port (`kubectl proxy`'s usual one). */
export const FORWARD_PORT = 8001;
/** The forwarder: a tool of the sandbox image (tools.json "local"). */
export const FORWARDER = "playground-kube-forward";
const SOCKET = "api.sock";
const FIELD_MANAGER = "playground";

/**
 * What the shell may do, in its namespace only. Read: what `kubectl get/describe/logs` and `get all` show. Change:
 * a Deployment's scale and deleting a pod (its ReplicaSet makes another) — the lesson's experiments. Port-forward:
 * the pods are on the cluster's network, which the shell's network does not reach, so this is how `wget` in the shell
 * reaches one. Never: Secrets (the learner's own are in their files; a token of the namespace would be there), the
 * Deployment itself (a patch could run any image the node holds, past the playground's apply rules), exec (the
 * lesson's image is one static binary, no shell), the namespace, nodes, RBAC.
 */
export function shellRole(namespace: string, labels: Record<string, string>): ApplyObject[] {
  const read = ["get", "list", "watch"];
  const metadata = { name: SHELL_ACCOUNT, namespace, labels };
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata, automountServiceAccountToken: false } as ApplyObject,
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata,
      rules: [
        {
          apiGroups: [""],
          resources: [
            "pods",
            "pods/log",
            "services",
            "endpoints",
            "configmaps",
            "events",
            "replicationcontrollers",
            "resourcequotas",
            "limitranges",
          ],
          verbs: read,
        },
        { apiGroups: [""], resources: ["pods"], verbs: ["delete"] },
        // create for SPDY, get for the WebSocket upgrade kubectl tries first.
        { apiGroups: [""], resources: ["pods/portforward"], verbs: ["get", "create"] },
        { apiGroups: ["apps"], resources: ["deployments", "replicasets", "statefulsets", "daemonsets"], verbs: read },
        { apiGroups: ["apps"], resources: ["deployments/scale"], verbs: ["get", "patch", "update"] },
        { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: read },
        { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: read },
        { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: read },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: read },
        { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: read },
      ],
    } as ApplyObject,
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: SHELL_ACCOUNT },
      subjects: [{ kind: "ServiceAccount", name: SHELL_ACCOUNT, namespace }],
    } as ApplyObject,
  ];
}

/** The kubeconfig inside the shell: no credential at all, the forwarder's address, the run's namespace. */
export function shellKubeconfig(namespace: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "  - name: playground",
    "    cluster:",
    `      server: http://127.0.0.1:${FORWARD_PORT}`,
    "contexts:",
    "  - name: playground",
    "    context:",
    "      cluster: playground",
    `      namespace: ${namespace}`,
    "      user: learner",
    "current-context: playground",
    "users:",
    "  - name: learner",
    "    user: {}",
    "",
  ].join("\n");
}

/** What a cluster run's shell container gets, and what to give back when it ends. */
export interface ShellKube {
  namespace: string;
  mounts: ProcessMount[];
  env: Record<string, string>;
  /** The shell's command: the forwarder in the background, then the interactive shell. */
  cmd: string[];
  banner: string;
  proxy: KubeApiProxy;
  close(): Promise<void>;
}

function apiTarget(api: ClusterApi): ApiServerTarget {
  const cluster = api.kc.getCurrentCluster();
  if (!cluster?.server) throw new Error("the kubeconfig names no cluster");
  const ca = cluster.caData
    ? Buffer.from(cluster.caData, "base64")
    : cluster.caFile
      ? readFileSync(cluster.caFile)
      : undefined;
  return {
    server: new URL(cluster.server),
    ca,
    insecureSkipVerify: cluster.skipTLSVerify,
    serverName: cluster.tlsServerName,
  };
}

/** A token of the shell's account, asked for again two minutes before it runs out. */
function tokenSource(api: ClusterApi, namespace: string): () => Promise<string> {
  let current: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;
  return () => {
    if (current && Date.now() < current.renewAt) return Promise.resolve(current.token);
    pending ??= api.core
      .createNamespacedServiceAccountToken({
        name: SHELL_ACCOUNT,
        namespace,
        body: { spec: { audiences: [], expirationSeconds: KUBE_TOKEN_SECONDS } },
      })
      .then((answer) => {
        const token = answer.status?.token;
        if (!token) throw new Error("the API server gave no token");
        const expires = answer.status?.expirationTimestamp?.getTime() ?? Date.now() + KUBE_TOKEN_SECONDS * 1000;
        current = { token, renewAt: expires - 120_000 };
        return token;
      })
      .finally(() => (pending = undefined));
    return pending;
  };
}

/** The folder of every shell's socket: root's, listable by nobody else; a dead server's leftovers are removed. */
async function socketsRoot(): Promise<string> {
  const root = path.join(os.tmpdir(), "playground-kube-shells");
  await mkdir(root, { recursive: true, mode: 0o711 });
  await chmod(root, 0o711);
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const pid = Number(name.split("-")[0]);
    if (pid && pid !== process.pid && !alive(pid)) await rm(path.join(root, name), { recursive: true, force: true });
  }
  return root;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Prepares kubectl for one shell of the run whose namespace is `namespace` (which must exist): its account and rights,
 * a proxy on a fresh socket, the kubeconfig. Throws with a reason the banner can show.
 */
export async function openShellKube(
  api: ClusterApi,
  namespace: string,
  labels: Record<string, string>,
): Promise<ShellKube> {
  const kubectl = localCluster.kubectl;
  if (!existsSync(kubectl))
    throw new Error(`kubectl is not built on this machine (${kubectl}; \`npm run cluster -- build\` makes it)`);
  for (const obj of shellRole(namespace, labels)) await serverSideApply(api, obj, { fieldManager: FIELD_MANAGER });
  const token = tokenSource(api, namespace);
  // Asked once now: a shell whose account cannot get a token says so in its banner, not at the first kubectl.
  await token();
  // A name nobody else on the host can guess or list (the root folder is 0711).
  const dir = path.join(await socketsRoot(), `${process.pid}-${randomBytes(16).toString("hex")}`);
  await mkdir(dir, { mode: 0o711 });
  const proxy = new KubeApiProxy({ namespace, target: apiTarget(api), token });
  const close = async (): Promise<void> => {
    await proxy.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await writeFile(path.join(dir, "config"), shellKubeconfig(namespace), { mode: 0o644 });
    await proxy.listen(path.join(dir, SOCKET));
  } catch (err) {
    await close();
    throw err;
  }
  return {
    namespace,
    proxy,
    mounts: [
      { source: dir, target: KUBE_DIR, readOnly: true },
      { source: kubectl, target: `${KUBECTL_DIR}/kubectl`, readOnly: true },
    ],
    env: {
      KUBECONFIG: `${KUBE_DIR}/config`,
      PATH: `${KUBECTL_DIR}:/usr/local/go/bin:/usr/local/bin:/usr/bin:/bin`,
    },
    cmd: [
      "/bin/sh",
      "-c",
      `${FORWARDER} -listen 127.0.0.1:${FORWARD_PORT} -socket ${KUBE_DIR}/${SOCKET} </dev/null >/dev/null & exec /bin/sh -i`,
    ],
    banner:
      `kubectl works here on your namespace ${namespace} only (get, describe, logs, scale, delete pod, ` +
      "port-forward; RBAC refuses the rest, e.g. Secrets, nodes and other namespaces). Your pods are on the cluster's " +
      "network, not this one: reach one with kubectl port-forward. It closes with the run.",
    close,
  };
}
