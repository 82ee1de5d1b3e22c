// The hostile suite: every case drives the public socket as a page does, against the real server and engine, while
// a bystander's lesson is sampled; one server and one bystander for all cases, which run one after another.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { baseline, runCase, type CaseRecord, type HostileCase } from "./support/case";
import { Playground } from "./support/playground";
import { table, writeReport } from "./support/report";
import { dockerfileCases } from "./cases/dockerfile";
import { goCases } from "./cases/go-code";
import { isolationCases } from "./cases/isolation";
import { kubernetesCases } from "./cases/kubernetes";
import { outputCases } from "./cases/output";
import { socketCases } from "./cases/socket";

const cases: HostileCase[] = [
  ...socketCases,
  ...isolationCases,
  ...dockerfileCases,
  ...outputCases,
  ...goCases,
  ...kubernetesCases,
];

/** Time for a case's stop, leftover polling, and a server restart should the case have broken it. */
const CASE_OVERHEAD_MS = 180_000;

let pg: Playground | undefined;
let idle: CaseRecord | undefined;
const records: CaseRecord[] = [];
const suiteStarted = Date.now();

beforeAll(async () => {
  pg = await Playground.open();
  idle = await baseline(pg, 10_000);
});

afterAll(async () => {
  await pg?.close();
  const seconds = Math.round((Date.now() - suiteStarted) / 1000);
  const file = writeReport(records, { seconds, baseline: idle, restarts: pg?.restarts ?? [] });
  console.log(
    `\nhostile suite: ${records.filter((r) => r.passed).length}/${records.length} cases passed in ${seconds} s`,
  );
  console.log(table(idle ? [idle, ...records] : records));
  if (pg?.restarts.length) console.log(`server restarts: ${pg.restarts.join("; ")}`);
  console.log(`figures: ${file}`);
});

describe("hostile learners", () => {
  for (const c of cases) {
    it(
      `${c.category}: ${c.name}`,
      async () => {
        if (!pg) throw new Error("the playground did not start");
        const record = await runCase(pg, c);
        records.push(record);
        console.log(
          `${record.passed ? "pass" : "FAIL"} ${c.name} (${record.seconds} s): ${record.failures.join(" / ")}`,
        );
        expect(record.failures, `${c.name}\n${record.failures.join("\n")}`).toEqual([]);
      },
      c.timeoutMs + CASE_OVERHEAD_MS,
    );
  }
});
