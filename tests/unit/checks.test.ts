// The survives-stop check: its manifest shape, its pure evaluation, and how it drives a run (a fake one here).
import { describe, expect, it } from "vitest";
import { manifestSchema, type SurvivesStopCheckSpec } from "../../lib/shared/lesson-schema";
import { evaluateSurvivesStop, runChecks, runSurvivesStop, type StopOutcome } from "../../sandbox/checks";
import type { HttpResponseSummary, RunEvent, RunHandle, ServiceStage, ServiceState } from "../../sandbox/types";
import type { ActiveFault, Fault, Link, LinkState } from "../../lib/shared/faults";

const base = {
  section: "16.1",
  title: { zh: "标题", en: "Title" },
  summary: { zh: "摘要", en: "Summary" },
  services: [{ name: "api", dir: "services/api", port: 8080 }],
};

const stopCheck = {
  kind: "survives-stop",
  name: { zh: "慢请求挺过停止", en: "A slow request survives Stop" },
  service: "api",
  path: "/slow?ms=1500",
  expect: { status: 200, json: { slept_ms: 1500 } },
};

function parsedStopCheck(patch: object = {}): SurvivesStopCheckSpec {
  const check = manifestSchema.parse({ ...base, checks: [{ ...stopCheck, ...patch }] }).checks[0];
  if (check.kind !== "survives-stop") throw new Error("not a survives-stop check");
  return check;
}

const res = (status: number, body: string, traceId?: string): HttpResponseSummary => ({
  status,
  statusText: "",
  headers: {},
  body,
  bodyTruncated: false,
  durationMs: 1500,
  ...(traceId ? { traceId } : {}),
});

describe("survives-stop checks in the manifest", () => {
  it("fills defaults: a stop 250 ms into the request, untraced; a plain check is kind request", () => {
    const m = manifestSchema.parse({
      ...base,
      checks: [{ name: { zh: "x", en: "x" }, service: "api", path: "/", expect: { status: 200 } }, stopCheck],
    });
    expect(m.checks[0]).toMatchObject({ kind: "request", method: "GET" });
    expect(m.checks[1]).toMatchObject({ kind: "survives-stop", method: "GET", stopAfterMs: 250, traced: false });
  });

  it("refuses an unknown kind, a stop outside 50–5000 ms, and a service it cannot stop", () => {
    const bad = (patch: object, more: object = {}): boolean =>
      !manifestSchema.safeParse({ ...base, ...more, checks: [{ ...stopCheck, ...patch }] }).success;
    expect(bad({})).toBe(false);
    expect(bad({ kind: "survive-stop" })).toBe(true);
    expect(bad({ stopAfterMs: 10 })).toBe(true);
    expect(bad({ stopAfterMs: 6000 })).toBe(true);
    expect(bad({ stopAfterMs: 2.5 })).toBe(true);
    expect(bad({ service: "nope" })).toBe(true);
    // A Kubernetes Service of the local rendition answers requests, but only its probes restart its pods.
    const k8s = {
      services: [],
      kubernetes: { manifests: ["k8s/app.yaml"], images: { "playground/web:1.0": "services/web" }, services: ["web"] },
    };
    expect(bad({ service: "web" }, k8s)).toBe(true);
    expect(bad({ kind: "request", service: "web" }, k8s)).toBe(false);
  });
});

