// The local Kubernetes cluster end to end: up, a Deployment + Service of a tiny Go server, DNS, Pod Security, down.
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readHostRecord, readSysctl, type HostRecord } from "../../scripts/cluster/host";
import { clusterIpsets, clusterIptablesRules, clusterMounts } from "../../scripts/cluster/teardown";
import { BRIDGE, SERVICE_CIDR, paths } from "../../scripts/cluster/settings";
import { kubectl } from "../../scripts/cluster/shell";
import { describeKubectlShell } from "./kubectl-shell";
import { describeKubernetesLesson } from "./kubernetes-lesson";
import { describeKubernetesPage } from "./kubernetes-page";

const execFileAsync = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
const HELLO_DIR = path.join(import.meta.dirname, "hello");
const IMAGE = "playground-cluster-hello:test";
const NS = "cluster-test";
/** How long kube-proxy may take to program a new Service's rules. */
const SERVICE_RULES_MS = 60_000;

async function waitUntil(timeoutMs: number, check: () => Promise<boolean>) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function cluster(...args: string[]) {
  const r = await execFileAsync("node", ["--import", "tsx", "scripts/cluster/cli.ts", ...args], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  return r.stdout;
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
  });
}

/** A one-layer image of the static binary, built by the local engine and handed to the cluster's containerd. */
function buildHelloImage() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pg-hello-"));
  try {
    execFileSync("go", ["build", "-trimpath", "-ldflags", "-s -w", "-o", path.join(dir, "hello"), "."], {
      cwd: HELLO_DIR,
      env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=mod", GOPROXY: "off" },
    });
    execFileSync("cp", [path.join(HELLO_DIR, "Dockerfile"), dir]);
    execFileSync("docker", ["build", "-q", "-t", IMAGE, dir]);
    const archive = path.join(dir, "image.tar");
    execFileSync("docker", ["save", "-o", archive, IMAGE]);
    execFileSync("ctr", ["--address", paths.containerdSocket, "-n", "k8s.io", "images", "import", archive]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Restricted: what the playground will ask of a learner's pods. The Deployment below meets it. */
const manifests = {
  apiVersion: "v1",
  kind: "List",
  items: [
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: NS, labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "hello", namespace: NS },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "hello" } },
        template: {
          metadata: { labels: { app: "hello" } },
          spec: {
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "hello",
                image: IMAGE,
                imagePullPolicy: "Never",
                ports: [{ containerPort: 8080 }],
                readinessProbe: { httpGet: { path: "/ready", port: 8080 }, periodSeconds: 1 },
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                resources: { limits: { memory: "64Mi", cpu: "200m" } },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "hello", namespace: NS },
      spec: { selector: { app: "hello" }, ports: [{ port: 80, targetPort: 8080 }] },
    },
  ],
};

const forbiddenPod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "escape", namespace: NS },
  spec: {
    containers: [
      {
        name: "escape",
        image: IMAGE,
        imagePullPolicy: "Never",
        securityContext: { privileged: true },
        volumeMounts: [{ name: "host", mountPath: "/host" }],
      },
    ],
    volumes: [{ name: "host", hostPath: { path: "/" } }],
  },
};

