// Shell figures for `npm run bench`: how long a keystroke in a run's shell takes to come back as its echo (p50/p95),
// opened and typed into the way the page does it (socket.io `shell:open`, `shell:input`, `shell:output`, `shell:ack`)
// against the production server with lesson 16.1 running; and the memory one shell container holds, from the Docker
// Engine's stats API. Runs alone too: `node --import tsx scripts/bench-shell.ts` (needs `next build` first) prints the
// figures and a JSON line.
import { readdir, readFile } from "node:fs/promises";
import http from "node:http";
import { pathToFileURL } from "node:url";
import { percentile, startBenchServer } from "./bench-support";
import { io, type Socket } from "socket.io-client";
import type {
  ClientToServerEvents,
  ProtocolError,
  RunEventsBatch,
  ServerToClientEvents,
} from "../lib/shared/socket-protocol";

const PORT = Number(process.env.BENCH_SHELL_PORT ?? 3993);
const SLUG = "monolith-vs-microservices";
/** Keystrokes timed; half letters, half backspaces, so the line never grows. */
const KEYSTROKES = Number(process.env.BENCH_SHELL_KEYS ?? 200);
/** The whole typing part stops here, however many keystrokes it got through. */
const TYPING_BUDGET_MS = 60_000;
/** One keystroke without an echo for this long is a failure, not a sample. */
const ECHO_TIMEOUT_MS = 5_000;
/**
 * Between an echo and the next keystroke: a fast typist's pace (~30 keys a second), and under the server's keystroke
 * budget for a tab (60 a second, lib/server/rate-limit.ts) so no keystroke is refused.
 */
const KEY_GAP_MS = 30;
const PROMPT = "shell:/tmp$ ";

type BenchSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ShellFigures {
  samples: number[];
  echo_p50_ms: number;
  echo_p95_ms: number;
  /** The shell container's memory as the Docker Engine's stats count it (page cache not included). */
  memory_mib: number;
  /** The same with the page cache the container's reads left. */
  memory_with_cache_mib: number;
  /** Its containerd shim on the host, outside the container's cgroup (its proportional share); absent if not local. */
  shim_pss_mib?: number;
  /** Shells this machine's available memory holds at what one costs (container and shim), and at the container's limit. */
  per_machine_by_memory: number;
  per_machine_by_limit: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A socket event with an answer, as lib/client/socket.ts sends them; a protocol error is thrown. */
async function call<T>(socket: BenchSocket, event: string, payload: unknown): Promise<T> {
  const emit = socket.timeout(180_000).emitWithAck as (e: string, p: unknown) => Promise<T | { error: ProtocolError }>;
  const answer = await emit.call(socket, event, payload);
  if (answer && typeof answer === "object" && "error" in answer) {
    throw new Error(`${event}: ${answer.error.code} ${answer.error.message}`);
  }
  return answer as T;
}

/** GET on the Docker Engine's API, over its unix socket (or DOCKER_HOST's unix:// or tcp:// address). */
function engineGet(apiPath: string): Promise<unknown> {
  const host = process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
  const tcp = new URL(host.replace(/^tcp:/, "http:"));
  const target = host.startsWith("unix://")
    ? { socketPath: host.slice("unix://".length) }
    : { host: tcp.hostname, port: Number(tcp.port || 2375) };
  return new Promise((resolve, reject) => {
    const req = http.get({ ...target, path: apiPath, timeout: 30_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () =>
        res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`${apiPath}: ${res.statusCode} ${body}`)),
      );
    });
    req.on("timeout", () => req.destroy(new Error(`${apiPath}: no answer`)));
    req.on("error", reject);
  });
}

interface MemoryStats {
  usage?: number;
  limit?: number;
  stats?: { inactive_file?: number; total_inactive_file?: number };
}

/**
 * The shell container's memory in MiB as `docker stats` counts it: the cgroup's usage less the inactive page cache
 * (files read once, which the kernel drops first), from one sample of GET /containers/{id}/stats.
 */
