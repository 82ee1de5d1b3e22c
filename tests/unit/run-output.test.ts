// A run's output path fed recorded Docker frames through the real DockerBackend on a fake engine: hostile marker
// lines are bounded, never thrown out of the stream handler, counted, and cheap enough that the event loop stays
// responsive.
import type { Duplex } from "node:stream";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { afterEach, describe, expect, it } from "vitest";
import { Run } from "@/sandbox/run";
import {
  DEFAULT_LIMITS,
  MARKER_BYTES_PER_SERVICE,
  MAX_MARKER_LINE_BYTES,
  MAX_SPAN_BYTES_PER_RUN,
  SPAN_BURST,
  SPANS_PER_SECOND,
} from "@/sandbox/limits";
import type { LoadedLesson, RunEvent } from "@/sandbox/types";
import { FakeEngine, recorded } from "./support/fake-engine";

const P = "@@playground:";

const spanJson = (i: number, attributes = `{"i":${i},"pad":"${"p".repeat(120)}"}`): string =>
  `{"traceId":"${(i + 1).toString(16).padStart(32, "0")}","spanId":"${(i + 1).toString(16).padStart(16, "0")}",` +
  `"service":"user-service","name":"flood","kind":"internal","startTimeUnixNano":"1700000000000000000",` +
  `"endTimeUnixNano":"1700000000001000000","status":{"code":"ok"},"attributes":${attributes}}`;

const lesson = {
  slug: "hostile",
  dir: "/nowhere",
  text: { zh: "", en: "" },
  files: {},
  manifest: {
    services: [
      {
        name: "collector",
        dir: "services/collector",
        port: 4318,
        protocol: "http",
        env: {},
        dependsOn: [],
        command: ["playground-collector"],
      },
      { name: "app", dir: "services/app", port: 8080, protocol: "http", env: {}, dependsOn: [] },
    ],
  },
} as unknown as LoadedLesson;

interface Harness {
  run: Run;
  engine: FakeEngine;
  spanCount: () => number;
  events: RunEvent[];
  stream: Duplex;
  feed: (chunk: Buffer) => void;
  text: (stream?: "stdout" | "stderr" | "system") => string;
}

const runs: Run[] = [];
afterEach(async () => {
  // Nothing was created in Docker: the fake engine answered, and stop() gives back what it "made".
  await Promise.all(runs.splice(0).map((r) => r.stop()));
});

/** A run on a fake engine, started; the attach stream of service `name` is fed recorded frames. */
async function harness(name: string, keepSpans = true): Promise<Harness> {
  const engine = new FakeEngine();
  const run = new Run("r-test", lesson, "owner", DEFAULT_LIMITS, engine.backend());
  runs.push(run);
  const events: RunEvent[] = [];
  let spanCount = 0;
  // A flood's spans are only counted: the test keeping 20,000 of them would measure its own garbage collection.
  run.subscribe((e) => {
    if (e.type === "span") spanCount++;
    if (e.type !== "span" || keepSpans) events.push(e);
  });
  await run.start("sandbox:test", {});
  const container = engine.container(`playground-r-test-${name}`);
  return {
    run,
    engine,
    spanCount: () => spanCount,
    events,
    stream: container.attached,
    // Synchronous, as a socket read is: an error escaping the handler would surface here.
    feed: (chunk) => container.feed(chunk),
    text: (kind = "stdout") =>
      events
        .filter((e) => e.type === "log" && e.service === name && e.stream === kind)
        .map((e) => (e.type === "log" ? e.text : ""))
        .join(""),
  };
}

const stageOf = (run: Run, name: string) => run.services().find((s) => s.name === name)?.stage;
const spans = (events: RunEvent[]) => events.filter((e) => e.type === "span");

