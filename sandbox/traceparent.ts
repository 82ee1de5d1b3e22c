// W3C Trace Context for the request panel: every call it sends starts a trace whose ID the page knows in advance.
// https://www.w3.org/TR/trace-context/#traceparent-header — version 00, 16-byte trace ID, 8-byte parent ID, flags.
import { randomBytes } from "node:crypto";

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A fresh traceparent, sampled (flags 01) so the services record the trace rather than follow a "drop" decision. */
export function newTraceparent(random: (bytes: number) => Buffer = randomBytes): { header: string; traceId: string } {
  // All-zero IDs are invalid and a receiver would start a trace of its own; draw again (odds of 2^-64 or less).
  const draw = (bytes: number) => {
    for (;;) {
      const hex = random(bytes).toString("hex");
      if (!/^0+$/.test(hex)) return hex;
    }
  };
  const traceId = draw(16);
  return { header: `00-${traceId}-${draw(8)}-01`, traceId };
}

/** The trace ID of a valid traceparent value, else undefined (a receiver ignores an invalid one and starts anew). */
export function traceIdOf(value: string): string | undefined {
  const m = TRACEPARENT.exec(value.trim());
  if (!m || m[1] === "ff" || /^0+$/.test(m[2]) || /^0+$/.test(m[3])) return undefined;
  return m[2];
}

/**
 * The request's headers with a traceparent added when it has none, and the trace the request belongs to. A
 * traceparent the learner wrote is kept as it is (any case of the name): that is how a caller continues a trace.
 */
export function withTraceparent(
  headers: Record<string, string> | undefined,
  random?: (bytes: number) => Buffer,
): { headers: Record<string, string>; traceId?: string } {
  const own = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === "traceparent");
  if (own) return { headers: { ...headers }, traceId: traceIdOf(own[1]) };
  const { header, traceId } = newTraceparent(random);
  return { headers: { ...headers, traceparent: header }, traceId };
}