async function shellMemoryMiB(runId: string): Promise<{ id: string; used: number; withCache: number; limit: number }> {
  const filters = encodeURIComponent(
    JSON.stringify({ label: [`playground.run=${runId}`, "playground.service=shell"], status: ["running"] }),
  );
  const containers = (await engineGet(`/containers/json?filters=${filters}`)) as { Id: string }[];
  if (containers.length !== 1)
    throw new Error(`expected one shell container of run ${runId}, found ${containers.length}`);
  const stats = (await engineGet(`/containers/${containers[0].Id}/stats?stream=false`)) as {
    memory_stats: MemoryStats;
  };
  const m = stats.memory_stats;
  const cache = m.stats?.inactive_file ?? m.stats?.total_inactive_file ?? 0;
  const mib = (bytes: number) => bytes / 2 ** 20;
  const usage = m.usage ?? 0;
  return { id: containers[0].Id, used: mib(usage - cache), withCache: mib(usage), limit: mib(m.limit ?? 0) };
}

/**
 * The proportional set size (PSS: shared pages split among their users) of the containerd shim that runs the
 * container: each container has one, on the host, outside its cgroup. Undefined when the engine is not on this host.
 */
async function shimPssMiB(containerId: string): Promise<number | undefined> {
  for (const pid of await readdir("/proc").catch(() => [])) {
    if (!/^\d+$/.test(pid)) continue;
    const args = (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).split("\0");
    if (!args[0]?.includes("containerd-shim") || args[args.indexOf("-id") + 1] !== containerId) continue;
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, "utf8").catch(() => "");
    const kb = /^Pss:\s+(\d+) kB/m.exec(rollup)?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  }
  return undefined;
}

async function availableMiB(): Promise<number> {
  const meminfo = await readFile("/proc/meminfo", "utf8");
  return Number(/MemAvailable:\s+(\d+) kB/.exec(meminfo)?.[1] ?? 0) / 1024;
}

/** The shell's output as it arrives, acknowledged as the page's terminal does once it has written it. */
class ShellScreen {
  text = "";
  private waiters: (() => void)[] = [];

