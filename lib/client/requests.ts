// The page's one way to send something to a running service (HTTP requests, gRPC reflection and calls): through the
// server, on the followed run, with one deadline per kind and one error shape.
import { call, CallError, type CallAnswer } from "./socket";
import type { ClientToServerEvents, ProtocolError } from "../shared/socket-protocol";

/** The events that reach a run's services; each names its run. */
export type RunRequestEvent = "run:request" | "grpc:describe" | "grpc:call";

/** What a panel gives: the event's payload without the run, which the page adds. */
export type RunRequestPayload<E extends RunRequestEvent> = Omit<Parameters<ClientToServerEvents[E]>[0], "runId">;

/**
 * How long the page waits for each kind. Reflection answers in milliseconds; an HTTP request or a gRPC call may use
 * its whole deadline (30 s at most) plus the server's own work.
 */
export const REQUEST_TIMEOUTS_MS: Record<RunRequestEvent, number> = {
  "run:request": 40_000,
  "grpc:describe": 15_000,
  "grpc:call": 40_000,
};

export const NO_RUN_ERROR: ProtocolError = { code: "NO_RUN", message: "Press Run first." };

/** Any failure as the learner sees it: the server's typed error, or the thrown thing worded as an internal one. */
export function asProtocolError(err: unknown): ProtocolError {
  if (err instanceof CallError) return err.error;
  const error = (err as { error?: ProtocolError } | null)?.error;
  if (error && typeof error.message === "string") return error;
  return { code: "INTERNAL", message: err instanceof Error ? err.message : String(err) };
}

/** The payload the server gets: the panel's, on the given run. */
export function onRun<E extends RunRequestEvent>(
  runId: string,
  payload: RunRequestPayload<E>,
): Parameters<ClientToServerEvents[E]>[0] {
  return { ...payload, runId } as Parameters<ClientToServerEvents[E]>[0];
}

/** Sends a request to a service of `runId`; rejects with a CallError (NO_RUN without a run). */
export async function runRequest<E extends RunRequestEvent>(
  runId: string | null,
  event: E,
  payload: RunRequestPayload<E>,
): Promise<CallAnswer<E>> {
  if (!runId) throw new CallError(NO_RUN_ERROR);
  return call(event, onRun(runId, payload), REQUEST_TIMEOUTS_MS[event]);
}