describe("survives-stop evaluation", () => {
  const check = parsedStopCheck();
  const good: StopOutcome = { answer: { response: res(200, '{"slept_ms":1500}') }, exitCode: 0 };

  it("passes when the request in flight is answered as expected and the old process exits 0", () => {
    expect(evaluateSurvivesStop(check, good)).toEqual({
      name: "A slow request survives Stop",
      ok: true,
      problems: [],
      status: 200,
      durationMs: 1500,
    });
  });

  it("fails when the stop cut the request off (the process exited before answering)", () => {
    const r = evaluateSurvivesStop(check, { answer: { error: "api did not answer (UND_ERR_SOCKET)." }, exitCode: 0 });
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([
      "the request in flight got no answer when api was stopped: api did not answer (UND_ERR_SOCKET).",
    ]);
    expect(r.status).toBeUndefined();
  });

  it("fails on a wrong answer, with the same words as a plain check", () => {
    const r = evaluateSurvivesStop(check, { ...good, answer: { response: res(503, '{"slept_ms":0}') } });
    expect(r.problems).toEqual(["status 503, expected 200", "json.slept_ms is 0, expected 1500"]);
  });

  it("proves nothing when the request ended before the stop", () => {
    const r = evaluateSurvivesStop(check, { ...good, endedBeforeStopMs: 12 });
    expect(r.problems).toEqual([
      "the request ended after 12 ms, before api was stopped at 250 ms: nothing was in flight",
    ]);
  });

  it("fails when the process ignored SIGTERM and was killed, exited with an error, or no exit was seen", () => {
    expect(evaluateSurvivesStop(check, { ...good, exitCode: 137 }).problems).toEqual([
      "api was killed at the end of the grace period: it did not exit by itself after SIGTERM",
    ]);
    expect(evaluateSurvivesStop(check, { ...good, exitCode: 1 }).problems).toEqual([
      "api exited with code 1 after SIGTERM, expected 0",
    ]);
    expect(evaluateSurvivesStop(check, { ...good, exitCode: undefined }).problems).toEqual([
      "no exit of api was reported after SIGTERM",
    ]);
  });

  it("says why the service could not be stopped, without blaming a missing exit on it", () => {
    const r = evaluateSurvivesStop(check, { ...good, exitCode: undefined, restartError: "could not stop api: boom" });
    expect(r.problems).toEqual(["could not stop api: boom"]);
  });

  it("asks a traced service for the request's span", () => {
    const traced = parsedStopCheck({ traced: true });
    expect(evaluateSurvivesStop(traced, { ...good, spanSeen: true }).ok).toBe(true);
    expect(evaluateSurvivesStop(traced, { ...good, spanSeen: false }).problems).toEqual([
      "no span of api for the request reached the collector: were the spans flushed after the drain?",
    ]);
    // Without an answer there is no span to ask for: the missing answer is the problem.
    expect(evaluateSurvivesStop(traced, { answer: { error: "cut" }, exitCode: 0, spanSeen: false }).problems).toEqual([
      "the request in flight got no answer when api was stopped: cut",
    ]);
  });
});

/** A run of one service whose slow request and restart behave as told. */
class FakeRun implements RunHandle {
  readonly id = "fake";
  readonly lessonSlug = "fake";
  ended = false;
  stage: ServiceStage = "running";
  readonly history: RunEvent[] = [];
  readonly calls: string[] = [];
  private readonly listeners = new Set<(e: RunEvent) => void>();
  /** Settles the request in flight when the stop comes: answered after the drain, or cut off. */
  private onStop?: () => void;

  constructor(
    private readonly behaviour: {
      /** The request is answered at once, before any stop; or cut off by the stop; else answered after it. */
      answer: "before-stop" | "cut" | "after-stop";
      exitCode?: number;
      span?: boolean;
    },
  ) {
    // An exit of an earlier stop, replayed to every new listener: it is not this check's.
    this.emit({ type: "log", service: "api", stream: "system", text: "api exited with code 137\n" });
  }

  /** The faults on the one link shop → inventory, as a fault proxy would keep them; `sticky` ignores removals. */
  faults: ActiveFault[] = [];
  sticky = false;
  private linkState(): LinkState[] {
    return [{ from: "shop", to: "inventory", proxy: "shop__inventory", enabled: true, faults: [...this.faults] }];
  }
  async faultLinks(): Promise<LinkState[]> {
    return this.linkState();
  }
  async addFault(_link: Link, fault: Fault): Promise<LinkState[]> {
    this.faults = [...this.faults.filter((f) => f.name !== fault.type), { ...fault, name: fault.type }];
    return this.linkState();
  }
  async removeFault(_link: Link, name: string): Promise<LinkState[]> {
    if (!this.sticky) this.faults = this.faults.filter((f) => f.name !== name);
    return this.linkState();
  }

