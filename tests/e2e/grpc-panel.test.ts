// The gRPC tab of the request panel in real Chromium: Run lesson 16.4.2, pick user-service and a method that
// reflection listed, call it with the prefilled JSON, and read the user (and a NOT_FOUND) in the answer.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROGRESS_KEY } from "../../lib/client/progress";
import { type Browser, type Page } from "playwright-core";
import { type Server, shot, chooseEnglish, openPlayground, closePlayground } from "./harness";

const PORT = Number(process.env.E2E_GRPC_PORT ?? 3501);
const BASE = `http://127.0.0.1:${PORT}`;
const LESSON = "grpc";

// --- the server under test ---

// --- page helpers ---

async function waitForTerminal(page: Page, service: string, pattern: RegExp, timeout = 180_000): Promise<void> {
  await page.waitForFunction(
    ([s, source, flags]) => new RegExp(source, flags).test(window.__playgroundTerminals?.[s]?.() ?? ""),
    [service, pattern.source, pattern.flags] as const,
    { timeout, polling: 200 },
  );
}

/** Presses Call and waits for the next answer; returns the response pane's text. */
async function callAndRead(page: Page): Promise<string> {
  const panel = page.getByRole("region", { name: "gRPC calls" });
  const answers = Number(await panel.locator(".response").getAttribute("data-answers"));
  await panel.getByRole("button", { name: "Call the selected method" }).click();
  await panel.locator(`.response[data-answers="${answers + 1}"]`).waitFor({ timeout: 30_000 });
  // A refusal (bad JSON, unknown field) shows an alert instead of a response.
  if ((await panel.locator(".response .response-error").count()) > 0) return "";
  return (await panel.getByLabel("gRPC response").textContent()) ?? "";
}

// --- the test ---

/** Requests the learner's progress counts for this lesson (kept in the browser). */
const requestsSent = (page: Page) =>
  page.evaluate(
    ([key, slug]) =>
      (JSON.parse(localStorage.getItem(key) ?? "{}") as { lessons?: Record<string, { requests?: number }> }).lessons?.[
        slug
      ]?.requests ?? 0,
    [PROGRESS_KEY, LESSON] as const,
  );

describe("gRPC panel in Chromium", () => {
  let server: Server | undefined;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ({ server, browser, page } = await openPlayground(PORT));
  });

  afterAll(() => closePlayground({ server, browser, page }, "grpc-last.png"));

  it("Run, pick user-service and GetUser (listed by reflection), call it and see the user", async () => {
    await page.goto(`${BASE}/lessons/${LESSON}`);
    await chooseEnglish(page);
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await waitForTerminal(page, "user-service", /● running/);
    await waitForTerminal(page, "user-gateway", /● running/);

    await page.getByRole("tab", { name: "gRPC", exact: true }).click();
    const panel = page.getByRole("region", { name: "gRPC calls" });
    await panel.getByRole("combobox", { name: "Service" }).selectOption("user-service");
    const method = panel.getByRole("combobox", { name: "Method" });
    // Filled from the server's reflection once the service runs.
    await expect.poll(() => method.locator("option").allTextContents(), { timeout: 20_000 }).toContain("GetUser");
    expect(await method.locator("optgroup").evaluateAll((gs) => gs.map((g) => g.getAttribute("label")))).toEqual(
      expect.arrayContaining(["user.v1.UserService", "grpc.health.v1.Health"]),
    );
    await method.selectOption({ label: "GetUser" });

    const editor = panel.getByRole("textbox", { name: "Request message (JSON)" });
    // Prefilled from GetUserRequest's fields.
    expect(JSON.parse(await editor.inputValue())).toEqual({ id: "" });
    await editor.fill('{\n  "id": "1"\n}');
    const body = await callAndRead(page);
    expect(JSON.parse(body)).toMatchObject({ id: "1", name: "张三", email: "zhangsan@example.com" });
    expect(await panel.getByLabel("gRPC status").textContent()).toBe("0 OK");
    expect(await panel.locator(".status-ok").count()).toBe(1);
    await shot(page, "grpc-01-get-user.png");

    // A call the service answered counts as a request sent in the learner's progress (16.10).
    expect(await requestsSent(page)).toBe(1);

    await panel.getByRole("tab", { name: "Metadata" }).click();
    expect(await panel.getByLabel("gRPC metadata").textContent()).toContain("content-type: application/grpc");
    await panel.getByRole("tab", { name: "Response" }).click();
  });

  it("an unknown id answers NOT_FOUND, shown in red with the server's message", async () => {
    const panel = page.getByRole("region", { name: "gRPC calls" });
    await panel.getByRole("textbox", { name: "Request message (JSON)" }).fill('{"id": "999"}');
    const body = await callAndRead(page);
    expect(body).toContain('NOT_FOUND: user "999" not found');
    expect(await panel.getByLabel("gRPC status").textContent()).toBe("5 NOT_FOUND");
    expect(await panel.locator(".status-server-error").count()).toBe(1);
    expect(await requestsSent(page)).toBe(2);
    await shot(page, "grpc-02-not-found.png");
  });

  it("a field the contract lacks is refused before the call, naming the field", async () => {
    const panel = page.getByRole("region", { name: "gRPC calls" });
    await panel.getByRole("combobox", { name: "Method" }).selectOption({ label: "CreateUser" });
    const editor = panel.getByRole("textbox", { name: "Request message (JSON)" });
    expect(JSON.parse(await editor.inputValue())).toEqual({ name: "", email: "" });
    await editor.fill('{"name": "王五", "emial": "wangwu@example.com"}');
    expect(await callAndRead(page)).toBe("");
    expect(await panel.locator(".response .response-error").textContent()).toMatch(
      /user\.v1\.CreateUserRequest has no field "emial"/,
    );
    await shot(page, "grpc-03-unknown-field.png");
    // Refused before it was sent: not counted.
    expect(await requestsSent(page)).toBe(2);
  });

  it("speaks Chinese too", async () => {
    await page.getByRole("button", { name: "中文" }).click();
    await expect.poll(() => page.getByRole("tab", { name: "gRPC 调用" }).isVisible()).toBe(true);
    const panel = page.getByRole("region", { name: "gRPC 调用" });
    expect(await panel.getByRole("button", { name: "调用所选方法" }).isEnabled()).toBe(true);
    await shot(page, "grpc-04-zh.png");
  });
});
