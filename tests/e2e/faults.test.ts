// Faults from the page in real Chromium against the production server and the real Docker Engine: lesson 16.9 runs,
// the learner picks the arrow shop-service → inventory-service on the service map, adds 800 ms of latency, and the
// purchases time out until the breaker opens; the waterfall shows the refused call's event; removing the fault
// clears the link. Then 16.4.1, without traces, gets 800 ms on its order link from the empty panel: a 504.

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

// Not another file's port: files can run at once.
const PORT = Number(process.env.E2E_PORT ?? 3405);
const BASE = `http://127.0.0.1:${PORT}`;
const LINK = "shop-service→inventory-service";

const panel = (page: Page) => page.locator('.terminal-slot[data-service="@traces"]');
const faultPanel = (page: Page) => panel(page).locator(".fault-panel");

async function buy(page: Page): Promise<{ attempts: number; breaker: string }> {
  return JSON.parse(await sendRequest(page, "shop-service", "GET", "/buy/1")) as { attempts: number; breaker: string };
}

describe("faults from the service map in Chromium", () => {
  let server: Server | undefined;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ({ server, browser, page } = await openPlayground(PORT, { width: 1440, height: 1000 }));
  });

  afterAll(() => closePlayground({ server, browser, page }, "faults-99-last.png"));

  it("runs lesson 16.9 and offers its link shop-service → inventory-service", async () => {
    await page.goto(`${BASE}/lessons/best-practices`);
    await chooseEnglish(page);
    await page.getByRole("button", { name: "Run", exact: true }).click();
    for (const service of ["collector", "inventory-service", "shop-service"])
      await waitForTerminal(page, service, /● running/);
    await page.locator(".traces-tab").click();
    // Before any trace the panel already offers the run's links.
    await expect.poll(() => faultPanel(page).locator(`.fault-link[data-link="${LINK}"]`).count()).toBe(1);
    expect(await buy(page)).toMatchObject({ breaker: "closed" });
  });

  it("adds 800 ms of latency on the arrow picked on the service map", async () => {
    await panel(page).locator('[data-view="map"]').click();
    const edge = panel(page).locator(`.map-edge[data-edge="${LINK}"]`);
    await expect.poll(() => edge.count(), { timeout: 20_000 }).toBe(1);
    // The map view has no list of traces, and the fault panel starts below the map (or beside it), never over it.
    expect(await panel(page).locator(".traces-list").count()).toBe(0);
    const map = (await panel(page).locator(".traces-map").boundingBox())!;
    const faults = (await faultPanel(page).boundingBox())!;
    expect(faults.y >= map.y + map.height - 1 || faults.x >= map.x + map.width - 1).toBe(true);
    await edge.locator("path").click({ force: true });
    expect(await faultPanel(page).getAttribute("data-link")).toBe(LINK);
    await faultPanel(page).locator('select[name="type"]').selectOption("latency");
    await faultPanel(page).locator('input[name="latencyMs"]').fill("800");
    await faultPanel(page).locator('[data-action="add-fault"]').click();
    const chip = faultPanel(page).locator('.fault-chip[data-fault="latency"]');
    await expect.poll(() => chip.textContent()).toContain("latency 800 ms");
    await expect.poll(() => edge.getAttribute("data-faulty")).toBe("true");
    await shot(page, "faults-01-latency-on-link.png");
  });

  it("purchases time out until the breaker opens, and the waterfall shows the refused call", async () => {
    // Three failed purchases in a row trip the breaker (each tries until the purchase's 3 s deadline).
    const answers = [await buy(page), await buy(page), await buy(page)];
    expect(answers.map((a) => a.breaker)).toEqual(["closed", "closed", "open"]);
    expect(answers.every((a) => a.attempts >= 2)).toBe(true);
    const refused = await buy(page);
    expect(refused).toMatchObject({ attempts: 0, breaker: "open" });

    await panel(page).locator('[data-view="waterfall"]').click();
    // Following the newest trace: the refused purchase, one server span of shop and no client span under it.
    const rows = panel(page).locator(".wf-row");
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(1);
    await rows.first().click();
    const details = panel(page).locator(".wf-details");
    await expect.poll(() => details.textContent()).toContain("circuit breaker open: call refused");
    expect(await details.textContent()).toContain("breaker.state");
    await shot(page, "faults-02-breaker-open-waterfall.png");
    await panel(page).screenshot({ path: path.join(SHOTS, "faults-03-breaker-open-panel.png") });

    // The purchase before it: its tries, timed out, in red.
    const timedOut = panel(page).locator(".trace-item").nth(1);
    await timedOut.click();
    await expect.poll(() => panel(page).locator(".wf-row[data-error]").count()).toBeGreaterThanOrEqual(3);
    await shot(page, "faults-04-timeouts-waterfall.png");
  });

  it("removing the fault clears the link", async () => {
    await panel(page).locator('[data-view="map"]').click();
    await faultPanel(page).locator('[data-action="remove-fault"]').click();
    await expect.poll(() => faultPanel(page).locator(".fault-chip").count()).toBe(0);
    await expect
      .poll(() => panel(page).locator(`.map-edge[data-edge="${LINK}"]`).getAttribute("data-faulty"))
      .toBe(null);
    // The breaker is still open for its 10 s; after them the trial call goes through the healthy link.
    await new Promise((r) => setTimeout(r, 10_500));
    expect(await buy(page)).toMatchObject({ attempts: 1, breaker: "closed" });
    await page.getByRole("button", { name: "Stop", exact: true }).click();
  });

  it("16.4.1, which sends no traces, offers its order link in a panel that scrolls: latency there is a 504", async () => {
    await page.goto(`${BASE}/lessons/http-communication`);
    await chooseEnglish(page);
    await page.getByRole("button", { name: "Run", exact: true }).click();
    for (const service of ["user-service", "order-service", "client-service"])
      await waitForTerminal(page, service, /● running/);
    await page.locator(".traces-tab").click();
    await expect.poll(() => panel(page).textContent()).toContain("send no traces");
    const link = "client-service→order-service";
    await expect.poll(() => faultPanel(page).locator(`.fault-link[data-link="${link}"]`).count()).toBe(1);
    // The form may start below the fold of a short pane: the empty panel scrolls to it instead of cutting it off.
    const add = faultPanel(page).locator('[data-action="add-fault"]');
    await add.scrollIntoViewIfNeeded();
    await faultPanel(page).locator('select[name="type"]').selectOption("latency");
    await faultPanel(page).locator('input[name="latencyMs"]').fill("800");
    await add.click();
    await expect
      .poll(() => faultPanel(page).locator('.fault-chip[data-fault="latency"]').textContent())
      .toContain("latency 800 ms");
    const demo = JSON.parse(await sendRequest(page, "client-service", "GET", "/demo?item=e2e")) as {
      ok: boolean;
      steps: { status?: number; error?: string }[];
    };
    expect(demo.ok).toBe(false);
    expect(demo.steps[0].status).toBe(200);
    expect(demo.steps[1].error).toContain("create order");
    expect(await page.locator(".response").textContent()).toContain("504");
    await shot(page, "faults-05-http-latency.png");
  });
});
