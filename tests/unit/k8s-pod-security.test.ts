// Pods that ask for the host are refused at the line that asks, before anything is built (Pod Security "restricted").
import { describe, expect, it } from "vitest";
import { MANIFEST_LIMITS, validateManifests } from "../../sandbox/k8s/validate";

const APP = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
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
            - containerPort: 8080
`;

function problems(app: string) {
  return validateManifests({ "k8s/app.yaml": app }, { buildableImages: ["playground/web:1.0"] }).problems;
}

/** The sample with `text` added under the container (indented as its fields). */
const withContainer = (text: string) => APP + text.replace(/^/gm, "          ");
/** The sample with `text` added under the pod spec. */
const withPod = (text: string) =>
  APP.replace("    spec:\n      containers:", `    spec:\n${text.replace(/^/gm, "      ")}\n      containers:`);

describe("pod security", () => {
  it("accepts the plain sample", () => {
    expect(problems(APP)).toEqual([]);
  });

  it.each([
    ["privileged", withContainer("securityContext:\n  privileged: true\n"), /asks to be privileged/, 21],
    [
      "privilege escalation",
      withContainer("securityContext:\n  allowPrivilegeEscalation: true\n"),
      /privilege escalation/,
      21,
    ],
    [
      "an added capability",
      withContainer("securityContext:\n  capabilities:\n    add: [SYS_ADMIN]\n"),
      /SYS_ADMIN/,
      22,
    ],
    ["root", withContainer("securityContext:\n  runAsUser: 0\n"), /runAsUser 0/, 21],
    [
      "a hostPort",
      APP.replace("- containerPort: 8080", "- containerPort: 8080\n              hostPort: 80"),
      /hostPort/,
      20,
    ],
    ["hostNetwork", withPod("hostNetwork: true"), /hostNetwork/, 15],
    ["hostPID", withPod("hostPID: true"), /hostPID/, 15],
    ["a hostPath volume", withPod("volumes:\n  - name: root\n    hostPath:\n      path: /"), /uses hostPath/, 17],
  ])("refuses %s at its line", (_what, app, message, line) => {
    const found = problems(app).filter((p) => /Pod Security/.test(p.message));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ file: "k8s/app.yaml", severity: "error", line });
    expect(found[0].message).toMatch(message);
  });

  it("allows what restricted allows: NET_BIND_SERVICE, emptyDir, a non-root user", () => {
    const app = withPod("volumes:\n  - name: scratch\n    emptyDir: {}").concat(
      "          securityContext:\n            runAsUser: 1000\n            allowPrivilegeEscalation: false\n            capabilities:\n              add: [NET_BIND_SERVICE]\n              drop: [ALL]\n",
    );
    expect(problems(app).filter((p) => /Pod Security/.test(p.message))).toEqual([]);
  });
});

describe("manifest size", () => {
  it("refuses a file past the cap before parsing it, and quickly", () => {
    const padding = `# ${"x".repeat(78)}\n`.repeat(Math.ceil(MANIFEST_LIMITS.fileBytes / 80) + 1);
    const started = performance.now();
    const found = problems(APP + padding);
    expect(performance.now() - started).toBeLessThan(50);
    expect(found).toHaveLength(1);
    expect(found[0].message).toMatch(/a manifest here is at most 64 KiB/);
  });
});
