// Socket events per tab and per client: token buckets by weight, calls in flight, and what a refusal says.
import { describe, expect, it } from "vitest";
import {
  CLIENT_BUDGETS,
  EVENT_WEIGHTS,
  EventLimiter,
  MAX_CALLS_IN_FLIGHT,
  SOCKET_BUDGETS,
  TokenBucket,
  rateLimited,
  tooManyInFlight,
} from "@/lib/server/rate-limit";
import type { ClientToServerEvents } from "@/lib/shared/socket-protocol";

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("TokenBucket", () => {
  it("gives its burst at once, then refills at its rate, never above the burst", () => {
    const b = new TokenBucket({ burst: 3, perSecond: 2 }, 0);
    for (let i = 0; i < 3; i++) {
      expect(b.waitMs(0)).toBe(0);
      b.take(0);
    }
    expect(b.waitMs(0)).toBe(500);
    expect(b.waitMs(499)).toBeGreaterThan(0);
    expect(b.waitMs(500)).toBe(0);
    expect(b.isFull(10_000)).toBe(true);
    b.take(10_000);
    expect(b.isFull(10_000)).toBe(false);
  });
});

describe("EventLimiter", () => {
  it("weighs every client event", () => {
    const events: (keyof ClientToServerEvents)[] = [
      "run:attach",
      "run:start",
      "run:stop",
      "run:request",
      "run:update-files",
      "run:service",
      "run:ack",
      "grpc:describe",
      "grpc:call",
    ];
    for (const e of events) expect(EVENT_WEIGHTS[e], e).toBeDefined();
    expect(EVENT_WEIGHTS["run:start"]).toBe("run");
    expect(EVENT_WEIGHTS["grpc:call"]).toBe("call");
    expect(EVENT_WEIGHTS["run:ack"]).toBe("ack");
  });

  it("refuses a tab past its burst until tokens come back, without touching other clients", () => {
    const c = clock();
    const limiter = new EventLimiter(c.now);
    const burst = SOCKET_BUDGETS.run.burst;
    for (let i = 0; i < burst; i++) expect(limiter.admit("alice", "s1", "run:start")).toEqual({ ok: true });
    const refused = limiter.admit("alice", "s1", "run:start");
    expect(refused).toMatchObject({ ok: false, scope: "socket" });
    // Another learner is not slowed, nor are this tab's cheap events.
    expect(limiter.admit("bob", "s2", "run:start")).toEqual({ ok: true });
    expect(limiter.admit("alice", "s1", "run:ack")).toEqual({ ok: true });
    expect(limiter.admit("alice", "s1", "run:request")).toEqual({ ok: true });
    c.advance(1000 / SOCKET_BUDGETS.run.perSecond);
    expect(limiter.admit("alice", "s1", "run:start")).toEqual({ ok: true });
  });

  it("bounds a client's tabs together", () => {
    const c = clock();
    const limiter = new EventLimiter(c.now);
    let admitted = 0;
    for (let tab = 0; tab < 10; tab++)
      for (let i = 0; i < SOCKET_BUDGETS.call.burst; i++)
        if (limiter.admit("alice", `tab${tab}`, "grpc:call").ok) admitted++;
    expect(admitted).toBe(CLIENT_BUDGETS.call.burst);
    expect(limiter.admit("alice", "tab99", "grpc:call")).toMatchObject({ ok: false, scope: "client" });
  });

  it("a refusal costs no token", () => {
    const c = clock();
    const limiter = new EventLimiter(c.now, {
      run: { burst: 1, perSecond: 1 },
      call: { burst: 1, perSecond: 1 },
      keys: { burst: 1, perSecond: 1 },
      ack: { burst: 1, perSecond: 1 },
      lsp: { burst: 1, perSecond: 1 },
    });
    expect(limiter.admit("a", "s", "run:stop").ok).toBe(true);
    for (let i = 0; i < 100; i++) expect(limiter.admit("a", "s", "run:stop").ok).toBe(false);
    c.advance(1000);
    expect(limiter.admit("a", "s", "run:stop").ok).toBe(true);
  });

  it("keeps a bounded number of buckets: full ones are swept", () => {
    const c = clock();
    const limiter = new EventLimiter(c.now);
    for (let i = 0; i < 5_000; i++) {
      limiter.admit(`client-${i}`, `socket-${i}`, "run:ack");
      c.advance(100);
    }
    expect(limiter.bucketCount).toBeLessThan(2_100);
  });

  it("bounds calls in flight per client; each release frees one place once", () => {
    const limiter = new EventLimiter();
    const releases = Array.from({ length: MAX_CALLS_IN_FLIGHT }, () => limiter.begin("alice"));
    expect(releases.every(Boolean)).toBe(true);
    expect(limiter.begin("alice")).toBeUndefined();
    expect(limiter.begin("bob")).toBeDefined();
    releases[0]!();
    releases[0]!();
    expect(limiter.begin("alice")).toBeDefined();
    expect(limiter.begin("alice")).toBeUndefined();
  });

  it("words refusals with a code and a hint", () => {
    expect(rateLimited("run:start", { ok: false, retryMs: 1500, scope: "socket" })).toEqual({
      code: "RATE_LIMITED",
      message: "Too many run:start messages from this tab: this one was not carried out.",
      hint: expect.stringContaining("Wait 2 s"),
    });
    expect(tooManyInFlight("grpc:call")).toMatchObject({ code: "RATE_LIMITED", hint: expect.any(String) });
  });
});
