// Opt-in figures of the server's event-loop delay (PLAYGROUND_EVENT_LOOP_STATS=1), on a loopback-only debug route.
import type { IncomingMessage, ServerResponse } from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";

export const EVENT_LOOP_STATS_PATH = "/__playground/event-loop";
/** The monitor's timer: each sample is the time between two of its ticks, so it includes these 10 ms. */
const RESOLUTION_MS = 10;

export interface EventLoopStats {
  /** Longest delay since the last reset, ms (an upper bound: it includes the monitor's resolution). */
  maxMs: number;
  p99Ms: number;
  meanMs: number;
  samples: number;
  resolutionMs: number;
  /** How long this window has lasted. */
  windowMs: number;
}

function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (/^(::ffff:)?127\./.test(address) || address === "::1");
}

export type EventLoopStatsRoute = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * Undefined unless the environment turns it on; then a request handler that answers GET EVENT_LOOP_STATS_PATH (from
 * loopback only; `?reset` starts a new window after answering) and returns false for every other request.
 */
export function eventLoopStatsRoute(env: NodeJS.ProcessEnv = process.env): EventLoopStatsRoute | undefined {
  if (env.PLAYGROUND_EVENT_LOOP_STATS !== "1") return undefined;
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  let since = Date.now();
  const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== EVENT_LOOP_STATS_PATH) return false;
    if (!isLoopback(req.socket.remoteAddress)) {
      res.writeHead(404).end();
      return true;
    }
    const empty = histogram.count === 0;
    const stats: EventLoopStats = {
      maxMs: empty ? 0 : ms(histogram.max),
      p99Ms: empty ? 0 : ms(histogram.percentile(99)),
      meanMs: empty ? 0 : ms(histogram.mean),
      samples: histogram.count,
      resolutionMs: RESOLUTION_MS,
      windowMs: Date.now() - since,
    };
    if (url.searchParams.has("reset")) {
      histogram.reset();
      since = Date.now();
    }
    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(JSON.stringify(stats));
    return true;
  };
}
