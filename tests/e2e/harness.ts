// Shared by the end-to-end tests: the production server under test, the browser and page they open, and page helpers.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../../scripts/chromium";
import { expect } from "vitest";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const SHOTS = path.join(ROOT, "test-results");

function newestSourceMtime(): number {
  let newest = 0;
  const walk = (p: string) => {
    const s = statSync(p);
    if (s.isDirectory()) for (const e of readdirSync(p)) walk(path.join(p, e));
    else newest = Math.max(newest, s.mtimeMs);
  };
  for (const p of ["app", "components", "lib", "public", "next.config.js", "package.json"]) {
    if (existsSync(path.join(ROOT, p))) walk(path.join(ROOT, p));
  }
  return newest;
}

/** `next build` when there is no build, or when a page source is newer than it. */

export function buildIfNeeded(): void {
  const buildId = path.join(ROOT, ".next", "BUILD_ID");
  if (existsSync(buildId) && statSync(buildId).mtimeMs > newestSourceMtime()) return;
  execFileSync(path.join(ROOT, "node_modules", ".bin", "next"), ["build"], {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
}

export interface Server {
  child: ChildProcess;
  output: () => string;
}

export async function startServer(port: number, extraEnv: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, ["--import", "tsx", "server.mts"], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), NEXT_TELEMETRY_DISABLED: "1", ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${log}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not answer within 120 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return { child, output: () => log };
}

export async function waitForOutput(server: Server, pattern: RegExp, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!pattern.test(server.output())) {
    if (/sandbox image failed/.test(server.output())) throw new Error(`the sandbox image failed:\n${server.output()}`);
    if (Date.now() > deadline) throw new Error(`${pattern} not seen in the server's output:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function stopServer(server: Server | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null) return;
  const exited = new Promise((r) => server.child.once("exit", r));
  process.kill(server.child.pid!, "SIGTERM");
  const timer = setTimeout(() => server.child.exitCode === null && process.kill(server.child.pid!, "SIGKILL"), 20_000);
  await exited;
  clearTimeout(timer);
}

export function runContainers(runId: string): string[] {
  const out = execFileSync(
    "docker",
    [
      "ps",
      "-a",
      "-q",
      "--filter",
      "label=playground.app=go-microservices-playground",
      "--filter",
      `label=playground.run=${runId}`,
    ],
    { encoding: "utf8" },
  );
  return out.split("\n").filter(Boolean);
}

/**
 * The lesson's services among a run's containers, by name: not the helpers a run may add beside them (the fault proxy
 * of a lesson with fault links, a shell).
 */
export function runServices(runId: string): string[] {
  const out = execFileSync(
    "docker",
    [
      "ps",
      "-a",
      "--filter",
      "label=playground.app=go-microservices-playground",
      "--filter",
      `label=playground.run=${runId}`,
      "--format",
      '{{.Label "playground.service"}}',
    ],
    { encoding: "utf8" },
  );
  return out
    .split("\n")
    .filter((name) => name !== "" && name !== "faults" && name !== "shell")
    .sort();
}

export const terminalText = (page: Page, service: string) =>
  page.evaluate((s) => window.__playgroundTerminals?.[s]?.() ?? "", service);

export async function waitForTerminal(
  page: Page,
  service: string,
  pattern: RegExp,
  timeout = 120_000,
): Promise<string> {
  try {
    await page.waitForFunction(
      ([s, source, flags]) => new RegExp(source, flags).test(window.__playgroundTerminals?.[s]?.() ?? ""),
      [service, pattern.source, pattern.flags] as const,
      { timeout, polling: 200 },
    );
  } catch (err) {
    throw new Error(`${pattern} never appeared in ${service}'s terminal:\n${await terminalText(page, service)}`, {
      cause: err,
    });
  }
  return terminalText(page, service);
}

export async function replaceInEditor(page: Page, search: string, replacement: string): Promise<void> {
  // The editor is loaded after the page: on a busy machine it may not be there yet.
  await page.waitForFunction(() => window.__playgroundEditor?.editor.getModel() != null, null, { timeout: 60_000 });
  const found = await page.evaluate(
    ([s, r]) => {
      const { editor } = window.__playgroundEditor!;
      const model = editor.getModel()!;
      const match = model.findMatches(s, false, false, true, null, false)[0];
      if (!match) return false;
      editor.executeEdits("e2e", [{ range: match.range, text: r }]);
      return true;
    },
    [search, replacement] as const,
  );
  expect(found, `"${search}" in the editor`).toBe(true);
}

/** Sends a request from the request panel and returns the body it shows. */
export async function sendRequest(page: Page, service: string, method: string, requestPath: string): Promise<string> {
  await page.getByRole("combobox", { name: "Service" }).selectOption(service);
  await page.getByRole("combobox", { name: "Method" }).selectOption(method);
  await page.getByRole("textbox", { name: "Path" }).fill(requestPath);
  const answers = Number(await page.locator(".response").getAttribute("data-answers"));
  await page.getByRole("button", { name: "Send request" }).click();
  await page.waitForSelector(`.response[data-answers="${answers + 1}"]`, { timeout: 20_000 });
  expect(await page.locator(".response-request").first().textContent()).toBe(`${method} ${service}${requestPath}`);
  return (await page.getByLabel("Response body").textContent()) ?? "";
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, name) });
}

/**
 * Switches the page to English. A click that lands before React has hydrated the page is lost (the server's HTML has
 * no handlers yet), so it clicks again until the page says English is on.
 */
export async function chooseEnglish(page: Page): Promise<void> {
  const english = page.getByRole("button", { name: "English" });
  await expect
    .poll(
      async () => {
        if ((await english.getAttribute("aria-pressed")) !== "true") await english.click();
        return english.getAttribute("aria-pressed");
      },
      { timeout: 30_000, interval: 200 },
    )
    .toBe("true");
}

export interface Playground {
  server: Server;
  browser: Browser;
  page: Page;
}

/**
 * What every e2e file starts with: the production build, the server on `port` once its sandbox image is ready (a
 * changed lesson rebuilds it: no Run is timed before), Chromium, and one dark page whose errors are logged.
 */
export async function openPlayground(
  port: number,
  viewport: { width: number; height: number } = { width: 1280, height: 800 },
): Promise<Playground> {
  mkdirSync(SHOTS, { recursive: true });
  buildIfNeeded();
  const server = await startServer(port);
  await waitForOutput(server, /sandbox image \S+ ready/, 600_000);
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport, colorScheme: "dark" });
  page.on("pageerror", (err) => console.error("[page error]", err.message));
  return { server, browser, page };
}

/** Closes what openPlayground opened; with `lastShot`, first a screenshot of the page as the last test left it. */
export async function closePlayground(p: Partial<Playground>, lastShot?: string): Promise<void> {
  if (lastShot && p.page) await shot(p.page, lastShot).catch(() => {});
  await p.browser?.close();
  await stopServer(p.server);
}
