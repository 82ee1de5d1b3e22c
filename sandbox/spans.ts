// Reads the span lines of the lesson's collector (sandbox/collector): "@@playground:span {json}" → SpanData.
// The line comes from inside a sandbox, so it is validated like any other untrusted input.
import { z } from "zod";
import type { AttributeValue, SpanData } from "./types";

/** The word after the marker prefix that names a span line. */
export const SPAN_MARKER = "span";

const hex = (length: number) => z.string().regex(new RegExp(`^[0-9a-f]{${length}}$`));
/** Unix nanoseconds as a decimal string: they do not fit a JavaScript number exactly. */
const nanos = z.string().regex(/^\d{1,20}$/);
const attributeValue: z.ZodType<AttributeValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(attributeValue),
    z.record(z.string(), attributeValue),
  ]),
);
const attributes = z.record(z.string().max(300), attributeValue);

const spanLine = z.object({
  traceId: hex(32),
  spanId: hex(16),
  parentSpanId: hex(16).optional(),
  service: z.string().min(1).max(300),
  scope: z.string().max(300).optional(),
  name: z.string().max(300),
  kind: z.enum(["internal", "server", "client", "producer", "consumer", "unspecified"]),
  startTimeUnixNano: nanos,
  endTimeUnixNano: nanos,
  status: z.object({ code: z.enum(["unset", "ok", "error"]), message: z.string().max(2000).optional() }),
  attributes: attributes.default({}),
  events: z
    .array(z.object({ name: z.string().max(300), timeUnixNano: nanos, attributes: attributes.default({}) }))
    .max(64)
    .default([]),
});

/** Nanoseconds (decimal string) → microseconds as an exact number. */
export function nanosToMicros(ns: string): number {
  return Number(BigInt(ns) / 1000n);
}

/** Parses the JSON after "@@playground:span "; null when it is not a span the collector would print. */
export function parseSpanLine(json: string): SpanData | null {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return null;
  }
  const parsed = spanLine.safeParse(raw);
  if (!parsed.success) return null;
  const s = parsed.data;
  const startUs = nanosToMicros(s.startTimeUnixNano);
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    // An all-zero parent is how some encoders say "no parent".
    parentSpanId: s.parentSpanId && !/^0+$/.test(s.parentSpanId) ? s.parentSpanId : undefined,
    service: s.service,
    scope: s.scope || undefined,
    name: s.name,
    kind: s.kind,
    startUs,
    // A span never ends before it starts, whatever clock skew or bug says so.
    endUs: Math.max(startUs, nanosToMicros(s.endTimeUnixNano)),
    status: s.status.message ? { code: s.status.code, message: s.status.message } : { code: s.status.code },
    attributes: s.attributes,
    events: s.events.map((e) => ({ name: e.name, timeUs: nanosToMicros(e.timeUnixNano), attributes: e.attributes })),
  };
}
