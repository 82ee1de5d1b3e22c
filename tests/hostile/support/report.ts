// The suite's figures per case: a table on the console and a JSON file in the suite's temporary folder.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { CaseRecord } from "./case";

function cut(text: string, width: number): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > width ? `${one.slice(0, width - 1)}…` : one;
}

export function table(records: CaseRecord[]): string {
  const rows = records.map((r) => [
    r.category === "Baseline" ? "base" : r.passed ? "pass" : "FAIL",
    cut(r.name, 38),
    cut(r.saw || "—", 70),
    `${r.page.p95}/${r.page.max}`,
    `${r.request.p95}/${r.request.max}`,
    r.eventLoop ? `${r.eventLoop.maxMs}` : "?",
    String(r.canaryHits.length),
    r.leftovers.length ? cut(r.leftovers.join("; "), 40) : "none",
    String(r.seconds),
  ]);
  const head = [
    "",
    "case",
    "what the learner saw",
    "page p95/max ms",
    "request p95/max ms",
    "loop max ms",
    "canary",
    "leftovers",
    "s",
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(" | ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.map(line)].join("\n");
}

/** Writes the records as JSON into a fresh temporary folder; returns the file's path. */
export function writeReport(records: CaseRecord[], extra: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "playground-hostile-"));
  const file = path.join(dir, "report.json");
  writeFileSync(file, `${JSON.stringify({ ...extra, cases: records }, null, 2)}\n`);
  return file;
}
