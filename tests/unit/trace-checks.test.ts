// Checks that read traces: which spans a request's trace must have, and what a failure says.
import { describe, expect, it } from "vitest";
import { traceComplete, traceProblems } from "@/sandbox/trace-checks";
import { traceExpectSchema } from "@/lib/shared/lesson-schema";
import type { SpanData } from "@/sandbox/types";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
let n = 0;
function span(over: Partial<SpanData>): SpanData {
  n++;
  return {
    traceId: TRACE,
    spanId: n.toString(16).padStart(16, "0"),
    service: "shop-service",
    name: "GET /buy/{id}",
    kind: "server",
    startUs: 1_000_000,
    endUs: 1_012_000,
    status: { code: "unset" },
    attributes: {},
    events: [],
    ...over,
  };
}

const expectOf = (spans: unknown[]) => traceExpectSchema.parse({ spans });

describe("trace checks", () => {
  const retries = [
    span({}),
    ...[1, 2, 3, 4].map(() => span({ kind: "client", name: "HTTP GET", status: { code: "error" } })),
    ...[1, 2, 3, 4].map(() =>
      span({ service: "inventory-service", name: "GET /items/{id}", status: { code: "error" } }),
    ),
    span({ traceId: "f".repeat(32), service: "other" }),
  ];

  it("passes when every expected span is in the request's trace, counted exactly when a count is given", () => {
    const e = expectOf([
      { service: "shop-service", kind: "server" },
      { service: "shop-service", kind: "client", status: "error", count: 4 },
      { service: "inventory-service", count: 4 },
    ]);
    expect(traceComplete(e, retries)).toBe(true);
    expect(traceProblems(e, TRACE, retries)).toEqual([]);
  });

  it("says which span was expected and lists what the trace had", () => {
    const e = expectOf([{ service: "shop-service", kind: "client", count: 3 }, { service: "other" }]);
    const problems = traceProblems(e, TRACE, retries);
    expect(problems[0]).toBe("expected 3 client spans of shop-service in the request's trace; found 4");
    expect(problems[1]).toBe("expected at least one span of other in the request's trace; found 0");
    expect(problems[2]).toMatch(/^trace 4bf92f35… has: shop-service: GET \/buy\/\{id\} \(server, unset, 12 ms\); /);
  });

  it("checks a count of zero (no attempt at all: the breaker is open), events, attributes and durations", () => {
    const open = [span({ status: { code: "error" }, events: [{ name: "breaker open", timeUs: 1, attributes: {} }] })];
    const e = expectOf([
      { service: "shop-service", kind: "server", event: "breaker open", maxDurationMs: 50 },
      { service: "shop-service", kind: "client", count: 0 },
      { attributes: { "http.route": "/buy/{id}" }, count: 0 },
    ]);
    expect(traceProblems(e, TRACE, open)).toEqual([]);
    const slow = [span({ endUs: 1_000_000 + 80_000, events: [{ name: "breaker open", timeUs: 1, attributes: {} }] })];
    expect(traceProblems(e, TRACE, slow)[0]).toMatch(/took longer than 50 ms/);
    expect(traceComplete(expectOf([{ kind: "client" }]), open)).toBe(false);
  });

  it("fails plainly when the request carried no trace, or none of its spans came", () => {
    const e = expectOf([{ service: "frontend" }]);
    expect(traceProblems(e, undefined, retries)).toEqual(["the request carried no trace (no traceparent was sent)"]);
    expect(traceProblems(e, "a".repeat(32), retries).at(-1)).toMatch(/has no spans at all/);
  });
});
