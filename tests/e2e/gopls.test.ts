// gopls in the editor, in real Chromium against the real server and engine: typing a go-kit member access opens a
// completion list from gopls, picking an item inserts it, a type error typed (not run) becomes a marker, a hover shows
// the module's documentation, Ctrl+click on a go-kit name opens its source read-only in a tab of its own, Shift+F12
// lists a type's references, and F2 renames a function in every file that calls it. Screenshots land in
// test-results/.
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

/** Puts the cursor inside the first `needle` of the open file (`offset` characters in) and focuses the editor. */
async function cursorOn(page: Page, needle: string, offset: number): Promise<{ line: number; column: number }> {
  return page.evaluate(
    ([n, o]) => {
      const { editor } = window.__playgroundEditor!;
      const model = editor.getModel()!;
      const match = model.findMatches(n, false, false, true, null, false)[0];
      if (!match) throw new Error(`${n} is not in ${model.uri.path}`);
      const position = { lineNumber: match.range.startLineNumber, column: match.range.startColumn + o };
      editor.setPosition(position);
      editor.revealPositionInCenter(
        position,
        1 /* ScrollType.Immediate: the smooth scroll would move it after we measured */,
      );
      editor.focus();
      return { line: position.lineNumber, column: position.column };
    },
    [needle, offset] as const,
  );
}

/** Where on the screen a position of the open file is drawn. */
async function screenPoint(page: Page, at: { line: number; column: number }): Promise<{ x: number; y: number }> {
  return page.evaluate((p) => {
    const { editor } = window.__playgroundEditor!;
    const box = editor.getDomNode()!.getBoundingClientRect();
    const v = editor.getScrolledVisiblePosition({ lineNumber: p.line, column: p.column })!;
    return { x: box.left + v.left + 3, y: box.top + v.top + v.height / 2 };
  }, at);
}

const openTab = async (page: Page, path: string) => {
  await page.locator(`.file-tab[data-path="${path}"]`).click();
  await expect
    .poll(() => page.evaluate(() => window.__playgroundEditor?.editor.getModel()?.uri.path))
    .toBe(`/${LESSON}/${path}`);
};

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

  it("shows a go-kit type's documentation on hover", async () => {
    const page = p.page!;
    await page.keyboard.press("Escape"); // a completion list the last test may have left open
    await cursorOn(page, "endpoint.Endpoint {", "endpoint.".length + 2);
    // Monaco's keyboard hover (Ctrl+K Ctrl+I) asks the same provider as the mouse resting on the word.
    await page.keyboard.press("Control+K");
    await page.keyboard.press("Control+I");
    const hover = page.locator(".monaco-hover:not(.hidden)", { hasText: "type Endpoint func" });
    await hover.waitFor({ timeout: 30_000 });
    await expect.poll(() => hover.textContent()).toMatch(/Endpoint is the fundamental building block/);
    await shot(page, "gopls-hover.png");
    await page.keyboard.press("Escape");
  });

  it("Ctrl+click on a go-kit function opens its source read-only in a tab of its own", async () => {
    const page = p.page!;
    const transport = "services/string-service/transport.go";
    await openTab(page, transport);
    const at = await cursorOn(page, "httptransport.NewServer", "httptransport.".length + 2);
    const point = await screenPoint(page, at);
    // As a hand does it: Ctrl held, the pointer comes onto the name (Monaco underlines it), then the click.
    await page.keyboard.down("Control");
    await page.mouse.move(point.x - 6, point.y);
    await page.mouse.move(point.x, point.y);
    await page.mouse.click(point.x, point.y);
    await page.keyboard.up("Control");
    const tab = page.locator('.source-tab[aria-selected="true"]');
    await tab.waitFor({ timeout: 30_000 });
    expect(await tab.getAttribute("data-source")).toMatch(/go-kit\/kit@v0\.13\.0\/transport\/http\/server\.go$/);
    expect(await tab.textContent()).toContain("server.go · kit@v0.13.0");
    await expect
      .poll(() =>
        page.evaluate(() => {
          const { editor } = window.__playgroundEditor!;
          const line = editor.getPosition()!.lineNumber;
          return `${editor.getModel()!.uri.scheme} ${editor.getModel()!.getLineContent(line)}`;
        }),
      )
      .toMatch(/^gosrc func NewServer\(/);
    // Read-only: typing changes nothing.
    const before = await editorText(page);
    await page.keyboard.type("oops");
    expect(await editorText(page)).toBe(before);
    await shot(page, "gopls-definition.png");
    // Closing it brings the lesson file back, edits and all.
    await page.getByRole("button", { name: "Close the read-only source" }).click();
    await expect.poll(() => page.locator(".source-tab").count()).toBe(0);
    await expect
      .poll(() => page.evaluate(() => window.__playgroundEditor?.editor.getModel()?.uri.path))
      .toBe(`/${LESSON}/${transport}`);
  });

  it("Shift+F12 lists a type's references across the service's files", async () => {
    const page = p.page!;
    await openTab(page, FILE);
    await cursorOn(page, "type uppercaseRequest", 7);
    await page.keyboard.press("Shift+F12");
    const peek = page.locator(".zone-widget .peekview-widget");
    await peek.waitFor({ timeout: 30_000 });
    // The peek's list names each file with its count; transport.go decodes the request, endpoint.go declares it.
    await expect.poll(() => peek.locator(".ref-tree").textContent(), { timeout: 30_000 }).toMatch(/transport\.go/);
    expect(await peek.locator(".ref-tree").textContent()).toMatch(/endpoint\.go/);
    await shot(page, "gopls-references.png");
    await page.keyboard.press("Escape");
  });

  it("F2 renames a function in every file that uses it", async () => {
    const page = p.page!;
    await openTab(page, FILE);
    await cursorOn(page, "func makeUppercaseEndpoint", 6);
    await page.keyboard.press("F2");
    const input = page.locator(".rename-box input");
    await input.waitFor({ timeout: 30_000 });
    await input.fill("newUppercaseEndpoint");
    await shot(page, "gopls-rename.png");
    await page.keyboard.press("Enter");
    const mainText = () =>
      page.evaluate(
        (uri) =>
          window
            .__playgroundEditor!.monaco.editor.getModel(window.__playgroundEditor!.monaco.Uri.parse(uri))!
            .getValue(),
        `file:///${LESSON}/services/string-service/main.go`,
      );
    await expect.poll(mainText, { timeout: 30_000 }).toContain("newUppercaseEndpoint(svc)");
    expect(await mainText()).not.toContain("makeUppercaseEndpoint");
    expect(await editorText(page)).toContain("func newUppercaseEndpoint(");
    // The other file counts as edited, as if typed there.
    await page.locator('.file-tab[data-path="services/string-service/main.go"][data-modified="true"]').waitFor();
  });
});
