// Flow control of log text between the server and one browser tab, as pure accounting: how much is in flight,
// when to stop forwarding, how many lines were dropped, and when the browser has written a batch.

/**
 * Log text (UTF-16 units, as sent) a tab may have received but not yet written into its terminals. Above the high
 * watermark the server stops forwarding live log text to that tab (and counts what it drops); below the low one it
 * forwards again. 1 MiB is well under a second of xterm.js's slower write speed and far below the ~50 MB where it
 * discards; measured here (npm run bench), a burst of 30,000 lines lost a third of them at 512 KiB and mostly none
 * at 1 MiB.
 */
export const HIGH_WATERMARK = 1024 * 1024;
export const LOW_WATERMARK = 256 * 1024;

/** How far behind one follower is, and whether live log text should still go to it. */
export class FlowWindow {
  private unacked = 0;
  private behind = false;

  constructor(
    private readonly high = HIGH_WATERMARK,
    private readonly low = LOW_WATERMARK,
  ) {
    if (!(low < high)) throw new Error("the low watermark must be below the high one");
  }

  /** Bytes handed to the socket. */
  sent(bytes: number): void {
    this.unacked += bytes;
  }

  /** Bytes the browser says it has written; more than is outstanding (an old run's ack) is clamped. */
  acked(bytes: number): void {
    if (!(bytes > 0)) return;
    this.unacked = Math.max(0, this.unacked - bytes);
  }

  get inFlight(): number {
    return this.unacked;
  }

  /**
   * Whether a live log chunk may be forwarded, with `pending` bytes already waiting in the batch. Hysteresis: once
   * the high watermark is reached, nothing is forwarded until the load falls to the low one, so a notice of what
   * was dropped covers one stretch rather than every other chunk.
   */
  admit(pending: number, bytes: number): boolean {
    const load = this.unacked + pending;
    if (this.behind && load <= this.low) this.behind = false;
    else if (!this.behind && load + bytes > this.high) this.behind = true;
    return !this.behind;
  }

  get isBehind(): boolean {
    return this.behind;
  }
}

interface DropState {
  lines: number;
  /** The last dropped text ended inside a line: the next kept text's first line is that line's remainder. */
  midLine: boolean;
}

/**
 * Counts dropped log lines exactly, per service and stream. A line counts as dropped once any part of it is; the
 * remainder of a line cut in the middle is dropped too when forwarding resumes, so a pane never shows half a line
 * glued to the next one.
 */
export class LineDropCounter {
  private readonly states = new Map<string, DropState>();

  private state(service: string, stream: string): DropState {
    const key = `${service}\u0000${stream}`;
    let s = this.states.get(key);
    if (!s) this.states.set(key, (s = { lines: 0, midLine: false }));
    return s;
  }

  drop(service: string, stream: string, text: string): void {
    if (text === "") return;
    const s = this.state(service, stream);
    const segments = text.split("\n");
    // "a\nb" has two lines; "a\nb\n" too (the last segment is empty); a continued line was counted already.
    let lines = segments[segments.length - 1] === "" ? segments.length - 1 : segments.length;
    if (s.midLine) lines -= 1;
    s.lines += Math.max(0, lines);
    s.midLine = !text.endsWith("\n");
  }

  /** The part of `text` to forward: without the remainder of a line whose start was dropped. */
  keep(service: string, stream: string, text: string): string {
    const s = this.states.get(`${service}\u0000${stream}`);
    if (!s?.midLine) return text;
    const nl = text.indexOf("\n");
    if (nl === -1) return "";
    s.midLine = false;
    return text.slice(nl + 1);
  }

  /** Lines dropped per service since the last call (streams summed); undefined when nothing was. */
  take(): Record<string, number> | undefined {
    let out: Record<string, number> | undefined;
    for (const [key, s] of this.states) {
      if (s.lines === 0) continue;
      const service = key.slice(0, key.indexOf("\u0000"));
      out ??= {};
      out[service] = (out[service] ?? 0) + s.lines;
      s.lines = 0;
    }
    return out;
  }
}

/**
 * The browser side: a batch is acknowledged once every terminal that received part of it has finished writing
 * (xterm's write callback). Writers hold the barrier while their write is pending; the batch is done when it is
 * sealed and nothing holds it.
 */
export class WriteBarrier {
  private holds = 0;
  private sealed = false;
  private fired = false;

  constructor(private readonly onDone: () => void) {}

  /** Returns the release for one pending write (calling it twice releases once). */
  hold(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      this.check();
    };
  }

  /** Every write of the batch has been handed out. */
  seal(): void {
    this.sealed = true;
    this.check();
  }

  private check(): void {
    if (this.sealed && this.holds === 0 && !this.fired) {
      this.fired = true;
      this.onDone();
    }
  }
}

/**
 * Batches of a run the page has not adopted yet. The answer that names a new run and that run's first events can
 * reach the page in one transport message (long-polling delivers several packets at once, handled in one go), so
 * the events are handled before the code awaiting the answer resumes. They wait here instead of being dropped.
 */
export class EarlyBatches<B extends { runId: string }> {
  private held: B[] = [];

  constructor(private readonly max = 200) {}

  /** Keeps a batch; returns any older one pushed out past the bound (the caller acknowledges it unshown). */
  hold(batch: B): B[] {
    this.held.push(batch);
    return this.held.length > this.max ? this.held.splice(0, this.held.length - this.max) : [];
  }

  /** The run now followed: its held batches in arrival order, and every other held batch (for another run). */
  take(runId: string): { mine: B[]; others: B[] } {
    const mine = this.held.filter((b) => b.runId === runId);
    const others = this.held.filter((b) => b.runId !== runId);
    this.held = [];
    return { mine, others };
  }
}
