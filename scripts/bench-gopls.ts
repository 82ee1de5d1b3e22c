// gopls figures for `npm run bench`: from opening a lesson to its first completion answered (a new gopls container
// each time), a warm member completion after `grpc.` (p95), and the memory one gopls holds once warm. Runs alone too:
// `node --import tsx scripts/bench-gopls.ts` prints the figures and a JSON line.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { ensureImage, GoplsPool } from "../sandbox/index";
import { loadLesson } from "../lib/server/lessons";

const exec = promisify(execFile);
const SLUG = "grpc";
const FILE = "services/server/main.go";
const WARM_COMPLETIONS = 50;

export interface GoplsFigures {
  readySamples: number[];
  completionSamples: number[];
  ready_ms: number;
  completion_p50_ms: number;
  completion_p95_ms: number;
  memory_mib: number;
  per_machine_by_memory: number;
}

/** Nearest-rank percentile. */
function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]);
}

/**
 * The first answer, asking again as the editor does when gopls was too slow to answer (it is still loading the lesson
 * on a busy machine): what a learner waits for before their first completion shows.
 */
async function firstAnswer<T>(ask: () => Promise<T>, timeoutMs = 180_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return await ask();
    } catch (err) {
      if (performance.now() > deadline || (err as { code?: string }).code !== "GOPLS_UNAVAILABLE") throw err;
    }
  }
}

/** Resident memory of the bench's gopls container, in MiB, as the engine counts it (docker stats). */
async function containerMemoryMiB(owner: string): Promise<number> {
  const { stdout: id } = await exec("docker", [
    "ps",
    "-q",
    "--filter",
    `label=playground.owner=${owner}`,
    "--filter",
    "label=playground.service=gopls",
  ]);
  const { stdout } = await exec("docker", ["stats", "--no-stream", "--format", "{{.MemUsage}}", id.trim()]);
  const [used] = stdout.trim().split(" / ");
  const value = parseFloat(used);
  if (used.endsWith("GiB")) return value * 1024;
  if (used.endsWith("KiB")) return value / 1024;
  return value;
}

async function availableMiB(): Promise<number> {
  const meminfo = await readFile("/proc/meminfo", "utf8");
  return Number(/MemAvailable:\s+(\d+) kB/.exec(meminfo)?.[1] ?? 0) / 1024;
}

export async function goplsFigures(reps: number): Promise<GoplsFigures> {
  await ensureImage((line) => console.error(`[image] ${line}`));
  const lesson = await loadLesson(SLUG);
  const files = Object.fromEntries(Object.entries(lesson.files).filter(([p]) => /(\.go|go\.mod|go\.sum)$/.test(p)));
  const lines = files[FILE].split("\n");
  const line = lines.findIndex((l) => l.includes("grpc.NewServer"));
  // Just after "grpc.": the member completion a learner gets as they type the dot.
  const position = { line, character: lines[line].indexOf("grpc.NewServer") + "grpc.".length };
  const pool = new GoplsPool();
  const listener = { diagnostics: () => {} };

  const readySamples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const owner = `bench-gopls-${i}`;
    const started = performance.now();
    const session = await pool.session(owner, SLUG);
    await session.open(files, listener);
    const list = (await firstAnswer(() => session.request("completion", FILE, position))) as { items: unknown[] };
    readySamples.push(performance.now() - started);
    if (list.items.length === 0) throw new Error("the first completion after grpc. was empty");
    await pool.close(owner);
  }

  const owner = "bench-gopls-warm";
  const session = await pool.session(owner, SLUG);
  await session.open(files, listener);
  for (let i = 0; i < 3; i++) await session.request("completion", FILE, position);
  const completionSamples: number[] = [];
  for (let i = 0; i < WARM_COMPLETIONS; i++) {
    const t = performance.now();
    await session.request("completion", FILE, position);
    completionSamples.push(performance.now() - t);
  }
  // Hover and definition too, so the memory is that of a gopls that has done what a learner does.
  await session.request("hover", FILE, position);
  await session.request("definition", FILE, { ...position, character: position.character + 2 });
  const memory = await containerMemoryMiB(owner);
  const available = await availableMiB();
  await pool.closeAll();
  return {
    readySamples,
    completionSamples,
    ready_ms: percentile(readySamples, 50),
    completion_p50_ms: percentile(completionSamples, 50),
    completion_p95_ms: percentile(completionSamples, 95),
    memory_mib: Math.round(memory),
    per_machine_by_memory: Math.floor(available / memory),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const reps = Number(process.env.BENCH_REPS ?? 5);
  goplsFigures(reps).then(
    (f) => {
      console.log(`gopls_ready_ms          ${f.readySamples.map(Math.round).join(" ")}`);
      console.log(`gopls_completion_ms     p50 ${f.completion_p50_ms} p95 ${f.completion_p95_ms}`);
      console.log(`gopls_memory_mib        ${f.memory_mib} (room for ${f.per_machine_by_memory} in free memory)`);
      console.log(
        JSON.stringify({
          gopls_ready_ms: f.ready_ms,
          gopls_completion_p95_ms: f.completion_p95_ms,
          gopls_completion_p50_ms: f.completion_p50_ms,
          gopls_memory_mib: f.memory_mib,
          gopls_per_machine_by_memory: f.per_machine_by_memory,
        }),
      );
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
