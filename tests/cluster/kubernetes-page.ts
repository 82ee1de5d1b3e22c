// Lesson 16.8.2 in real Chromium on the real cluster (called from cluster.test.ts while the cluster is up): Run,
// watch the pods become Ready in the terminal, send requests through the Service and see different pods answer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  chooseEnglish,
  closePlayground,
  openPlayground,
  sendRequest,
  shot,
  waitForTerminal,
  type Playground,
} from "../e2e/harness";

const PORT = Number(process.env.E2E_CLUSTER_PORT ?? 3131);

export function describeKubernetesPage(): void {
  describe("lesson 16.8.2 in the browser", () => {
    let p: Playground;

    beforeAll(async () => {
      p = await openPlayground(PORT, { width: 1400, height: 900 });
    });

    afterAll(async () => {
      await closePlayground(p, "cluster-kubernetes-last.png");
    });

    it("runs the manifests on the cluster: pods Ready in the terminal, requests answered by different pods", async () => {
      const { page } = p;
      await page.goto(`http://127.0.0.1:${PORT}/lessons/kubernetes`);
      await chooseEnglish(page);
      const run = page.getByRole("button", { name: "Run", exact: true });
      // Enabled once the server has seen the cluster ready.
      await expect.poll(() => run.isEnabled(), { timeout: 30_000 }).toBe(true);
      await run.click();
      const log = await waitForTerminal(page, "web", /rollout complete/, 240_000);
      expect(log).toMatch(/pod web-[a-z0-9]+-[a-z0-9]{5}: .*Ready/);
      expect(log).toContain("deployment/web applied");
      const pods = new Set<string>();
      for (let i = 0; i < 12 && pods.size < 2; i++) {
        const body = await sendRequest(page, "web", "GET", "/");
        const pod = (JSON.parse(body) as { pod?: string }).pod;
        if (pod) pods.add(pod);
      }
      expect(pods.size).toBeGreaterThanOrEqual(2);
      await shot(page, "cluster-kubernetes-run.png");
      await page.getByRole("button", { name: "Stop" }).click();
      await waitForTerminal(page, "web", /stopped/, 60_000);
    });
  });
}
