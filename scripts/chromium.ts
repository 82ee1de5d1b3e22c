// Debian's Chromium, as the tests and benchmarks drive it (never a downloaded browser): no sandbox inside this
// container, no GPU, and nothing that would call out to the internet.
import { chromium, type Browser } from "playwright-core";

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
}
