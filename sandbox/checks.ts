// A lesson's checks: one request each, and what its answer must be. Evaluation is pure so it is unit-tested.
import type { CheckSpec } from "../lib/shared/lesson-schema";
import type { HttpResponseSummary, RunHandle } from "./types";

export interface CheckResult {
  name: string;
  ok: boolean;
  problems: string[];
  status?: number;
  durationMs?: number;
}

export function evaluateCheck(check: CheckSpec, res: HttpResponseSummary): CheckResult {
  const problems: string[] = [];
  if (res.status !== check.expect.status) problems.push(`status ${res.status}, expected ${check.expect.status}`);
  for (const needle of check.expect.bodyContains) {
    if (!res.body.includes(needle)) problems.push(`body lacks ${JSON.stringify(needle)}`);
  }
  if (check.expect.json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.body);
    } catch {
      problems.push("body is not JSON");
    }
    if (parsed !== undefined) {
      for (const [key, want] of Object.entries(check.expect.json)) {
        const got = (parsed as Record<string, unknown> | null)?.[key];
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          problems.push(`json.${key} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
        }
      }
    }
  }
  return { name: check.name.en, ok: problems.length === 0, problems, status: res.status, durationMs: res.durationMs };
}

export async function runChecks(run: RunHandle, checks: CheckSpec[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    try {
      const res = await run.request({
        service: check.service,
        method: check.method,
        path: check.path,
        headers: check.headers,
        body: check.body,
      });
      results.push(evaluateCheck(check, res));
    } catch (err) {
      results.push({ name: check.name.en, ok: false, problems: [(err as Error).message] });
    }
  }
  return results;
}