  emit(e: RunEvent): void {
    this.history.push(e);
    for (const l of this.listeners) l(e);
  }
  subscribe(listener: (event: RunEvent) => void): () => void {
    for (const e of this.history) listener(e);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  services(): ServiceState[] {
    return [{ name: "api", stage: this.stage, protocol: "http" }];
  }
  whenAllRunning(): Promise<void> {
    return Promise.resolve();
  }
  request(): Promise<HttpResponseSummary> {
    this.calls.push("request");
    const answer = res(200, '{"slept_ms":1500}', "4bf92f3577b34da6a3ce929d0e0e4736");
    if (this.behaviour.answer === "before-stop") return Promise.resolve(answer);
    return new Promise((resolve, reject) => {
      this.onStop = () =>
        this.behaviour.answer === "cut" ? reject(new Error("api did not answer (UND_ERR_SOCKET).")) : resolve(answer);
    });
  }
  updateFiles(): Promise<never> {
    throw new Error("not used");
  }
  openShell(): Promise<never> {
    throw new Error("not used");
  }
  stopService(): Promise<void> {
    throw new Error("a survives-stop check restarts instead");
  }
  async restartService(name: string): Promise<void> {
    this.calls.push(`restart ${name}`);
    this.stage = "stopped";
    this.emit({ type: "stage", service: "api", stage: "stopped", at: Date.now() });
    this.onStop?.();
    if (this.behaviour.span) {
      this.emit({
        type: "span",
        span: {
          traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
          spanId: "00f067aa0ba902b7",
          service: "api",
          name: "GET /slow",
          kind: "server",
          startUs: 0,
          endUs: 1,
          status: { code: "unset" },
          attributes: {},
          events: [],
        },
      });
    }
    const code = this.behaviour.exitCode ?? 0;
    this.emit({ type: "log", service: "api", stream: "system", text: `api exited with code ${code}\n` });
    this.stage = "queued";
    this.emit({ type: "stage", service: "api", stage: "queued", at: Date.now() });
    setTimeout(() => {
      this.stage = "running";
      this.emit({ type: "stage", service: "api", stage: "running", at: Date.now() });
    }, 20);
  }
  stop(): Promise<void> {
    this.ended = true;
    return Promise.resolve();
  }
}

describe("running a survives-stop check", () => {
  it("stops the service while the request is in flight, and waits until it runs again", async () => {
    const run = new FakeRun({ answer: "after-stop" });
    const check = parsedStopCheck({ stopAfterMs: 50 });
    const outcome = await runSurvivesStop(run, check);
    expect(run.calls).toEqual(["request", "restart api"]);
    expect(outcome.endedBeforeStopMs).toBeUndefined();
    // The replayed 137 of an earlier stop is ignored: this stop's exit is the one reported after it.
    expect(outcome.exitCode).toBe(0);
    expect(outcome.restartError).toBeUndefined();
    expect(run.stage).toBe("running");
    expect(evaluateSurvivesStop(check, outcome).ok).toBe(true);
  });

  it("reports the request the stop cut off", async () => {
    const run = new FakeRun({ answer: "cut" });
    const [result] = await runChecks(run, [parsedStopCheck({ stopAfterMs: 50 })]);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      "the request in flight got no answer when api was stopped: api did not answer (UND_ERR_SOCKET).",
    ]);
  });

  it("notices a request that was over before the stop", async () => {
    const run = new FakeRun({ answer: "before-stop" });
    const outcome = await runSurvivesStop(run, parsedStopCheck({ stopAfterMs: 60 }));
    expect(outcome.endedBeforeStopMs).toBeGreaterThanOrEqual(0);
    expect(outcome.endedBeforeStopMs).toBeLessThan(60);
  });

