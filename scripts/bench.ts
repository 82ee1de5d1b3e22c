// `npm run bench`: medians over repeated runs of the core loop, next to the same work done by hand with the
// docker CLI (the floor). A benchmark, not a test: it prints figures; the last line is JSON.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { launchChromium } from "./chromium";
import { editsKey } from "../lib/client/storage";
import {
  DEFAULT_LIMITS,
  ensureImage,
  packFiles,
  reapOrphans,
  startRun,
  stopAllRuns,
  type RunHandle,
} from "../sandbox/index";
import { loadLesson } from "../lib/server/lessons";
import { spanToScreen } from "./bench-spans";
import { goplsFigures } from "./bench-gopls";
import { describeMemory, shellFigures, shellJson } from "./bench-shell";

import { clusterFigures } from "./bench-cluster";
const exec = promisify(execFile);
const REPS = Number(process.env.BENCH_REPS ?? 5);
const SLUG = "monolith-vs-microservices";
const EDITED_FILE = "services/user-service/main.go";
/** Not timed: a learner reads the answer and edits before the next Run; the engine prepares meanwhile. */
const THINK_TIME_MS = 1500;
/** Learners who press Run together: the engine's limit of runs at once. */
const CLASS_SIZE = DEFAULT_LIMITS.runsTotal;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return Math.round(s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2);
}

