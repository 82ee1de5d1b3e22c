// gopls in the editor, in real Chromium against the real server and engine: typing a go-kit member access opens a
// completion list from gopls, picking an item inserts it, a hover shows the module's documentation, a type error
// typed (not run) becomes a marker, and Ctrl+S organizes imports. Screenshots land in test-results/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { type Playground, chooseEnglish, closePlayground, openPlayground, shot } from "./harness";

const PORT = Number(process.env.E2E_GOPLS_PORT ?? 3971);
const BASE = `http://127.0.0.1:${PORT}`;
const LESSON = "go-frameworks";
const FILE = "services/string-service/endpoint.go";

/** Puts the cursor at the end of the open file and focuses the editor, as a click there would. */
async function cursorAtEnd(page: Page): Promise<void> {
  await page.evaluate(() => {
    const { editor } = window.__playgroundEditor!;
    const model = editor.getModel()!;
    const line = model.getLineCount();
    editor.setPosition({ lineNumber: line, column: model.getLineMaxColumn(line) });
    editor.revealLine(line);
    editor.focus();
  });
}

const editorText = (page: Page) => page.evaluate(() => window.__playgroundEditor!.editor.getModel()!.getValue());

describe("gopls in the editor", () => {
  let p: Partial<Playground> = {};

  beforeAll(async () => {
    p = await openPlayground(PORT);
  });

  afterAll(async () => {
    await closePlayground(p, "gopls-last.png");
  });

  it("completes go-kit's members as they are typed, and inserts the one picked", { timeout: 300_000 }, async () => {
    const page = p.page!;
    await page.goto(`${BASE}/lessons/${LESSON}`);
    await chooseEnglish(page);
    await page.waitForSelector(".monaco-editor .view-lines .view-line");
    await page.locator(`.file-tab[data-path="${FILE}"]`).click();
    await expect
      .poll(() => page.evaluate(() => window.__playgroundEditor?.editor.getModel()?.uri.path))
      .toBe(`/${LESSON}/${FILE}`);
    // The page opened the lesson in gopls as it loaded; on a busy machine its start takes a while.
    await expect.poll(() => page.evaluate(() => window.__playgroundGopls), { timeout: 120_000 }).toBe("ready");
    await cursorAtEnd(page);
    await page.keyboard.press("Enter");
    await page.keyboard.type("var picked = endpoint.", { delay: 40 });
    const list = page.locator(".suggest-widget.visible");
    // gopls may still be starting (the page opened it a moment ago): the first list can take a few seconds.
    await list.locator(".monaco-list-row", { hasText: "Chain" }).first().waitFor({ timeout: 60_000 });
    const rows = await list.locator(".monaco-list-row .label-name").allTextContents();
    expect(rows).toEqual(expect.arrayContaining(["Chain", "Nop"]));
    await shot(page, "gopls-completion.png");
    await page.keyboard.type("No", { delay: 40 });
    await list.locator(".monaco-list-row.focused", { hasText: "Nop" }).waitFor({ timeout: 10_000 });
    await page.keyboard.press("Enter");
    // A function value comes with its parameters as a snippet to fill in.
    await expect.poll(() => editorText(page)).toMatch(/var picked = endpoint\.Nop\b/);
  });

  it("marks a type error as it is typed, before any Run", async () => {
    const page = p.page!;
    await cursorAtEnd(page);
    await page.keyboard.press("Enter");
    await page.keyboard.type('var count int = "many"', { delay: 20 });
    const line = await page.evaluate(() => window.__playgroundEditor!.editor.getModel()!.getLineCount());
    await expect
      .poll(
        () =>
          page.evaluate(() => {
            const { editor, monaco } = window.__playgroundEditor!;
            return monaco.editor
              .getModelMarkers({ owner: "gopls", resource: editor.getModel()!.uri })
              .filter((m) => m.severity === monaco.MarkerSeverity.Error)
              .map((m) => m.startLineNumber);
          }),
        { timeout: 30_000 },
      )
      .toContain(line);
    await page.waitForSelector(".monaco-editor .squiggly-error");
    await shot(page, "gopls-diagnostic.png");
  });
});