  it("looks for the span of the answered request when the check is traced", async () => {
    const seen = await runSurvivesStop(
      new FakeRun({ answer: "after-stop", span: true }),
      parsedStopCheck({ stopAfterMs: 50, traced: true }),
    );
    expect(seen.spanSeen).toBe(true);
  });

  it("reports a process killed after the grace period", async () => {
    const run = new FakeRun({ answer: "after-stop", exitCode: 137 });
    const [result] = await runChecks(run, [parsedStopCheck({ stopAfterMs: 50 })]);
    expect(result.problems).toEqual([
      "api was killed at the end of the grace period: it did not exit by itself after SIGTERM",
    ]);
  });
});

describe("fault steps", () => {
  const base = {
    section: "16.9",
    title: { zh: "t", en: "t" },
    summary: { zh: "s", en: "s" },
    services: [
      { name: "inventory", dir: "services/inventory", port: 8081 },
      { name: "shop", dir: "services/shop", port: 8080, dependsOn: ["inventory"] },
    ],
    faults: { links: [{ from: "shop", to: "inventory" }] },
  };
  const step = (patch: object) => ({
    kind: "fault",
    name: { zh: "故障", en: "fault" },
    link: { from: "shop", to: "inventory" },
    ...patch,
  });

  it("are checked against the lesson's links, and either add or remove", () => {
    expect(
      manifestSchema.safeParse({ ...base, checks: [step({ add: { type: "latency", latencyMs: 800 } })] }).success,
    ).toBe(true);
    expect(manifestSchema.safeParse({ ...base, checks: [step({ remove: "latency" })] }).success).toBe(true);
    expect(manifestSchema.safeParse({ ...base, checks: [step({})] }).success).toBe(false);
    expect(
      manifestSchema.safeParse({ ...base, checks: [step({ add: { type: "reset" }, remove: "reset" })] }).success,
    ).toBe(false);
    const other = manifestSchema.safeParse({
      ...base,
      checks: [step({ link: { from: "inventory", to: "shop" }, remove: "latency" })],
    });
    expect(other.success).toBe(false);
    expect(JSON.stringify(other.error?.issues)).toContain("not one of the lesson's fault links");
    // Out of bounds, or a field no fault has.
    expect(
      manifestSchema.safeParse({ ...base, checks: [step({ add: { type: "latency", latencyMs: 61_000 } })] }).success,
    ).toBe(false);
    expect(
      manifestSchema.safeParse({ ...base, checks: [step({ add: { type: "latency", latencyMs: 1, x: 1 } })] }).success,
    ).toBe(false);
  });

  it("refuses links the proxy could not serve: unknown ends, one callee twice, two callees on one port", () => {
    const links = (l: object[]) => manifestSchema.safeParse({ ...base, faults: { links: l } }).success;
    expect(links([{ from: "shop", to: "nowhere" }])).toBe(false);
    expect(links([{ from: "shop", to: "shop" }])).toBe(false);
    expect(
      links([
        { from: "shop", to: "inventory" },
        { from: "shop", to: "inventory" },
      ]),
    ).toBe(false);
  });

  it("apply the fault, then prove it is in force (or gone)", async () => {
    const run = new FakeRun({ answer: "before-stop" });
    const m = manifestSchema.parse({
      ...base,
      checks: [step({ add: { type: "latency", latencyMs: 800, jitterMs: 50 } }), step({ remove: "latency" })],
    });
    const [added, removed] = await runChecks(run, m.checks);
    expect(added).toMatchObject({ name: "fault", ok: true, problems: [] });
    expect(removed).toMatchObject({ ok: true });
    expect(run.faults).toEqual([]);

    run.sticky = true;
    const [, stuck] = await runChecks(run, m.checks);
    expect(stuck.ok).toBe(false);
    expect(stuck.problems).toEqual(["shop → inventory still has latency 800 ms ± 50 ms"]);
  });
});