async function until200(run: RunHandle, service: string, path: string, needle?: string): Promise<void> {
  for (;;) {
    try {
      const res = await run.request({ service, method: "GET", path, timeoutMs: 2000 });
      if (res.status === 200 && (!needle || res.body.includes(needle))) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function firstRun(): Promise<number> {
  const t0 = performance.now();
  const run = await startRun(SLUG, null, { owner: "bench-first" });
  await run.whenAllRunning();
  await Promise.all([until200(run, "monolith", "/users"), until200(run, "user-service", "/users")]);
  const ms = performance.now() - t0;
  await run.stop();
  return ms;
}

async function editLoop(files: Record<string, string>, original: string): Promise<number[]> {
  const times: number[] = [];
  let previous = await startRun(SLUG, files, { owner: "bench-edit" });
  await previous.whenAllRunning();
  for (let i = 0; i < REPS; i++) {
    await new Promise((r) => setTimeout(r, THINK_TIME_MS));
    const token = `edited-${i}-${Date.now()}`;
    const edited = { ...files, [EDITED_FILE]: files[EDITED_FILE].replace(original, token) };
    const t0 = performance.now();
    // Same owner: like the page, the new Run replaces the previous one.
    const run = await startRun(SLUG, edited, { owner: "bench-edit" });
    await until200(run, "user-service", "/users", token);
    times.push(performance.now() - t0);
    previous = run;
  }
  await previous.stop();
  return times;
}

/**
 * A class at once: `learners` people press Run on lesson 16.1 at the same moment (each their own owner, so their
 * own run, network and containers). Returns, per learner, the time until both of their services answered 200.
 */
async function concurrentLearners(learners: number): Promise<number[]> {
  const t0 = performance.now();
  const runs = await Promise.all(
    Array.from({ length: learners }, (_, i) => startRun(SLUG, null, { owner: `bench-class-${i}` })),
  );
  const times = await Promise.all(
    runs.map(async (run) => {
      await run.whenAllRunning();
      await Promise.all([until200(run, "monolith", "/users"), until200(run, "user-service", "/users")]);
      return performance.now() - t0;
    }),
  );
  await Promise.all(runs.map((r) => r.stop()));
  return times;
}

// --- log lines per second into the browser's terminal ---

const BROWSER_PORT = Number(process.env.BENCH_PORT ?? 3311);
const FLOOD_LINES = 30_000;
/** As fast as the service can print: the figure is what reaches xterm.js, after flow control. */
const FLOOD_CODE = `
	go func() {
		for i := 0; i < ${FLOOD_LINES}; i++ {
			log.Printf("flood line %05d: the quick brown fox", i)
		}
		log.Print("flood done")
	}()
`;

/**
 * Runs in the page (a string: tsx would wrap a function's inner helpers in `__name`, which the page lacks). Reads
 * only the pane's written-line counter, so measuring costs the page nothing: the flood has begun once 50 lines came
 * (start-up prints about ten), and it is over when no line came for 1.5 s (the count of dropped lines is the last).
 */
const MEASURE_IN_PAGE = `new Promise((resolve, reject) => {
  const count = () => (window.__playgroundLines && window.__playgroundLines["user-service"]) || 0;
  const start = count();
  const began = performance.now();
  let base = -1, first = 0, last = 0, seen = start;
  const tick = () => {
    const n = count();
    const now = performance.now();
    if (base < 0 && n > start + 50) { base = n; first = now; last = now; seen = n; }
    else if (base >= 0 && n !== seen) { seen = n; last = now; }
    if (base >= 0 && now - last > 1500) return resolve(last > first ? ((seen - base) / (last - first)) * 1000 : 0);
    if (now - began > 180000) return reject(new Error("no flood seen"));
    setTimeout(tick, 10);
  };
  tick();
})`;

async function startServer(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "server.mts"], {
    env: { ...process.env, NODE_ENV: "production", PORT: String(BROWSER_PORT), NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (let i = 0; i < 400; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${BROWSER_PORT}/`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  child.kill("SIGTERM");
  throw new Error("the server did not answer");
}

/**
 * Lines per second written into the user-service terminal of a headless Chromium while the service prints
 * FLOOD_LINES lines as fast as it can, from the first flood line on the page to the last one (or to the count of
 * dropped lines, when the page fell behind). One figure per Run of the edited lesson.
 */
async function browserLogRates(files: Record<string, string>): Promise<number[]> {
  const edited = files[EDITED_FILE].replace("func main() {\n", `func main() {\n${FLOOD_CODE}`);
  if (edited === files[EDITED_FILE]) throw new Error(`${EDITED_FILE} has no "func main() {" line`);
  const server = await startServer();
  const browser = await launchChromium();
  const rates: number[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`http://127.0.0.1:${BROWSER_PORT}/lessons/${SLUG}`);
    await page.evaluate(
      ([key, file, text]) =>
        localStorage.setItem(key, JSON.stringify({ v: 1, savedAt: Date.now(), files: { [file]: text } })),
      [editsKey(SLUG), EDITED_FILE, edited] as const,
    );
    await page.reload();
    for (let i = 0; i < REPS; i++) {
      await page.locator(".btn-run").click();
      const rate = Number(await page.evaluate(MEASURE_IN_PAGE));
      const dropped = await page
        .locator('[data-service="user-service"] [data-testid="dropped-lines"]')
        .textContent({
          timeout: 1000,
        })
        .catch(() => null);
      console.error(`log flood ${i + 1}: ${Math.round(rate)} lines/s into xterm${dropped ? `; ${dropped}` : ""}`);
      rates.push(rate);
    }
  } finally {
    await browser.close();
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
  }
  return rates;
}

/** The floor: the same unpack + build of user-service by hand, with one plain `docker run` of the image. */
async function floorBuild(tag: string, tar: Buffer): Promise<number> {
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      "docker",
      [
        "run",
        "--rm",
        "-i",
        "--user",
        "1000:1000",
        "--read-only",
        "--network",
        "none",
        "--tmpfs",
        "/tmp:exec,size=512m,uid=1000,gid=1000",
        "--tmpfs",
        "/work:exec,size=512m,uid=1000,gid=1000",
        tag,
        "sh",
        "-c",
        "mkdir -p /work/src && cd /work/src && tar -x -m && cd services/user-service && go build -o /tmp/service .",
      ],
      { stdio: ["pipe", "ignore", "inherit"] },
    );
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`docker run exited ${code}`))));
    child.stdin.end(tar);
  });
  return performance.now() - t0;
}

