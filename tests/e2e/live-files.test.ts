// Live files in real Chromium against the production server and the real Docker Engine: lesson 16.5 runs, the
// learner edits config.yaml, presses Ctrl+S, and the running config-service reloads it without a restart.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SHOTS = path.join(ROOT, "test-results");
const PORT = Number(process.env.E2E_LIVE_PORT ?? 3601);
const BASE = `http://127.0.0.1:${PORT}`;
const LESSON = "configuration";
const SERVICE = "config-service";
const CONFIG = "services/config-service/config.yaml";
const ORIGINAL_GREETING = 'greeting: "你好！Hello from config-service"';
const NEW_GREETING = "Hello from a live edit";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

// --- the server under test ---

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
function buildIfNeeded(): void {
  const buildId = path.join(ROOT, ".next", "BUILD_ID");
  if (existsSync(buildId) && statSync(buildId).mtimeMs > newestSourceMtime()) return;
  execFileSync(path.join(ROOT, "node_modules", ".bin", "next"), ["build"], {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
}

interface Server {
  child: ChildProcess;
  output: () => string;
}

async function startServer(port: number, extraEnv: Record<string, string> = {}): Promise<Server> {
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

async function waitForOutput(server: Server, pattern: RegExp, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!pattern.test(server.output())) {
    if (/sandbox image failed/.test(server.output())) throw new Error(`the sandbox image failed:\n${server.output()}`);
    if (Date.now() > deadline) throw new Error(`${pattern} not seen in the server's output:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function stopServer(server: Server | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null) return;
  const exited = new Promise((r) => server.child.once("exit", r));
  process.kill(server.child.pid!, "SIGTERM");
  const timer = setTimeout(() => server.child.exitCode === null && process.kill(server.child.pid!, "SIGKILL"), 20_000);
  await exited;
  clearTimeout(timer);
}

function runContainers(runId: string): string[] {
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

// --- page helpers ---

const terminalText = (page: Page, service: string) =>
  page.evaluate((s) => window.__playgroundTerminals?.[s]?.() ?? "", service);

async function waitForTerminal(page: Page, service: string, pattern: RegExp, timeout = 120_000): Promise<string> {
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

async function openFile(page: Page, file: string): Promise<void> {
  await page.locator(`.file-tab[data-path="${file}"]`).click();
  await page.waitForFunction((f) => window.__playgroundEditor?.editor.getModel()?.uri.path.endsWith(`/${f}`), file);
}

/** Replaces text in the open file through the editor, as typing would (undo stack, change events). */
async function replaceInEditor(page: Page, search: string, replacement: string): Promise<void> {
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

async function sendRequest(page: Page, service: string, method: string, requestPath: string): Promise<string> {
  await page.getByRole("combobox", { name: "Service" }).selectOption(service);
  await page.getByRole("combobox", { name: "Method" }).selectOption(method);
  await page.getByRole("textbox", { name: "Path" }).fill(requestPath);
  const answers = Number(await page.locator(".response").getAttribute("data-answers"));
  await page.getByRole("button", { name: "Send request" }).click();
  await page.waitForSelector(`.response[data-answers="${answers + 1}"]`, { timeout: 20_000 });
  expect(await page.locator(".response-request").first().textContent()).toBe(`${method} ${service}${requestPath}`);
  return (await page.getByLabel("Response body").textContent()) ?? "";
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, name) });
}

const saveStatus = (page: Page) => page.locator(".ws-save-status").textContent();

/** Ctrl+S with the focus in the editor, as the learner presses it. */
async function saveInEditor(page: Page): Promise<void> {
  await page.evaluate(() => window.__playgroundEditor!.editor.focus());
  await page.keyboard.press("Control+s");
}

// --- the test ---

describe("live files in Chromium", () => {
  let server: Server | undefined;
  let browser: Browser;
  let page: Page;
  let runId = "";
  let containers: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    buildIfNeeded();
    server = await startServer(PORT);
    await waitForOutput(server, /sandbox image \S+ ready/, 600_000);
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: "dark" });
    page.on("pageerror", (err) => console.error("[page error]", err.message));
  });

  afterAll(async () => {
    await browser?.close();
    await stopServer(server);
  });

  it("runs the configuration lesson", async () => {
    await page.goto(`${BASE}/lessons/${LESSON}`);
    await page.getByRole("button", { name: "English" }).click();
    await page.waitForSelector(".monaco-editor .view-lines .view-line");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    const log = await waitForTerminal(page, SERVICE, /● running/);
    runId = /run ([0-9a-f]+):/.exec(log)?.[1] ?? "";
    expect(runId).not.toBe("");
    containers = runContainers(runId);
    expect(containers.length).toBe(1);
    expect(await sendRequest(page, SERVICE, "GET", "/hello")).toContain("你好！Hello from config-service");
  });

  it("Ctrl+S in config.yaml sends it to the running service, which reloads it without a restart", async () => {
    await openFile(page, CONFIG);
    await replaceInEditor(page, ORIGINAL_GREETING, `greeting: "${NEW_GREETING}"`);
    await saveInEditor(page);
    await expect
      .poll(() => saveStatus(page), { timeout: 20_000 })
      .toContain("config.yaml sent to the running config-service");
    const log = await waitForTerminal(
      page,
      SERVICE,
      /changed features\.greeting: .* -> Hello from a live edit/,
      20_000,
    );
    expect(await page.locator(".ws-save-status").isVisible()).toBe(true);
    expect(log).toContain("config.yaml updated in the running container");
    expect(log).toMatch(/configuration reloaded/);
    expect(await sendRequest(page, SERVICE, "GET", "/hello")).toContain(NEW_GREETING);
    // The same container, built once: no new Run happened.
    expect(runContainers(runId)).toEqual(containers);
    expect(log.match(/building…/g)?.length ?? 0).toBeLessThanOrEqual(1);
    await expect.poll(() => page.locator(".stage-pill.stage-running").count()).toBe(1);
    await shot(page, "live-files-01-reloaded.png");
  });

  it("Ctrl+S in a Go file only says the edit is kept here and Run applies it", async () => {
    await openFile(page, "services/config-service/main.go");
    await saveInEditor(page);
    await expect.poll(() => saveStatus(page)).toContain("main.go is read at start-up: press Run to apply it");
    // The browser's own save dialog did not open: the page is still here and answers.
    expect(await page.locator(".ws-toolbar").isVisible()).toBe(true);
    await shot(page, "live-files-02-go-file.png");
  });
});
