// Socket events per client and per socket: token buckets by event weight, and a cap on calls still waiting for an answer.
import type { ClientToServerEvents, ProtocolError } from "../shared/socket-protocol";

export type EventWeight = "run" | "call" | "keys" | "ack" | "lsp";

/**
 * Heavy events start or stop containers ("run") or make the server call into a run ("call": each may carry 1 MiB and
 * last up to 30 s); "keys" is typing into a shell (a message per keystroke, a paste in a few) or into the editor (a
 * change for gopls per keystroke); "ack" is the terminals' flow control, sent once per batch of output, cheap but
 * frequent; "lsp" is the editor asking gopls (a completion as a word starts, a hover as the mouse rests, signature
 * help after "(" and ","), answered in milliseconds and bounded again per learner by gopls-session.ts.
 */
export const EVENT_WEIGHTS: Record<keyof ClientToServerEvents, EventWeight> = {
  "run:attach": "run",
  "run:start": "run",
  "run:stop": "run",
  "run:service": "run",
  "run:request": "call",
  "run:update-files": "call",
  // A fault is a few calls to the run's proxy: as cheap as a request, and as bounded.
  "run:faults": "call",
  "run:fault": "call",
  "grpc:describe": "call",
  "grpc:call": "call",
  "run:ack": "ack",
  "shell:open": "call",
  "shell:input": "keys",
  "shell:resize": "keys",
  "shell:ack": "ack",
  "gopls:open": "run",
  "gopls:change": "keys",
  "gopls:request": "lsp",
  "gopls:source": "lsp",
};

export interface Budget {
  /** Events that may come at once. */
  burst: number;
  /** Sustained events per second. */
  perSecond: number;
}

/**
 * Per socket (one tab). A learner clicks Run or Send a few times a minute; the bursts leave room for quick
 * double-clicks and a test's fast sequence. Acks: one per output batch (every 25 ms at most per run, sooner only for
 * 64 KiB batches), so 200/s is far above what a tab sends; a dropped ack would stall that tab's own output.
 */
export const SOCKET_BUDGETS: Record<EventWeight, Budget> = {
  run: { burst: 10, perSecond: 1 },
  call: { burst: 20, perSecond: 5 },
  keys: { burst: 200, perSecond: 60 },
  ack: { burst: 400, perSecond: 200 },
  lsp: { burst: 40, perSecond: 20 },
};

/** Per client id (all tabs of one browser session): twice a tab's, so a second tab is not starved by the first. */
export const CLIENT_BUDGETS: Record<EventWeight, Budget> = {
  run: { burst: 20, perSecond: 2 },
  call: { burst: 40, perSecond: 10 },
  keys: { burst: 400, perSecond: 120 },
  ack: { burst: 800, perSecond: 400 },
  lsp: { burst: 80, perSecond: 40 },
};

/** Calls into a run (HTTP, gRPC, live files) one client may have waiting at once: each holds a connection and memory. */
export const MAX_CALLS_IN_FLIGHT = 4;

/** Buckets idle long enough to be full again are forgotten past this many (they equal fresh ones). */
const SWEEP_ABOVE = 1_000;

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly budget: Budget,
    now: number,
  ) {
    this.tokens = budget.burst;
    this.last = now;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.budget.burst, this.tokens + ((now - this.last) / 1000) * this.budget.perSecond);
    this.last = now;
  }

  /** Milliseconds until a token is there (0: one is there now). */
  waitMs(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.budget.perSecond) * 1000);
  }

  take(now: number): void {
    this.refill(now);
    this.tokens -= 1;
  }

  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.budget.burst;
  }
}

class BucketMap {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly budgets: Record<EventWeight, Budget>) {}

  get(key: string, weight: EventWeight, now: number): TokenBucket {
    const id = `${weight}\u0000${key}`;
    let b = this.buckets.get(id);
    if (!b) {
      if (this.buckets.size >= SWEEP_ABOVE) this.sweep(now);
      b = new TokenBucket(this.budgets[weight], now);
      this.buckets.set(id, b);
    }
    return b;
  }

  forget(key: string): void {
    for (const weight of Object.keys(this.budgets)) this.buckets.delete(`${weight}\u0000${key}`);
  }

  private sweep(now: number): void {
    for (const [id, b] of this.buckets) if (b.isFull(now)) this.buckets.delete(id);
  }

  get size(): number {
    return this.buckets.size;
  }
}

export type Admission = { ok: true } | { ok: false; retryMs: number; scope: "socket" | "client" };

/** Decides per event; one instance per server. `now` is injectable so tests need no clock. */
export class EventLimiter {
  private readonly sockets: BucketMap;
  private readonly clients: BucketMap;
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly now: () => number = () => performance.now(),
    socketBudgets = SOCKET_BUDGETS,
    clientBudgets = CLIENT_BUDGETS,
    private readonly maxInFlight = MAX_CALLS_IN_FLIGHT,
  ) {
    this.sockets = new BucketMap(socketBudgets);
    this.clients = new BucketMap(clientBudgets);
  }

  /** Takes a token from the socket's and the client's bucket, or neither (a refusal costs nothing). */
  admit(clientId: string, socketId: string, event: keyof ClientToServerEvents): Admission {
    const weight = EVENT_WEIGHTS[event];
    const now = this.now();
    const socket = this.sockets.get(socketId, weight, now);
    const client = this.clients.get(clientId, weight, now);
    const socketWait = socket.waitMs(now);
    if (socketWait > 0) return { ok: false, retryMs: socketWait, scope: "socket" };
    const clientWait = client.waitMs(now);
    if (clientWait > 0) return { ok: false, retryMs: clientWait, scope: "client" };
    socket.take(now);
    client.take(now);
    return { ok: true };
  }

  /** Starts a call into a run; returns its release, or undefined when the client already has too many waiting. */
  begin(clientId: string): (() => void) | undefined {
    const n = this.inFlight.get(clientId) ?? 0;
    if (n >= this.maxInFlight) return undefined;
    this.inFlight.set(clientId, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(clientId) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(clientId);
      else this.inFlight.set(clientId, left);
    };
  }

  /** A socket closed: its buckets go (a new socket starts full anyway; the client's buckets still hold). */
  forgetSocket(socketId: string): void {
    this.sockets.forget(socketId);
  }

  /** For tests: how many buckets are kept. */
  get bucketCount(): number {
    return this.sockets.size + this.clients.size;
  }
}

/** The ack of a refused event: what happened and when to try again. */
export function rateLimited(event: string, admission: Extract<Admission, { ok: false }>): ProtocolError {
  const seconds = Math.max(1, Math.ceil(admission.retryMs / 1000));
  const who = admission.scope === "socket" ? "this tab" : "this browser's tabs";
  return {
    code: "RATE_LIMITED",
    message: `Too many ${event} messages from ${who}: this one was not carried out.`,
    hint: `Wait ${seconds} s and try again; each learner has the same small budget so the playground stays quick for all.`,
  };
}

export function tooManyInFlight(event: string): ProtocolError {
  return {
    code: "RATE_LIMITED",
    message: `${MAX_CALLS_IN_FLIGHT} calls from this browser are still waiting for an answer: ${event} was not sent.`,
    hint: "Wait for an answer (or its timeout) and send again.",
  };
}
