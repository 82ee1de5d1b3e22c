// Hostile Go code in 16.1's user-service: bombs, spins, writes, privilege and network attempts, go generate. The
// sandbox must hold, and the learner must see the failure in the service's own log (or the run's).
import type { CaseContext, HostileCase } from "../support/case";
import type { PageClient } from "../support/client";
import { BYSTANDER_LESSON } from "../support/playground";
import {
  cpuSpin,
  CPU_SPIN_SECONDS,
  diskWrites,
  dnsLookups,
  forkBomb,
  GO_SERVICE,
  goGenerate,
  hostConnections,
  lessonFiles,
  memoryBomb,
  OUTSIDE_NAMES,
  privilegeAttempts,
} from "../support/programs";

const SERVICE = "user-service";
const START_TIMEOUT_MS = 120_000;

/** Runs 16.1 with user-service's main.go (and any other files) replaced; returns once it runs or fails. */
export async function runGo(ctx: CaseContext, main: string, extra: Record<string, string> = {}): Promise<PageClient> {
  const client = await ctx.client();
  const files = { ...(await lessonFiles(BYSTANDER_LESSON)), [`${GO_SERVICE}/main.go`]: main, ...extra };
  const started = await client.start(BYSTANDER_LESSON, files);
  ctx.check(started.ok, `Run was refused: ${started.ok ? "" : started.error.message}`);
  const stage = await client.waitStage(SERVICE, ["running", "failed", "stopped"], START_TIMEOUT_MS);
  ctx.check(stage !== undefined, `${SERVICE} neither ran nor failed within ${START_TIMEOUT_MS / 1000} s`);
  return client;
}

/** The service's own log line "hostile: <what>…", or the run's system line about it. */
const own = (what: string) => new RegExp(String.raw`^\[(?:stdout|stderr) ${SERVICE}\] hostile: ${what}`, "i");

function goCase(name: string, timeoutMs: number, run: (ctx: CaseContext) => Promise<void>): HostileCase {
  return { name, category: "Go code", timeoutMs, run };
}

