// Bounds the socket payloads carry themselves, before any handler runs.
import { describe, expect, it } from "vitest";
import { MAX_REQUEST_HEADERS, requestPayload } from "@/lib/shared/socket-protocol";

describe("requestPayload", () => {
  const base = { runId: "r1", service: "svc", method: "GET", path: "/" } as const;
  it("takes up to MAX_REQUEST_HEADERS headers and refuses more", () => {
    const headers = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`X-H${i}`, "v"]));
    expect(requestPayload.safeParse({ ...base, headers: headers(MAX_REQUEST_HEADERS) }).success).toBe(true);
    const refused = requestPayload.safeParse({ ...base, headers: headers(MAX_REQUEST_HEADERS + 1) });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0].message).toBe(`at most ${MAX_REQUEST_HEADERS} headers`);
  });
});
