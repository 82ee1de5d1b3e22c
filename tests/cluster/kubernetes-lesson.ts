// Lesson 16.8.2 through the engine on the real cluster (called from cluster.test.ts while the cluster is up): the
// learner's manifests are applied into a namespace of their own; the Service reaches every ready pod; readiness
// takes a pod out, liveness restarts one; an edit + Run rolls out with no failed request; the API server's refusal
// lands on the right line; Pod Security refuses a host-reaching pod; Stop deletes the namespace.
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, describe, expect, it } from "vitest";
import { localCluster, runChecks, startRun, stopAllRuns, type RunEvent, type RunHandle } from "../../sandbox/index";
import { loadLesson } from "../../lib/server/lessons";
import { kubectl } from "../../scripts/cluster/shell";

/** The cluster test's own namespace, whose pods play another learner's. */
const OUTSIDER_NS = "cluster-test";

const SLUG = "kubernetes";

function core(): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromFile(localCluster.kubeconfig);
  return kc.makeApiClient(CoreV1Api);
}

function collect(run: RunHandle): RunEvent[] {
  const events: RunEvent[] = [];
  run.subscribe((e) => events.push(e));
  return events;
}

function logText(events: RunEvent[]): string {
  return events.map((e) => (e.type === "log" ? e.text : "")).join("");
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function answer(r: RunHandle, method = "GET", path = "/"): Promise<{ status: number; pod?: string }> {
  const res = await r.request({ service: "web", method, path });
  const pod = res.status === 200 ? (JSON.parse(res.body) as { pod?: string }).pod : undefined;
  return { status: res.status, pod };
}

async function podsSeen(r: RunHandle, requests: number): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < requests; i++) {
    const a = await answer(r);
    if (a.pod) seen.add(a.pod);
  }
  return seen;
}

/** The run's namespace: the one labelled with this lesson whose pods the run's events name. */
async function namespaceOf(events: RunEvent[]): Promise<string> {
  const m = /namespace (pg-kubernetes-[0-9a-f]{10})/.exec(logText(events));
  if (!m) throw new Error("the run did not name its namespace");
  return m[1];
}

