// The one Node process: Next.js pages and socket.io on the same port, wired to the sandbox engine.
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import type { Duplex } from "node:stream";
import next from "next";
import { Server, type Socket } from "socket.io";
import type { z } from "zod";
import {
  checkEngine,
  ensureImage,
  getRun,
  reapOrphans,
  startRun,
  stopAllRuns,
  SandboxError,
  ENGINE_FIX_HINT,
  callGrpc,
  describeGrpc,
  grpcTarget,
  goplsPool,
} from "./sandbox/index.ts";
import { ProtocolFailure, RunSessions, type Follower } from "./lib/server/sessions.ts";
import { SocketShells } from "./lib/server/shells.ts";
import { watchCluster } from "./lib/server/cluster-watch.ts";
import { SocketGopls } from "./lib/server/gopls.ts";
import { eventLoopStatsRoute } from "./lib/server/event-loop.ts";
import {
  HARDENING_HEADERS,
  checkRequest,
  contentSecurityPolicy,
  hostPolicy,
  inlineScriptHashes,
  newNonce,
  scriptHash,
  type GuardVerdict,
} from "./lib/server/http-guard.ts";
import { EVENT_WEIGHTS, EventLimiter, rateLimited, tooManyInFlight } from "./lib/server/rate-limit.ts";
import { PREFS_BOOT_SCRIPT } from "./lib/shared/prefs.ts";
import { classConfig, isClassMode, startClassMode, type ClassMode, type Identity } from "./lib/server/class/index.ts";
import {
  IMAGE_PROGRESS_BACKLOG,
  MAX_MESSAGE_BYTES,
  ackPayload,
  attachPayload,
  clientIdSchema,
  describeInvalid,
  grpcCallPayload,
  grpcDescribePayload,
  goplsChangePayload,
  goplsOpenPayload,
  goplsRequestPayload,
  goplsSourcePayload,
  requestPayload,
  serviceActionPayload,
  faultActionPayload,
  faultsPayload,
  shellAckPayload,
  shellInputPayload,
  shellOpenPayload,
  shellResizePayload,
  startPayload,
  stopPayload,
  updateFilesPayload,
  type ClientToServerEvents,
  type EngineStatus,
  type ImageStatus,
  type PlaygroundStatus,
  type ProtocolError,
  type ServerToClientEvents,
  type SocketAuth,
} from "./lib/shared/socket-protocol.ts";

// Next.js would otherwise report usage to its telemetry service; this playground makes no outside calls.
process.env.NEXT_TELEMETRY_DISABLED ??= "1";
const dev = process.argv.includes("--dev");
/**
 * Solo (the default): one learner on this machine, no sign-in. Class (`--class` or PLAYGROUND_MODE=class): a teacher
 * hosts the server for a class behind a TLS proxy; learners join by invite and a signed cookie says who they are.
 */
const classMode = isClassMode(process.argv, process.env);
const classSettings = classMode ? classSettingsOrExit() : undefined;
// The pages (rendered in this process) read the mode from here, whichever way it was chosen.
if (classMode) process.env.PLAYGROUND_MODE = "class";
const port = Number(process.env.PORT ?? 3000);
// 127.0.0.1 by default: code in a sandbox must not find the app through its network's gateway.
const hostname = process.env.HOST ?? "127.0.0.1";
/** While the engine is unreachable, how often to look again (so starting dockerd later needs no restart). */
const ENGINE_RECHECK_MS = 15_000;
const IMAGE_PROGRESS_FLUSH_MS = 100;
/** Names this server answers to; anything else (a DNS-rebinding page's own name) is refused before Next sees it. */
const hosts = hostPolicy({
  port,
  listenHost: hostname,
  allowed: process.env.PLAYGROUND_ALLOWED_HOSTS,
  publicUrl: process.env.PLAYGROUND_PUBLIC_URL,
});
/**
 * The theme boot script is the one inline script of our own: allowed by its hash, not by 'unsafe-inline'. The pages
 * Next prerendered at build time (its static 404) carry inline scripts without a nonce: their hashes are added too.
 */
const INLINE_SCRIPT_HASHES = [scriptHash(PREFS_BOOT_SCRIPT), ...(dev ? [] : prerenderedScriptHashes())];

function prerenderedScriptHashes(): string[] {
  const dir = path.join(import.meta.dirname, ".next", "server", "app");
  try {
    const pages = readdirSync(dir).filter((f) => f.endsWith(".html"));
    return [...new Set(pages.flatMap((f) => inlineScriptHashes(readFileSync(path.join(dir, f), "utf8"))))];
  } catch {
    return []; // no build yet: Next will say so itself
  }
}

