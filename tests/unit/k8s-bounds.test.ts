// The playground's bounds on Kubernetes manifests (ports, containers, replicas, objects, …) and the ports it publishes.
import { describe, expect, it } from "vitest";
import { MANIFEST_LIMITS, MAX_PODS, validateManifests } from "../../sandbox/k8s/validate";

function deployment(opts: { replicas?: number; containers?: string; name?: string } = {}): string {
  const containers =
    opts.containers ??
    `        - name: web
          image: playground/web:1.0
          ports:
            - containerPort: 8080
`;
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${opts.name ?? "web"}
spec:
  replicas: ${opts.replicas ?? 1}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
${containers}`;
}

const errors = (text: string) =>
  validateManifests({ "k8s/app.yaml": text }).problems.filter((p) => p.severity === "error");

describe("manifest bounds", () => {
  it("accepts a plain Deployment", () => {
    expect(errors(deployment())).toEqual([]);
  });

  it("refuses thousands of containerPorts, at the ports line", () => {
    const ports = Array.from({ length: 1500 }, (_, i) => `            - containerPort: ${10000 + i}`).join("\n");
    const text = deployment({
      containers: `        - name: web\n          image: playground/web:1.0\n          ports:\n${ports}\n`,
    });
    const started = performance.now();
    const found = errors(text);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      line: 18,
      message: expect.stringContaining(`1500 ports; at most ${MANIFEST_LIMITS.portsPerContainer}`),
    });
  });

  it("refuses more replicas than the playground runs", () => {
    const [e] = errors(deployment({ replicas: 1000 }));
    expect(e).toMatchObject({
      line: 6,
      message: expect.stringContaining(`replicas is 1000; the playground runs at most ${MAX_PODS}`),
    });
  });

  it("refuses too many containers in a pod", () => {
    const one = (i: number) => `        - name: c${i}\n          image: playground/web:1.0\n`;
    const [e] = errors(deployment({ containers: Array.from({ length: 10 }, (_, i) => one(i)).join("") }));
    expect(e.message).toContain(`10 containers; a pod here has at most ${MANIFEST_LIMITS.containersPerPod}`);
  });

  it("refuses too many environment variables and absurd probe timing", () => {
    const env = Array.from({ length: 150 }, (_, i) => `            - name: V${i}\n              value: "x"`).join("\n");
    const text = deployment({
      containers: `        - name: web\n          image: playground/web:1.0\n          env:\n${env}\n          readinessProbe:\n            tcpSocket:\n              port: 8080\n            periodSeconds: 99999999\n`,
    });
    const messages = errors(text).map((p) => p.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining("150 environment variables"),
        expect.stringContaining("readinessProbe.periodSeconds is 99999999"),
      ]),
    );
  });

  it("refuses too many objects and Service ports", () => {
    const many = Array.from({ length: 40 }, (_, i) => deployment({ name: `d${i}` })).join("---\n");
    expect(
      errors(many).some((p) =>
        p.message.includes(`40 objects in the manifests; the playground takes at most ${MANIFEST_LIMITS.objects}`),
      ),
    ).toBe(true);
    const ports = Array.from({ length: 20 }, (_, i) => `    - port: ${100 + i}\n      name: p${i}`).join("\n");
    const service = `apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n${ports}\n`;
    expect(errors(service)[0].message).toContain("20 ports; a Service here has at most");
  });

  it("reports an alias bomb as a problem rather than expanding it", () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]",
      "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
      "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
      "e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]",
    ].join("\n");
    expect(errors(bomb)[0].message).toMatch(/^YAML: .*alias/i);
  });

  it("reports at most a bounded number of problems, then counts the rest", () => {
    const many = Array.from({ length: 1000 }, () => "---\nkind: Deployment\n").join("");
    const { problems } = validateManifests({ "k8s/app.yaml": many });
    expect(problems.length).toBe(MANIFEST_LIMITS.problems + 1);
    expect(problems.at(-1)!.message).toMatch(/^… and \d+ more problems$/);
  });

  it("does not compare very long unknown keys with every field name", () => {
    // YAML's implicit keys end at 1024 characters; many long keys are what would cost (as many as fit the file cap).
    const keys = Array.from({ length: 60 }, (_, i) => `  ${String(i).padStart(3, "0")}${"k".repeat(1000)}: 1`).join(
      "\n",
    );
    const text = deployment().replace("  replicas: 1", `  replicas: 1\n${keys}`);
    const started = performance.now();
    const { problems } = validateManifests({ "k8s/app.yaml": text });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(problems.some((p) => p.message.includes("unknown field"))).toBe(true);
  });
});
