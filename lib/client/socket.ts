// The browser's one socket.io connection, identified by a per-tab client id so a reload finds its run again.
import { useSyncExternalStore } from "react";
import { io, type Socket } from "socket.io-client";
import { tabClientId } from "./storage";
import {
  IMAGE_PROGRESS_BACKLOG,
  isProtocolError,
  type CallEvent,
  type ClientToServerEvents,
  type PlaygroundStatus,
  type ProtocolError,
  type ServerToClientEvents,
} from "../shared/socket-protocol";

export type PlaygroundSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What every page shows about the server: the connection, the engine, the sandbox image. */
export interface ServerState {
  /** null until the first connection attempt ends. */
  connected: boolean | null;
  status: PlaygroundStatus | null;
  imageLines: string[];
}

const INITIAL: ServerState = { connected: null, status: null, imageLines: [] };
let state = INITIAL;
const listeners = new Set<() => void>();
let socket: PlaygroundSocket | undefined;

function update(patch: Partial<ServerState>): void {
  state = { ...state, ...patch };
  for (const l of listeners) l();
}

function randomId(): string {
  // getRandomValues works on plain-http LAN addresses too, where crypto.randomUUID does not exist.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function getSocket(): PlaygroundSocket {
  if (socket) return socket;
  const s: PlaygroundSocket = io({ auth: { clientId: tabClientId(sessionStorage, randomId) } });
  s.on("connect", () => update({ connected: true, imageLines: [] }));
  s.on("disconnect", () => update({ connected: false }));
  s.on("connect_error", () => update({ connected: false }));
  s.on("status", (status) =>
    update({ status, imageLines: status.image.state === "preparing" ? state.imageLines : [] }),
  );
  s.on("image:progress", (lines) =>
    update({ imageLines: [...state.imageLines, ...lines].slice(-IMAGE_PROGRESS_BACKLOG) }),
  );
  socket = s;
  return s;
}

export function useServerState(): ServerState {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => state,
    () => INITIAL,
  );
}

export type { CallEvent };

/** What an event's ack carries when it is not an error. */
export type CallAnswer<E extends CallEvent> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0] extends infer A
  ? Exclude<A, { error: ProtocolError }>
  : never;

export class CallError extends Error {
  constructor(readonly error: ProtocolError) {
    super(error.message);
  }
}

/** Emits an event and waits for its ack; an `{ error }` answer or a timeout rejects with a CallError. */
export async function call<E extends CallEvent>(
  event: E,
  payload: Parameters<ClientToServerEvents[E]>[0],
  timeoutMs: number,
): Promise<CallAnswer<E>> {
  const s = getSocket();
  let answer: unknown;
  try {
    // socket.io's typed emitWithAck cannot see through a generic event name.
    answer = await (s.timeout(timeoutMs) as unknown as Socket).emitWithAck(event, payload);
  } catch {
    throw new CallError({
      code: "INTERNAL",
      message: s.connected ? "The server did not answer in time." : "Not connected to the server.",
      hint: "Check that the playground server is running, then try again.",
    });
  }
  if (isProtocolError(answer)) throw new CallError(answer.error);
  return answer as CallAnswer<E>;
}