const log = (line: string) => console.log(`[playground] ${line}`);

/** A class server without its settings must not start half-configured: one line saying what is missing, exit 1. */
function classSettingsOrExit(): ReturnType<typeof classConfig> {
  try {
    return classConfig(process.env);
  } catch (err) {
    console.error(`[playground] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

/** What the server knows of a socket: its run owner (`clientId`) and, in class mode, who signed in. */
type SocketData = SocketAuth & { who?: Identity; sessionKey?: string };
type PlaygroundSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type PlaygroundServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

// --- engine and image status, broadcast to every page ---

let status: PlaygroundStatus = {
  engine: { state: "checking" },
  image: { state: "unknown" },
  cluster: { state: "checking" },
};
const progressBacklog: string[] = [];
let pendingProgress: string[] = [];
let progressTimer: ReturnType<typeof setTimeout> | undefined;
let imagePromise: Promise<string> | undefined;

function setStatus(patch: Partial<PlaygroundStatus>): void {
  status = { ...status, ...patch };
  io.emit("status", status);
}

function imageProgress(line: string): void {
  log(`image: ${line}`);
  progressBacklog.push(line);
  if (progressBacklog.length > IMAGE_PROGRESS_BACKLOG) progressBacklog.shift();
  pendingProgress.push(line);
  progressTimer ??= setTimeout(() => {
    progressTimer = undefined;
    io.emit("image:progress", pendingProgress);
    pendingProgress = [];
  }, IMAGE_PROGRESS_FLUSH_MS);
}

async function refreshEngine(): Promise<boolean> {
  const result = await checkEngine().catch((err: unknown): Awaited<ReturnType<typeof checkEngine>> => ({
    ok: false,
    message: `The Docker Engine could not be checked: ${String(err)}`,
    hint: ENGINE_FIX_HINT,
  }));
  const engine: EngineStatus = result.ok
    ? { state: "ok", serverVersion: result.serverVersion, apiVersion: result.apiVersion }
    : { state: "unreachable", message: result.message, hint: result.hint };
  if (JSON.stringify(engine) !== JSON.stringify(status.engine)) {
    log(result.ok ? `Docker Engine ${result.serverVersion} (API ${result.apiVersion})` : result.message);
    setStatus({ engine });
  }
  return result.ok;
}

/** Builds the sandbox image if it is missing; one build at a time, shared by everyone who waits for it. */
function prepareImage(): Promise<string> {
  if (imagePromise) return imagePromise;
  setStatus({ image: { state: "preparing" } });
  imagePromise = ensureImage(imageProgress).then(
    (tag) => {
      log(`sandbox image ${tag} ready`);
      setStatus({ image: { state: "ready", tag } });
      return tag;
    },
    (err: unknown) => {
      imagePromise = undefined;
      const e = asProtocolError(err);
      log(`sandbox image failed: ${e.message}`);
      const image: ImageStatus = { state: "failed", message: e.message, hint: e.hint };
      setStatus({ image });
      throw err;
    },
  );
  return imagePromise;
}

/** Start-up: check the engine, clean up after a previous process, then prepare the image in the background. */
async function bringUpEngine(): Promise<void> {
  if (!(await refreshEngine())) {
    setTimeout(() => void bringUpEngine(), ENGINE_RECHECK_MS).unref();
    return;
  }
  try {
    const reaped = await reapOrphans();
    if (reaped.containers + reaped.networks > 0)
      log(`removed ${reaped.containers} orphaned containers and ${reaped.networks} networks`);
  } catch (err) {
    log(`reaping orphans failed: ${String(err)}`);
  }
  prepareImage().catch(() => {});
}

// --- errors as the page shows them ---

function asProtocolError(err: unknown): ProtocolError {
  if (err instanceof ProtocolFailure) return err.error;
  if (err instanceof SandboxError) return err.toJSON();
  console.error("[playground] unexpected error", err);
  return {
    code: "INTERNAL",
    message: "Something went wrong on the server.",
    hint: "Try again; the server's console has the details.",
  };
}

const limiter = new EventLimiter();

/**
 * Registers a handler that validates its payload and always answers through the ack. Rate limits come first (a
 * refused event costs no parsing); a call into the run also holds one of the client's few in-flight places.
 */
function handle<S extends z.ZodType, R>(
  socket: PlaygroundSocket,
  event: keyof ClientToServerEvents,
  schema: S,
  work: (payload: z.infer<S>) => Promise<R>,
): void {
  const clientId = socket.data.clientId;
  (socket as unknown as Socket).on(event, async (payload: unknown, ack: unknown) => {
    if (typeof ack !== "function") return;
    const admission = limiter.admit(clientId, socket.id, event);
    if (!admission.ok) return ack({ error: rateLimited(event, admission) });
    const parsed = schema.safeParse(payload);
    if (!parsed.success) return ack({ error: describeInvalid(parsed.error) });
    const release = EVENT_WEIGHTS[event] === "call" ? limiter.begin(clientId) : () => {};
    if (!release) return ack({ error: tooManyInFlight(event) });
    try {
      ack(await work(parsed.data));
    } catch (err) {
      const error = asProtocolError(err);
      if (error.code === "ENGINE_UNREACHABLE") void refreshEngine();
      ack({ error });
    } finally {
      release();
    }
  });
}

/**
 * Registers a handler for an event without an answer (flow control, keystrokes): over its rate or malformed, it is
 * ignored, which can only slow or drop this tab's own output or input.
 */
function listen<S extends z.ZodType>(
  socket: PlaygroundSocket,
  event: keyof ClientToServerEvents,
  schema: S,
  work: (payload: z.infer<S>) => void,
): void {
  const clientId = socket.data.clientId;
  (socket as unknown as Socket).on(event, (payload: unknown) => {
    if (!limiter.admit(clientId, socket.id, event).ok) return;
    const parsed = schema.safeParse(payload);
    if (parsed.success) work(parsed.data);
  });
}

// --- who may talk to the server, and the headers of every answer ---

function refuse(res: ServerResponse, verdict: Extract<GuardVerdict, { ok: false }>): void {
  res.writeHead(verdict.status, {
    "Content-Type": "text/plain; charset=utf-8",
    "Cache-Control": "no-store",
    ...HARDENING_HEADERS,
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
  });
  res.end(`${verdict.message}\n`);
}

/** Every HTTP request, socket.io's polling included: Host and Origin on the list, then the security headers. */
function guardRequest(req: IncomingMessage, res: ServerResponse): boolean {
  const verdict = checkRequest(hosts, req.headers);
  if (!verdict.ok) {
    refuse(res, verdict);
    return false;
  }
  const nonce = newNonce();
  const csp = contentSecurityPolicy({ nonce, inlineHashes: INLINE_SCRIPT_HASHES, dev });
  for (const [name, value] of Object.entries(HARDENING_HEADERS)) res.setHeader(name, value);
  res.setHeader("Content-Security-Policy", csp);
  // Next takes the nonce for its own inline scripts from the request's CSP header (as a middleware would set it).
  req.headers["content-security-policy"] = csp;
  return true;
}

/** Websocket upgrades (socket.io, Next's dev reload): the same checks, answered on the raw socket. */
function guardUpgrade(req: IncomingMessage, socket: Duplex): boolean {
  const verdict = checkRequest(hosts, req.headers);
  if (verdict.ok) return true;
  const reason = verdict.status === 421 ? "Misdirected Request" : "Forbidden";
  socket.end(
    `HTTP/1.1 ${verdict.status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${verdict.message}\n`,
  );
  return false;
}

// --- the server ---

const app = next({ dev, hostname, port });
await app.prepare();
const handler = app.getRequestHandler();
// PLAYGROUND_EVENT_LOOP_STATS=1 only: the event loop's delay on a loopback-only debug route (hostile tests read it).
const eventLoopStats = eventLoopStatsRoute();
// Class mode's routes and gate come before Next: without the class's cookie, no page of it is served.
let classes: ClassMode | undefined;
async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (eventLoopStats?.(req, res)) return;
  if (classes && (await classes.handle(req, res))) return;
  await handler(req, res);
}
const httpServer = createServer(
  (req, res) =>
    void serve(req, res).catch((err: unknown) => {
      console.error("[playground] request failed", err);
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
      res.end("Something went wrong on the server.\n");
    }),
);

// The guard runs before any listener: socket.io (attached below) takes its requests ahead of Next's handler, and Next
// in dev adds upgrade listeners of its own later, so guarding at emit is the one place that sees everything.
const emit = httpServer.emit.bind(httpServer) as (event: string, ...args: unknown[]) => boolean;
httpServer.emit = ((event: string, ...args: unknown[]) => {
  if (event === "request" && !guardRequest(args[0] as IncomingMessage, args[1] as ServerResponse)) return true;
  if (event === "upgrade" && !guardUpgrade(args[0] as IncomingMessage, args[1] as Duplex)) return true;
  return emit(event, ...args);
}) as typeof httpServer.emit;

const io: PlaygroundServer = new Server(httpServer, {
  maxHttpBufferSize: MAX_MESSAGE_BYTES,
  // Checked at emit already; again here so socket.io never depends on the order of listeners.
  allowRequest: (req, callback) => callback(null, checkRequest(hosts, req.headers).ok),
  serveClient: false,
});

const sessions = new RunSessions(
  { startRun, getRun },
  { log, onRun: (owner, run) => classes?.hub.runStarted(owner, run) },
);

/** Rooms: every socket of one run owner, the teachers of a class, every socket of a class. */
const ownerRoom = (owner: string) => `owner:${owner}`;
const wallRoom = (classId: string) => `wall:${classId}`;
const classRoom = (classId: string) => `class:${classId}`;
const sessionRoom = (key: string) => `session:${key}`;

if (classSettings) {
  classes = await startClassMode(classSettings, {
    sendCard: (classId, card) => io.to(wallRoom(classId)).emit("class:card", card),
    stopRun: (owner) => sessions.stop(owner),
    disconnectOwner: (owner) => io.in(ownerRoom(owner)).disconnectSockets(true),
    disconnectClass: (classId) => io.in(classRoom(classId)).disconnectSockets(true),
    disconnectSession: (key) => io.in(sessionRoom(key)).disconnectSockets(true),
  });
}

io.use((socket, nextMiddleware) => {
  if (classes) {
    // Class mode: the owner of runs is who the cookie says, never an id the page picked.
    classes.identifySocket(socket.handshake.headers.cookie).then(
      (found) => {
        if (!found) return nextMiddleware(new Error("sign in to the class first"));
        socket.data.clientId = found.owner;
        socket.data.who = found.who;
        socket.data.sessionKey = found.sessionKey;
        nextMiddleware();
      },
      (err: unknown) => nextMiddleware(err instanceof Error ? err : new Error(String(err))),
    );
    return;
  }
  const clientId = clientIdSchema.safeParse((socket.handshake.auth as Partial<SocketAuth>)?.clientId);
  if (!clientId.success) return nextMiddleware(new Error("a client id is required"));
  socket.data.clientId = clientId.data;
  nextMiddleware();
});

io.on("connection", (rawSocket) => {
  const socket = rawSocket as PlaygroundSocket;
  const clientId = socket.data.clientId;
  const follower: Follower = { id: socket.id, send: (batch) => socket.emit("run:events", batch) };
  sessions.connect(clientId, follower);
  const who = socket.data.who;
  if (classes && who) {
    void socket.join([ownerRoom(clientId), classRoom(who.classId), sessionRoom(socket.data.sessionKey ?? "")]);
    if (who.role === "teacher") {
      void socket.join(wallRoom(who.classId));
      socket.emit("class:wall", classes.hub.wall(who.classId));
    }
    classes.hub.connected(who);
  }
  socket.emit("status", status);
  if (status.image.state === "preparing" && progressBacklog.length > 0)
    socket.emit("image:progress", [...progressBacklog]);

  handle(socket, "run:attach", attachPayload, async ({ lessonSlug }) => ({
    run: await sessions.attach(clientId, follower, lessonSlug),
  }));

  handle(socket, "run:start", startPayload, async ({ lessonSlug, files }) => {
    const run = await sessions.start(clientId, follower, lessonSlug, files, async () => {
      if (status.engine.state !== "ok" && !(await refreshEngine())) {
        const engine = status.engine as Extract<EngineStatus, { state: "unreachable" }>;
        throw new ProtocolFailure({ code: "ENGINE_UNREACHABLE", message: engine.message, hint: engine.hint });
      }
      // The run itself waits for the image too; this makes the wait visible as the image's own progress.
      void prepareImage().catch(() => {});
    });
    log(`client ${clientId.slice(0, 8)} started run ${run.runId} of ${lessonSlug}`);
    return { run };
  });

  handle(socket, "run:stop", stopPayload, async ({ runId }) => {
    await sessions.stop(clientId, runId);
    return { ok: true as const };
  });

  handle(socket, "run:request", requestPayload, async (payload) => {
    const label = `${payload.method} ${payload.service}${payload.path}`;
    try {
      const response = await sessions.request(clientId, payload);
      classes?.hub.requestAnswered(clientId, label, response.status);
      return { response };
    } catch (err) {
      classes?.hub.requestAnswered(clientId, label, 0);
      throw err;
    }
  });

  handle(socket, "run:service", serviceActionPayload, async (payload) => {
    await sessions.serviceAction(clientId, payload);
    log(`client ${clientId.slice(0, 8)}: ${payload.action} ${payload.service} in run ${payload.runId}`);
    return { ok: true as const };
  });

  handle(socket, "run:faults", faultsPayload, async ({ runId }) => ({ links: await sessions.faults(clientId, runId) }));

  handle(socket, "run:fault", faultActionPayload, async (payload) => {
    const links = await sessions.faultAction(clientId, payload);
    log(`client ${clientId.slice(0, 8)}: fault ${payload.action} on ${payload.link.from} → ${payload.link.to}`);
    return { links };
  });

  handle(socket, "run:update-files", updateFilesPayload, async (payload) => ({
    results: await sessions.updateFiles(clientId, payload),
  }));

  listen(socket, "run:ack", ackPayload, ({ runId, bytes }) => sessions.ack(clientId, socket.id, runId, bytes));

  // The run's shell: opened by a call; keystrokes, sizes and acks follow without answers.
  const shells = new SocketShells({
    output: (runId, data) => socket.emit("shell:output", { runId, data }),
    closed: (runId, reason, code) => socket.emit("shell:closed", { runId, reason, code }),
  });
  handle(socket, "shell:open", shellOpenPayload, async ({ runId, cols, rows }) => {
    await shells.attach(sessions.liveRun(clientId, runId), { cols, rows });
    return { ok: true as const };
  });
  listen(socket, "shell:input", shellInputPayload, ({ runId, data }) => shells.write(runId, data));
  listen(socket, "shell:resize", shellResizePayload, ({ runId, cols, rows }) => shells.resize(runId, { cols, rows }));
  listen(socket, "shell:ack", shellAckPayload, ({ runId, chars }) => shells.ack(runId, chars));

  // gopls behind the editor: the lesson's Go files opened once, edits as they are typed, questions answered.
  const gopls = new SocketGopls(goplsPool, clientId, {
    diagnostics: (lessonSlug, path, diagnostics) => socket.emit("gopls:diagnostics", { lessonSlug, path, diagnostics }),
  });
  handle(socket, "gopls:open", goplsOpenPayload, async ({ lessonSlug, files, focus }) => {
    await gopls.open(lessonSlug, files, focus);
    return { ok: true as const };
  });
  listen(socket, "gopls:change", goplsChangePayload, ({ lessonSlug, path, changes }) =>
    gopls.change(lessonSlug, path, changes),
  );
  handle(socket, "gopls:request", goplsRequestPayload, async ({ lessonSlug, method, path, position, newName }) => ({
    result: await gopls.request(lessonSlug, method, path, position, newName),
  }));
  handle(socket, "gopls:source", goplsSourcePayload, async ({ lessonSlug, path }) => gopls.source(lessonSlug, path));

  handle(socket, "grpc:describe", grpcDescribePayload, async ({ runId, service }) => {
    const run = sessions.liveRun(clientId, runId);
    return { description: await describeGrpc(grpcTarget(run.services(), service), service) };
  });

  handle(
    socket,
    "grpc:call",
    grpcCallPayload,
    async ({ runId, service, grpcService, method, requestJson, timeoutMs }) => {
      const run = sessions.liveRun(clientId, runId);
      const target = grpcTarget(run.services(), service);
      return { result: await callGrpc(target, { service: grpcService, method, requestJson, timeoutMs }, service) };
    },
  );

  socket.on("disconnect", () => {
    shells.detachAll();
    limiter.forgetSocket(socket.id);
    sessions.disconnect(clientId, socket.id);
    if (who) classes?.hub.disconnected(who);
  });
});

httpServer.listen(port, hostname, () => {
  log(`${dev ? "development" : "production"} server on http://${hostname}:${port}`);
  if (classSettings) log(`class mode: public URL ${classSettings.publicUrl.href}, data in ${classSettings.dataDir}`);
  log(`answers to ${hosts.hosts.map((h) => (h.port ? `${h.name}:${h.port}` : h.name)).join(", ")}`);
  if (
    ["0.0.0.0", "::"].includes(hostname) &&
    !process.env.PLAYGROUND_ALLOWED_HOSTS &&
    !process.env.PLAYGROUND_PUBLIC_URL
  )
    log(
      "listening on every address, but other machines' names are refused: set PLAYGROUND_ALLOWED_HOSTS or PLAYGROUND_PUBLIC_URL",
    );
  void bringUpEngine();
  watchCluster((cluster) => setStatus({ cluster }), log);
});

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  log(`${signal}: stopping runs and closing`);
  const force = setTimeout(() => process.exit(1), 15_000);
  force.unref();
  await Promise.all([
    stopAllRuns().catch((err: unknown) => log(`stopping runs failed: ${String(err)}`)),
    goplsPool.closeAll().catch((err: unknown) => log(`closing gopls failed: ${String(err)}`)),
  ]);
  io.close();
  httpServer.close();
  await app.close().catch(() => {});
  classes?.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
