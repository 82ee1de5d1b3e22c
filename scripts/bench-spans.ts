// span_to_screen_ms for `npm run bench`: from sending a request in the page to its trace being drawn, in headless
// Chromium against the production server with lesson 16.6 running. Runs alone too: `node --import tsx
// scripts/bench-spans.ts` (needs `next build` first) prints the figures and a JSON line.
import { pathToFileURL } from "node:url";
import { percentile, startBenchServer } from "./bench-support";
import { launchChromium } from "./chromium";

const PORT = Number(process.env.BENCH_PORT ?? 3402);
const BASE = `http://127.0.0.1:${PORT}`;
/** A checkout of lesson 16.6 leaves five spans (two batches: frontend's and backend's). */
const CHECKOUT_SPANS = 5;

export interface SpanToScreen {
  samples: number[];
  p50: number;
  p95: number;
}

/**
 * Each sample is timed inside the page: from the click on "Send request" to the frame in which the trace list shows
 * that trace with all of its spans (polled every animation frame). The trace ID comes from frontend's answer.
 */
export async function spanToScreen(reps = Number(process.env.BENCH_REPS ?? 5)): Promise<SpanToScreen> {
  const server = await startBenchServer(PORT);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // tsx (esbuild, keepNames) wraps the named functions inside page.evaluate's callback in a `__name` helper that
    // only exists in Node; the page gets a no-op one.
    await page.addInitScript({ content: "window.__name = (f) => f;" });
    await page.goto(`${BASE}/lessons/tracing`);
    // Run turns enabled once the page has hydrated: a click on English before that would be lost.
    await page.locator(".btn-run:not([disabled])").waitFor({ timeout: 60_000 });
    await page.getByRole("button", { name: "English" }).click();
    await page.locator('button[lang="en"][aria-pressed="true"]').waitFor();
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.waitForFunction(() => /● running/.test(window.__playgroundTerminals?.frontend?.() ?? ""), null, {
      timeout: 180_000,
      polling: 200,
    });
    await page.locator(".traces-tab").click();
    await page.getByRole("combobox", { name: "Service" }).selectOption("frontend");
    await page.getByRole("combobox", { name: "Method" }).selectOption("GET");
    await page.getByRole("textbox", { name: "Path" }).fill("/checkout?item=book&qty=1");

    const samples: number[] = [];
    for (let i = 0; i < reps + 1; i++) {
      const ms = await page.evaluate(async (spans) => {
        const answers = () => Number(document.querySelector(".response")?.getAttribute("data-answers") ?? 0);
        const frame = () => new Promise<number>((r) => requestAnimationFrame(r));
        const before = answers();
        const send = document.querySelector<HTMLButtonElement>('button[aria-label="Send request"]')!;
        const t0 = performance.now();
        send.click();
        while (answers() === before) await frame();
        const body = document.querySelector('[aria-label="Response body"]')?.textContent ?? "";
        const traceId = (JSON.parse(body) as { traceId: string }).traceId;
        const drawn = `.trace-item[data-trace-id="${traceId}"][data-span-count="${spans}"]`;
        const limit = t0 + 20_000;
        while (!document.querySelector(drawn)) {
          if (performance.now() > limit) throw new Error(`trace ${traceId} not drawn within 20 s`);
          await frame();
        }
        return performance.now() - t0;
      }, CHECKOUT_SPANS);
      // The first request warms connections and the page's code paths: not counted.
      if (i > 0) samples.push(ms);
      await new Promise((r) => setTimeout(r, 300));
    }
    await page.getByRole("button", { name: "Stop", exact: true }).click();
    return { samples, p50: percentile(samples, 50), p95: percentile(samples, 95) };
  } finally {
    await browser.close();
    const exited = new Promise((r) => server.child.once("exit", r));
    server.child.kill("SIGTERM");
    await exited;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  spanToScreen().then(
    (r) => {
      console.log(`span_to_screen_ms  ${r.samples.map(Math.round).join(" ")}`);
      console.log(JSON.stringify({ span_to_screen_ms_p50: r.p50, span_to_screen_ms_p95: r.p95 }));
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
