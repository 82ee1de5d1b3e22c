// Class mode in Chromium: two learners join through the invite page and run lesson 16.1, the teacher's wall shows
// both live, and a learner's edit is waiting on "another computer" (a fresh browser context) through their own link.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../../scripts/chromium";
import {
  ROOT,
  SHOTS,
  buildIfNeeded,
  chooseEnglish,
  replaceInEditor,
  shot,
  startServer,
  stopServer,
  waitForOutput,
  waitForTerminal,
  type Server,
} from "./harness";

const PORT = Number(process.env.E2E_CLASS_PORT ?? 3971);
const BASE = `http://127.0.0.1:${PORT}`;
const SLUG = "monolith-vs-microservices";
const DATA_DIR = mkdtempSync(path.join(os.tmpdir(), "gmp-class-e2e-"));
const ENV = { PLAYGROUND_MODE: "class", PLAYGROUND_DATA_DIR: DATA_DIR, PLAYGROUND_PUBLIC_URL: `${BASE}/` };
const EDIT = "monolith (Ann's edition) listening on";

let server: Server | undefined;
let browser: Browser | undefined;
const contexts: BrowserContext[] = [];
let links: { teacher: string; invite: string };

async function page(): Promise<Page> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: "dark" });
  contexts.push(context);
  const p = await context.newPage();
  p.on("pageerror", (err) => console.error("[page error]", err.message));
  return p;
}

async function joinAs(name: string): Promise<Page> {
  const p = await page();
  await p.goto(links.invite);
  await p.getByLabel(/Your name/).fill(name);
  await p.getByRole("button", { name: /Join/ }).click();
  await p.waitForURL(`${BASE}/`);
  return p;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  buildIfNeeded();
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "scripts/class-cli.ts", "create", "Go 101"],
    { cwd: ROOT, env: { ...process.env, ...ENV } },
  );
  const field = (name: string) => new RegExp(`^${name}:\\s+(\\S+)`, "m").exec(stdout)?.[1] ?? "";
  links = { teacher: field("teacher link"), invite: field("invite link") };
  server = await startServer(PORT, ENV);
  await waitForOutput(server, /sandbox image \S+ ready/, 600_000);
  browser = await launchChromium();
}, 900_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await stopServer(server);
  rmSync(DATA_DIR, { recursive: true, force: true });
});

describe("class mode in the browser", () => {
  let ann: Page;

  it("two learners join and run 16.1; the teacher's wall shows both running, live", async () => {
    ann = await joinAs("Ann");
    const bob = await joinAs("Bob");
    expect(await ann.getByTestId("class-who").textContent()).toContain("Ann");

    const teacher = await page();
    await teacher.goto(links.teacher);
    await teacher.getByRole("button", { name: /Open the class wall/ }).click();
    await teacher.waitForURL(`${BASE}/class/wall`);
    await chooseEnglish(teacher);
    await expect.poll(() => teacher.getByTestId("wall-card").count(), { timeout: 20_000 }).toBe(2);

    for (const p of [ann, bob]) {
      await p.goto(`${BASE}/lessons/${SLUG}`);
      await chooseEnglish(p);
    }
    // Run is enabled once the learner's stored edits are loaded: an edit made before could be replaced by them.
    for (const p of [ann, bob])
      await expect
        .poll(() => p.getByRole("button", { name: "Run", exact: true }).isEnabled(), { timeout: 60_000 })
        .toBe(true);
    await replaceInEditor(ann, "monolith listening on", EDIT);
    for (const p of [ann, bob]) await p.getByRole("button", { name: "Run", exact: true }).click();
    await waitForTerminal(ann, "monolith", /Ann's edition/, 240_000);
    await waitForTerminal(bob, "monolith", /listening on :8080/, 240_000);

    const runningStages = teacher.locator('[data-testid="wall-card"] li[data-stage="running"]');
    await expect.poll(() => runningStages.count(), { timeout: 60_000, interval: 250 }).toBe(4);
    await shot(teacher, "class-wall.png");
  }, 600_000);

  it("finds the learner's edit on another computer through their own link", async () => {
    const returnPath = await ann.getByTestId("class-return").getAttribute("href");
    expect(returnPath).toMatch(/^\/class\/return\//);
    const elsewhere = await page();
    await elsewhere.goto(`${BASE}${returnPath}`);
    await elsewhere.getByRole("button", { name: /Continue/ }).click();
    await elsewhere.waitForURL(`${BASE}/`);
    await elsewhere.goto(`${BASE}/lessons/${SLUG}`);
    await expect
      .poll(() => elsewhere.evaluate(() => window.__playgroundEditor?.editor.getModel()?.getValue() ?? ""), {
        timeout: 30_000,
      })
      .toContain(EDIT);
    await shot(elsewhere, "class-another-computer.png");
  }, 120_000);
});