export const goCases: HostileCase[] = [
  goCase("Go fork bomb", 90_000, async (ctx) => {
    const client = await runGo(ctx, forkBomb);
    const line = await ctx.expectLine(
      client,
      /hostile: fork bomb: \d+ processes started, then: .+|^\[system user-service\] .*(?:exited|killed)/i,
      30_000,
      "the fork bomb's outcome",
    );
    const m = /(\d+) processes started, then: (.+)$/.exec(line ?? "");
    if (m) {
      ctx.check(Number(m[1]) < 256, `${m[1]} processes were started: the pids limit did not hold`);
      ctx.check(
        /resource temporarily unavailable|cannot allocate memory|EAGAIN/i.test(m[2]),
        `the fork bomb ended with "${m[2]}", not at a process limit`,
      );
    }
  }),
  goCase("Go memory bomb", 90_000, async (ctx) => {
    const client = await runGo(ctx, memoryBomb);
    await ctx.expectLine(client, /out of memory|OOM/i, 45_000, "the memory limit's notice");
    const notStopped = client.transcript().find((l) => /nothing stopped it/.test(l));
    ctx.check(!notStopped, `the memory bomb was not stopped: ${notStopped}`);
  }),
  goCase("Go CPU spin", 90_000, async (ctx) => {
    const client = await runGo(ctx, cpuSpin);
    const line = await ctx.expectLine(client, own("cpu spin: .* cpu quota: .*"), 20_000, "the service's CPU quota");
    const m = /cpu quota: (-?\d+|max) (\d+)/.exec(line ?? "");
    ctx.check(
      !!m && m[1] !== "max" && Number(m[1]) > 0 && Number(m[1]) / Number(m[2]) <= 1,
      `the service's CPU is not limited to one core: ${line}`,
    );
    await ctx.expectLine(client, own("cpu spin: done"), (CPU_SPIN_SECONDS + 15) * 1000, "the spin's end");
  }),
  goCase("Go writes to / and /tmp", 90_000, async (ctx) => {
    const client = await runGo(ctx, diskWrites);
    await ctx.expectLine(client, own("write /hostile: .*read-only file system"), 30_000, "the root is read-only");
    await ctx.expectLine(client, own("write /etc/hostile: .*read-only file system"), 5_000, "/etc is read-only");
    await ctx.expectLine(
      client,
      /hostile: write \/tmp: \d+ MiB written, then: .*(?:no space left|cannot allocate memory)|out of memory/i,
      45_000,
      "/tmp is bounded",
    );
    const m = /write \/tmp: (\d+) MiB written/.exec(client.transcript().join("\n"));
    if (m) ctx.check(Number(m[1]) <= 520, `${m[1]} MiB were written to /tmp: its size limit did not hold`);
  }),
  goCase("Go setuid and mount attempts", 90_000, async (ctx) => {
    const client = await runGo(ctx, privilegeAttempts);
    await ctx.expectLine(client, own("privileges: done"), 30_000, "the attempts' end");
    const text = client.transcript().join("\n");
    for (const attempt of ["setuid\\(0\\)", "setgid\\(0\\)", "mount tmpfs", "mount proc", "chroot", "unshare"]) {
      const m = new RegExp(`hostile: ${attempt}: (.*)`).exec(text);
      ctx.check(
        !!m && /not permitted|permission denied|EPERM|invalid argument/i.test(m[1]),
        `${attempt.replace(/\\/g, "")} was not refused: ${m?.[1] ?? "no report"}`,
      );
    }
    ctx.saw(/hostile: setuid\(0\): .*/.exec(text)?.[0] ?? "");
    const uid = /hostile: privileges: done, uid (\d+) euid (\d+)/.exec(text);
    ctx.check(!!uid && uid[1] !== "0" && uid[2] !== "0", `the service ends up as ${uid?.[0] ?? "?"}`);
  }),
  goCase("Go DNS lookups of outside names", 90_000, async (ctx) => {
    const client = await runGo(ctx, dnsLookups);
    await ctx.expectLine(client, own("lookups: done"), 40_000, "the lookups' end");
    const text = client.transcript().join("\n");
    for (const name of OUTSIDE_NAMES) {
      const m = new RegExp(`hostile: lookup ${name.replace(/\./g, "\\.")}: (.*)`).exec(text);
      ctx.check(!!m && /^\[\], /.test(m[1]), `the lookup of ${name} answered: ${m?.[1] ?? "no report"}`);
    }
    ctx.saw(new RegExp(`hostile: lookup ${OUTSIDE_NAMES[0].replace(/\./g, "\\.")}: .*`).exec(text)?.[0] ?? "");
  }),
  goCase("Go dials the Docker socket and the host via the gateway", 90_000, async (ctx) => {
    const client = await runGo(ctx, hostConnections(ctx.canaryPort, ctx.pg.port));
    await ctx.expectLine(client, own("connections: done"), 45_000, "the attempts' end");
    const text = client.transcript().join("\n");
    const connected = text.split("\n").filter((l) => /hostile: .*: connected/.test(l));
    ctx.check(connected.length === 0, `reached from the sandbox: ${connected.join("; ")}`);
    const canaryDial = new RegExp(`hostile: dial \\S+:${ctx.canaryPort}: .*`).exec(text)?.[0];
    ctx.check(
      !!canaryDial && /timeout|refused|unreachable|no route/i.test(canaryDial),
      `the dial to the canary did not fail visibly: ${canaryDial ?? "no report"}`,
    );
    ctx.saw(canaryDial ?? "");
    ctx.saw(/hostile: dial \/var\/run\/docker.sock: .*/.exec(text)?.[0] ?? "");
  }),
  goCase("go generate directive", 90_000, async (ctx) => {
    const { main, script } = goGenerate(ctx.canaryPort);
    const client = await runGo(ctx, main, { [`${GO_SERVICE}/gen.sh`]: script });
    const line = await ctx.expectLine(
      client,
      /hostile: go generate ran as uid \d+|^\[(?:system|stage|error|marker)[^\]]*\] .*go(?: |:)generate/i,
      30_000,
      "go generate ran sandboxed, or was refused",
    );
    const uid = /ran as uid (\d+)/.exec(line ?? "");
    if (uid) {
      ctx.check(uid[1] !== "0", "go generate ran as root");
      const text = client.transcript().join("\n");
      ctx.check(!/go generate reached the canary/.test(text), "go generate reached the canary");
      ctx.check(/go generate could not reach/.test(text), "go generate's fetch did not report failing");
      ctx.check(/go generate cannot write \/etc/.test(text), "go generate could write /etc");
    }
  }),
];
