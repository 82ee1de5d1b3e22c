// The learner's checklist in real Chromium: Run lesson 16.1, send a suggested request, and find both on the
// summary lesson's "Your progress" list (and a ✓ in the sidebar), still there after a reload, in both themes.

import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browser, type Page } from "playwright-core";
import { SHOTS, type Server, chooseEnglish, openPlayground, closePlayground } from "./harness";

const PORT = Number(process.env.E2E_PROGRESS_PORT ?? 3701);
const BASE = `http://127.0.0.1:${PORT}`;
const LESSON = "monolith-vs-microservices";
const PRESET = "Monolith: users";

// --- the server under test ---

// --- page helpers ---
async function waitForTerminal(page: Page, service: string, pattern: RegExp, timeout = 180_000): Promise<void> {
  await page.waitForFunction(
    ([s, source, flags]) => new RegExp(source, flags).test(window.__playgroundTerminals?.[s]?.() ?? ""),
    [service, pattern.source, pattern.flags] as const,
    { timeout, polling: 200 },
  );
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
}

/** The summary lesson's checklist row of a lesson. */
const row = (page: Page, slug: string) => page.locator(`.progress-item[data-slug="${slug}"]`);

async function expectLessonChecked(page: Page): Promise<void> {
  const item = row(page, LESSON);
  await expect.poll(() => item.getAttribute("data-ran"), { timeout: 10_000 }).toBe("true");
  expect(await item.locator(".progress-check").textContent()).toBe("✓");
  expect((await item.locator('[data-fact="runs"]').innerText()).trim()).toBe("1 run");
  expect((await item.locator('[data-fact="requests"]').innerText()).trim()).toBe("1 / 9 suggested requests");
  expect((await item.locator('[data-fact="edited"]').innerText()).trim()).toBe("not edited");
  expect(await item.locator('[data-fact="last-run"]').innerText()).toMatch(/^last run /);
  expect(await item.locator(".progress-link").getAttribute("href")).toBe(`/lessons/${LESSON}`);
  // Not edited yet, so the hint asks for an edit.
  expect(await item.locator(".progress-next").innerText()).toMatch(/^Next: change something in the code/);
  // Lessons never run stay unchecked, with the hint to run them.
  const other = row(page, "grpc");
  expect(await other.getAttribute("data-ran")).toBeNull();
  expect(await other.locator(".progress-next").innerText()).toMatch(/^Next: open it and press Run/);
  expect((await page.getByLabel("Lessons run").innerText()).trim()).toMatch(/^1 \/ \d+$/);
  // The sidebar marks the lesson too.
  const link = page.locator(`.sidebar-link[href="/lessons/${LESSON}"]`);
  expect(await link.locator('.ran-mark[data-ran="true"]').count()).toBe(1);
  expect(await page.locator('.sidebar .ran-mark[data-ran="true"]').count()).toBe(1);
}

// --- the test ---

describe("progress checklist in Chromium", () => {
  let server: Server | undefined;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ({ server, browser, page } = await openPlayground(PORT, { width: 1280, height: 900 }));
  });

  afterAll(() => closePlayground({ server, browser, page }, "progress-last.png"));

  it("starts empty: nothing checked on the summary before any run", async () => {
    await page.goto(`${BASE}/lessons/summary`);
    await chooseEnglish(page);
    await page.locator(".progress[data-loaded]").waitFor();
    expect(await page.locator(".progress-item[data-ran]").count()).toBe(0);
    expect(await row(page, LESSON).locator(".progress-next").innerText()).toMatch(/^Next: open it and press Run/);
  });

  it("Run lesson 16.1 and send a suggested request", async () => {
    await page.goto(`${BASE}/lessons/${LESSON}`);
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await waitForTerminal(page, "monolith", /● running/);
    await waitForTerminal(page, "user-service", /● running/);
    const answers = Number(await page.locator(".response").getAttribute("data-answers"));
    // A preset sends itself once its service runs.
    await page.locator(".preset", { hasText: PRESET }).click();
    await page.waitForFunction(
      (before) => Number(document.querySelector(".response")?.getAttribute("data-answers")) > before,
      answers,
      { timeout: 20_000 },
    );
    expect(await page.getByLabel("Response status").textContent()).toContain("200");
  });

  it("the summary shows 16.1 checked with one suggested request, in the dark theme", async () => {
    await page.goto(`${BASE}/lessons/summary`);
    await expectLessonChecked(page);
    await shot(page, "progress-01-dark.png");
  });

  it("a reload keeps it; the light theme and Chinese read well too", async () => {
    await page.reload();
    await expectLessonChecked(page);
    await page.getByRole("button", { name: "Switch to the light theme" }).click();
    await shot(page, "progress-02-light.png");
    await page.getByRole("button", { name: "中文" }).click();
    await expect.poll(() => page.getByRole("heading", { name: /你的进度/ }).isVisible()).toBe(true);
    await shot(page, "progress-03-zh-light.png");
    // The lesson list beside the summary marks 16.1 as well.
    await page.getByRole("button", { name: "显示或隐藏课程列表" }).click();
    await page.locator(".sidebar").waitFor({ state: "visible" });
    await page.screenshot({ path: path.join(SHOTS, "progress-05-sidebar.png") });
  });

  it("the home page marks the lesson run", async () => {
    await page.goto(`${BASE}/`);
    const card = page.locator(`.lesson-card[href="/lessons/${LESSON}"]`);
    // The mark comes from this browser's storage, so it shows once the page has hydrated (after "load" at times).
    await expect.poll(() => card.locator('.ran-mark[data-ran="true"]').count()).toBe(1);
    expect(await page.locator('.lesson-card .ran-mark[data-ran="true"]').count()).toBe(1);
    await shot(page, "progress-04-home.png");
  });

  it("Stop ends the run", async () => {
    await page.goto(`${BASE}/lessons/${LESSON}`);
    await page.getByRole("button", { name: /^(停止|Stop)$/ }).click();
    await waitForTerminal(page, "monolith", /run stopped|运行已停止|stopped/, 30_000);
  });
});