describe("a run's output path, fed recorded frames", () => {
  it("reads the collector's spans, split across frames and socket reads, and a last line without its newline", async () => {
    const h = await harness("collector");
    const out = `${P}building\n${P}starting\nlistening\n${P}span ${spanJson(1)}\nspan user-service\n${P}span ${spanJson(2)}`;
    for (const chunk of recorded(Buffer.from(out), 7)) h.feed(chunk);
    expect(spans(h.events)).toHaveLength(1);
    h.stream.emit("end");
    expect(spans(h.events)).toHaveLength(2);
    expect(h.text()).toBe("listening\nspan user-service\n");
    expect(stageOf(h.run, "collector")).toBe("starting");
  });

  it("shows a learner's program's marker lines as its own text: no forged span or stage is honoured", async () => {
    const h = await harness("app");
    h.feed(recorded(Buffer.from(`${P}building\n${P}starting\n`))[0]);
    const forged = `${P}span ${spanJson(1)}\n${P}failed forged\n${P}build-failed\n${P}starting\n`;
    for (const chunk of recorded(Buffer.from(forged))) h.feed(chunk);
    expect(spans(h.events)).toHaveLength(0);
    expect(stageOf(h.run, "app")).toBe("starting");
    expect(h.text()).toBe(forged);
  });

  it("acts on each stage word once, however often a build step prints it", async () => {
    const h = await harness("app");
    const flood = `${P}building\n${`${P}starting\n`.repeat(10_000)}${`${P}build-failed\n`.repeat(10_000)}`;
    for (const chunk of recorded(Buffer.from(flood))) h.feed(chunk);
    expect(h.text("system").match(/built in/g)).toHaveLength(1);
    expect(h.events.filter((e) => e.type === "stage")).toHaveLength(2); // building, starting
    // After the start they are the program's own lines, within its output budget.
    expect(h.text().length).toBeLessThanOrEqual(DEFAULT_LIMITS.outputBytesPerStream);
  });

  it("reports an error met while reading on the service's terminal, once, instead of throwing", async () => {
    const h = await harness("app");
    const services = (h.run as unknown as { services_: Map<string, { output: () => void }> }).services_;
    services.get("app")!.output = () => {
      throw new Error("boom");
    };
    expect(() => {
      h.feed(recorded(Buffer.from("hello\n"))[0]);
      h.feed(recorded(Buffer.from("again\n"))[0]);
    }).not.toThrow();
    expect(h.text("system")).toBe("part of app's output could not be read (boom) and was skipped\n");
  });

  it("survives 13 MB of hostile marker lines within its bounds, with a responsive event loop", async () => {
    const h = await harness("collector", false);
    const deep = `${P}span ${spanJson(0, `{"deep":${"[".repeat(5000)}${"]".repeat(5000)}}`)}\n`;
    const wide = `${P}span ${spanJson(0, `{"wide":"${"w".repeat(60_000)}"}`)}\n`;
    const parts: string[] = [`${P}building\n${P}starting\n`];
    let size = 0;
    // 10 MiB of marker lines past three million-deep ones (3 MB, passed on as text: too long to be markers).
    for (let i = 0; size < 13 * 1024 * 1024; i++) {
      const part =
        i % 200 === 0
          ? deep
          : i % 200 === 1
            ? wide
            : i % 200 === 2
              ? `${P}failed forged\n${P}span ${"[".repeat(i < 600 ? 1_000_000 : 10)}\n`
              : `${P}span ${spanJson(i)}\n`;
      parts.push(part);
      size += part.length;
    }
    // Invalid UTF-8 in the middle of a span line: decoded to U+FFFD, never a thrown error.
    const stdout = Buffer.concat([
      Buffer.from(parts.slice(0, 1000).join("")),
      Buffer.from(`${P}span ${spanJson(7).slice(0, 100)}`),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from(`${spanJson(7).slice(100)}\n`),
      Buffer.from(parts.slice(1000).join("")),
    ]);
    const chunks = recorded(stdout);
    // The first span read compiles the parser and the schema (~50 ms, once per process): not what is measured.
    const warm = await harness("collector");
    for (const chunk of recorded(Buffer.from(`${P}building\n${P}starting\n${P}span ${spanJson(1)}\n${wide}${deep}`)))
      warm.feed(chunk);

    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    const chunkMs: number[] = [];
    const chunkCpuMs: number[] = [];
    const started = performance.now();
    for (const chunk of chunks) {
      const t = performance.now();
      const cpu = process.cpuUsage();
      h.feed(chunk);
      const used = process.cpuUsage(cpu);
      chunkMs.push(performance.now() - t);
      chunkCpuMs.push((used.user + used.system) / 1000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const worstChunkMs = Math.max(...chunkMs);
    const worstCpuMs = Math.max(...chunkCpuMs);
    const medianChunkMs = [...chunkMs].sort((a, b) => a - b)[chunkMs.length >> 1];
    const totalMs = performance.now() - started;
    histogram.disable();
    const loopMaxMs = histogram.max / 1e6;
    console.log(
      `hostile output: ${(stdout.length / 1024 / 1024).toFixed(1)} MiB (${h.spanCount()} spans read) in ${chunks.length} reads of 64 KiB, ` +
        `${totalMs.toFixed(0)} ms in all; slowest read ${worstChunkMs.toFixed(1)} ms ` +
        `(#${chunkMs.indexOf(worstChunkMs)}), median ${medianChunkMs.toFixed(1)} ms, most CPU in one read ` +
        `${worstCpuMs.toFixed(1)} ms; ` +
        `event-loop delay max ${loopMaxMs.toFixed(1)} ms, p99 ${(histogram.percentile(99) / 1e6).toFixed(1)} ms, ` +
        `p50 ${(histogram.percentile(50) / 1e6).toFixed(1)} ms (${histogram.count} samples)`,
    );
    expect(worstChunkMs).toBeLessThan(100);
    expect(loopMaxMs).toBeLessThan(100);

    const system = h.text("system");
    expect(system).not.toContain("could not be read (");
    expect(system).toContain("a span line could not be read and was skipped: it is nested too deeply");
    expect(system).toContain(`span lines past ${MARKER_BYTES_PER_SERVICE / 1024 / 1024} MiB`);
    expect(system).toContain("output truncated");
    // Spans read stop at their rate (a burst, then a steady trickle) and at the marker allowance; those kept for a
    // reload stop at their byte bound.
    expect(system).toContain(`spans arrive faster than ${SPANS_PER_SECOND} a second`);
    const read = h.spanCount();
    expect(read).toBeGreaterThan(SPAN_BURST / 2);
    expect(read).toBeLessThanOrEqual(SPAN_BURST + Math.ceil((SPANS_PER_SECOND * totalMs) / 1000));
    const history = (h.run as unknown as { history: { spanSize: { bytes: number } } }).history;
    expect(history.spanSize.bytes).toBeLessThanOrEqual(MAX_SPAN_BYTES_PER_RUN);
    // The forged stage words and over-long lines are text, within the output budget; the collector still starts.
    expect(h.text().length).toBeLessThanOrEqual(DEFAULT_LIMITS.outputBytesPerStream);
    expect(h.text()).toContain(`${P}failed forged`);
    expect(stageOf(h.run, "collector")).toBe("starting");
    expect(MAX_MARKER_LINE_BYTES).toBeLessThan(1_000_000);
  }, 60_000);
});
