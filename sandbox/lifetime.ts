// What a run owns, given back in one place (xterm.js's `_register` / `dispose` is the model). Everything a run makes
// is registered as it is made; ending the run gives it all back, newest first, so containers go before the network
// they sit on, and the network before the firewall rules that isolate it. Work that spans several awaits asks
// `ended` after each one (or calls `check()`, whose RunEnded one catch tells from a real failure); whatever it made
// before it noticed is already registered, so nothing it made is ever left behind.

/** Gives one thing back (removes a container, clears a timer, aborts a build). May be async; must not throw. */
export type Disposer = () => unknown;

/** A registration that can be dropped early: the thing was given back by other means (a retired container). */
export interface Owned {
  release(): void;
}

/** Thrown by Lifetime.check(): the run ended while this work was under way, which is no failure of it. */
export class RunEnded extends Error {
  constructor() {
    super("the run has ended");
  }
}

export class Lifetime {
  private readonly disposers = new Set<Disposer>();
  private ending?: Promise<void>;

  /** True from the moment end() is called. */
  get ended(): boolean {
    return this.ending !== undefined;
  }

  /** Registers what gives a thing back. Once the lifetime has ended, the thing is given back at once. */
  own(dispose: Disposer): Owned {
    if (this.ended) {
      void settle(dispose);
      return { release: () => {} };
    }
    this.disposers.add(dispose);
    return { release: () => this.disposers.delete(dispose) };
  }

  /** Throws RunEnded once the lifetime has ended: for the step after an await. */
  check(): void {
    if (this.ended) throw new RunEnded();
  }

  /**
   * Gives everything back, newest first, each one awaited. `first` runs before any of it (a run's own teardown of
   * things it must stop in a particular way). Idempotent: every call returns the same promise.
   */
  end(first?: () => Promise<void>): Promise<void> {
    this.ending ??= (async () => {
      // Yield once so `ended` is true for everything that runs from here on.
      await Promise.resolve();
      await first?.().catch(() => {});
      const all = [...this.disposers].reverse();
      this.disposers.clear();
      for (const dispose of all) await settle(dispose);
    })();
    return this.ending;
  }
}

async function settle(dispose: Disposer): Promise<void> {
  try {
    await dispose();
  } catch {
    // A disposer reports its own failures (on the run's terminal); the rest are still given back.
  }
}
