// Accessibility in real Chromium: axe-core (WCAG 2 A and AA rules) finds nothing on the home page and on a lesson page
// with a run going, in the dark and the light theme. Screenshots of each state land in test-results/.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import {
  type Server,
  chooseEnglish,
  closePlayground,
  openPlayground,
  sendRequest,
  shot,
  waitForTerminal,
} from "./harness";

const PORT = Number(process.env.E2E_A11Y_PORT ?? 3901);
const BASE = `http://127.0.0.1:${PORT}`;
const LESSON = "monolith-vs-microservices";
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** Runs axe on the page as it is; prints every violation so a failure says what to fix. */
async function violations(page: Page, where: string): Promise<Violation[]> {
  // The page's CSP forbids inline scripts; the test's context bypasses it (the app's own CSP stays as it is).
  await page.addScriptTag({ content: AXE_SOURCE });
  const found = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: Violation[] }> } }
    ).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa"] } });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
  for (const v of found) {
    console.error(`[axe ${where}] ${v.id} (${v.impact}): ${v.help}`);
    for (const n of v.nodes) console.error(`    ${n.target.join(" ")}\n      ${n.failureSummary?.replace(/\n/g, " ")}`);
  }
  return found;
}

/** One line per rule broken, with how many elements break it (the details are printed above). */
const summary = (found: Violation[]) => found.map((v) => `${v.id} (${v.impact}): ${v.nodes.length}`);

async function setTheme(page: Page, theme: "dark" | "light"): Promise<void> {
  if ((await page.evaluate(() => document.documentElement.dataset.theme)) !== theme)
    await page
      .getByRole("button", { name: theme === "light" ? "Switch to the light theme" : "Switch to the dark theme" })
      .click();
  await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
}

describe("accessibility (axe-core, WCAG 2 A/AA)", () => {
  let server: Server | undefined;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    ({ server, browser } = await openPlayground(PORT));
    context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: "dark",
      bypassCSP: true,
    });
    page = await context.newPage();
    page.on("pageerror", (err) => console.error("[page error]", err.message));
  });

  afterAll(async () => {
    await page
      ?.getByRole("button", { name: "Stop", exact: true })
      .click()
      .catch(() => {});
    await closePlayground({ server, browser, page }, "a11y-last.png");
  });

  it("the home page has no violations, dark and light", async () => {
    await page.goto(`${BASE}/`);
    await chooseEnglish(page);
    for (const theme of ["dark", "light"] as const) {
      await setTheme(page, theme);
      await shot(page, `a11y-home-${theme}.png`);
      expect(summary(await violations(page, `home ${theme}`))).toEqual([]);
    }
  });

  it("a lesson page with a run going has no violations, dark and light", async () => {
    await page.goto(`${BASE}/lessons/${LESSON}`);
    await chooseEnglish(page);
    await setTheme(page, "dark");
    await page.waitForSelector(".monaco-editor .view-lines .view-line");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await waitForTerminal(page, "user-service", /● running/);
    await waitForTerminal(page, "monolith", /● running/);
    expect(await sendRequest(page, "monolith", "GET", "/users")).toContain('"service": "monolith"');
    for (const theme of ["dark", "light"] as const) {
      await setTheme(page, theme);
      await page.waitForSelector(".monaco-editor .view-lines .view-line");
      await shot(page, `a11y-lesson-${theme}.png`);
      expect(summary(await violations(page, `lesson ${theme}`))).toEqual([]);
    }
  });
});
