// The page's view of a run folded from engine events, and what each event writes into a terminal.
import { describe, expect, it } from "vitest";
import {
  applyEvent,
  diagnosticsByFile,
  endedWhileAway,
  eventsToShow,
  idleView,
  runStarted,
  stripAnsi,
  terminalText,
  type RunView,
} from "@/lib/client/run-state";
import type { RunEvent } from "@/sandbox/types";

const services = [
  { name: "monolith", protocol: "http" as const },
  { name: "user-service", protocol: "http" as const },
];

const fold = (view: RunView, events: RunEvent[]) => events.reduce(applyEvent, view);
const stage = (service: string, s: Extract<RunEvent, { type: "stage" }>["stage"], detail?: string): RunEvent => ({
  type: "stage",
  service,
  stage: s,
  detail,
  at: 0,
});

describe("run view", () => {
  it("follows stages and ports, and clears the queue position once a service moves", () => {
    let v = runStarted(idleView(services), "r1", [
      { name: "monolith", stage: "queued", protocol: "http" },
      { name: "user-service", stage: "queued", protocol: "http" },
    ]);
    v = fold(v, [{ type: "queue", position: 2 }]);
    expect(v.queuePosition).toBe(2);
    v = fold(v, [stage("monolith", "building"), { type: "ports", service: "monolith", hostPort: 32768 }]);
    expect(v.queuePosition).toBeUndefined();
    v = fold(v, [stage("monolith", "starting"), stage("monolith", "running")]);
    expect(v.services[0]).toMatchObject({ stage: "running", hostPort: 32768 });
    expect(v.services[1].stage).toBe("queued");
  });

  it("keeps compiler errors until that service builds again, and groups them by file", () => {
    const d = { service: "monolith", file: "services/monolith/main.go", line: 3, column: 2, message: "undefined: x" };
    let v = fold(idleView(services), [{ type: "diagnostics", service: "monolith", diagnostics: [d] }]);
    v = runStarted(v, "r2", []);
    expect(diagnosticsByFile(v.diagnostics).get(d.file)).toEqual([d]);
    v = fold(v, [{ type: "diagnostics", service: "monolith", diagnostics: [] }]);
    expect(diagnosticsByFile(v.diagnostics).size).toBe(0);
  });

  it("marks every live service stopped when the run ends, keeping failures", () => {
    let v = runStarted(idleView(services), "r3", []);
    v = fold(v, [stage("monolith", "running"), stage("user-service", "failed", "exit 1")]);
    v = fold(v, [{ type: "ended", reason: "failed" }]);
    expect(v.ended).toEqual({ reason: "failed", detail: undefined });
    expect(v.services.map((s) => s.stage)).toEqual(["stopped", "failed"]);
  });

  it("adds services the lesson did not list", () => {
    const v = fold(idleView(services), [stage("collector", "building")]);
    expect(v.services.map((s) => s.name)).toEqual(["monolith", "user-service", "collector"]);
  });
});

describe("terminal text", () => {
  it("colours stages and the engine's own lines, and leaves program output alone", () => {
    const running = terminalText(stage("monolith", "running"))!;
    expect(running.service).toBe("monolith");
    expect(running.text).toContain("\x1b[1;32m");
    expect(stripAnsi(running.text)).toBe("● running\n");

    const failed = terminalText(stage("monolith", "failed", "build failed"))!;
    expect(stripAnsi(failed.text)).toBe("✖ failed: build failed\n");

    const system = terminalText({ type: "log", service: "*", stream: "system", text: "a\nb\n" })!;
    expect(system.service).toBe("*");
    expect(stripAnsi(system.text)).toBe("a\nb\n");
    expect(system.text.split("\n")[0]).toBe("\x1b[36ma\x1b[0m");

    const out = terminalText({ type: "log", service: "monolith", stream: "stderr", text: "log line\n" })!;
    expect(out.text).toBe("log line\n");
  });

  it("writes queue and end notices to every terminal, and nothing for ports", () => {
    expect(terminalText({ type: "queue", position: 1 })!.service).toBe("*");
    expect(stripAnsi(terminalText({ type: "ended", reason: "timeout" })!.text)).toContain("time limit");
    expect(terminalText({ type: "ports", service: "m", hostPort: 1 })).toBeNull();
  });
});

describe("batches of the followed run", () => {
  const log = (text: string): RunEvent => ({ type: "log", service: "monolith", stream: "stdout", text });
  const end: RunEvent = { type: "ended", reason: "stopped" };

  it("shows a whole batch while the run goes on", () => {
    expect(eventsToShow("r1", [log("a"), log("b")], null)).toEqual({ events: [log("a"), log("b")], ends: false });
  });

  it("shows up to the first end and drops the echoes after it", () => {
    expect(eventsToShow("r1", [log("a"), end, log("late"), end], null)).toEqual({
      events: [log("a"), end],
      ends: true,
    });
  });

  it("shows nothing of a run whose end the page has seen, but still follows a new run", () => {
    expect(eventsToShow("r1", [log("late")], "r1")).toBeNull();
    expect(eventsToShow("r2", [log("new")], "r1")).toEqual({ events: [log("new")], ends: false });
  });

  it("marks a followed run stopped when the server no longer has it, once", () => {
    const idle = idleView(services);
    expect(endedWhileAway(idle)).toBe(idle);
    const live = runStarted(idle, "r1", []);
    const away = endedWhileAway(live);
    expect(away.ended).toEqual({ reason: "stopped" });
    expect(endedWhileAway(away)).toBe(away);
  });
});
