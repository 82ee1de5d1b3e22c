// Lesson 16.8.2 through the engine: manifests validated first (a mistake stops the Run with its line), then the
// Deployment's pods run on Docker as a local rendition, the Service round-robins over ready pods only, and a
// failing liveness probe restarts a pod's container.
import { describe, expect, it } from "vitest";
import { startRun, type RunEvent, type RunHandle } from "../../sandbox/index";
import { loadLesson } from "../../lib/server/lessons";
import { collect, engine, leftovers, logText, waitFor, sandboxHooks } from "./helpers";

const SLUG = "kubernetes";
const started = sandboxHooks({ reap: true, after: () => delete process.env.KUBECONFIG });

async function podOf(r: RunHandle, method = "GET", path = "/"): Promise<string> {
  const res = await r.request({ service: "web", method, path });
  expect(res.status, res.body).toBe(200);
  return (JSON.parse(res.body) as { pod: string }).pod;
}

describe("lesson 16.8.2: Kubernetes manifests as a local rendition", () => {
  it("runs 3 pods behind a round-robin Service that drops a pod once it is not ready", async () => {
    const r = await startRun(SLUG, null, { owner: "it-k8s-run" });
    started.push(r);
    const events = collect(r);
    await r.whenAllRunning();
    const log = logText(events, "web");
    expect(log).toContain("not a Kubernetes cluster: a local rendition on Docker");
    expect(log).toContain("(3/3 ready)");

    const pods = await engine.listContainers({ filters: { label: [`playground.run=${r.id}`] } });
    const names = pods.map((p) => p.Labels["playground.service"]).sort();
    expect(names).toHaveLength(3);
    for (const n of names) expect(n).toMatch(/^web-[a-z2-9]{10}-[1-3]$/);
    // The Deployment's limits are applied to every pod: 64Mi, 250m.
    const info = await engine.getContainer(pods[0].Id).inspect();
    expect(info.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(info.HostConfig.NanoCpus).toBe(250_000_000);

    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(await podOf(r));
    expect(seen.size).toBeGreaterThan(1);

    const config = await r.request({ service: "web", method: "GET", path: "/debug/config" });
    expect(JSON.parse(config.body)).toMatchObject({ apiKey: "s3**** (21 chars)" });

    // The pod that answers this request switches its readiness off; the kubelet's next probe takes it out.
    const dropped = await podOf(r, "POST", "/admin/ready?ready=false");
    await waitFor(events, (e) => e.type === "log" && e.text.includes(`pod ${dropped} is not ready`), 15_000);
    const after = new Set<string>();
    for (let i = 0; i < 8; i++) after.add(await podOf(r));
    expect(after.has(dropped)).toBe(false);
    expect(after.size).toBe(2);

    // With every pod switched off, the Service has no endpoint left and says so.
    const deadline = Date.now() + 20_000;
    let last = await r.request({ service: "web", method: "GET", path: "/" });
    while (last.status === 200 && Date.now() < deadline) {
      await r.request({ service: "web", method: "POST", path: "/admin/ready?ready=false" });
      await new Promise((done) => setTimeout(done, 300));
      last = await r.request({ service: "web", method: "GET", path: "/" });
    }
    expect(last.status).toBe(503);
    expect(last.body).toContain("no ready endpoints for service web");
  });

  it("restarts a pod's container when its liveness probe fails", async () => {
    // A kubeconfig is never used: the Run says so and renders locally all the same.
    process.env.KUBECONFIG = "/nonexistent/kubeconfig";
    const r = await startRun(SLUG, null, { owner: "it-k8s-liveness" });
    started.push(r);
    const events = collect(r);
    await r.whenAllRunning();
    delete process.env.KUBECONFIG;
    expect(logText(events, "web")).toContain("applying to a real cluster is not implemented");
    const broken = await podOf(r, "POST", "/admin/break");
    await waitFor(
      events,
      (e) => e.type === "log" && e.text.includes(`pod ${broken}: liveness probe failed 3 time(s)`),
      30_000,
    );
    const restarted = await waitFor(
      events,
      (e) => e.type === "log" && e.text.includes(`pod ${broken}: container restarted (restarts: 1)`),
      30_000,
    );
    // Restarted, it warms up and is put back into the Service's endpoints.
    await waitFor(
      events,
      (e) =>
        events.indexOf(e) > events.indexOf(restarted) && e.type === "log" && e.text.includes(`pod ${broken} is ready`),
      30_000,
    );
    await r.stop();
    expect(await leftovers(r.id)).toEqual({ containers: 0, networks: 0 });
    expect(await engine.listImages({ filters: { label: [`playground.run=${r.id}`] } })).toEqual([]);
  });

  it("stops the Run when a probe targets a port the container does not declare, with the line", async () => {
    const lesson = await loadLesson(SLUG);
    const files = { ...lesson.files };
    files["k8s/app.yaml"] = files["k8s/app.yaml"].replace(
      /(livenessProbe:\n\s+httpGet:\n\s+path: \/healthz\n\s+port: )http/,
      "$19090",
    );
    expect(files["k8s/app.yaml"]).toContain("port: 9090");
    const line = files["k8s/app.yaml"].split("\n").findIndex((l) => l.includes("port: 9090")) + 1;
    const r = await startRun(SLUG, files, { owner: "it-k8s-invalid" });
    started.push(r);
    const events = collect(r);
    const failed = (await waitFor(events, (e) => e.type === "stage" && e.stage === "failed", 60_000)) as Extract<
      RunEvent,
      { type: "stage" }
    >;
    expect(failed.detail).toContain("checks port 9090");
    const diagnostics = events.find((e) => e.type === "diagnostics" && e.diagnostics.length > 0) as Extract<
      RunEvent,
      { type: "diagnostics" }
    >;
    expect(diagnostics.diagnostics[0]).toMatchObject({ file: "k8s/app.yaml", line });
    expect(logText(events, "web")).toContain(`k8s/app.yaml:${line}:`);
    await r.stop();
    expect(await leftovers(r.id)).toEqual({ containers: 0, networks: 0 });
  });

  it("refuses more pods than the local rendition runs, before building anything", async () => {
    const lesson = await loadLesson(SLUG);
    const files = {
      ...lesson.files,
      "k8s/app.yaml": lesson.files["k8s/app.yaml"].replace("replicas: 3", "replicas: 40"),
    };
    const r = await startRun(SLUG, files, { owner: "it-k8s-too-many" });
    started.push(r);
    const events = collect(r);
    const failed = (await waitFor(events, (e) => e.type === "stage" && e.stage === "failed", 60_000)) as Extract<
      RunEvent,
      { type: "stage" }
    >;
    // Said where it is written: an error at the replicas line (an editor marker), before anything is built.
    expect(failed.detail).toContain("replicas is 40; the playground runs at most 6 pods");
    const marker = events.find((e) => e.type === "diagnostics");
    expect(JSON.stringify(marker)).toContain("replicas is 40");
    expect(events.some((e) => e.type === "stage" && e.stage === "building")).toBe(false);
    await r.stop();
  });
});
