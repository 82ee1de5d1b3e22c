// What the benchmarks that need the real page or socket share: the production server started on a port of their own
// (ready once its sandbox image is), and the nearest-rank percentile they report.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");

/** Nearest-rank percentile, rounded to `decimals`. */
export function percentile(xs: number[], p: number, decimals = 0): number {
  const s = [...xs].sort((a, b) => a - b);
  const scale = 10 ** decimals;
  return Math.round(s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)] * scale) / scale;
}

/** `server.mts` in production mode on `port` (after `next build`), once the sandbox image is there. */
export async function startBenchServer(port: number): Promise<{ child: ChildProcess; log: () => string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "server.mts"], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const deadline = Date.now() + 600_000;
  // Ready once the page answers and the sandbox image is there (the server builds it if it is missing).
  while (!/sandbox image \S+ ready/.test(log)) {
    if (child.exitCode !== null || /sandbox image failed/.test(log)) throw new Error(`server failed:\n${log}`);
    if (Date.now() > deadline) throw new Error(`server not ready within 600 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return { child, log: () => log };
}
