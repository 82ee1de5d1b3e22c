import { describe, expect, it } from "vitest";
import { newTraceparent, traceIdOf, withTraceparent } from "../../sandbox/traceparent";

const FORMAT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

describe("newTraceparent", () => {
  it("is version 00, a 16-byte trace ID, an 8-byte parent ID and the sampled flag", () => {
    const { header, traceId } = newTraceparent();
    const m = FORMAT.exec(header);
    expect(m).not.toBeNull();
    expect(m![1]).toBe(traceId);
    expect(m![2]).not.toMatch(/^0+$/);
  });

  it("differs every time", () => {
    const ids = new Set(Array.from({ length: 200 }, () => newTraceparent().traceId));
    expect(ids.size).toBe(200);
  });

  it("never uses an all-zero ID, which receivers reject", () => {
    const draws = [Buffer.alloc(16), Buffer.alloc(16, 0xab), Buffer.alloc(8), Buffer.alloc(8, 0x01)];
    const { header } = newTraceparent(() => draws.shift()!);
    expect(header).toBe(`00-${"ab".repeat(16)}-${"01".repeat(8)}-01`);
  });
});

describe("traceIdOf", () => {
  it("reads a valid header and refuses invalid ones", () => {
    expect(traceIdOf("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")).toBe(
      "4bf92f3577b34da6a3ce929d0e0e4736",
    );
    expect(traceIdOf(" 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00 ")).toBe(
      "4bf92f3577b34da6a3ce929d0e0e4736",
    );
    expect(traceIdOf("00-00000000000000000000000000000000-00f067aa0ba902b7-01")).toBeUndefined();
    expect(traceIdOf("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")).toBeUndefined();
    expect(traceIdOf("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")).toBeUndefined();
    expect(traceIdOf("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")).toBeUndefined();
    expect(traceIdOf("hello")).toBeUndefined();
  });
});

describe("withTraceparent", () => {
  it("adds a fresh traceparent and keeps the other headers", () => {
    const out = withTraceparent({ Accept: "application/json" });
    expect(out.headers.Accept).toBe("application/json");
    expect(out.headers.traceparent).toMatch(FORMAT);
    expect(out.headers.traceparent.slice(3, 35)).toBe(out.traceId);
    expect(withTraceparent(undefined).headers.traceparent).toMatch(FORMAT);
  });

  it("keeps the caller's own traceparent, whatever the case of its name", () => {
    const own = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const out = withTraceparent({ TraceParent: own });
    expect(out.headers).toEqual({ TraceParent: own });
    expect(out.traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    const bad = withTraceparent({ traceparent: "not-a-trace" });
    expect(bad.headers).toEqual({ traceparent: "not-a-trace" });
    expect(bad.traceId).toBeUndefined();
  });
});
