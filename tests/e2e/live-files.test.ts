// Live files in real Chromium against the production server and the real Docker Engine: lesson 16.5 runs, the
// learner edits config.yaml, presses Ctrl+S, and the running config-service reloads it without a restart.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browser, type Page } from "playwright-core";
import {
  type Server,
  replaceInEditor,
  runContainers,
  waitForTerminal,
  sendRequest,
  shot,
  chooseEnglish,
  openPlayground,
  closePlayground,
} from "./harness";

const PORT = Number(process.env.E2E_LIVE_PORT ?? 3601);
const BASE = `http://127.0.0.1:${PORT}`;
const LESSON = "configuration";
const SERVICE = "config-service";
const CONFIG = "services/config-service/config.yaml";
const ORIGINAL_GREETING = 'greeting: "你好！Hello from config-service"';
const NEW_GREETING = "Hello from a live edit";

// --- the server under test ---

// --- page helpers ---

async function openFile(page: Page, file: string): Promise<void> {
  await page.locator(`.file-tab[data-path="${file}"]`).click();
  await page.waitForFunction((f) => window.__playgroundEditor?.editor.getModel()?.uri.path.endsWith(`/${f}`), file);
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
    ({ server, browser, page } = await openPlayground(PORT));
  });

  afterAll(() => closePlayground({ server, browser, page }));

  it("runs the configuration lesson", async () => {
    await page.goto(`${BASE}/lessons/${LESSON}`);
    await chooseEnglish(page);
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
