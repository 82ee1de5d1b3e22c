import { describe, expect, it } from "vitest";
import { manifestSchema, runnableServices } from "../../lib/shared/lesson-schema";
import { loadLesson } from "../../lib/server/lessons";
import { imageTag, validateManifests, type K8sProblem } from "../../sandbox/k8s/validate";

const SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: web-secrets
stringData:
  api-key: abc
`;

/** A valid Deployment + Service; each test breaks one line of it. */
const APP = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: playground/web:1.0
          ports:
            - name: http
              containerPort: 8080
          env:
            - name: API_KEY
              valueFrom:
                secretKeyRef:
                  name: web-secrets
                  key: api-key
          readinessProbe:
            httpGet:
              path: /readyz
              port: http
          livenessProbe:
            httpGet:
              path: /healthz
              port: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: http
`;

function check(app: string, secret = SECRET): K8sProblem[] {
  return validateManifests(
    { "k8s/app.yaml": app, "k8s/secret.yaml": secret },
    { buildableImages: ["playground/web:1.0", "playground/web", "playground/web:latest"] },
  ).problems;
}

function only(problems: K8sProblem[]): K8sProblem {
  expect(problems).toHaveLength(1);
  return problems[0];
}

describe("Kubernetes manifest validation", () => {
  it("accepts the valid sample", () => {
    const { objects, problems } = validateManifests({ "k8s/app.yaml": APP, "k8s/secret.yaml": SECRET });
    expect(problems).toEqual([]);
    expect(objects.map((o) => `${o.kind}/${o.name}`)).toEqual(["Deployment/web", "Service/web", "Secret/web-secrets"]);
  });

  it("reports YAML syntax errors with their line", () => {
    const p = only(check(APP.replace("replicas: 3", "replicas: [3")));
    expect(p).toMatchObject({ file: "k8s/app.yaml", severity: "error" });
    expect(p.message).toMatch(/^YAML:/);
    expect(p.line).toBeGreaterThanOrEqual(6);
  });

  it("checks the schema of each kind and points at the field", () => {
    const p = only(check(APP.replace("containerPort: 8080", 'containerPort: "8080"')));
    expect(p).toMatchObject({ line: 20, severity: "error" });
    expect(p.message).toContain("must be integer");
  });

  it("names a missing required field", () => {
    const p = only(check(APP.replace("        - name: web\n          image", "        - image")));
    expect(p.message).toContain('required field "name"');
    expect(p.line).toBe(16);
  });

  it("flags a probe on a port the container does not declare, at the probe's port line", () => {
    const p = only(check(APP.replace("port: 8080", "port: 9090")));
    expect(p).toMatchObject({ file: "k8s/app.yaml", line: 34, severity: "error" });
    expect(p.message).toContain("livenessProbe of container web checks port 9090");
    expect(
      only(check(APP.replace("port: http\n          livenessProbe", "port: metrics\n          livenessProbe"))).line,
    ).toBe(30);
  });

  it("flags a probe path without a leading slash", () => {
    expect(only(check(APP.replace("path: /readyz", "path: readyz"))).message).toContain("must start with /");
  });

  it("flags a Service targetPort that no container opens", () => {
    const p = only(check(APP.replace("targetPort: http", "targetPort: 9000")));
    expect(p).toMatchObject({ line: 45, severity: "error" });
    expect(p.message).toContain("targetPort 9000");
  });

  it("flags a Service selector that matches no pod", () => {
    const p = only(check(APP.replace("  selector:\n    app: web", "  selector:\n    app: api")));
    expect(p).toMatchObject({ line: 41, severity: "error" });
    expect(p.message).toContain("no endpoints");
  });

  it("flags a secretKeyRef to an undefined Secret or key", () => {
    const secret = only(check(APP.replace("name: web-secrets", "name: db-secrets")));
    expect(secret).toMatchObject({ line: 25, severity: "error" });
    expect(secret.message).toContain('Secret "db-secrets", which is not defined');
    const key = only(check(APP, SECRET.replace("api-key", "token")));
    expect(key).toMatchObject({ line: 26, severity: "error" });
    expect(key.message).toContain('key "api-key"');
    const optional = only(
      check(
        APP.replace("key: api-key", "key: api-key\n                  optional: true"),
        SECRET.replace("api-key", "x"),
      ),
    );
    expect(optional.severity).toBe("warning");
  });

  it("warns about :latest and untagged images", () => {
    expect(only(check(APP.replace("web:1.0", "web:latest")))).toMatchObject({ severity: "warning", line: 17 });
    expect(only(check(APP.replace("web:1.0", "web"))).message).toContain("has no tag");
    expect(imageTag("registry:5000/a/b")).toBeUndefined();
    expect(imageTag("a/b@sha256:00")).toBe("sha256:00");
  });

  it("flags replicas below 1", () => {
    expect(only(check(APP.replace("replicas: 3", "replicas: 0")))).toMatchObject({ line: 6, severity: "error" });
  });

  it("flags a selector that does not match the template labels", () => {
    const p = only(check(APP.replace("matchLabels:\n      app: web", "matchLabels:\n      app: other")));
    expect(p.message).toContain("must match the labels");
  });

  it("flags an image the lesson cannot build", () => {
    const { problems } = validateManifests({ "a.yaml": APP }, { buildableImages: ["other:1"] });
    expect(problems.some((p) => p.message.includes('no image "playground/web:1.0" can be built'))).toBe(true);
  });

  it("flags non-base64 Secret data and a wrong apiVersion", () => {
    const data = SECRET.replace("stringData:\n  api-key: abc", "data:\n  api-key: not base64!");
    expect(only(check(APP, data))).toMatchObject({ file: "k8s/secret.yaml", line: 6 });
    expect(only(check(APP.replace("apps/v1", "v1"))).message).toContain("apiVersion apps/v1");
  });
});

