// Traces in real Chromium against the production server and the real Docker Engine: lesson 16.6 runs, a request
// from the request panel starts a trace, its spans arrive as a waterfall with a lane per service, and the service
// map draws the call frontend → backend.

import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browser, type Page } from "playwright-core";
import {
  SHOTS,
  type Server,
  waitForTerminal,
  sendRequest,
  shot,
  chooseEnglish,
  openPlayground,
  closePlayground,
} from "./harness";

// Not core-loop's port: both files can run at once.
const PORT = Number(process.env.E2E_PORT ?? 3401);
const BASE = `http://127.0.0.1:${PORT}`;
const LESSON = "tracing";
/** A checkout leaves five spans: frontend's server and client spans, backend's server span and two of its own. */
const CHECKOUT_SPANS = 5;

// --- the server under test ---

// --- page helpers ---

/** The trace ID frontend puts in its answer: the one the request path started. */
function traceIdOf(body: string): string {
  const id = (JSON.parse(body) as { traceId?: string }).traceId ?? "";
  expect(id).toMatch(/^[0-9a-f]{32}$/);
  return id;
}

async function waitForTrace(page: Page, traceId: string, spans: number): Promise<void> {
  await page.waitForSelector(`.trace-item[data-trace-id="${traceId}"][data-span-count="${spans}"]`, {
    timeout: 20_000,
  });
}

const panel = (page: Page) => page.locator('.terminal-slot[data-service="@traces"]');

// --- the test ---

describe("traces in Chromium", () => {
  let server: Server | undefined;
  let browser: Browser;
  let page: Page;
  let first = "";

  beforeAll(async () => {
    ({ server, browser, page } = await openPlayground(PORT, { width: 1440, height: 900 }));
  });

  afterAll(() => closePlayground({ server, browser, page }));

  it("runs lesson 16.6: collector, backend and frontend start", async () => {
    await page.goto(`${BASE}/lessons/${LESSON}`);
    await chooseEnglish(page);
    await page.getByRole("button", { name: "Run", exact: true }).click();
    for (const service of ["collector", "backend", "frontend"]) await waitForTerminal(page, service, /● running/);
    await page.locator(".traces-tab").click();
    await expect.poll(() => panel(page).textContent()).toContain("No spans yet");
  });

  it("a checkout from the request panel is one trace: a waterfall with a frontend lane and a backend lane", async () => {
    const body = await sendRequest(page, "frontend", "GET", "/checkout?item=book&qty=2");
    first = traceIdOf(body);
    await waitForTrace(page, first, CHECKOUT_SPANS);
    // Following the newest trace: the waterfall shows this one.
    await page.waitForSelector(`.traces-waterfall[data-trace-id="${first}"]`);
    const rows = panel(page).locator(".wf-row");
    await expect.poll(() => rows.count()).toBe(CHECKOUT_SPANS);
    const services = await panel(page).locator(".wf-row .wf-service").allTextContents();
    expect(new Set(services)).toEqual(new Set(["frontend", "backend"]));
    // frontend's server span is the root row; backend's rows are nested below frontend's client span.
    const levels = await rows.evaluateAll((els) =>
      els.map((e) => [e.querySelector(".wf-service")?.textContent, Number(e.getAttribute("aria-level"))]),
    );
    expect(levels[0]).toEqual(["frontend", 1]);
    expect(levels.filter(([s]) => s === "backend").every(([, level]) => Number(level) >= 3)).toBe(true);
    await shot(page, "traces-01-waterfall.png");
    await panel(page).screenshot({ path: path.join(SHOTS, "traces-02-waterfall-panel.png") });
  });

  it("jumps back to the trace of the last request after looking at another one", async () => {
    const body = await sendRequest(page, "frontend", "GET", "/checkout?item=unicorn");
    const second = traceIdOf(body);
    expect(second).not.toBe(first);
    await waitForTrace(page, second, 4);
    await panel(page).locator(`.trace-item[data-trace-id="${first}"]`).click();
    await page.waitForSelector(`.traces-waterfall[data-trace-id="${first}"]`);
    await panel(page).locator('[data-action="last-request-trace"]').click();
    await page.waitForSelector(`.traces-waterfall[data-trace-id="${second}"]`);
    expect(await panel(page).locator(".wf-row[data-error]").count()).toBeGreaterThan(0);
  });

  it("the service map draws client → frontend → backend with the calls counted", async () => {
    await panel(page).locator('[data-view="map"]').click();
    const edge = panel(page).locator('.map-edge[data-edge="frontend→backend"]');
    await expect.poll(() => edge.count()).toBe(1);
    expect(await edge.getAttribute("data-calls")).toBe("2");
    expect(await edge.getAttribute("data-errors")).toBe("1");
    expect(await panel(page).locator('.map-edge[data-edge="client→frontend"]').getAttribute("data-calls")).toBe("2");
    for (const node of ["client", "frontend", "backend"]) {
      expect(await panel(page).locator(`.map-node[data-node="${node}"]`).count()).toBe(1);
    }
    // Left to right: client, then frontend, then backend.
    const xs = await Promise.all(
      ["client", "frontend", "backend"].map(
        async (n) => (await panel(page).locator(`.map-node[data-node="${n}"]`).boundingBox())!.x,
      ),
    );
    expect(xs[0]).toBeLessThan(xs[1]);
    expect(xs[1]).toBeLessThan(xs[2]);
    await shot(page, "traces-03-service-map.png");
    await panel(page).screenshot({ path: path.join(SHOTS, "traces-04-service-map-panel.png") });
  });

  it("a lesson without a collector says how to add tracing", async () => {
    await page.goto(`${BASE}/lessons/http-communication`);
    await page.locator(".traces-tab").click();
    await expect.poll(() => panel(page).textContent()).toContain("send no traces");
    expect(await panel(page).locator('a[href="/lessons/tracing"]').count()).toBe(1);
    await panel(page).screenshot({ path: path.join(SHOTS, "traces-05-not-traced.png") });
  });
});
