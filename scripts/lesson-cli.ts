// `npm run lesson -- <slug> [--check]`: runs a lesson headlessly through the same engine as the web page.
import {
  ensureImage,
  startRun,
  stopAllRuns,
  reapOrphans,
  runChecks,
  SandboxError,
  type RunEvent,
} from "../sandbox/index";
import { listLessons, loadLesson } from "../lib/server/lessons";
import { runnableServices } from "../lib/shared/lesson-schema";

const COLOURS = [36, 35, 33, 32, 34, 91, 96, 95];

function usage(slugs: string[]): never {
  console.error(`usage: npm run lesson -- <slug> [--check]\nlessons: ${slugs.join(", ")}`);
  process.exit(2);
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const check = args.includes("--check");
  const slug = args.find((a) => !a.startsWith("--"));
  if (!slug) usage((await listLessons()).map((l) => l.slug));
  const lesson = await loadLesson(slug);
  const names = runnableServices(lesson.manifest).map((s) => s.name);
  const width = Math.max(6, ...names.map((n) => n.length));
  const colour = (name: string): number => COLOURS[Math.max(0, names.indexOf(name)) % COLOURS.length];
  const tty = process.stdout.isTTY;
  const paint = (code: number, text: string): string => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);

  await reapOrphans();
  await ensureImage((line) => console.error(paint(90, `[image] ${line}`)));
  const started = Date.now();
  const run = await startRun(slug, null, { owner: `cli-${process.pid}` });
  const print = (event: RunEvent): void => {
    if (event.type === "log") {
      const label = event.service === "*" ? "run" : event.service;
      const prefix = paint(colour(event.service), label.padEnd(width));
      for (const line of event.text.replace(/\n$/, "").split("\n")) {
        console.log(`${prefix} │ ${event.stream === "system" ? paint(90, line) : line}`);
      }
    } else if (event.type === "stage") {
      const code = event.stage === "failed" ? 31 : event.stage === "running" ? 32 : 33;
      console.log(
        `${paint(colour(event.service), event.service.padEnd(width))} │ ${paint(code, `● ${event.stage}`)}${event.detail ? ` (${event.detail})` : ""}`,
      );
    } else if (event.type === "diagnostics") {
      for (const d of event.diagnostics) console.log(paint(31, `${d.file}:${d.line}:${d.column}: ${d.message}`));
    } else if (event.type === "ended") {
      console.log(paint(90, `run ended: ${event.reason}`));
    }
  };
  run.subscribe(print);
  // Every run of this process, the prepared next one included, so nothing outlives the command.
  const stop = (): Promise<void> => stopAllRuns();
  process.once("SIGINT", () => void stop().then(() => process.exit(130)));
  process.once("SIGTERM", () => void stop().then(() => process.exit(143)));

  try {
    await run.whenAllRunning();
  } catch (err) {
    console.error(paint(31, `✗ ${(err as Error).message}`));
    await stop();
    return 1;
  }
  console.log(paint(32, `all services running in ${Date.now() - started} ms`));
  if (!check) {
    console.log("press Ctrl+C to stop");
    await new Promise(() => {});
  }
  const results = await runChecks(run, lesson.manifest.checks);
  for (const r of results) {
    console.log(`${r.ok ? paint(32, "✓") : paint(31, "✗")} ${r.name}${r.ok ? "" : `: ${r.problems.join("; ")}`}`);
  }
  await stop();
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  return failed === 0 && results.length > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof SandboxError) console.error(`${err.message}${err.hint ? `\n${err.hint}` : ""}`);
    else console.error(err);
    process.exit(1);
  },
);
