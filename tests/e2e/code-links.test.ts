// From output to code in real Chromium: a compiler message's file:line in a service's terminal is a link, and a
// click puts the editor's cursor on that line of that file. Screenshots land in test-results/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import {
  type Playground,
  chooseEnglish,
  closePlayground,
  openPlayground,
  replaceInEditor,
  shot,
  waitForTerminal,
} from "./harness";

const PORT = Number(process.env.E2E_CODE_LINKS_PORT ?? 3961);
const BASE = `http://127.0.0.1:${PORT}`;
const LESSON = "monolith-vs-microservices";

/** The middle of the first text `needle` in a service's terminal, as the DOM renderer lays it out. */
async function centreOf(page: Page, service: string, needle: string): Promise<{ x: number; y: number }> {
  const box = await page.evaluate(
    ([s, n]) => {
      for (const row of document.querySelectorAll(`[data-service="${s}"] .xterm-rows > div`)) {
        const text = row.textContent ?? "";
        const at = text.indexOf(n);
        if (at < 0) continue;
        const walker = document.createTreeWalker(row, NodeFilter.SHOW_TEXT);
        const range = document.createRange();
        let seen = 0;
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const length = node.textContent?.length ?? 0;
          if (seen + length > at) {
            range.setStart(node, at - seen);
            range.setEnd(node, Math.min(length, at - seen + n.length));
            const r = range.getBoundingClientRect();
            return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
          }
          seen += length;
        }
      }
      return null;
    },
    [service, needle] as const,
  );
  if (!box) throw new Error(`${needle} is not in ${service}'s terminal`);
  return box;
}

describe("links from the output to the code", () => {
  let p: Partial<Playground> = {};

  beforeAll(async () => {
    p = await openPlayground(PORT);
  });

  afterAll(async () => {
    await p.page
      ?.getByRole("button", { name: "Stop", exact: true })
      .click()
      .catch(() => {});
    await closePlayground(p, "code-links-last.png");
  });

  it("a compiler message's file:line opens that line in the editor", async () => {
    const page = p.page!;
    await page.goto(`${BASE}/lessons/${LESSON}`);
    await chooseEnglish(page);
    await page.waitForSelector(".monaco-editor .view-lines .view-line");
    await page.locator('.file-tab[data-path="services/user-service/main.go"]').click();
    // Declared above the imports: the compiler says so, on the line of the declaration.
    await replaceInEditor(page, "package main", "package main\n\nvar broken = undefinedThing()");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.locator(".terminal-tab", { hasText: "user-service" }).click();
    const text = await waitForTerminal(page, "user-service", /\.\/main\.go:\d+:\d+: /);
    const line = Number(/\.\/main\.go:(\d+):\d+: /.exec(text)?.[1]);
    expect(line).toBeGreaterThan(1);
    // Another file in front first: the link must bring its own.
    await page.locator('.file-tab[data-path="services/monolith/main.go"]').click();
    const at = await centreOf(page, "user-service", "main.go:");
    await page.mouse.move(at.x, at.y);
    await page.mouse.click(at.x, at.y);
    await expect
      .poll(() =>
        page.evaluate(() => {
          const editor = window.__playgroundEditor?.editor;
          return `${editor?.getModel()?.uri.path} ${editor?.getPosition()?.lineNumber}`;
        }),
      )
      .toBe(`/${LESSON}/services/user-service/main.go ${line}`);
    await shot(page, "16-code-link.png");
  });
});
