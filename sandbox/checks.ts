// A lesson's checks: one request each, and what its answer (and the spans of its trace) must be; or a slow request
// that must survive its service being stopped. Evaluation is pure so it is unit-tested; running a check is the part that talks to a run.
import { describeFault } from "../lib/shared/faults";
import type { CheckExpect, CheckSpec, FaultCheckSpec, SurvivesStopCheckSpec } from "../lib/shared/lesson-schema";
import { traceComplete, traceProblems } from "./trace-checks";
import type { HttpResponseSummary, RunEvent, RunHandle, ServiceState, SpanData } from "./types";

type RequestCheckSpec = Extract<CheckSpec, { kind: "request" }>;

export interface CheckResult {
  name: string;
  ok: boolean;
  problems: string[];
  status?: number;
  durationMs?: number;
}

/** How long a restarted service may take to run again (a fresh container builds it from the warm cache). */
const BACK_RUNNING_MS = 90_000;
/** After the old container is gone: how long its exit code, and a traced request's span, may take to be reported. */
const REPORT_WAIT_MS = 3_000;

/** What the answer to a request lacks, against what a check expects of it. */
function answerProblems(expect: CheckExpect, res: HttpResponseSummary): string[] {
  const problems: string[] = [];
  if (res.status !== expect.status) problems.push(`status ${res.status}, expected ${expect.status}`);
  for (const needle of expect.bodyContains) {
    if (!res.body.includes(needle)) problems.push(`body lacks ${JSON.stringify(needle)}`);
  }
  if (expect.json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.body);
    } catch {
      problems.push("body is not JSON");
    }
    if (parsed !== undefined) {
      for (const [key, want] of Object.entries(expect.json)) {
        const got = (parsed as Record<string, unknown> | null)?.[key];
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          problems.push(`json.${key} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
        }
      }
    }
  }
  return problems;
}

export function evaluateCheck(
  check: { name: { en: string }; expect: CheckExpect },
  res: HttpResponseSummary,
): CheckResult {
  const problems = answerProblems(check.expect, res);
  return { name: check.name.en, ok: problems.length === 0, problems, status: res.status, durationMs: res.durationMs };
}

/** What happened around a survives-stop check's request, as runSurvivesStop saw it. */
export interface StopOutcome {
  /** The answer to the request that was in flight, or why none came (e.g. the connection was closed). */
  answer: { response: HttpResponseSummary } | { error: string };
  /** Set when the request had already ended when the stop was due: it was never in flight during the stop. */
  endedBeforeStopMs?: number;
  /** Why the service could not be stopped, or did not run again afterwards. */
  restartError?: string;
  /** The stopped process's exit code as the engine reported it; undefined when none was reported. */
  exitCode?: number;
  /** Whether the request's span reached the collector; undefined when the check does not ask. */
  spanSeen?: boolean;
}

export function evaluateSurvivesStop(
  check: Pick<SurvivesStopCheckSpec, "name" | "service" | "stopAfterMs" | "traced" | "expect">,
  outcome: StopOutcome,
): CheckResult {
  const problems: string[] = [];
  const name = check.service;
  if (outcome.endedBeforeStopMs !== undefined) {
    problems.push(
      `the request ended after ${outcome.endedBeforeStopMs} ms, before ${name} was stopped at ${check.stopAfterMs} ms: nothing was in flight`,
    );
  }
  let response: HttpResponseSummary | undefined;
  if ("error" in outcome.answer) {
    problems.push(`the request in flight got no answer when ${name} was stopped: ${outcome.answer.error}`);
  } else {
    response = outcome.answer.response;
    problems.push(...answerProblems(check.expect, response));
  }
  if (outcome.restartError) problems.push(outcome.restartError);
  if (outcome.exitCode === undefined) {
    if (!outcome.restartError) problems.push(`no exit of ${name} was reported after SIGTERM`);
  } else if (outcome.exitCode === 137) {
    problems.push(`${name} was killed at the end of the grace period: it did not exit by itself after SIGTERM`);
  } else if (outcome.exitCode !== 0) {
    problems.push(`${name} exited with code ${outcome.exitCode} after SIGTERM, expected 0`);
  }
  if (check.traced && response && outcome.spanSeen === false) {
    problems.push(`no span of ${name} for the request reached the collector: were the spans flushed after the drain?`);
  }
  return {
    name: check.name.en,
    ok: problems.length === 0,
    problems,
    status: response?.status,
    durationMs: response?.durationMs,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves true once `until()` holds (checked now and at every event of the run), or false after `timeoutMs`. */
function whenSo(run: RunHandle, until: () => boolean, timeoutMs: number): Promise<boolean> {
  if (until()) return Promise.resolve(true);
  let unsubscribe = (): void => {};
  const settled = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(until()), timeoutMs);
    unsubscribe = run.subscribe(() => {
      if (!until()) return;
      clearTimeout(timer);
      resolve(true);
    });
  });
  // Settled later than subscribe returned (a promise settles asynchronously), so this is the real unsubscribe.
  return settled.finally(() => unsubscribe());
}

/** The service's state once it runs again, fails or the run ends; or as it is after `timeoutMs`. */
async function runsAgain(run: RunHandle, service: string, timeoutMs: number): Promise<ServiceState | undefined> {
  const state = (): ServiceState | undefined => run.services().find((s) => s.name === service);
  await whenSo(run, () => run.ended || ["running", "failed"].includes(state()?.stage ?? ""), timeoutMs);
  return state();
}

/**
 * Sends the check's (slow) request, stops its service while the request is in flight, and waits for the answer.
 * The stop goes through RunHandle.restartService: the same SIGTERM and grace period as Stop from the page, and the
 * service then runs again, so the checks after this one find it serving. (A Stop of the run's last running
 * service would end the whole run, and that kills the process at once instead of waiting for it.)
 */
export async function runSurvivesStop(run: RunHandle, check: SurvivesStopCheckSpec): Promise<StopOutcome> {
  let watching = false;
  let exitCode: number | undefined;
  const spans = new Set<string>();
  const unsubscribe = run.subscribe((event: RunEvent) => {
    if (!watching) return; // the replay of earlier events: an exit before this check is not this stop's
    if (event.type === "log" && event.stream === "system" && event.service === check.service) {
      const exited = /\bexited with code (-?\d+)/.exec(event.text);
      if (exited && exitCode === undefined) exitCode = Number(exited[1]);
    } else if (event.type === "span" && event.span.service === check.service) {
      spans.add(event.span.traceId);
    }
  });
  watching = true;
  try {
    const started = Date.now();
    let endedAt: number | undefined;
    const answer = run
      .request({
        service: check.service,
        method: check.method,
        path: check.path,
        headers: check.headers,
        body: check.body,
      })
      .then(
        (response) => ({ response }),
        (err: unknown) => ({ error: (err as Error).message }),
      )
      .finally(() => (endedAt = Date.now()));
    await sleep(check.stopAfterMs);
    const outcome: Partial<StopOutcome> = {};
    if (endedAt !== undefined) outcome.endedBeforeStopMs = endedAt - started;
    const restarted = run.restartService(check.service).then(
      () => undefined,
      (err: unknown) => `could not stop ${check.service}: ${(err as Error).message}`,
    );
    outcome.answer = await answer;
    outcome.restartError = await restarted;
    if (!outcome.restartError) {
      await whenSo(run, () => exitCode !== undefined, REPORT_WAIT_MS);
      const state = await runsAgain(run, check.service, BACK_RUNNING_MS);
      if (state?.stage !== "running") {
        outcome.restartError = `${check.service} did not run again after the stop (${state?.detail ?? state?.stage ?? "run ended"})`;
      }
    }
    outcome.exitCode = exitCode;
    if (check.traced && "response" in outcome.answer) {
      const traceId = outcome.answer.response.traceId;
      outcome.spanSeen = traceId !== undefined && (await whenSo(run, () => spans.has(traceId), REPORT_WAIT_MS));
    }
    return outcome as StopOutcome;
  } finally {
    unsubscribe();
  }
}

/**
 * Sends a request check's request (after its delay); with `expect.trace`, also gathers the spans of the trace the
 * request started until every span it expects has come, or its wait is over.
 */
async function runRequestCheck(run: RunHandle, check: RequestCheckSpec): Promise<CheckResult> {
  if (check.delayMs > 0) await sleep(check.delayMs);
  const spans: SpanData[] = [];
  let watching = false;
  const unsubscribe = check.expect.trace
    ? run.subscribe((event) => {
        if (watching && event.type === "span") spans.push(event.span);
      })
    : () => {};
  watching = true;
  try {
    const res = await run.request({
      service: check.service,
      method: check.method,
      path: check.path,
      headers: check.headers,
      body: check.body,
    });
    const result = evaluateCheck(check, res);
    const trace = check.expect.trace;
    if (trace) {
      const mine = (): SpanData[] => spans.filter((s) => s.traceId === res.traceId);
      await whenSo(run, () => traceComplete(trace, mine()), trace.waitMs);
      result.problems.push(...traceProblems(trace, res.traceId, spans));
      result.ok = result.problems.length === 0;
    }
    return result;
  } finally {
    unsubscribe();
  }
}

/**
 * A fault step: puts the fault on its link (or takes it off) through the run's fault proxy, then reads the link back
 * to prove it is (or no longer is) in force, so the checks that follow run under exactly what the step says.
 */
export async function runFaultStep(run: RunHandle, step: FaultCheckSpec): Promise<CheckResult> {
  const { link } = step;
  const links = step.add ? await run.addFault(link, step.add) : await run.removeFault(link, step.remove!);
  const state = links.find((l) => l.from === link.from && l.to === link.to);
  const problems: string[] = [];
  const name = step.add?.type ?? step.remove!;
  const present = state?.faults.find((f) => f.name === name);
  if (!state) problems.push(`the run has no fault link ${link.from} → ${link.to}`);
  else if (
    step.add &&
    !(present && Object.entries(step.add).every(([k, v]) => (present as Record<string, unknown>)[k] === v))
  )
    problems.push(
      `${link.from} → ${link.to} has ${present ? describeFault(present) : `no ${name}`} after adding ${describeFault({ ...step.add, name })}`,
    );
  else if (step.remove && present) problems.push(`${link.from} → ${link.to} still has ${describeFault(present)}`);
  return { name: step.name.en, ok: problems.length === 0, problems };
}

export async function runChecks(run: RunHandle, checks: CheckSpec[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    try {
      if (check.kind === "survives-stop") {
        results.push(evaluateSurvivesStop(check, await runSurvivesStop(run, check)));
        continue;
      }
      if (check.kind === "fault") {
        results.push(await runFaultStep(run, check));
        continue;
      }
      results.push(await runRequestCheck(run, check));
    } catch (err) {
      results.push({ name: check.name.en, ok: false, problems: [(err as Error).message] });
    }
  }
  return results;
}