  constructor(
    private readonly socket: BenchSocket,
    runId: string,
  ) {
    socket.on("shell:output", ({ runId: id, data }) => {
      if (id !== runId) return;
      this.text += data;
      if (this.text.length > 1 << 20) this.text = this.text.slice(-(1 << 16));
      socket.emit("shell:ack", { runId, chars: data.length });
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Resolves once the output grown past `from` satisfies `done`, or rejects after `timeoutMs`. */
  async until(from: number, done: (added: string) => boolean, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!done(this.text.slice(from))) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no echo within ${timeoutMs} ms; the shell shows:\n${this.text.slice(-500)}`);
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          wake();
        });
      });
    }
  }
}

export async function shellFigures(): Promise<ShellFigures> {
  const server = await startBenchServer(PORT);
  const socket: BenchSocket = io(`http://127.0.0.1:${PORT}`, {
    auth: { clientId: `bench-shell-${process.pid}` },
    transports: ["websocket"],
  });
  let runId: string | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    });
    // The page acknowledges the run's log output as its terminals write it; so does the bench, or the server would
    // hold the run's output back.
    const running = new Set<string>();
    socket.on("run:events", (batch: RunEventsBatch) => {
      socket.emit("run:ack", { runId: batch.runId, bytes: batch.bytes });
      for (const e of batch.events) if (e.type === "stage" && e.stage === "running") running.add(e.service);
    });
    const { run } = await call<{ run: { runId: string; services: { name: string }[] } }>(socket, "run:start", {
      lessonSlug: SLUG,
      files: null,
    });
    runId = run.runId;
    // Typing while the services are up, as a learner does; not while they build (that is a different figure).
    const deadline = Date.now() + 180_000;
    while (!run.services.every((s) => running.has(s.name))) {
      if (Date.now() > deadline) throw new Error(`the services of ${SLUG} did not all start within 180 s`);
      await sleep(200);
    }

    const screen = new ShellScreen(socket, runId);
    await call(socket, "shell:open", { runId, cols: 120, rows: 30 });
    await screen.until(0, (t) => t.includes(PROMPT), 30_000);

    const samples: number[] = [];
    const letters = "abcdefghijklmnopqrstuvwxyz";
    const typingEnds = performance.now() + TYPING_BUDGET_MS;
    // Ten keystrokes first, untimed: the first ones wake up code paths on every side.
    for (let i = -10; i < KEYSTROKES && performance.now() < typingEnds; i++) {
      await sleep(KEY_GAP_MS);
      const letter = letters[((i % 26) + 26) % 26];
      const key = i % 2 === 0 ? letter : "\x7f"; // a letter, then a backspace that takes it away
      const from = screen.text.length;
      const t0 = performance.now();
      socket.emit("shell:input", { runId, data: key });
      // A letter echoes as itself; a backspace as the sequence that erases the letter (whatever bytes the shell uses).
      await screen.until(from, (added) => (key === "\x7f" ? added.length > 0 : added.includes(key)), ECHO_TIMEOUT_MS);
      if (i >= 0) samples.push(performance.now() - t0);
    }
    if (samples.length === 0) throw new Error("no keystroke was timed");

    // The shell as it sits after the typing, measured by the engine.
    const memory = await shellMemoryMiB(runId);
    const shim = await shimPssMiB(memory.id);
    const available = await availableMiB();
    const round = (mib: number) => Math.round(mib * 10) / 10;
    return {
      samples,
      echo_p50_ms: percentile(samples, 50, 1),
      echo_p95_ms: percentile(samples, 95, 1),
      memory_mib: round(memory.used),
      memory_with_cache_mib: round(memory.withCache),
      ...(shim !== undefined ? { shim_pss_mib: round(shim) } : {}),
      per_machine_by_memory: Math.floor(available / Math.max(memory.used + (shim ?? 0), 0.1)),
      per_machine_by_limit: Math.floor(available / memory.limit),
    };
  } finally {
    if (runId) await call(socket, "run:stop", { runId }).catch(() => {});
    socket.close();
    const exited = new Promise((r) => server.child.once("exit", r));
    server.child.kill("SIGTERM");
    await exited;
  }
}

/** The human line about a shell's memory, for this script and bench.ts alike. */
export function describeMemory(f: ShellFigures): string {
  const shim = f.shim_pss_mib !== undefined ? ` + ${f.shim_pss_mib} containerd shim (PSS)` : "";
  return (
    `${f.memory_mib} in the container (${f.memory_with_cache_mib} with page cache)${shim}; room for ` +
    `${f.per_machine_by_memory} in this machine's free memory, ${f.per_machine_by_limit} if each used its limit`
  );
}

/** The figures for the JSON line. */
export function shellJson(f: ShellFigures): Record<string, number> {
  return {
    shell_echo_p50_ms: f.echo_p50_ms,
    shell_echo_p95_ms: f.echo_p95_ms,
    shell_memory_mib: f.memory_mib,
    ...(f.shim_pss_mib !== undefined ? { shell_shim_pss_mib: f.shim_pss_mib } : {}),
    shell_per_machine_by_memory: f.per_machine_by_memory,
    shell_per_machine_by_limit: f.per_machine_by_limit,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  shellFigures().then(
    (f) => {
      console.log(`shell_echo_ms           p50 ${f.echo_p50_ms} p95 ${f.echo_p95_ms} (${f.samples.length} keystrokes)`);
      console.log(`shell_memory_mib        ${describeMemory(f)}`);
      console.log(JSON.stringify(shellJson(f)));
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
