// Running host commands for the cluster scripts: captured output, errors that name the command, progress lines.
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { localCluster } from "../../sandbox/index";
import { paths } from "./settings";

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string | Buffer;
  /** Let the command's output through to this terminal (long builds show their progress). */
  inherit?: boolean;
}

/** Runs a command to its end; throws with its stderr when it fails. Returns stdout. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): string {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    input: opts.input,
    stdio: opts.inherit ? ["pipe", "inherit", "inherit"] : "pipe",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    const err = opts.inherit ? "" : r.stderr.toString().trim().slice(-2000);
    throw new Error(`${cmd} ${args.join(" ")} exited ${r.status ?? r.signal}${err ? `: ${err}` : ""}`);
  }
  return opts.inherit ? "" : r.stdout.toString();
}

/** Like run, but a failure is an answer (false / null), not an error: for probes and best-effort cleanup. */
export function tryRun(cmd: string, args: string[], opts: RunOptions = {}): string | null {
  try {
    return run(cmd, args, opts);
  } catch {
    return null;
  }
}

/** Runs a long command without blocking the event loop, its output through to this terminal. */
export function runAsync(cmd: string, args: string[], opts: RunOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(" ")} exited ${code ?? signal}`)),
    );
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until check returns a value (not null/false) or the time is up. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | null | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  for (;;) {
    try {
      const v = await check();
      if (v !== null && v !== false) return v;
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not ready after ${timeoutMs / 1000} s${lastError ? ` (${lastError})` : ""}`);
    await sleep(250);
  }
}

/** A progress line: on the terminal, and in the progress log the lesson page reads while the cluster starts. */
export function progress(line: string) {
  console.log(`  ${line}`);
  try {
    appendFileSync(localCluster.progressLog, `${new Date().toISOString()} ${line}\n`);
  } catch {
    // The state folder does not exist yet (before the first `up`): the terminal has the line.
  }
}

/** Starts a new progress log (each `build` or `up` is one story). */
export function resetProgress() {
  mkdirSync(path.dirname(localCluster.progressLog), { recursive: true });
  writeFileSync(localCluster.progressLog, "");
}

export const seconds = (sinceMs: number) => `${((Date.now() - sinceMs) / 1000).toFixed(1)} s`;

/** kubectl through the playground's kubeconfig; --cache-dir keeps it from writing ~/.kube. */
export function kubectlArgs(args: string[]): string[] {
  return ["--kubeconfig", paths.kubeconfig, "--cache-dir", paths.kubectlCache, ...args];
}

export function kubectl(args: string[], opts: RunOptions = {}): string {
  return run(`${paths.bin}/kubectl`, kubectlArgs(args), opts);
}
