// Reads the span lines of the lesson's collector (sandbox/collector): "@@playground:span {json}" → SpanData.
// The line comes from inside a sandbox, so it is validated like any other untrusted input.
import { z } from "zod";
import {
  MAX_ATTRIBUTE_DEPTH,
  MAX_ATTRIBUTE_ITEMS,
  MAX_ATTRIBUTE_STRING,
  MAX_MARKER_LINE_BYTES,
  MAX_SPAN_JSON_DEPTH,
  SPAN_BURST,
  SPANS_PER_SECOND,
} from "./limits";
import type { AttributeValue, SpanData } from "./types";

/** The word after the marker prefix that names a span line. */
export const SPAN_MARKER = "span";
/** A service whose command is the sandbox image's collector prints span lines; no other service's are read. */
export const COLLECTOR_COMMAND = "playground-collector";

const hex = (length: number) => z.string().regex(new RegExp(`^[0-9a-f]{${length}}$`));
/** Unix nanoseconds as a decimal string: they do not fit a JavaScript number exactly. */
const nanos = z.string().regex(/^\d{1,20}$/);
// Attribute values are checked by hand (sanitizeValue), with a bounded depth: a recursive schema recurses as deep as
// the line nests, and a learner decides that.
const attributes = z.record(z.string().max(300), z.unknown());

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

/**
 * Whether the JSON text nests [ and { at most `max` deep. One pass over the text, no recursion: run before
 * JSON.parse so that nothing later walks a structure deeper than the limit.
 */
export function jsonDepthWithin(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return false;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return true;
}

/** Counts what sanitizing cut, so the learner hears that a span was shortened. */
interface Cuts {
  count: number;
}

/** The string cut to `max` characters, without leaving half of a surrogate pair. */
function cutString(text: string, max: number, cuts: Cuts): string {
  if (text.length <= max) return text;
  cuts.count++;
  let end = max;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** Sets a key as an own property even when it is "__proto__" (a plain assignment would change the prototype). */
function setOwn(target: Record<string, AttributeValue>, key: string, value: AttributeValue): void {
  if (key === "__proto__")
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * An attribute value within bounds: strings, lists and maps cut to their limits, containers deeper than
 * MAX_ATTRIBUTE_DEPTH replaced by "…" as the collector does. The recursion is at most that deep.
 */
function sanitizeValue(value: unknown, depth: number, cuts: Cuts): AttributeValue {
  if (value === null || typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value === "string") return cutString(value, MAX_ATTRIBUTE_STRING, cuts);
  if (typeof value !== "object") {
    cuts.count++;
    return null;
  }
  if (depth >= MAX_ATTRIBUTE_DEPTH) {
    cuts.count++;
    return "…";
  }
  if (Array.isArray(value)) {
    if (value.length > MAX_ATTRIBUTE_ITEMS) cuts.count++;
    const out: AttributeValue[] = [];
    for (let i = 0; i < Math.min(value.length, MAX_ATTRIBUTE_ITEMS); i++)
      out.push(sanitizeValue(value[i], depth + 1, cuts));
    return out;
  }
  return sanitizeMap(value as Record<string, unknown>, depth + 1, cuts);
}

function sanitizeMap(map: Record<string, unknown>, depth: number, cuts: Cuts): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  let kept = 0;
  for (const key of Object.keys(map)) {
    if (kept++ === MAX_ATTRIBUTE_ITEMS) {
      cuts.count++;
      break;
    }
    setOwn(out, cutString(key, 300, cuts), sanitizeValue(map[key], depth, cuts));
  }
  return out;
}

/** What became of one span line: the span (with how many values were cut), or why it was refused. */
export type SpanRead = { span: SpanData; cut: number } | { span: null; why: string };

const sizes = new WeakMap<SpanData, number>();

/**
 * The size of a span as sent (UTF-16 units of its JSON), for the bounds of a run's history and of a tab's flow
 * window. Measured once per span: every follower and the history see the same object.
 */
export function spanBytes(span: SpanData): number {
  let size = sizes.get(span);
  if (size === undefined) {
    try {
      size = JSON.stringify(span).length;
    } catch {
      // Not one of ours (read spans are bounded in depth): count it as large rather than fail.
      size = MAX_MARKER_LINE_BYTES;
    }
    sizes.set(span, size);
  }
  return size;
}

/**
 * Reads the JSON after "@@playground:span ". Bounded first (length, then nesting, by a scan of the text), parsed,
 * checked against the collector's format, and its attributes cut to their limits. Never throws.
 */
export function readSpanLine(json: string): SpanRead {
  if (json.length > MAX_MARKER_LINE_BYTES) return { span: null, why: "it is too long" };
  if (!jsonDepthWithin(json, MAX_SPAN_JSON_DEPTH)) return { span: null, why: "it is nested too deeply" };
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return { span: null, why: "it is not JSON" };
  }
  const parsed = spanLine.safeParse(raw);
  if (!parsed.success) return { span: null, why: "it is not a span as the collector prints it" };
  const s = parsed.data;
  const cuts: Cuts = { count: 0 };
  const startUs = nanosToMicros(s.startTimeUnixNano);
  const span: SpanData = {
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
    attributes: sanitizeMap(s.attributes, 0, cuts),
    events: s.events.map((e) => ({
      name: e.name,
      timeUs: nanosToMicros(e.timeUnixNano),
      attributes: sanitizeMap(e.attributes, 0, cuts),
    })),
  };
  return { span, cut: cuts.count };
}

/** Parses the JSON after "@@playground:span "; null when it is not a span the collector would print. */
export function parseSpanLine(json: string): SpanData | null {
  return readSpanLine(json).span;
}

/**
 * A token bucket for one collector's span lines (SPAN_BURST, then SPANS_PER_SECOND). `take` says whether a line may
 * be read; a refusal that starts a new stretch of refusals says so once (`notice`), with what was dropped before it.
 */
export class SpanRate {
  private tokens: number;
  private last: number;
  private droppedInStretch = 0;
  private droppedTotal = 0;

  constructor(
    private readonly burst = SPAN_BURST,
    private readonly perSecond = SPANS_PER_SECOND,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): { ok: boolean; notice: boolean } {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.droppedInStretch = 0;
      return { ok: true, notice: false };
    }
    this.droppedTotal++;
    return { ok: false, notice: this.droppedInStretch++ === 0 };
  }

  /** Span lines refused so far. */
  get dropped(): number {
    return this.droppedTotal;
  }
}
