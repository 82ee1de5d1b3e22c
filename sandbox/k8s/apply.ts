// Server-side apply of an object exactly as written: the client library's typed serializer would drop every field it
// does not model (`from` of a NetworkPolicy rule is `_from` there; a field newer than the library is lost), so the
// learner's manifest would not be what the API server sees. The object goes as JSON, with the kubeconfig's
// credentials, and the API server's Status comes back as the error's body.
import https from "node:https";
import type { ClusterApi } from "./cluster";

/** kind → [API group path, resource] for what the playground applies. */
const RESOURCES: Record<string, [string, string]> = {
  Deployment: ["/apis/apps/v1", "deployments"],
  Service: ["/api/v1", "services"],
  Secret: ["/api/v1", "secrets"],
  ConfigMap: ["/api/v1", "configmaps"],
  ResourceQuota: ["/api/v1", "resourcequotas"],
  LimitRange: ["/api/v1", "limitranges"],
  NetworkPolicy: ["/apis/networking.k8s.io/v1", "networkpolicies"],
  Namespace: ["/api/v1", "namespaces"],
  // The rights of a run's shell (shell-access.ts): never from a learner's manifests (apply-plan.ts refuses them).
  ServiceAccount: ["/api/v1", "serviceaccounts"],
  Role: ["/apis/rbac.authorization.k8s.io/v1", "roles"],
  RoleBinding: ["/apis/rbac.authorization.k8s.io/v1", "rolebindings"],
};

/** An answer of the API server that is not a success: its Status object is `body`. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly body: unknown,
  ) {
    super(`API server answered ${code}: ${(body as { message?: string })?.message ?? ""}`);
  }
}

export interface ApplyObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

export function resourcePath(obj: ApplyObject): string {
  const resource = RESOURCES[obj.kind];
  if (!resource) throw new Error(`${obj.kind} is not applied by the playground`);
  const [base, plural] = resource;
  const name = encodeURIComponent(obj.metadata.name);
  if (obj.kind === "Namespace") return `${base}/${plural}/${name}`;
  return `${base}/namespaces/${encodeURIComponent(obj.metadata.namespace ?? "")}/${plural}/${name}`;
}

export async function serverSideApply(
  api: ClusterApi,
  obj: ApplyObject,
  opts: { fieldManager: string; dryRun?: boolean },
): Promise<unknown> {
  const server = api.kc.getCurrentCluster()?.server;
  if (!server) throw new Error("the kubeconfig names no cluster");
  const query = new URLSearchParams({ fieldManager: opts.fieldManager, force: "true" });
  if (opts.dryRun) query.set("dryRun", "All");
  const url = new URL(`${resourcePath(obj)}?${query}`, server);
  const body = JSON.stringify(obj);
  const options: https.RequestOptions = {
    method: "PATCH",
    headers: {
      "Content-Type": "application/apply-patch+yaml",
      Accept: "application/json",
      "Content-Length": Buffer.byteLength(body),
    },
  };
  await api.kc.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = https.request(url, options, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: the text is the message
        }
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 300) resolve(parsed);
        else reject(new ApiError(code, typeof parsed === "string" ? { message: parsed } : parsed));
      });
    });
    req.setTimeout(30_000, () => req.destroy(new Error("the API server did not answer within 30 s")));
    req.on("error", reject);
    req.end(body);
  });
}