export function describeKubernetesLesson(): void {
  describe("lesson 16.8.2 on the cluster", () => {
    const owner = "cluster-it-learner";
    let run: RunHandle;
    let events: RunEvent[];
    let namespace: string;

    afterAll(async () => {
      await stopAllRuns();
    });

    it("applies the manifests: 3 pods Ready behind a Service that reaches all of them", async () => {
      const t0 = Date.now();
      run = await startRun(SLUG, null, { owner });
      events = collect(run);
      await run.whenAllRunning();
      console.log(`16.8.2 Run → 3 pods Ready: ${Date.now() - t0} ms`);
      namespace = await namespaceOf(events);
      const pods = await core().listNamespacedPod({ namespace });
      const ready = pods.items.filter((p) =>
        p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
      );
      expect(ready).toHaveLength(3);
      const log = logText(events);
      expect(log).toContain("deployment/web applied");
      expect(log).toMatch(/\[web-[a-z0-9]+-[a-z0-9]{5}\] .*listening on :8080/);
      expect(log).toContain("event Scheduled pod/web-");
      const seen = await until("every pod answers", 30_000, async () => {
        const s = await podsSeen(run, 30);
        return s.size === 3 && s;
      });
      expect([...seen].sort()).toEqual(ready.map((p) => p.metadata!.name!).sort());
      const results = await runChecks(run, (await loadLesson(SLUG)).manifest.checks);
      expect(results.filter((r) => !r.ok)).toEqual([]);
      const config = await run.request({ service: "web", method: "GET", path: "/debug/config" });
      expect(JSON.parse(config.body)).toMatchObject({ apiKey: "s3**** (21 chars)" });
      // Pod Security "restricted" is enforced on the namespace, with a quota and limits.
      const ns = await core().readNamespace({ name: namespace });
      expect(ns.metadata?.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
      const quotas = await core().listNamespacedResourceQuota({ namespace });
      expect(quotas.items[0]?.spec?.hard?.pods).toBe("6");
    });

    it("keeps other namespaces' pods out: only its own pods and the node reach it", async () => {
      const pods = await core().listNamespacedPod({ namespace });
      const ip = pods.items[0].status!.podIP!;
      // The node (the kubelet's probes, the playground's requests) gets through.
      const direct = await fetch(`http://${ip}:8080/`, { signal: AbortSignal.timeout(5000) });
      expect(direct.status).toBe(200);
      // A pod of another namespace (the cluster test's own) does not, neither to the pod nor through the Service.
      const outsider = kubectl(["-n", OUTSIDER_NS, "get", "pods", "-o", "jsonpath={.items[0].metadata.name}"]).trim();
      for (const url of [`http://${ip}:8080/`, `http://web.${namespace}.svc.cluster.local/`]) {
        let out = "";
        try {
          out = kubectl(["-n", OUTSIDER_NS, "exec", outsider, "--", "/hello", "get", url]);
        } catch (e) {
          out = e instanceof Error ? e.message : String(e);
        }
        expect(out, url).not.toMatch(/^200 /);
        expect(out, url).toMatch(/timeout|deadline|refused|unreachable/i);
      }
    });

    it("takes a pod out of the Service when its readiness fails", async () => {
      const off = await answer(run, "POST", "/admin/ready?ready=false");
      expect(off.status).toBe(200);
      await until(`${off.pod} leaves the endpoints`, 20_000, async () => {
        const seen = await podsSeen(run, 15);
        return seen.size === 2 && !seen.has(off.pod!);
      });
      await until("the terminal says it", 10_000, async () => logText(events).includes(`pod ${off.pod}: not Ready`));
    });

    it("restarts a container whose liveness probe fails", async () => {
      const broken = await answer(run, "POST", "/admin/break");
      expect(broken.status).toBe(200);
      await until(`${broken.pod} restarted`, 60_000, async () => {
        const pod = await core().readNamespacedPod({ name: broken.pod!, namespace });
        return (pod.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1;
      });
      await until("the terminal says it", 10_000, async () => logText(events).includes(`pod ${broken.pod}: `));
      expect(logText(events)).toMatch(/Liveness probe failed/);
    });

    it("rolls out an edit + Run with no failed request meanwhile", async () => {
      const lesson = await loadLesson(SLUG);
      const files = { ...lesson.files };
      files["k8s/app.yaml"] = files["k8s/app.yaml"].replace('value: "2s" #', 'value: "1s" #');
      expect(files["k8s/app.yaml"]).toContain('value: "1s"');
      const next = await startRun(SLUG, files, { owner });
      const nextEvents = collect(next);
      let failed = 0;
      let sent = 0;
      const pods = new Set<string>();
      let rolling = true;
      const rolled = next.whenAllRunning().finally(() => (rolling = false));
      await until("the next Run reaches the Service", 60_000, async () =>
        next.services().some((s) => s.hostPort !== undefined),
      );
      while (rolling) {
        const a = await answer(next).catch(() => ({ status: 0, pod: undefined }));
        sent++;
        if (a.status !== 200) failed++;
        if (a.pod) pods.add(a.pod);
        await new Promise((r) => setTimeout(r, 50));
      }
      await rolled;
      console.log(`rollout: ${sent} requests, ${failed} failed, ${pods.size} pods answered`);
      expect(sent).toBeGreaterThan(10);
      expect(failed).toBe(0);
      expect(logText(nextEvents)).toContain(`namespace ${namespace} kept from your previous Run`);
      expect(logText(nextEvents)).toMatch(/pod web-[a-z0-9-]+: terminating/);
      run = next;
      events = nextEvents;
    });

    it("shows the API server's refusal on the manifest's line, and applies nothing", async () => {
      const lesson = await loadLesson(SLUG);
      const files = { ...lesson.files };
      files["k8s/app.yaml"] = files["k8s/app.yaml"].replace("containerPort: 8080", "containerPort: 70000");
      const line = files["k8s/app.yaml"].split("\n").findIndex((l) => l.includes("containerPort: 70000")) + 1;
      const bad = await startRun(SLUG, files, { owner: "cluster-it-invalid" });
      const badEvents = collect(bad);
      await expect(bad.whenAllRunning()).rejects.toThrow(/API server/);
      const diagnostics = badEvents.filter((e) => e.type === "diagnostics").pop();
      expect(diagnostics?.type === "diagnostics" && diagnostics.diagnostics[0]).toMatchObject({
        file: "k8s/app.yaml",
        line,
      });
      expect(logText(badEvents)).toMatch(/API server: .*containerPort.*70000/);
      await bad.stop();
    });

    it("refuses a privileged hostPath pod before the cluster sees it, and Pod Security refuses it too", async () => {
      const lesson = await loadLesson(SLUG);
      const files = { ...lesson.files };
      files["k8s/app.yaml"] = files["k8s/app.yaml"].replace(
        "            allowPrivilegeEscalation: false",
        "            privileged: true\n            allowPrivilegeEscalation: false",
      );
      const bad = await startRun(SLUG, files, { owner: "cluster-it-forbidden" });
      const badEvents = collect(bad);
      await expect(bad.whenAllRunning()).rejects.toThrow(/privileged/);
      expect(logText(badEvents)).toContain("Pod Security");
      await bad.stop();
      // The API server's own admission, for a pod that skipped the playground's checks.
      let refused = "";
      await core()
        .createNamespacedPod({
          namespace,
          body: {
            metadata: { name: "escape" },
            spec: {
              containers: [
                { name: "escape", image: "playground.local/pause:3.10", securityContext: { privileged: true } },
              ],
              volumes: [{ name: "host", hostPath: { path: "/" } }],
            },
          },
        })
        .catch((err: { body?: unknown }) => (refused = String(err.body)));
      expect(refused).toContain("violates PodSecurity");
    });

    it("deletes the namespace, its pods and its images on Stop", async () => {
      await run.stop();
      await until("the namespace is gone", 60_000, async () => {
        const ns = await core()
          .readNamespace({ name: namespace })
          .catch(() => undefined);
        return ns === undefined;
      });
    });
  });
}
