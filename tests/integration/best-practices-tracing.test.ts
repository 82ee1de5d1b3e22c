// Lesson 16.9 in the real sandbox, traced: a purchase whose inventory calls fail is one trace in which every retry
// is a client span of shop-service under the one purchase span, each answered by an inventory-service server span.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureImage, startRun, stopAllRuns, type RunHandle, type SpanData } from "../../sandbox/index";
import { buildServiceMap } from "../../components/traces/service-map";
import { collect, waitFor } from "./helpers";

let run: RunHandle;
let events: ReturnType<typeof collect>;

beforeAll(async () => {
  await ensureImage();
  run = await startRun("best-practices", null, { owner: "it-best-practices-tracing" });
  events = collect(run);
  await run.whenAllRunning();
});

afterAll(async () => {
  await run?.stop();
  await stopAllRuns();
});

const spansOf = (traceId: string): SpanData[] =>
  events.flatMap((e) => (e.type === "span" && e.span.traceId === traceId ? [e.span] : []));

async function failureRate(rate: number): Promise<void> {
  const res = await run.request({
    service: "inventory-service",
    method: "POST",
    path: "/admin/failure-rate",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ rate }),
  });
  expect(res.status).toBe(200);
}

describe("16.9 best practices, traced", () => {
  it("shows every retry as a client span under the purchase's server span", async () => {
    await failureRate(1);
    const res = await run.request({ service: "shop-service", method: "GET", path: "/buy/1" });
    await failureRate(0);
    expect(res.status).toBe(502);
    const body = JSON.parse(res.body) as { attempts: number };
    expect(body.attempts).toBe(4);
    const traceId = res.traceId!;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    // 1 purchase span + 4 attempts + 4 inventory answers, in two batches (one per service).
    await waitFor(events, () => spansOf(traceId).length >= 9, 20_000);
    const spans = spansOf(traceId);
    const [buy] = spans.filter((s) => s.service === "shop-service" && s.kind === "server");
    expect(buy.name).toBe("GET /buy/{id}");
    expect(buy.status.code).toBe("error");
    const tries = spans.filter((s) => s.service === "shop-service" && s.kind === "client");
    expect(tries).toHaveLength(4);
    for (const t of tries) {
      expect(t.parentSpanId).toBe(buy.spanId);
      expect(t.status.code).toBe("error");
      const answer = spans.find((s) => s.parentSpanId === t.spanId);
      expect(answer).toMatchObject({ service: "inventory-service", kind: "server", name: "GET /items/{id}" });
    }
    // The backoff leaves gaps: each attempt starts after the one before it ended.
    const starts = [...tries].sort((a, b) => a.startUs - b.startUs);
    for (let i = 1; i < starts.length; i++) expect(starts[i].startUs).toBeGreaterThanOrEqual(starts[i - 1].endUs);

    const edge = buildServiceMap(spans).edges.find((e) => e.from === "shop-service");
    expect(edge).toMatchObject({ to: "inventory-service", calls: 4, errors: 4 });
  });

  it("keeps probes out of the traces", () => {
    const names = events.flatMap((e) => (e.type === "span" ? [e.span.name] : []));
    expect(names.some((n) => /healthz|readyz/.test(n))).toBe(false);
  });
});