/** Processes of the cluster: our binaries, our containerd, its shims. */
function clusterProcesses(): string[] {
  const found: string[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${e}/cmdline`, "utf8").replaceAll("\0", " ");
    } catch {
      continue;
    }
    if (cmd.startsWith(`${paths.bin}/`) && !cmd.includes(`${paths.bin}/kubectl`)) found.push(`${e} ${cmd}`);
    else if (cmd.includes(paths.containerdSocket) || cmd.includes(`${paths.etc}/containerd.toml`))
      found.push(`${e} ${cmd}`);
  }
  return found;
}

function ipInRange(ip: string, cidr: string) {
  const toInt = (a: string) => a.split(".").reduce((n, o) => n * 256 + Number(o), 0);
  const [base, bits] = cidr.split("/");
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toInt(ip) / size) === Math.floor(toInt(base) / size);
}

describe("local Kubernetes cluster", () => {
  let record: HostRecord | null = null;
  let down = false;

  beforeAll(async () => {
    console.log(await cluster("up"));
    record = readHostRecord();
  });

  afterAll(async () => {
    if (!down) await cluster("down").catch(() => undefined);
    execFileSync("docker", ["rmi", "-f", IMAGE], { stdio: "ignore" });
  });

  it("reports every component healthy", async () => {
    const out = await cluster("status");
    expect(out).toContain("✓ kube-apiserver");
    expect(out).toContain("✓ coredns");
    expect(out).not.toContain("✗");
  });

  it("runs a Deployment of 2 ready pods behind a Service reachable on its ClusterIP", async () => {
    buildHelloImage();
    kubectl(["apply", "-f", "-"], { input: JSON.stringify(manifests) });
    kubectl(["-n", NS, "rollout", "status", "deployment/hello", "--timeout=120s"]);
    const ready = kubectl([
      "-n",
      NS,
      "get",
      "pods",
      "-l",
      "app=hello",
      "-o",
      "jsonpath={.items[*].status.containerStatuses[0].ready}",
    ]);
    expect(ready.trim().split(" ")).toEqual(["true", "true"]);
    const ip = kubectl(["-n", NS, "get", "service", "hello", "-o", "jsonpath={.spec.clusterIP}"]).trim();
    expect(ipInRange(ip, SERVICE_CIDR)).toBe(true);
    // kube-proxy programs the Service's rules a moment after its endpoints turn ready (seconds on a busy machine):
    // until then the ClusterIP refuses. The playground waits the same way.
    const waited = Date.now();
    await waitUntil(SERVICE_RULES_MS, async () => (await httpGet(`http://${ip}/`)).status === 200);
    console.log(`ClusterIP answered ${Date.now() - waited} ms after the rollout`);
    const answers = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const r = await httpGet(`http://${ip}/`);
      expect(r.status).toBe(200);
      answers.add(r.body.trim());
    }
    expect([...answers].every((a) => a.startsWith("hello from hello-"))).toBe(true);
  });

  it("resolves the Service by name from inside a pod (CoreDNS)", async () => {
    const pod = kubectl([
      "-n",
      NS,
      "get",
      "pods",
      "-l",
      "app=hello",
      "-o",
      "jsonpath={.items[0].metadata.name}",
    ]).trim();
    for (const name of ["hello", `hello.${NS}.svc.cluster.local`]) {
      const get = () => kubectl(["-n", NS, "exec", pod, "--", "/hello", "get", `http://${name}/`]);
      await waitUntil(SERVICE_RULES_MS, async () => /^200 /.test(get()));
      expect(get()).toMatch(/^200 hello from hello-/);
    }
  });

  it("keeps pods away from the host: only cluster DNS answers them", async () => {
    // A server of the host on every address, as the playground itself listens in class mode.
    const server = http.createServer((_req, res) => res.end("host\n"));
    await new Promise<void>((r) => server.listen(0, "0.0.0.0", r));
    const port = (server.address() as { port: number }).port;
    try {
      const gateway = record!.net.gateway;
      expect((await httpGet(`http://${gateway}:${port}/`)).body).toBe("host\n");
      const pod = kubectl([
        "-n",
        NS,
        "get",
        "pods",
        "-l",
        "app=hello",
        "-o",
        "jsonpath={.items[0].metadata.name}",
      ]).trim();
      let out = "";
      try {
        out = kubectl(["-n", NS, "exec", pod, "--", "/hello", "get", `http://${gateway}:${port}/`]);
      } catch (e) {
        out = e instanceof Error ? e.message : String(e);
      }
      expect(out).not.toContain("200 host");
      expect(out).toMatch(/timeout|deadline|refused|unreachable/i);
    } finally {
      server.close();
    }
  });

  it("refuses a privileged hostPath pod in a restricted namespace", () => {
    let message = "";
    try {
      kubectl(["apply", "-f", "-"], { input: JSON.stringify(forbiddenPod) });
    } catch (e) {
      message = e instanceof Error ? e.message : String(e);
    }
    expect(message).toContain("violates PodSecurity");
    expect(message).toMatch(/privileged|hostPath/);
  });

  // Lesson 16.8.2 on this cluster, while it is up (the describe blocks of a file run in order).
  describeKubernetesLesson();
  describeKubectlShell();
  describeKubernetesPage();

  it("down leaves no process, bridge, route, rule, mount or changed sysctl behind", async () => {
    expect(record).not.toBeNull();
    const net = record!.net;
    await cluster("down");
    down = true;
    expect(clusterProcesses()).toEqual([]);
    expect(existsSync(`/sys/class/net/${BRIDGE}`)).toBe(false);
    const routes = JSON.parse(execFileSync("ip", ["-4", "-j", "route", "show", "table", "all"]).toString()) as {
      dst: string;
    }[];
    const ours = routes.filter(
      (r) =>
        /^\d/.test(r.dst) &&
        (ipInRange(r.dst.split("/")[0], net.podCidr) || ipInRange(r.dst.split("/")[0], SERVICE_CIDR)),
    );
    expect(ours).toEqual([]);
    expect(clusterIptablesRules("iptables")).toEqual([]);
    expect(clusterIptablesRules("ip6tables")).toEqual([]);
    expect(clusterIpsets()).toEqual([]);
    expect(clusterMounts(record)).toEqual([]);
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toMatch(/ \/var\/lib\/kubelet\//);
    for (const [name, value] of Object.entries(record!.sysctls)) {
      if (value !== null && readSysctl(name) !== null) expect(`${name}=${readSysctl(name)}`).toBe(`${name}=${value}`);
    }
    expect(existsSync(paths.hostRecord)).toBe(false);
    // A second down finds nothing to do and succeeds.
    await cluster("down");
  });
});
