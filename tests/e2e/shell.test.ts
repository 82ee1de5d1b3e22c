// The run's shell in real Chromium: the Shell tab opens a terminal on the run's network, typed commands reach the
// services by name, `exit` ends it and Enter opens a new one, and a new Run starts a new shell. Screenshots land in
// test-results/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { type Playground, chooseEnglish, closePlayground, openPlayground, shot, waitForTerminal } from "./harness";

const PORT = Number(process.env.E2E_SHELL_PORT ?? 3951);
const BASE = `http://127.0.0.1:${PORT}`;
const LESSON = "monolith-vs-microservices";
const SHELL = "*shell";

/** Types into the shell's terminal as a learner does (xterm's hidden textarea has the focus). */
async function typeInShell(page: Page, text: string): Promise<void> {
  await page.locator(".shell-pane .xterm-helper-textarea").focus();
  await page.keyboard.type(text, { delay: 5 });
}

describe("the run's shell", () => {
  let p: Partial<Playground> = {};

  beforeAll(async () => {
    p = await openPlayground(PORT);
  });

  afterAll(async () => {
    await p.page
      ?.getByRole("button", { name: "Stop", exact: true })
      .click()
      .catch(() => {});
    await closePlayground(p, "shell-last.png");
  });

  it("opens on the run's network, where the services answer by name", async () => {
    const page = p.page!;
    await page.goto(`${BASE}/lessons/${LESSON}`);
    await chooseEnglish(page);
    await page.getByRole("tab", { name: "Shell" }).click();
    await expect.poll(() => page.getByText("Press Run, then a shell opens here").isVisible()).toBe(true);
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await waitForTerminal(page, "user-service", /● running/);
    await page.getByRole("tab", { name: "Shell" }).click();
    await waitForTerminal(page, SHELL, /shell:\/tmp\$ /, 30_000);
    await typeInShell(page, "wget -qO- http://user-service:8081/users; echo; echo SUM=$((20+22))\n");
    const text = await waitForTerminal(page, SHELL, /SUM=42/, 20_000);
    expect(text).toMatch(/"name"/);
    await shot(page, "14-shell.png");
  });

  it("starts a new shell with Enter after `exit`, and a new one for the next Run", async () => {
    const page = p.page!;
    await typeInShell(page, "exit 7\n");
    await waitForTerminal(page, SHELL, /exited \(code 7\)/, 20_000);
    await typeInShell(page, "\n");
    await waitForTerminal(page, SHELL, /Opening the shell…[\s\S]*Opening the shell…[\s\S]*shell:\/tmp\$ /, 30_000);
    await typeInShell(page, "hostname\n");
    await waitForTerminal(page, SHELL, /\nshell\s*\n/, 20_000);
  });

  it("a command block's ▶ in the lesson text runs it in the shell (16.9: the breaker opens)", async () => {
    const page = p.page!;
    await page.goto(`${BASE}/lessons/best-practices`);
    await chooseEnglish(page);
    const run = page.locator(".lesson-lang.en").getByRole("button", { name: "Run in the shell" }).first();
    await run.click();
    // Without a run, the shell says what to do first.
    await expect.poll(() => page.getByText("press Run first, then run this command").isVisible()).toBe(true);
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await waitForTerminal(page, "shop-service", /● running/);
    await run.click();
    const text = await waitForTerminal(page, SHELL, /"state":"open"/, 60_000);
    expect(text).toMatch(/502 Bad Gateway[\s\S]*503 Service Unavailable/);
    await shot(page, "15-shell-command.png");
  });
});
