// Lesson 16.6 in the real sandbox: a request to frontend leaves spans of both services, joined into one trace by
// the traceparent header, and they reach the run's events through the collector's output (no call to the host).
// Requests go through run.request(), the request panel's server path, which starts each trace with a traceparent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureImage, startRun, stopAllRuns, type RunHandle, type SpanData } from "../../sandbox/index";
import { ENTRY_NODE, buildServiceMap } from "../../components/traces/service-map";
import { collect, logText, waitFor } from "./helpers";

let run: RunHandle;
let events: ReturnType<typeof collect>;

beforeAll(async () => {
  await ensureImage();
  run = await startRun("tracing", null, { owner: "it-tracing" });
  events = collect(run);
  await run.whenAllRunning();
});

afterAll(async () => {
  await run?.stop();
  await stopAllRuns();
});

const spansOf = (traceId: string): SpanData[] =>
  events.flatMap((e) => (e.type === "span" && e.span.traceId === traceId ? [e.span] : []));

async function checkout(path: string): Promise<{ status: number; traceId: string }> {
  const res = await run.request({ service: "frontend", method: "GET", path });
  const body = JSON.parse(res.body) as { traceId: string };
  expect(body.traceId).toMatch(/^[0-9a-f]{32}$/);
  // The trace frontend reports is the one the request path started and named in its summary.
  expect(res.traceId).toBe(body.traceId);
  return { status: res.status, traceId: body.traceId };
}

/** The four spans of a checkout arrive in two batches, one per service, each after its batch timeout. */
async function waitForSpans(traceId: string, count: number): Promise<SpanData[]> {
  await waitFor(events, () => spansOf(traceId).length >= count, 20_000);
  return spansOf(traceId);
}

describe("16.6 tracing in the sandbox", () => {
  it("joins frontend's and backend's spans into one trace: backend's server span is a child of frontend's client span", async () => {
    const { status, traceId } = await checkout("/checkout?item=book&qty=2");
    expect(status).toBe(200);
    const spans = await waitForSpans(traceId, 5);
    const by = (service: string, kind: SpanData["kind"]) =>
      spans.filter((s) => s.service === service && s.kind === kind);

    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(["frontend", "backend"]));
    const [feServer] = by("frontend", "server");
    const [feClient] = by("frontend", "client");
    const [beServer] = by("backend", "server");
    // Its parent is the request panel's own span ID from the injected traceparent: never exported, so a root here.
    expect(feServer?.parentSpanId).toMatch(/^[0-9a-f]{16}$/);
    expect(spans.some((s) => s.spanId === feServer.parentSpanId)).toBe(false);
    expect(feClient?.parentSpanId).toBe(feServer.spanId);
    expect(beServer?.parentSpanId).toBe(feClient.spanId);
    expect(beServer.name).toBe("GET /stock/{item}");

    const lookup = spans.find((s) => s.name === "inventory.lookup")!;
    expect(lookup.parentSpanId).toBe(beServer.spanId);
    expect(lookup.attributes["inventory.item"]).toBe("book");
    expect(lookup.events.map((e) => e.name)).toContain("row found");
    expect(lookup.status.code).toBe("unset");
    // Times are kept to the microsecond: children start within their parent.
    expect(beServer.startUs).toBeGreaterThanOrEqual(feClient.startUs - 1000);
    expect(lookup.startUs).toBeGreaterThanOrEqual(beServer.startUs);
    expect(lookup.endUs).toBeLessThanOrEqual(beServer.endUs);
  });

  it("gives each request its own trace, and the service map draws client → frontend → backend from the spans", async () => {
    const first = await checkout("/checkout?item=book&qty=1");
    const second = await checkout("/checkout?item=mug&qty=1");
    expect(second.traceId).not.toBe(first.traceId);
    const spans = [...(await waitForSpans(first.traceId, 5)), ...(await waitForSpans(second.traceId, 5))];
    const map = buildServiceMap(spans);
    expect(map.edges.map((e) => [e.from, e.to, e.calls, e.errors])).toEqual([
      [ENTRY_NODE, "frontend", 2, 0],
      ["frontend", "backend", 2, 0],
    ]);
    expect(map.edges.every((e) => e.p50Us > 0)).toBe(true);
  });

  it("marks the failure path: an unknown item leaves a backend span with an error status and its exception event", async () => {
    const { status, traceId } = await checkout("/checkout?item=unicorn");
    expect(status).toBe(404);
    const spans = await waitForSpans(traceId, 4);
    const lookup = spans.find((s) => s.name === "inventory.lookup");
    expect(lookup?.status).toEqual({ code: "error", message: "unknown item" });
    expect(lookup?.events.map((e) => e.name)).toContain("exception");
    const client = spans.find((s) => s.service === "frontend" && s.kind === "client");
    expect(client?.status.code).toBe("error");
  });

  it("continues a trace started by the caller's traceparent", async () => {
    const res = await run.request({
      service: "frontend",
      method: "GET",
      path: "/checkout?item=mug",
      headers: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
    });
    expect(res.status).toBe(200);
    // The request path keeps the caller's own traceparent and names its trace.
    expect(res.traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    const spans = await waitForSpans("4bf92f3577b34da6a3ce929d0e0e4736", 4);
    expect(spans.find((s) => s.service === "frontend" && s.kind === "server")?.parentSpanId).toBe("00f067aa0ba902b7");
  });

  it("keeps span lines out of the terminal text and shows a short line per span instead", () => {
    const text = logText(events, "collector");
    expect(text).not.toContain("@@playground");
    expect(text).toMatch(/span backend +internal +inventory\.lookup/);
  });

  it("replays the spans to a listener that attaches later (a reloaded page)", () => {
    const late: SpanData[] = [];
    const unsubscribe = run.subscribe((e) => {
      if (e.type === "span") late.push(e.span);
    });
    unsubscribe();
    expect(late.length).toBe(events.filter((e) => e.type === "span").length);
  });
});
