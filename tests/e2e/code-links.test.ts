// From output to code in real Chromium: a compiler message's file:line and a panic's stack line in a service's
// terminal are links, and so is the place a span was started (its code attributes) in the trace view; a click puts the
// editor's cursor on that line of that file. Screenshots land in test-results/.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import {
  ROOT,
  type Playground,
  chooseEnglish,
  closePlayground,
  openPlayground,
  replaceInEditor,
  sendRequest,
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

/** Scrolls a service's terminal up, as a learner does with the wheel, until a row shows `needle`. */
async function scrollTerminalTo(page: Page, service: string, needle: string): Promise<void> {
  const shown = () =>
    page.evaluate(
      ([s, n]) =>
        [...document.querySelectorAll(`[data-service="${s}"] .xterm-rows > div`)].some((row) =>
          (row.textContent ?? "").includes(n),
        ),
      [service, needle] as const,
    );
  for (let i = 0; i < 80 && !(await shown()); i++) {
    await page.locator(`[data-service="${service}"] .xterm-screen`).hover();
    await page.mouse.wheel(0, -40);
    await page.waitForTimeout(50);
  }
}

/** The file and line the editor shows, as "/<lesson>/<path> <line>". */
const editorPlace = (page: Page) =>
  page.evaluate(() => {
    const editor = window.__playgroundEditor?.editor;
    return `${editor?.getModel()?.uri.path} ${editor?.getPosition()?.lineNumber}`;
  });

/** The 1-based line of the first occurrence of `needle` in the editor's file. */
const editorLineOf = (page: Page, needle: string) =>
  page.evaluate((n) => {
    const model = window.__playgroundEditor!.editor.getModel()!;
    return model.findMatches(n, false, false, true, null, false)[0]?.range.startLineNumber ?? 0;
  }, needle);

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
    await expect.poll(() => editorPlace(page)).toBe(`/${LESSON}/services/user-service/main.go ${line}`);
    await shot(page, "16-code-link.png");
  });

  it("a panic's stack line opens the line that panicked", async () => {
    const page = p.page!;
    await page.goto(`${BASE}/lessons/${LESSON}`);
    await chooseEnglish(page);
    await page.waitForSelector(".monaco-editor .view-lines .view-line");
    await page.locator('.file-tab[data-path="services/user-service/main.go"]').click();
    // The edits are kept across reloads: the compiler's case above left its broken line.
    if ((await editorLineOf(page, "var broken = undefinedThing()")) > 0) {
      await replaceInEditor(page, "var broken = undefinedThing()", "");
    }
    // A handler that writes into a nil map: net/http recovers the panic and logs it with the goroutine's stack.
    await replaceInEditor(
      page,
      "func handleUsers(w http.ResponseWriter, r *http.Request) {",
      'func handleUsers(w http.ResponseWriter, r *http.Request) {\n\tvar byName map[string]User\n\tbyName["张三"] = users[0] // panics: the map was never made',
    );
    const line = await editorLineOf(page, 'byName["张三"] = users[0]');
    expect(line).toBeGreaterThan(1);
    // "Run again" when the compiler's case left a run going.
    await page.locator(".btn-run").click();
    await page.locator(".terminal-tab", { hasText: "user-service" }).click();
    await waitForTerminal(page, "user-service", /● running/, 180_000);
    // The request panel's send: the connection closes without an answer, which the panel reports as an error.
    await page.getByRole("combobox", { name: "Service" }).selectOption("user-service");
    await page.getByRole("combobox", { name: "Method" }).selectOption("GET");
    await page.getByRole("textbox", { name: "Path" }).fill("/users");
    await page.getByRole("button", { name: "Send request" }).click();
    const stackLine = `/work/src/services/user-service/main.go:${line}`;
    const text = await waitForTerminal(page, "user-service", new RegExp(`${stackLine} \\+0x`), 30_000);
    expect(text).toMatch(/http: panic serving .*assignment to entry in nil map/);
    await page.locator('.file-tab[data-path="services/monolith/main.go"]').click();
    // The rest of the stack (net/http's frames) comes after that line: it may have scrolled out of view.
    await scrollTerminalTo(page, "user-service", stackLine);
    const at = await centreOf(page, "user-service", stackLine);
    await page.mouse.move(at.x, at.y);
    await page.mouse.click(at.x, at.y);
    await expect.poll(() => editorPlace(page)).toBe(`/${LESSON}/services/user-service/main.go ${line}`);
    await shot(page, "16-code-link-panic.png");
  }, 300_000);

  it("a span's Code opens the line that started the span (16.6)", async () => {
    const page = p.page!;
    const lesson = "tracing";
    const source = readFileSync(path.join(ROOT, "lessons/07-tracing/services/backend/main.go"), "utf8").split("\n");
    const line = source.findIndex((l) => l.includes('startSpan(ctx, "inventory.lookup"')) + 1;
    expect(line).toBeGreaterThan(1);
    await page.goto(`${BASE}/lessons/${lesson}`);
    await chooseEnglish(page);
    await page.waitForSelector(".monaco-editor .view-lines .view-line");
    await page.locator(".btn-run").click();
    for (const service of ["collector", "backend", "frontend"]) {
      await waitForTerminal(page, service, /● running/, 180_000);
    }
    await page.locator('.file-tab[data-path="services/frontend/main.go"]').click();
    const body = await sendRequest(page, "frontend", "GET", "/checkout?item=book&qty=2");
    const traceId = (JSON.parse(body) as { traceId: string }).traceId;
    await page.locator(".traces-tab").click();
    const panel = page.locator('.terminal-slot[data-service="@traces"]');
    await panel.locator(`.trace-item[data-trace-id="${traceId}"][data-span-count="5"]`).waitFor({ timeout: 20_000 });
    await panel.locator(`.trace-item[data-trace-id="${traceId}"]`).click();
    await panel.locator(".wf-row", { has: page.locator('.wf-name:text-is("inventory.lookup")') }).click();
    const link = panel.locator(".wf-details .wf-code-link");
    await expect.poll(() => link.textContent()).toBe(`services/backend/main.go:${line}`);
    expect(await panel.locator(".wf-details .wf-code").textContent()).toContain("main.lookup");
    await link.click();
    await expect.poll(() => editorPlace(page)).toBe(`/${lesson}/services/backend/main.go ${line}`);
    await shot(page, "16-code-link-span.png");
  }, 420_000); // three services to build, on a machine others share
});