async function main(): Promise<void> {
  await reapOrphans();
  const tag = await ensureImage((line) => console.error(`[image] ${line}`));
  const lesson = await loadLesson(SLUG);
  const original = "张三";
  if (!lesson.files[EDITED_FILE].includes(original)) throw new Error(`${EDITED_FILE} no longer contains ${original}`);
  const tar = await packFiles(lesson.files);
  await floorBuild(tag, tar); // warm the page cache once, for all three measurements alike
  await exec("docker", ["version"]);

  const first: number[] = [];
  for (let i = 0; i < REPS; i++) first.push(await firstRun());
  console.log(`first_run_ms       ${first.map(Math.round).join(" ")}`);
  const edit = await editLoop(lesson.files, original);
  console.log(`edit_to_200_ms     ${edit.map(Math.round).join(" ")}`);
  const floor: number[] = [];
  for (let i = 0; i < REPS; i++) floor.push(await floorBuild(tag, tar));
  console.log(`floor_build_ms     ${floor.map(Math.round).join(" ")}`);
  // As many learners as the engine admits at once (more would wait in the queue for a run to end).
  const classMedians: number[] = [];
  const classSlowest: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const times = await concurrentLearners(CLASS_SIZE);
    classMedians.push(median(times));
    classSlowest.push(Math.max(...times));
  }
  console.log(`class_of_${CLASS_SIZE}_p50_ms   ${classMedians.map(Math.round).join(" ")}`);
  console.log(`class_of_${CLASS_SIZE}_max_ms   ${classSlowest.map(Math.round).join(" ")}`);
  await stopAllRuns();
  // Needs a production build (npm run build) and Debian's chromium; the figure is left out without them.
  let logRates: number[] = [];
  if (existsSync(path.join(process.cwd(), ".next", "BUILD_ID")) && existsSync("/usr/bin/chromium")) {
    logRates = await browserLogRates(lesson.files);
    console.log(`log_lines_per_s    ${logRates.map(Math.round).join(" ")}`);
  } else console.error("log_lines_per_s_to_browser: skipped (no `npm run build` or no /usr/bin/chromium)");
  const result = {
    reps: REPS,
    first_run_ms: median(first),
    edit_to_200_ms: median(edit),
    floor_build_ms: median(floor),
    edit_to_floor_ratio: Math.round((median(edit) / median(floor)) * 100) / 100,
    concurrent_learners: CLASS_SIZE,
    concurrent_first_run_p50_ms: median(classMedians),
    concurrent_first_run_max_ms: median(classSlowest),
    ...(logRates.length ? { log_lines_per_s_to_browser: median(logRates) } : {}),
  };
  const gopls = await goplsFigures(REPS);
  console.log(`gopls_ready_ms     ${gopls.readySamples.map(Math.round).join(" ")}`);
  console.log(`gopls_completion_ms p50 ${gopls.completion_p50_ms} p95 ${gopls.completion_p95_ms}`);
  console.log(`gopls_memory_mib   ${gopls.memory_mib} (room for ${gopls.per_machine_by_memory} in free memory)`);
  console.log(
    JSON.stringify({
      ...result,
      gopls_ready_ms: gopls.ready_ms,
      gopls_completion_p95_ms: gopls.completion_p95_ms,
      gopls_memory_mib: gopls.memory_mib,
      gopls_per_machine_by_memory: gopls.per_machine_by_memory,
      ...(await spanFigures()),
      ...(await shellBenchFigures()),
      ...(await clusterFigures()),
    }),
  );
}

/** span_to_screen_ms p50/p95 (scripts/bench-spans.ts); it needs the production build that `npm run build` makes. */
async function spanFigures(): Promise<Record<string, number>> {
  if (!existsSync(".next/BUILD_ID")) {
    console.log("span_to_screen_ms  skipped: no production build (run `npm run build` first)");
    return {};
  }
  const spans = await spanToScreen(REPS);
  console.log(`span_to_screen_ms  ${spans.samples.map(Math.round).join(" ")}`);
  return { span_to_screen_ms_p50: spans.p50, span_to_screen_ms_p95: spans.p95 };
}

/** Shell echo p50/p95 and a shell's memory (scripts/bench-shell.ts); it too needs the production build. */
async function shellBenchFigures(): Promise<Record<string, number>> {
  if (!existsSync(".next/BUILD_ID")) {
    console.log("shell_echo_ms      skipped: no production build (run `npm run build` first)");
    return {};
  }
  const f = await shellFigures();
  console.log(`shell_echo_ms      p50 ${f.echo_p50_ms} p95 ${f.echo_p95_ms} (${f.samples.length} keystrokes)`);
  console.log(`shell_memory_mib   ${describeMemory(f)}`);
  return shellJson(f);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
