// One hostile case and how it is run: a fresh learner (client id) does the harm while the bystander is sampled; then
// its runs are stopped and the four promises are checked: a clear message, a responsive server, no outside fetch,
// nothing left behind. Every figure is recorded for the suite's table whether the case passes or not.
import type { EventLoopStats } from "../../../lib/server/event-loop";
import { newClientId, PageClient, sleep } from "./client";
import { ownerRunIds, snapshot, waitForNoLeftovers } from "./engine";
import type { LatencySummary, Playground } from "./playground";

/** The bystander's page and service must answer this fast (p95) while a case runs. */
export const P95_LIMIT_MS = 500;
/** Samples of each probe a case gathers at least, so its p95 means something. */
const MIN_SAMPLES = 20;
const LEFTOVER_WAIT_MS = 40_000;

export interface HostileCase {
  name: string;
  category: string;
  /** The case's own work (starting, attacking, looking for the message); stopping and checks come on top. */
  timeoutMs: number;
  run(ctx: CaseContext): Promise<void>;
}

export interface CaseRecord {
  name: string;
  category: string;
  passed: boolean;
  saw: string;
  page: LatencySummary;
  request: LatencySummary;
  eventLoop?: EventLoopStats;
  canaryHits: string[];
  leftovers: string[];
  failures: string[];
  seconds: number;
}

export class CaseContext {
  readonly clients: PageClient[] = [];
  readonly failures: string[] = [];
  readonly runIds = new Map<string, Set<string>>();
  seen = "";

  constructor(readonly pg: Playground) {}

  get canaryPort(): number {
    return this.pg.canary.port;
  }

  /** A new learner: its own client id and socket. Its runs are stopped and checked for leftovers after the case. */
  async client(): Promise<PageClient> {
    const client = await PageClient.connect(this.pg.baseUrl, newClientId("hostile"));
    this.clients.push(client);
    this.runIds.set(client.clientId, client.runIds);
    return client;
  }

  /** Records what the learner saw (the line the case matched). */
  saw(line: string): void {
    this.seen = this.seen ? `${this.seen} | ${line}` : line;
  }

  /** A broken promise of the case: recorded, and the case goes on so its figures are complete. */
  fail(message: string): void {
    this.failures.push(message);
  }

  check(ok: boolean, message: string): void {
    if (!ok) this.fail(message);
  }

  /** Waits for a line of the learner's view that matches; records it, or fails with what the learner did see. */
  async expectLine(client: PageClient, pattern: RegExp, timeoutMs: number, what: string): Promise<string | undefined> {
    const line = await client.waitLine(pattern, timeoutMs);
    if (line) this.saw(line);
    else {
      const tail = client.transcript().slice(-12).join("\n  ");
      this.fail(`${what}: no line matching ${pattern} within ${timeoutMs / 1000} s; the learner saw:\n  ${tail}`);
    }
    return line;
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export async function runCase(pg: Playground, c: HostileCase): Promise<CaseRecord> {
  const started = Date.now();
  const ctx = new CaseContext(pg);
  if (!(await pg.responsive())) await pg.recover(`before ${c.name}: the server or the bystander was down`);
  await pg.loopStats(true);
  const before = await snapshot();
  const sampler = pg.sampler();
  // The standby a run prepares for its owner is a run of its own: note every run id an owner has on the engine.
  let tracking = true;
  const tracker = (async () => {
    while (tracking) {
      for (const client of ctx.clients) {
        for (const id of await ownerRunIds(client.clientId).catch(() => [])) client.runIds.add(id);
      }
      await sleep(500);
    }
  })();

  try {
    await withTimeout(c.run(ctx), c.timeoutMs, c.name);
  } catch (err) {
    ctx.fail(`the case itself: ${(err as Error).message}`);
  }
  for (let i = 0; i < 75 && sampler.samples < MIN_SAMPLES; i++) await sleep(200);

  for (const client of ctx.clients) {
    await withTimeout(client.stop(), 60_000, "run:stop").catch((err: Error) => ctx.fail(err.message));
    client.close();
  }
  tracking = false;
  await tracker;
  const { page, request } = await sampler.stop();
  const eventLoop = await pg.loopStats(false);

  if (!(await pg.responsive())) {
    const tail = await pg.recover(`after ${c.name}: the server or the bystander stopped answering`);
    ctx.fail(`the server or the bystander stopped answering; the server's last output:\n${tail}`);
  }
  const leftovers: string[] = [];
  for (const client of ctx.clients) {
    leftovers.push(...(await waitForNoLeftovers(client.clientId, () => client.runIds, before, LEFTOVER_WAIT_MS)));
  }
  const canaryHits = pg.canary.since(started).map((h) => `${h.from}${h.request ? ` ${h.request}` : ""}`);

  if (!ctx.seen) ctx.fail("the learner saw no clear message");
  for (const [what, s] of [
    ["page", page],
    ["service request", request],
  ] as const) {
    if (!(s.p95 < P95_LIMIT_MS))
      ctx.fail(`the bystander's ${what} p95 was ${s.p95} ms (max ${s.max} ms, ${s.count} samples)`);
    if (s.failures.length) ctx.fail(`the bystander's ${what} failed ${s.failures.length}×: ${s.failures[0]}`);
  }
  if (canaryHits.length) ctx.fail(`the canary was reached: ${canaryHits.join("; ")}`);
  if (leftovers.length) ctx.fail(`left behind: ${leftovers.join("; ")}`);

  return {
    name: c.name,
    category: c.category,
    passed: ctx.failures.length === 0,
    saw: ctx.seen,
    page,
    request,
    eventLoop,
    canaryHits,
    leftovers,
    failures: ctx.failures,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

/** The bystander sampled with no hostile learner about: what the page and the service cost on this machine now. */
export async function baseline(pg: Playground, ms: number): Promise<CaseRecord> {
  const started = Date.now();
  await pg.loopStats(true);
  const sampler = pg.sampler();
  await sleep(ms);
  const { page, request } = await sampler.stop();
  return {
    name: "(baseline: no hostile learner)",
    category: "Baseline",
    passed: true,
    saw: "",
    page,
    request,
    eventLoop: await pg.loopStats(false),
    canaryHits: [],
    leftovers: [],
    failures: [],
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}
