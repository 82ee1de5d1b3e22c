import { describe, expect, it } from "vitest";
import { apiErrorProblems, fieldPath, planApply } from "../../sandbox/k8s/apply-plan";
import { clusterImageRef, namespaceFor } from "../../sandbox/k8s/cluster-run";
import { parseManifests } from "../../sandbox/k8s/validate";

const APP = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: playground/web:1.0
          imagePullPolicy: Always
          securityContext:
            runAsNonRoot: true
          ports:
            - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: { app: web }
  ports:
    - port: 80
      targetPort: 8080
`;

const opts = {
  namespace: "pg-kubernetes-0123456789",
  labels: { "playground.app": "go-microservices-playground" },
  images: new Map([["playground/web:1.0", "playground.local/pg-kubernetes-0123456789/playground/web:abc"]]),
};

function plan(text: string) {
  return planApply(parseManifests({ "k8s/app.yaml": text }).objects, opts);
}

describe("what is applied for a learner's manifests", () => {
  it("puts every object into the run's namespace, says so where another was named, and labels it", () => {
    const p = plan(APP);
    expect(p.objects.map((o) => o.body.metadata.namespace)).toEqual([opts.namespace, opts.namespace]);
    expect(p.problems).toEqual([
      expect.objectContaining({ line: 5, severity: "warning", message: expect.stringContaining("is ignored") }),
    ]);
    expect(p.objects[0].body.metadata.labels).toMatchObject({ "playground.managed": "true", ...opts.labels });
  });

  it("runs the loaded image, never pulls, and fills what Pod Security restricted requires", () => {
    const [deployment] = plan(APP).objects;
    const container = (deployment.body.spec as { template: { spec: { containers: Record<string, unknown>[] } } })
      .template.spec.containers[0];
    expect(container.image).toBe(opts.images.get("playground/web:1.0"));
    expect(container.imagePullPolicy).toBe("Never");
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(plan(APP).notes[0]).toContain("securityContext.allowPrivilegeEscalation");
    expect(plan(APP).notes[0]).not.toContain("runAsNonRoot");
  });

  it("refuses kinds outside the lesson's, Services that open the host, and images this run did not build", () => {
    const text = `${APP}---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: me-admin
---
apiVersion: v1
kind: Service
metadata:
  name: open
spec:
  type: NodePort
  externalIPs: ["10.0.0.1"]
  ports:
    - port: 80
      nodePort: 30080
`.replace("image: playground/web:1.0", "image: evil.example/miner:1");
    const errors = plan(text).problems.filter((p) => p.severity === "error");
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringContaining('no image "evil.example/miner:1" was built'),
      expect.stringContaining("ClusterRoleBinding"),
      expect.stringContaining("type NodePort"),
      expect.stringContaining("externalIPs"),
      expect.stringContaining("nodePort"),
    ]);
  });
});

describe("the API server's refusals", () => {
  it("reads field paths", () => {
    expect(fieldPath("spec.template.spec.containers[0].ports[1].containerPort")).toEqual([
      "spec",
      "template",
      "spec",
      "containers",
      0,
      "ports",
      1,
      "containerPort",
    ]);
  });

  it("puts each cause at its field's line", () => {
    const [deployment] = parseManifests({ "k8s/app.yaml": APP }).objects;
    const body = JSON.stringify({
      kind: "Status",
      message: 'Deployment.apps "web" is invalid',
      details: {
        causes: [
          {
            reason: "FieldValueInvalid",
            message: "Invalid value: 70000: must be between 1 and 65535, inclusive",
            field: "spec.template.spec.containers[0].ports[0].containerPort",
          },
        ],
      },
    });
    const [problem] = apiErrorProblems(deployment, { body });
    const line = APP.split("\n").findIndex((l) => l.includes("containerPort: 8080")) + 1;
    expect(problem).toMatchObject({ file: "k8s/app.yaml", line, severity: "error" });
    expect(problem.message).toContain("API server: spec.template.spec.containers[0].ports[0].containerPort");
  });

  it("finds the field in a server-side apply message without causes", () => {
    const [deployment] = parseManifests({ "k8s/app.yaml": APP }).objects;
    const [problem] = apiErrorProblems(deployment, {
      body: { message: '.spec.replicas: expected numeric (int or float), got string: "two"' },
    });
    expect(problem.line).toBe(7);
  });
});

describe("names in the cluster", () => {
  it("gives each learner and lesson one stable, DNS-safe namespace", () => {
    const a = namespaceFor("learner-a", "kubernetes");
    expect(a).toBe(namespaceFor("learner-a", "kubernetes"));
    expect(a).not.toBe(namespaceFor("learner-b", "kubernetes"));
    expect(a).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(a.length).toBeLessThanOrEqual(63);
  });

  it("names a loaded image by the namespace and the image's content", () => {
    expect(clusterImageRef("pg-x", "playground/web:1.0", "sha256:0123456789abcdef")).toBe(
      "playground.local/pg-x/playground/web:0123456789ab",
    );
  });
});
