// The learner's core loop in real Chromium against the production server and the real Docker Engine:
// read → Run → logs → request → edit → Run → compiler error as a marker → reload keeps edits → Reset → Stop.
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import {
  type Server,
  replaceInEditor,
  runContainers,
  startServer,
  stopServer,
  terminalText,
  waitForTerminal,
  sendRequest,
  shot,
  chooseEnglish,
  openPlayground,
  closePlayground,
} from "./harness";
import { launchChromium } from "../../scripts/chromium";

const PORT = Number(process.env.E2E_PORT ?? 3123);
const BASE = `http://127.0.0.1:${PORT}`;
const LESSON = "monolith-vs-microservices";
const USER_FILE = "services/user-service/main.go";
const ORIGINAL_MESSAGE = "用户微服务：独立的进程，独立的数据，独立部署";
const NEW_MESSAGE = "hello from an edited user-service";
/** The pane that interleaves every service (see lib/client/terminal-bus.ts). */
const ALL = "*all";
const FLOOD_LINES = 30_000;
/** Printed by the edited user-service: ~10,000 lines a second for ~3 s (100 lines, then 10 ms of sleep). */
const FLOOD_CODE = `
	go func() {
		for i := 0; i < ${FLOOD_LINES}; i++ {
			log.Printf("flood line %05d: the quick brown fox", i)
			if i%100 == 99 {
				time.Sleep(10 * time.Millisecond)
			}
		}
		log.Print("flood done")
	}()
`;

// --- the server under test ---

// --- page helpers ---

async function openFile(page: Page, file: string): Promise<void> {
  await page.locator(`.file-tab[data-path="${file}"]`).click();
  await page.waitForFunction((f) => window.__playgroundEditor?.editor.getModel()?.uri.path.endsWith(`/${f}`), file);
}

const modelText = (page: Page) => page.evaluate(() => window.__playgroundEditor!.editor.getModel()!.getValue());

/** The toolbar and search box of the pane on show. */
const activePane = (page: Page) => page.locator('.terminal-slot[data-active="true"]');

