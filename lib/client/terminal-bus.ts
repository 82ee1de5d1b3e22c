// Terminal text per pane (one per service, plus "all services"), kept outside React: panes replay it when they
// mount and follow it afterwards; writes are tracked so the page acknowledges only what xterm.js has written.
import { ALL_SERVICES } from "./run-state";
import { LinePrefixer, RUN_LABEL, countNewlines, droppedNotice } from "./log-lines";
import type { WriteBarrier } from "../shared/flow-control";

/** The pane that interleaves every service's lines. Not a valid service name, so it cannot clash with one. */
export const ALL_PANE = "*all";

/** Text kept per pane for panes that mount later and for the download (xterm's scrollback bounds what is shown). */
const KEEP_CHARS = 1024 * 1024;

/** A pane's follower: writes the text and calls `written` when the terminal has taken it. */
export type PaneWriter = (text: string, written: () => void) => void;

interface Channel {
  chunks: string[];
  size: number;
  /** Lines dropped on the way here (server flow control), for the pane's badge. */
  dropped: number;
  listeners: Set<PaneWriter>;
  clearListeners: Set<() => void>;
}

export class TerminalBus {
  private readonly channels = new Map<string, Channel>();
  private readonly resetListeners = new Set<() => void>();
  private readonly changeListeners = new Set<() => void>();
  private prefixer: LinePrefixer;

  constructor(private services: string[]) {
    this.prefixer = new LinePrefixer(services);
  }

  private channel(name: string): Channel {
    let c = this.channels.get(name);
    if (!c) {
      c = { chunks: [], size: 0, dropped: 0, listeners: new Set(), clearListeners: new Set() };
      this.channels.set(name, c);
      if (name !== ALL_PANE && !this.services.includes(name)) this.services = [...this.services, name];
    }
    return c;
  }

  private append(name: string, text: string, barrier?: WriteBarrier): void {
    if (text === "") return;
    const c = this.channel(name);
    c.chunks.push(text);
    c.size += text.length;
    while (c.size > KEEP_CHARS && c.chunks.length > 1) c.size -= c.chunks.shift()!.length;
    for (const l of c.listeners) l(text, barrier ? barrier.hold() : () => {});
  }

  /**
   * Appends text to a service's pane and, prefixed, to the "all services" pane; the engine's run-wide lines go to
   * every service pane and once to the "all" pane. With a barrier, each pane's pending write holds it.
   */
  write(service: string, text: string, barrier?: WriteBarrier): void {
    if (service === ALL_SERVICES) {
      for (const name of this.services) this.append(name, text, barrier);
      this.append(ALL_PANE, this.prefixer.push(RUN_LABEL, text), barrier);
    } else {
      this.append(service, text, barrier);
      this.append(ALL_PANE, this.prefixer.push(service, text), barrier);
    }
  }

  /** The server dropped `lines` of this service's output for this page: say so where they are missing. */
  dropped(service: string, lines: number, barrier?: WriteBarrier): void {
    if (lines <= 0) return;
    this.channel(service).dropped += lines;
    this.channel(ALL_PANE).dropped += lines;
    this.write(service, droppedNotice(lines), barrier);
    for (const l of this.changeListeners) l();
  }

  droppedCount(name: string): number {
    return this.channel(name).dropped;
  }

  text(name: string): string {
    return this.channel(name).chunks.join("");
  }

  /** Lines the pane holds (for the download's header and tests). */
  lineCount(name: string): number {
    return countNewlines(this.text(name));
  }

  follow(name: string, onText: PaneWriter, onReset: () => void): () => void {
    const c = this.channel(name);
    c.listeners.add(onText);
    c.clearListeners.add(onReset);
    this.resetListeners.add(onReset);
    return () => {
      c.listeners.delete(onText);
      c.clearListeners.delete(onReset);
      this.resetListeners.delete(onReset);
    };
  }

  /** Dropped counts changed (for badges outside the terminals). */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Empties one pane (what it holds and what it shows); the run goes on. */
  clear(name: string): void {
    const c = this.channel(name);
    c.chunks = [];
    c.size = 0;
    c.dropped = 0;
    for (const l of c.clearListeners) l();
    for (const l of this.changeListeners) l();
  }

  /** A new run, or a re-attach that replays the run from its start. */
  reset(): void {
    for (const c of this.channels.values()) {
      c.chunks = [];
      c.size = 0;
      c.dropped = 0;
    }
    this.prefixer.reset();
    for (const l of this.resetListeners) l();
    for (const l of this.changeListeners) l();
  }
}
