// The path filter of a cluster run's kubectl proxy: discovery and the run's own namespace pass, everything else
// (another namespace, the whole cluster, a path that would be read as another one) is refused before it is sent.
import { describe, expect, it } from "vitest";
import { allowApiRequest, forwardedHeaders, MAX_TARGET_CHARS, statusBody } from "../../sandbox/k8s/api-paths";
import { shellKubeconfig, shellRole } from "../../sandbox/k8s/shell-access";

const NS = "pg-kubernetes-0123456789";
const ok = (method: string, target: string) => allowApiRequest(method, target, NS).ok;

describe("allowApiRequest", () => {
  it("lets discovery and the API's description through", () => {
    for (const target of [
      "/api",
      "/api?timeout=32s",
      "/apis",
      "/api/v1",
      "/apis/apps",
      "/apis/apps/v1",
      "/apis/rbac.authorization.k8s.io/v1",
      "/apis/autoscaling/v2",
      "/apis/flowcontrol.apiserver.k8s.io/v1beta3",
      "/version",
      "/version?timeout=32s",
      "/openapi/v2",
      "/openapi/v3",
      "/openapi/v3/apis/apps/v1?hash=ABCDEF0123",
      "/openapi/v3/api/v1",
    ])
      expect(ok("GET", target), target).toBe(true);
  });

  it("lets the run's own namespace through, with kubectl's queries", () => {
    for (const [method, target] of [
      ["GET", `/api/v1/namespaces/${NS}/pods?limit=500`],
      ["GET", `/api/v1/namespaces/${NS}/pods?labelSelector=app%3Dweb&watch=true`],
      ["GET", `/api/v1/namespaces/${NS}/pods/web-7d9c8b6f5-abcde/log?container=web&follow=true`],
      ["GET", `/apis/apps/v1/namespaces/${NS}/deployments/web`],
      ["PATCH", `/apis/apps/v1/namespaces/${NS}/deployments/web/scale`],
      ["DELETE", `/api/v1/namespaces/${NS}/pods/web-7d9c8b6f5-abcde`],
      ["POST", `/api/v1/namespaces/${NS}/pods/web-7d9c8b6f5-abcde/portforward`],
      ["GET", `/apis/events.k8s.io/v1/namespaces/${NS}/events?fieldSelector=involvedObject.name%3Dweb`],
      // RBAC, not the filter, refuses what the account may not do in its own namespace.
      ["GET", `/api/v1/namespaces/${NS}/secrets`],
      ["POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"],
      ["POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews"],
      ["POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews"],
    ])
      expect(ok(method, target), `${method} ${target}`).toBe(true);
  });

  it("refuses other namespaces and the whole cluster", () => {
    for (const [method, target] of [
      ["GET", "/api/v1/namespaces/kube-system/pods"],
      ["GET", "/api/v1/namespaces/pg-kubernetes-9999999999/pods"],
      ["GET", `/api/v1/namespaces/${NS}x/pods`],
      ["GET", `/api/v1/namespaces/${NS.slice(0, -1)}/pods`],
      ["GET", `/apis/apps/v1/namespaces/default/deployments`],
      ["GET", "/api/v1/pods"],
      ["GET", "/api/v1/nodes"],
      ["GET", "/api/v1/namespaces"],
      ["GET", `/api/v1/namespaces/${NS}`],
      ["DELETE", `/api/v1/namespaces/${NS}`],
      ["PATCH", `/api/v1/namespaces/${NS}`],
      ["GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles"],
      ["POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"],
      ["GET", "/apis/apps/v1/deployments"],
      ["POST", "/api/v1/namespaces/kube-system/serviceaccounts/default/token"],
      ["GET", "/healthz"],
      ["GET", "/metrics"],
      ["GET", "/logs/"],
      ["GET", "/debug/pprof/"],
      ["GET", "/"],
      ["GET", ""],
      ["GET", "http://127.0.0.1:6443/api/v1/nodes"],
      // Discovery is read only.
      ["POST", "/api/v1"],
      ["DELETE", "/apis/apps/v1"],
      ["GET", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"],
    ])
      expect(ok(method, target), `${method} ${target}`).toBe(false);
  });

  it("refuses a path that would be read as another (dot segments, encodings, doubled slashes)", () => {
    for (const target of [
      `/api/v1/namespaces/${NS}/../kube-system/pods`,
      `/api/v1/namespaces/${NS}/pods/../../kube-system/pods`,
      `/api/v1/namespaces/${NS}/./pods`,
      `/api/v1/namespaces/${NS}%2f..%2fkube-system/pods`,
      `/api/v1/namespaces/%70g-kubernetes-0123456789/pods`,
      `/api/v1/namespaces/${NS}/pods%2F..%2F..%2Fnodes`,
      `/api/v1//namespaces/${NS}/pods`,
      `//api/v1/namespaces/${NS}/pods`,
      `/api/v1/namespaces/${NS}/pods\\..\\..`,
      `/api/v1/namespaces/${NS}/pods#x`,
      `/api/v1/namespaces/${NS}/pods/`,
      `/api/v1/namespaces/${NS}/pods x`,
      `/api/v1/namespaces/${NS}/pods?x=1 HTTP/1.1`,
      `/apis/../api/v1/nodes`,
      `/openapi/v3/../../api/v1/nodes`,
      `/openapi/v3/other`,
    ])
      expect(ok("GET", target), target).toBe(false);
  });

  it("refuses odd methods and over-long targets", () => {
    for (const method of ["CONNECT", "OPTIONS", "TRACE", "PROPFIND", "get", ""])
      expect(ok(method, `/api/v1/namespaces/${NS}/pods`), method).toBe(false);
    const long = `/api/v1/namespaces/${NS}/pods?labelSelector=${"a".repeat(MAX_TARGET_CHARS)}`;
    expect(ok("GET", long)).toBe(false);
    const segment = `/api/v1/namespaces/${NS}/pods/${"a".repeat(254)}`;
    expect(ok("GET", segment)).toBe(false);
  });

  it("says why, for kubectl to print", () => {
    const refused = allowApiRequest("GET", "/api/v1/nodes", NS);
    expect(refused).toEqual({ ok: false, reason: expect.stringContaining(NS) });
    const body = JSON.parse(statusBody(403, "Forbidden", "no")) as Record<string, unknown>;
    expect(body).toMatchObject({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "Forbidden", code: 403 });
  });
});

describe("forwardedHeaders", () => {
  it("passes what kubectl needs and drops credentials and impersonation", () => {
    const headers = forwardedHeaders(
      {
        accept: "application/json",
        "user-agent": "kubectl/v1.37.2",
        authorization: "Bearer stolen",
        "impersonate-user": "system:admin",
        "impersonate-group": ["system:masters"],
        "impersonate-uid": "0",
        "impersonate-extra-scopes": "x",
        "x-remote-user": "admin",
        "x-remote-group": "system:masters",
        cookie: "a=b",
        host: "evil",
        "proxy-authorization": "Basic x",
        "content-length": "12",
        upgrade: "websocket",
        connection: "Upgrade",
      },
      false,
    );
    expect(headers).toEqual({ accept: "application/json", "user-agent": "kubectl/v1.37.2", "content-length": "12" });
  });

  it("keeps an upgrade's own headers when it is one", () => {
    const headers = forwardedHeaders(
      {
        upgrade: "websocket",
        connection: "Upgrade",
        "sec-websocket-key": "k",
        "sec-websocket-protocol": "v4.channel.k8s.io",
        "x-stream-protocol-version": "portforward.k8s.io",
        "impersonate-user": "system:admin",
      },
      true,
    );
    expect(headers).toEqual({
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-key": "k",
      "sec-websocket-protocol": "v4.channel.k8s.io",
      "x-stream-protocol-version": "portforward.k8s.io",
    });
  });
});

describe("the shell's account", () => {
  it("is bound to a Role of its namespace that never reads Secrets nor changes a Deployment itself", () => {
    const [account, role, binding] = shellRole(NS, { app: "x" }) as unknown as {
      kind: string;
      metadata: { namespace: string };
      rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
      roleRef?: { kind: string };
      automountServiceAccountToken?: boolean;
    }[];
    expect(account).toMatchObject({ kind: "ServiceAccount", automountServiceAccountToken: false });
    expect(role.kind).toBe("Role");
    expect(binding).toMatchObject({ kind: "RoleBinding", roleRef: { kind: "Role" } });
    for (const o of [account, role, binding]) expect(o.metadata.namespace).toBe(NS);
    const grants = role.rules!.flatMap((r) => r.resources.flatMap((res) => r.verbs.map((v) => `${res}:${v}`)));
    expect(grants).toContain("pods:list");
    expect(grants).toContain("pods/log:get");
    expect(grants).toContain("deployments/scale:patch");
    expect(grants).toContain("pods:delete");
    for (const denied of ["secrets:get", "secrets:list", "deployments:patch", "deployments:update", "pods:create"])
      expect(grants).not.toContain(denied);
    expect(grants.some((g) => /^(pods\/exec|pods\/attach|pods\/proxy|services\/proxy|serviceaccounts)/.test(g))).toBe(
      false,
    );
    expect(role.rules!.some((r) => r.verbs.includes("*") || r.resources.includes("*"))).toBe(false);
  });

  it("gets a kubeconfig with no credential, on its namespace", () => {
    const config = shellKubeconfig(NS);
    expect(config).toContain(`namespace: ${NS}`);
    expect(config).toContain("server: http://127.0.0.1:");
    expect(config).not.toMatch(/token|certificate|password/i);
  });
});
