// Checks that read traces: the spans one request produced across the services, against what a lesson's check
// expects of them (same trace, a retry span per attempt, an error status, a breaker's event, a duration bound).
// Pure: the spans are gathered by checks.ts; a failure names the span expected and lists what the trace had.
import type { SpanMatcher, TraceExpect } from "../lib/shared/lesson-schema";
import type { SpanData } from "./types";

/** The spans of `spans` that `m` describes (its count aside). */
export function matching(m: SpanMatcher, spans: SpanData[]): SpanData[] {
  return spans.filter(
    (s) =>
      (m.service === undefined || s.service === m.service) &&
      (m.name === undefined || s.name === m.name) &&
      (m.kind === undefined || s.kind === m.kind) &&
      (m.status === undefined || s.status.code === m.status) &&
      (m.event === undefined || s.events.some((e) => e.name === m.event)) &&
      Object.entries(m.attributes ?? {}).every(([k, v]) => s.attributes[k] === v),
  );
}

/** Whether every matcher has at least as many spans as it asks for: waiting longer cannot change the verdict. */
export function traceComplete(expect: TraceExpect, spans: SpanData[]): boolean {
  return expect.spans.every((m) => matching(m, spans).length >= (m.count ?? 1));
}

const durationMs = (s: SpanData): number => (s.endUs - s.startUs) / 1000;

/** A matcher in words: `2 client spans of shop-service named "HTTP GET" with status error`. */
export function describeMatcher(m: SpanMatcher): string {
  const n = m.count;
  const noun = `${m.kind ? `${m.kind} ` : ""}span${n === undefined || n === 1 ? "" : "s"}`;
  const parts = [n === undefined ? `at least one ${noun}` : `${n} ${noun}`];
  if (m.service) parts.push(`of ${m.service}`);
  if (m.name) parts.push(`named ${JSON.stringify(m.name)}`);
  if (m.status) parts.push(`with status ${m.status}`);
  if (m.event) parts.push(`with the event ${JSON.stringify(m.event)}`);
  for (const [k, v] of Object.entries(m.attributes ?? {})) parts.push(`with ${k}=${JSON.stringify(v)}`);
  if (m.maxDurationMs !== undefined) parts.push(`taking at most ${m.maxDurationMs} ms`);
  return parts.join(" ");
}

/** One span in a line: `shop-service: GET /buy/{id} (server, error, 3012 ms)`. */
export function describeSpan(s: SpanData): string {
  return `${s.service}: ${s.name} (${s.kind}, ${s.status.code}, ${Math.round(durationMs(s))} ms)`;
}

/** What the trace lacks, or has too much of, against the check; empty when it is as expected. */
export function traceProblems(expect: TraceExpect, traceId: string | undefined, spans: SpanData[]): string[] {
  if (!traceId) return ["the request carried no trace (no traceparent was sent)"];
  const mine = spans.filter((s) => s.traceId === traceId);
  const problems: string[] = [];
  for (const m of expect.spans) {
    const found = matching(m, mine);
    const wanted = m.count;
    if (wanted === undefined ? found.length === 0 : found.length !== wanted) {
      problems.push(`expected ${describeMatcher(m)} in the request's trace; found ${found.length}`);
      continue;
    }
    if (m.maxDurationMs !== undefined) {
      const slow = found.filter((s) => durationMs(s) > m.maxDurationMs!);
      if (slow.length > 0) problems.push(`${describeSpan(slow[0])} took longer than ${m.maxDurationMs} ms`);
    }
  }
  if (problems.length > 0) {
    const listed = mine.slice(0, 12).map(describeSpan);
    const more = mine.length > listed.length ? `; and ${mine.length - listed.length} more` : "";
    problems.push(
      mine.length === 0
        ? `trace ${traceId.slice(0, 8)}… has no spans at all (did the services send them to the collector?)`
        : `trace ${traceId.slice(0, 8)}… has: ${listed.join("; ")}${more}`,
    );
  }
  return problems;
}