describe("unknown fields", () => {
  it("warns about a misspelt probe, with the field's line and the nearest name", () => {
    const p = only(check(APP.replace("readinessProbe:", "readinesProbe:")));
    expect(p).toMatchObject({ line: 27, severity: "warning" });
    expect(p.message).toContain('unknown field "readinesProbe" in a container');
    expect(p.message).toContain('did you mean "readinessProbe"?');
  });

  it("warns about unknown fields of probes, Deployment and Service specs and Secrets", () => {
    expect(only(check(APP.replace("port: 8080\n---", "port: 8080\n            period: 2\n---"))).message).toContain(
      'did you mean "periodSeconds"?',
    );
    expect(only(check(APP.replace("replicas: 3", "replica: 3"))).message).toContain(
      '"replica" in a Deployment\'s spec',
    );
    // A Service without its selector also selects nothing: the warning says why.
    const service = check(APP.replace("  selector:\n    app: web", "  selectors:\n    app: web"));
    expect(service.map((p) => p.severity).sort()).toEqual(["error", "warning"]);
    expect(service.find((p) => p.severity === "warning")!.message).toContain('did you mean "selector"?');
    // The misspelt stringData is dropped, so the key the Deployment wants is missing too.
    const secret = check(APP, SECRET.replace("stringData", "stringdata"));
    expect(secret.map((p) => `${p.file}:${p.severity}`).sort()).toEqual([
      "k8s/app.yaml:error",
      "k8s/secret.yaml:warning",
    ]);
    expect(secret.find((p) => p.severity === "warning")!.message).toContain('did you mean "stringData"?');
  });
});

describe("lesson.json kubernetes section", () => {
  const base = {
    section: "16.8.2",
    title: { zh: "标题", en: "Title" },
    summary: { zh: "摘要", en: "Summary" },
    kubernetes: { manifests: ["k8s/app.yaml"], images: { "playground/web:1.0": "services/web" }, services: ["web"] },
    checks: [{ name: { zh: "根", en: "Root" }, service: "web", path: "/", expect: { status: 200 } }],
  };

  it("lets checks and requests target the lesson's Kubernetes Services", () => {
    const m = manifestSchema.parse(base);
    expect(runnableServices(m)).toEqual([{ name: "web", protocol: "http" }]);
  });

  it("rejects a Kubernetes Service named like a service, and an image name with a space", () => {
    const clash = {
      ...base,
      services: [{ name: "web", dir: "services/web", port: 8080 }],
    };
    expect(manifestSchema.safeParse(clash).success).toBe(false);
    const badImage = { ...base, kubernetes: { ...base.kubernetes, images: { "play ground": "services/web" } } };
    expect(manifestSchema.safeParse(badImage).success).toBe(false);
  });

  it("ships manifests that validate without a problem", async () => {
    const lesson = await loadLesson("kubernetes");
    const k8s = lesson.manifest.kubernetes!;
    const files = Object.fromEntries(k8s.manifests.map((f) => [f, lesson.files[f]]));
    expect(validateManifests(files, { buildableImages: Object.keys(k8s.images) }).problems).toEqual([]);
  });
});
