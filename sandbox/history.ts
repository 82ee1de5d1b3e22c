// A run's replayable past, bounded: a ring of recent log chunks per service plus the run's other events, merged
// back into arrival order for a listener that attaches late (a reloaded page).
import { HISTORY_OTHER_BYTES, MAX_SPAN_BYTES_PER_RUN, MAX_SPANS_PER_RUN } from "./limits";
import { spanBytes } from "./spans";
import type { RunEvent } from "./types";

/** Log text kept per service (and for the run-wide lines): the recent part a reloaded page shows again. */
export const HISTORY_BYTES_PER_SERVICE = 256 * 1024;
/** Other events kept (stages, ports, diagnostics, …): a run has a few dozen; this only bounds a runaway kind. */
export const HISTORY_OTHER_EVENTS = 4096;

type LogEvent = Extract<RunEvent, { type: "log" }>;

interface Entry<E> {
  seq: number;
  event: E;
}

interface SizedEntry extends Entry<RunEvent> {
  bytes: number;
}

/** The size of an event other than log text and spans (a few dozen small ones per run), as sent. */
function eventBytes(event: RunEvent): number {
  try {
    return JSON.stringify(event).length;
  } catch {
    return HISTORY_OTHER_BYTES;
  }
}

/**
 * A list bounded in count and bytes that drops its oldest part at once when either is passed, so a steady stream
 * does not copy the list on every push.
 */
class BoundedList {
  private entries: SizedEntry[] = [];
  private bytes = 0;

  constructor(
    private readonly maxCount: number,
    private readonly maxBytes: number,
    /** The share kept when a bound is passed. */
    private readonly keep: number,
  ) {}

  push(entry: SizedEntry): void {
    this.entries.push(entry);
    this.bytes += entry.bytes;
    if (this.entries.length <= this.maxCount && this.bytes <= this.maxBytes) return;
    const count = Math.floor(this.maxCount * this.keep);
    const budget = Math.floor(this.maxBytes * this.keep);
    // The newest stay, as many as fit both bounds (the newest one always).
    let from = this.entries.length - 1;
    let bytes = this.entries[from].bytes;
    while (from > 0 && this.entries.length - from < count && bytes + this.entries[from - 1].bytes <= budget) {
      from--;
      bytes += this.entries[from].bytes;
    }
    this.entries = this.entries.slice(from);
    this.bytes = bytes;
  }

  list(): SizedEntry[] {
    return this.entries;
  }

  get size(): { count: number; bytes: number } {
    return { count: this.entries.length, bytes: this.bytes };
  }
}

const countLines = (text: string): number => {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return n;
};

/**
 * Recent log chunks of one service, oldest dropped first once their text passes `maxBytes` (UTF-16 units, as
 * sent). Counts what it dropped so a replay can say how much earlier output is gone.
 */
export class LogRing {
  private entries: (Entry<LogEvent> | undefined)[] = [];
  private head = 0;
  private count = 0;
  private bytes = 0;
  /** Lines (newline-terminated) and chunks dropped from the front so far. */
  droppedLines = 0;
  droppedChunks = 0;

  constructor(private readonly maxBytes = HISTORY_BYTES_PER_SERVICE) {}

  push(seq: number, event: LogEvent): void {
    if (this.count === this.entries.length) this.grow();
    this.entries[(this.head + this.count) % this.entries.length] = { seq, event };
    this.count++;
    this.bytes += event.text.length;
    // The newest chunk always stays, even alone above the limit: a reload shows at least the last output.
    while (this.bytes > this.maxBytes && this.count > 1) this.shift();
  }

  private shift(): void {
    const first = this.entries[this.head]!;
    this.entries[this.head] = undefined;
    this.head = (this.head + 1) % this.entries.length;
    this.count--;
    this.bytes -= first.event.text.length;
    this.droppedLines += countLines(first.event.text);
    this.droppedChunks++;
  }

  private grow(): void {
    const size = Math.max(16, this.entries.length * 2);
    const next: (Entry<LogEvent> | undefined)[] = new Array(size);
    for (let i = 0; i < this.count; i++) next[i] = this.entries[(this.head + i) % this.entries.length];
    this.entries = next;
    this.head = 0;
  }

  get size(): { chunks: number; bytes: number } {
    return { chunks: this.count, bytes: this.bytes };
  }

  /** Oldest first. */
  list(): Entry<LogEvent>[] {
    const out: Entry<LogEvent>[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.entries[(this.head + i) % this.entries.length]!);
    return out;
  }
}

/**
 * Every event of a run, bounded: logs per service in rings, spans in a list of their own (a traced run makes
 * thousands, which must not push out its stage changes), the rest in a capped list, all in one order. Spans and
 * the rest are bounded in bytes as well as in count: a program decides how large its spans are.
 */
export class RunHistory {
  private seq = 0;
  private readonly logs = new Map<string, LogRing>();
  private readonly others: BoundedList;
  private readonly spans: BoundedList;

  constructor(
    private readonly bytesPerService = HISTORY_BYTES_PER_SERVICE,
    maxOther = HISTORY_OTHER_EVENTS,
    maxSpans = MAX_SPANS_PER_RUN,
    maxSpanBytes = MAX_SPAN_BYTES_PER_RUN,
    maxOtherBytes = HISTORY_OTHER_BYTES,
  ) {
    // The oldest tenth of the spans goes at once; halving the rest keeps the cost per event constant (which kind
    // overflows is the emitter's to bound).
    this.spans = new BoundedList(maxSpans, maxSpanBytes, 0.9);
    this.others = new BoundedList(maxOther, maxOtherBytes, 0.5);
  }

  push(event: RunEvent): void {
    const seq = this.seq++;
    if (event.type === "log") {
      let ring = this.logs.get(event.service);
      if (!ring) this.logs.set(event.service, (ring = new LogRing(this.bytesPerService)));
      ring.push(seq, event);
      return;
    }
    if (event.type === "span") this.spans.push({ seq, event, bytes: spanBytes(event.span) });
    else this.others.push({ seq, event, bytes: eventBytes(event) });
  }

  /** Kept spans and their bytes (for tests and the bounds' documentation). */
  get spanSize(): { count: number; bytes: number } {
    return this.spans.size;
  }

  /**
   * The kept events in the order they happened. A service whose older output was dropped gets a first line that
   * says how many lines are missing, so a reloaded page does not pass the gap off as the whole story.
   */
  replay(): RunEvent[] {
    const all: Entry<RunEvent>[] = [...this.others.list(), ...this.spans.list()];
    const notices: RunEvent[] = [];
    for (const [service, ring] of this.logs) {
      all.push(...ring.list());
      if (ring.droppedChunks > 0)
        notices.push({
          type: "log",
          service,
          stream: "system",
          text: `… ${ring.droppedLines} earlier lines of output are not kept; the most recent follow\n`,
        });
    }
    all.sort((a, b) => a.seq - b.seq);
    return [...notices, ...all.map((e) => e.event)];
  }

  ring(service: string): LogRing | undefined {
    return this.logs.get(service);
  }
}
