// Terminal text per service, kept outside React: panes replay it when they mount and follow it afterwards.
import { ALL_SERVICES } from "./client-run-state";

/** Text kept per service for panes that mount later (xterm's own scrollback bounds what is shown). */
const KEEP_CHARS = 1024 * 1024;

interface Channel {
  chunks: string[];
  size: number;
  listeners: Set<(text: string) => void>;
}

export class TerminalBus {
  private readonly channels = new Map<string, Channel>();
  private readonly resetListeners = new Set<() => void>();

  constructor(private services: string[]) {}

  private channel(service: string): Channel {
    let c = this.channels.get(service);
    if (!c) {
      c = { chunks: [], size: 0, listeners: new Set() };
      this.channels.set(service, c);
      if (!this.services.includes(service)) this.services = [...this.services, service];
    }
    return c;
  }

  /** Appends text to a service's terminal, or to every terminal for the engine's run-wide lines. */
  write(service: string, text: string): void {
    const targets = service === ALL_SERVICES ? this.services : [service];
    for (const name of targets) {
      const c = this.channel(name);
      c.chunks.push(text);
      c.size += text.length;
      while (c.size > KEEP_CHARS && c.chunks.length > 1) c.size -= c.chunks.shift()!.length;
      for (const l of c.listeners) l(text);
    }
  }

  text(service: string): string {
    return this.channel(service).chunks.join("");
  }

  follow(service: string, onText: (text: string) => void, onReset: () => void): () => void {
    const c = this.channel(service);
    c.listeners.add(onText);
    this.resetListeners.add(onReset);
    return () => {
      c.listeners.delete(onText);
      this.resetListeners.delete(onReset);
    };
  }

  /** A new run, or a re-attach that replays the run from its start. */
  reset(): void {
    for (const c of this.channels.values()) {
      c.chunks = [];
      c.size = 0;
    }
    for (const l of this.resetListeners) l();
  }
}
