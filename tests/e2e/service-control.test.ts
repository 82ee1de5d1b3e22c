// Stopping and restarting one service from its terminal pane, in real Chromium against the real engine: lesson
// 16.4.1 runs, the learner stops user-service, sees client-service answer an error of its own, and restarts it.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browser, type Page } from "playwright-core";
import {
  type Server,
  runServices,
  sendRequest,
  shot,
  waitForTerminal,
  chooseEnglish,
  openPlayground,
  closePlayground,
} from "./harness";

const PORT = Number(process.env.E2E_SERVICE_CONTROL_PORT ?? 3801);
const BASE = `http://127.0.0.1:${PORT}`;
const LESSON = "http-communication";

const serviceTab = (page: Page, service: string) => page.locator(".terminal-tab", { hasText: service });

const pill = (page: Page, service: string) =>
  page.locator(".stage-pill", { hasText: service }).locator(".stage-word").textContent();

describe("one service stopped and restarted from the page", () => {
  let server: Server | undefined;
  let browser: Browser;
  let page: Page;
  let runId = "";

  beforeAll(async () => {
    ({ server, browser, page } = await openPlayground(PORT));
  });

  afterAll(() => closePlayground({ server, browser, page }));

  it("runs the HTTP lesson; the controls follow the pane on show", async () => {
    await page.goto(`${BASE}/lessons/${LESSON}`);
    await chooseEnglish(page);
    await page.waitForSelector(".monaco-editor .view-lines .view-line");
    // No run yet: nothing to stop.
    expect(await page.getByRole("button", { name: "Stop user-service" }).count()).toBe(0);
    await page.getByRole("button", { name: "Run", exact: true }).click();
    const log = await waitForTerminal(page, "client-service", /● running/);
    runId = /run ([0-9a-f]+):/.exec(log)?.[1] ?? "";
    expect(runId).not.toBe("");
    expect(await sendRequest(page, "client-service", "GET", "/demo")).toMatch(/"ok": ?true/);
    await serviceTab(page, "user-service").click();
    expect(await page.getByRole("button", { name: "Stop user-service" }).isEnabled()).toBe(true);
  });

  it("Stop ends only that service, gracefully, and its caller answers an error of its own", async () => {
    await page.getByRole("button", { name: "Stop user-service" }).click();
    await expect.poll(() => pill(page, "user-service"), { timeout: 20_000 }).toBe("stopped");
    const log = await waitForTerminal(page, "user-service", /user-service exited with code 0/, 20_000);
    expect(log).toMatch(/SIGTERM to user-service/);
    expect(await pill(page, "client-service")).toBe("running");
    expect(await pill(page, "order-service")).toBe("running");
    expect(runServices(runId)).toEqual(["client-service", "order-service"]);
    const body = await sendRequest(page, "client-service", "GET", "/demo");
    expect(body).toMatch(/"ok": ?false/);
    expect(body).toContain("user-service");
    expect(await page.getByRole("button", { name: "Stop user-service" }).isDisabled()).toBe(true);
    await serviceTab(page, "user-service").click();
    await shot(page, "service-control-01-stopped.png");
  });

  it("Restart brings it back with the Run's files, and the call succeeds again", async () => {
    await page.getByRole("button", { name: "Restart user-service" }).click();
    await expect.poll(() => pill(page, "user-service"), { timeout: 30_000 }).toBe("running");
    const log = await waitForTerminal(page, "user-service", /starting user-service again with this Run's files/);
    expect(log).toMatch(/user-service listening on :8081[\s\S]*user-service listening on :8081/);
    expect(runServices(runId)).toEqual(["client-service", "order-service", "user-service"]);
    expect(await sendRequest(page, "client-service", "GET", "/demo")).toMatch(/"ok": ?true/);
    await serviceTab(page, "user-service").click();
    await shot(page, "service-control-02-restarted.png");
  });
});