/** Gaps between animation frames (ms) while `during` runs: a page that stalls shows long gaps. */
async function frameGaps(page: Page, during: () => Promise<void>): Promise<number[]> {
  await page.evaluate(() => {
    const w = window as unknown as { __gaps: number[]; __gapsOn: boolean };
    w.__gaps = [];
    w.__gapsOn = true;
    let last = performance.now();
    const tick = (now: number) => {
      w.__gaps.push(now - last);
      last = now;
      if (w.__gapsOn) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await during();
  return page.evaluate(() => {
    const w = window as unknown as { __gaps: number[]; __gapsOn: boolean };
    w.__gapsOn = false;
    return w.__gaps;
  });
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

// --- the test ---

describe("core loop in Chromium", () => {
  let server: Server | undefined;
  let browser: Browser;
  let page: Page;
  let runId = "";

  beforeAll(async () => {
    ({ server, browser, page } = await openPlayground(PORT));
  });

  afterAll(() => closePlayground({ server, browser, page }));

  it("opens the lesson: Chinese first, English on a click, Monaco with Go highlighting and a running worker", async () => {
    await page.goto(`${BASE}/lessons/${LESSON}`);
    await expect.poll(() => page.getByRole("button", { name: "运行" }).count()).toBe(1);
    await expect.poll(() => page.locator(".lesson-lang.zh h1").isVisible()).toBe(true);
    expect(await page.locator(".lesson-lang.en h1").isVisible()).toBe(false);

    await chooseEnglish(page);
    await expect.poll(() => page.locator(".lesson-lang.en h1").isVisible()).toBe(true);
    expect(await page.locator(".lesson-lang.zh h1").isVisible()).toBe(false);

    await page.waitForSelector(".monaco-editor .view-lines .view-line");
    const language = await page.evaluate(() => window.__playgroundEditor!.editor.getModel()!.getLanguageId());
    expect(language).toBe("go");
    // Highlighting: keywords, strings and comments get token classes of their own.
    await expect
      .poll(() =>
        page.evaluate(
          () => new Set([...document.querySelectorAll(".view-lines span[class^='mtk']")].map((s) => s.className)).size,
        ),
      )
      .toBeGreaterThanOrEqual(3);
    // The editor worker (word completions, links) is a real module worker that answers.
    await expect.poll(() => page.workers().length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    expect(await page.workers()[0].evaluate(() => typeof self.postMessage)).toBe("function");

    // No request of the page left this machine.
    const hosts = await page.evaluate(() =>
      [...new Set(performance.getEntriesByType("resource").map((e) => new URL(e.name).host))].join(","),
    );
    expect(hosts).toBe(`127.0.0.1:${PORT}`);
    await shot(page, "01-lesson.png");
  });

  it("Run builds and starts both services; their logs stream into the terminals", async () => {
    await page.getByRole("button", { name: "Run", exact: true }).click();
    const monolith = await waitForTerminal(page, "monolith", /listening on :8080/);
    await waitForTerminal(page, "user-service", /listening on :8081/);
    await waitForTerminal(page, "user-service", /● running/);
    expect(monolith).toMatch(/◆ building…/);
    runId = /run ([0-9a-f]+):/.exec(monolith)?.[1] ?? "";
    expect(runId).not.toBe("");
    await expect.poll(() => page.locator(".stage-pill.stage-running").count()).toBe(2);
    expect(runContainers(runId).length).toBe(2);
    await shot(page, "02-running.png");
  });

  it("the request box sends GET /users through the server and shows the answer", async () => {
    const body = await sendRequest(page, "monolith", "GET", "/users");
    expect(body).toContain("张三");
    expect(body).toContain('"service": "monolith"');
    expect(await page.getByLabel("Response status").textContent()).toContain("200");
    await waitForTerminal(page, "monolith", /GET \/users -> 200/);
    await shot(page, "03-request.png");
  });

  it("the all-services pane interleaves both services' lines, each prefixed with its service", async () => {
    expect(await page.getByRole("tab", { name: "All services" }).getAttribute("aria-selected")).toBe("true");
    const all = await waitForTerminal(page, ALL, /monolith\s+│ .*GET \/users -> 200/);
    expect(all).toMatch(/^user-service │ .*listening on :8081/m);
    expect(all).toMatch(/^monolith\s+│ .*listening on :8080/m);
    expect(all).toMatch(/^run\s+│ run [0-9a-f]+:/m);
    // Every line of the pane has a prefix; lines of the two services never run into each other.
    const lines = all.split("\n").filter((l) => l.trim() !== "");
    for (const l of lines) expect(l).toMatch(/^(monolith|user-service|run)\s*│ /);
    await shot(page, "10-all-services.png");

    // The run's logs as a text file: the same interleaved lines, without colours.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: /Logs/ }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^${LESSON}-[0-9a-f]+-logs\\.txt$`));
    const file = await readFile(await download.path(), "utf8");
    expect(file).toMatch(/^monolith\s+│ .*listening on :8080/m);
    expect(file).not.toContain("\x1b[");
  });

  it("search finds a line in the pane, and pausing counts the lines that wait", async () => {
    const pane = activePane(page);
    const box = pane.getByRole("searchbox", { name: "Search logs" });
    await box.fill("listening on :8081");
    await expect.poll(() => pane.getByTestId("search-results").textContent()).toMatch(/^1\/1$/);
    // Looking at a match stops following; the selection is the match.
    expect(await pane.locator(".terminal-pane").getAttribute("data-paused")).toBe("true");
    await box.press("Enter");
    await expect.poll(() => pane.getByTestId("search-results").textContent()).toBe("1/1");
    await box.fill("no such line anywhere");
    await expect.poll(() => pane.getByTestId("search-results").textContent()).toBe("no matches");
    await box.fill("");

    // Paused, a new log line (the request below) is counted on the Follow button, not scrolled to.
    await sendRequest(page, "monolith", "GET", "/users");
    await expect.poll(() => pane.getByTestId("waiting-lines").textContent()).toMatch(/^[1-9]\d* new lines$/);
    await pane.getByRole("button", { name: /Follow/ }).click();
    expect(await pane.locator(".terminal-pane").getAttribute("data-paused")).toBeNull();
  });

  it("a request from the history reloads into the form; copy as curl gives a command that works", async () => {
    await sendRequest(page, "user-service", "GET", "/health");
    await page.getByRole("tab", { name: /History/ }).click();
    const items = page.locator(".history-item");
    await expect.poll(() => items.count()).toBeGreaterThanOrEqual(3);
    expect(await items.first().textContent()).toContain("user-service/health");
    // The older GET monolith/users goes back into the form.
    await page.locator(".history-item", { hasText: "monolith/users" }).first().click();
    expect(await page.getByRole("textbox", { name: "Path" }).inputValue()).toBe("/users");
    expect(await page.getByRole("combobox", { name: "Service" }).inputValue()).toBe("monolith");

    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: BASE });
    await page.getByRole("button", { name: "curl" }).click();
    const curl = (await page.getByTestId("curl-text").textContent()) ?? "";
    const port = (await page.locator(".terminal-tab", { hasText: "monolith" }).locator(".port").textContent())?.slice(
      1,
    );
    expect(curl).toBe(`curl -i http://127.0.0.1:${port}/users`);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(curl);
    const answer = execFileSync("sh", ["-c", curl], { encoding: "utf8" });
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(answer).toContain("张三");
    await page.locator(".request-extra summary").click();
    await shot(page, "11-request-panel.png");
    await page.locator(".request-extra summary").click();
    await page.getByRole("tab", { name: "Body" }).click();
  });

  it("an edit, then Run again (Ctrl+Enter), gives the new answer", async () => {
    await openFile(page, USER_FILE);
    await replaceInEditor(page, ORIGINAL_MESSAGE, NEW_MESSAGE);
    await expect.poll(() => page.locator(`.file-tab[data-path="${USER_FILE}"][data-modified]`).count()).toBe(1);

    await page.locator(".monaco-editor textarea").focus();
    await page.keyboard.press("Control+Enter");
    // The terminals restart with the new run.
    await page.waitForFunction(
      (old) => !(window.__playgroundTerminals?.["user-service"]?.() ?? "").includes(`run ${old}`),
      runId,
    );
    const text = await waitForTerminal(page, "user-service", /● running/);
    const newRunId = /run ([0-9a-f]+):/.exec(text)?.[1] ?? "";
    expect(newRunId).not.toBe(runId);
    // The previous run is gone: a client has one run at a time.
    await expect.poll(() => runContainers(runId).length, { timeout: 20_000 }).toBe(0);
    runId = newRunId;
    expect(await modelText(page)).not.toContain("undefinedThing");

    const body = await sendRequest(page, "user-service", "GET", "/users");
    expect(body).toContain(NEW_MESSAGE);
    await shot(page, "04-edited.png");
  });

  it("a compiler error shows as a red marker on its line and in the terminal", async () => {
    await replaceInEditor(
      page,
      `"message": "${NEW_MESSAGE}",`,
      `"message": "${NEW_MESSAGE}",\n\t\t"broken":  undefinedThing(),`,
    );
    const brokenLine = await page.evaluate(() => {
      const model = window.__playgroundEditor!.editor.getModel()!;
      return model.findMatches("undefinedThing", false, false, true, null, false)[0].range.startLineNumber;
    });
    await page.getByRole("button", { name: "Run again" }).click();
    const text = await waitForTerminal(page, "user-service", /✖ failed/);
    expect(text).toMatch(/undefined: undefinedThing/);

    const markers = await page.evaluate(() => {
      const { editor, monaco } = window.__playgroundEditor!;
      return monaco.editor
        .getModelMarkers({ resource: editor.getModel()!.uri })
        .map((m) => ({ line: m.startLineNumber, severity: m.severity, message: m.message }));
    });
    expect(markers).toContainEqual(
      expect.objectContaining({ line: brokenLine, severity: 8, message: expect.stringContaining("undefinedThing") }),
    );
    // Drawn as a red squiggle in the editor, and counted on the file's tab.
    await expect.poll(() => page.locator(".monaco-editor .squiggly-error").count()).toBeGreaterThan(0);
    expect(await page.locator(`.file-tab[data-path="${USER_FILE}"] .tab-errors`).textContent()).toBe("1");
    await shot(page, "05-compile-error.png");

    // Fixed and run again: the marker is gone, the service answers with the edit.
    await replaceInEditor(page, `\n\t\t"broken":  undefinedThing(),`, "");
    await page.getByRole("button", { name: /^Run/ }).click();
    await page.waitForFunction(() => !/✖ failed/.test(window.__playgroundTerminals?.["user-service"]?.() ?? ""));
    const fixed = await waitForTerminal(page, "user-service", /● running/);
    runId = /run ([0-9a-f]+):/.exec(fixed)?.[1] ?? "";
    await expect.poll(() => page.locator(".monaco-editor .squiggly-error").count()).toBe(0);
    expect(await page.locator(".tab-errors").count()).toBe(0);
  });

  it("a reload keeps the edits and re-attaches to the live run", async () => {
    await page.reload();
    await page.waitForSelector(".monaco-editor .view-lines .view-line");
    await expect.poll(() => page.locator(`.file-tab[data-path="${USER_FILE}"][data-modified]`).count()).toBe(1);
    await openFile(page, USER_FILE);
    expect(await modelText(page)).toContain(NEW_MESSAGE);
    // The run survived the reload (grace period) and its past output was replayed.
    const replayed = await waitForTerminal(page, "user-service", /● running/, 15_000);
    expect(replayed).toContain(`run ${runId}`);
    expect(runContainers(runId).length).toBe(2);
    expect(await page.getByRole("button", { name: "English" }).getAttribute("aria-pressed")).toBe("true");
    await shot(page, "06-reloaded.png");
  });

  it("Changes shows a file's edits beside the original, and the edited side stays editable", async () => {
    const changes = page.getByRole("button", { name: "Changes" });
    await openFile(page, "services/monolith/main.go");
    expect(await changes.isDisabled()).toBe(true);
    await openFile(page, USER_FILE);
    await changes.click();
    expect(await changes.getAttribute("aria-pressed")).toBe("true");
    const diff = page.locator(".code-diff .monaco-diff-editor");
    await diff.waitFor();
    await expect.poll(() => diff.locator(".editor.original .view-lines").textContent()).toContain(ORIGINAL_MESSAGE);
    // Monaco draws spaces as no-break spaces.
    const modifiedText = await diff.locator(".editor.modified .view-lines").textContent();
    expect(modifiedText?.replace(/\u00a0/g, " ")).toContain(NEW_MESSAGE);
    await expect.poll(() => diff.locator(".char-insert, .line-insert").count()).toBeGreaterThan(0);
    await shot(page, "06b-changes.png");

    // Typing on the edited side edits the file itself (the same model the editor and Run use).
    await diff.locator(".editor.modified .view-line", { hasText: "edited" }).click();
    await page.keyboard.press("End");
    await page.keyboard.type(" // typed in the diff");
    await expect.poll(() => modelText(page)).toContain("// typed in the diff");
    await page.keyboard.press("Control+z");
    await expect.poll(() => modelText(page)).not.toContain("// typed in the diff");

    await changes.click();
    await expect.poll(() => page.locator(".code-diff").count()).toBe(0);
    expect(await modelText(page)).toContain(NEW_MESSAGE);
  });

  it("Reset asks first, then restores the original files", async () => {
    page.once("dialog", (d) => void d.dismiss());
    await page.getByRole("button", { name: "Reset" }).click();
    expect(await modelText(page)).toContain(NEW_MESSAGE);

    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Reset" }).click();
    await expect.poll(() => modelText(page)).toContain(ORIGINAL_MESSAGE);
    expect(await page.locator(".file-tab[data-modified]").count()).toBe(0);
    await page.reload();
    await page.waitForSelector(".monaco-editor .view-lines .view-line");
    await openFile(page, USER_FILE);
    expect(await modelText(page)).toContain(ORIGINAL_MESSAGE);
  });

  it("a service printing ~10,000 lines a second leaves the page responsive, and drops are counted", async () => {
    await openFile(page, USER_FILE);
    await replaceInEditor(page, "func main() {\n", `func main() {\n${FLOOD_CODE}`);
    await page.getByRole("tab", { name: "All services" }).click();
    await page.getByRole("button", { name: /^Run/ }).click();
    await page.waitForFunction(
      (old) => !(window.__playgroundTerminals?.["user-service"]?.() ?? "").includes(`run ${old}`),
      runId,
    );
    // The run's first line names it; read it before the flood scrolls it out of the scrollback.
    const building = await waitForTerminal(page, "user-service", /◆ building…/);
    runId = /run ([0-9a-f]+):/.exec(building)?.[1] ?? "";
    expect(runContainers(runId).length).toBe(2);
    await waitForTerminal(page, "user-service", /flood line 00000/, 120_000);
    const started = Date.now();
    const lines0 = await page.evaluate(() => window.__playgroundLines?.["user-service"] ?? 0);
    // While it floods: the page keeps drawing frames and answers a click at once.
    const gaps = await frameGaps(page, async () => {
      await page.waitForTimeout(1500);
      const clickDelay = await page.evaluate(
        () =>
          new Promise<number>((resolve) => {
            const b = document.querySelector<HTMLButtonElement>(".response-tabs button")!;
            const t0 = performance.now();
            b.addEventListener("click", () => resolve(performance.now() - t0), { once: true });
            setTimeout(() => b.click(), 0);
          }),
      );
      expect(clickDelay).toBeLessThan(250);
      await page.waitForTimeout(1500);
    });
    const p95 = percentile(gaps, 95);
    console.log(`flood: ${gaps.length} frames, p95 gap ${p95.toFixed(1)} ms, max ${Math.max(...gaps).toFixed(1)} ms`);
    expect(gaps.length).toBeGreaterThan(30);
    expect(p95).toBeLessThan(250);

    // The flood ends either with its last line shown or with a notice of what was dropped.
    const pane = activePane(page);
    await expect
      .poll(
        async () =>
          /flood done/.test(await terminalText(page, "user-service")) ||
          (await pane.getByTestId("dropped-lines").count()) > 0,
        { timeout: 60_000 },
      )
      .toBe(true);
    const lines = (await page.evaluate(() => window.__playgroundLines?.["user-service"] ?? 0)) - lines0;
    const seconds = (Date.now() - started) / 1000;
    console.log(`flood: ${lines} lines written to the user-service terminal in ${seconds.toFixed(1)} s`);
    const text = await terminalText(page, "user-service");
    if ((await pane.getByTestId("dropped-lines").count()) > 0) {
      const badge = (await pane.getByTestId("dropped-lines").textContent()) ?? "";
      const n = Number(/(\d+) lines dropped/.exec(badge)?.[1]);
      expect(n).toBeGreaterThan(0);
      expect(text).toContain(`⚠ ${n} lines dropped`);
    } else {
      expect(text).toContain("flood done");
    }
    // No line was cut in half: every flood line that arrived is whole.
    for (const l of text.split("\n").filter((x) => x.includes("flood line")))
      expect(l).toMatch(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d flood line \d{5}: the quick brown fox$/);
    const all = await terminalText(page, ALL);
    expect(all).toMatch(/^user-service │ \S+ \S+ flood line \d{5}/m);
    await shot(page, "12-flood.png");
    // The service still answers while and after it floods.
    expect(await sendRequest(page, "user-service", "GET", "/users")).toContain("张三");

    // A reload re-attaches and shows the recent lines the server kept, saying how many earlier ones it did not.
    await page.reload();
    const replayed = await waitForTerminal(page, "user-service", /earlier lines of output are not kept/, 20_000);
    const notKept = Number(/… (\d+) earlier lines of output are not kept/.exec(replayed)?.[1]);
    expect(notKept).toBeGreaterThan(0);
    await waitForTerminal(page, "user-service", /GET \/users -> 200/, 20_000);
  });

  it("Stop removes the run's containers within seconds", async () => {
    // (After the flood, "● running" has scrolled out of the terminal's scrollback: the stage pills tell.)
    await expect.poll(() => page.locator(".stage-pill.stage-running").count(), { timeout: 15_000 }).toBe(2);
    expect(runContainers(runId).length).toBe(2);
    await page.getByRole("button", { name: "Stop", exact: true }).click();
    await expect.poll(() => runContainers(runId).length, { timeout: 15_000, interval: 250 }).toBe(0);
    await waitForTerminal(page, "monolith", /run stopped/, 15_000);
    await expect.poll(() => page.locator(".stage-pill.stage-running").count()).toBe(0);
    await shot(page, "07-stopped.png");
  });

  it("closing the tab stops its run after a short grace period", async () => {
    // A new context: another learner, another client id, Chinese by default.
    const tab = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await tab.goto(`${BASE}/lessons/${LESSON}`);
    await tab.getByRole("button", { name: "运行", exact: true }).click();
    // The run's own line and its running service, in one view of the pane (an empty id would match no container).
    const text = await waitForTerminal(tab, "user-service", /run [0-9a-f]{6,}:[\s\S]*● running/);
    const tabRun = /run ([0-9a-f]{6,}):/.exec(text)![1];
    await expect.poll(() => runContainers(tabRun).length, { timeout: 5_000, interval: 100 }).toBe(2);
    await tab.close();
    // Kept for a moment (a reload would re-attach), then removed.
    expect(runContainers(tabRun).length).toBe(2);
    await expect.poll(() => runContainers(tabRun).length, { timeout: 20_000, interval: 250 }).toBe(0);
  });

  it("a token in a login answer goes into the headers with one click (16.7 JWT)", async () => {
    const tab = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: "dark" });
    await tab.goto(`${BASE}/lessons/jwt-auth`);
    await chooseEnglish(tab);
    await tab.getByRole("button", { name: "Run", exact: true }).click();
    await waitForTerminal(tab, "auth-service", /● running/);
    const answers = Number(await tab.locator(".response").getAttribute("data-answers"));
    await tab.getByRole("button", { name: "Log in as alice" }).click();
    await tab.waitForSelector(`.response[data-answers="${answers + 1}"]`, { timeout: 20_000 });
    const login = JSON.parse((await tab.getByLabel("Response body").textContent()) ?? "{}") as { token?: string };
    expect(login.token).toMatch(/^ey/);
    await tab.getByRole("button", { name: "Use as Authorization: Bearer" }).click();
    await tab.locator(".request-extra summary").click();
    expect(await tab.getByRole("textbox", { name: "Header value 2" }).inputValue()).toBe(`Bearer ${login.token}`);
    expect(await tab.getByRole("textbox", { name: "Header name 2" }).inputValue()).toBe("Authorization");
    const body = await sendRequest(tab, "auth-service", "GET", "/protected");
    expect(await tab.getByLabel("Response status").textContent()).toContain("200");
    expect(body).toContain("alice");
    await shot(tab, "13-token.png");
    await tab.close();
  });

  it("the light theme is remembered", async () => {
    await page.getByRole("button", { name: "Switch to the light theme" }).click();
    await page.reload();
    await page.waitForSelector(".monaco-editor .view-lines .view-line");
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("light");
    await shot(page, "08-light.png");
  });
});

describe("without a Docker Engine", () => {
  let server: Server | undefined;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer(PORT + 1, { DOCKER_HOST: "unix:///nonexistent/docker.sock" });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await stopServer(server);
  });

  it("says so plainly, shows how to fix it, and keeps the lesson readable", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: "dark" });
    await page.goto(`http://127.0.0.1:${PORT + 1}/lessons/${LESSON}`);
    const banner = page.getByTestId("engine-down");
    await banner.waitFor({ timeout: 20_000 });
    expect(await banner.textContent()).toMatch(/Docker/);
    expect(await banner.textContent()).toContain("dockerd");
    expect(await page.getByRole("button", { name: "运行" }).isDisabled()).toBe(true);
    expect(await page.locator(".lesson-lang.zh h1").textContent()).toContain("16.1");
    await page.waitForSelector(".monaco-editor .view-lines .view-line");
    await shot(page, "09-no-docker.png");
  });
});
