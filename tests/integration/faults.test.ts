// Faults on a link of a run, against the real engine: 16.9's shop → inventory goes through the run's Toxiproxy, and
// latency, a reset and their removal show in what the shop measures of its calls; the proxy is hardened like a
// service, driven from the shell too, unreachable from another run, and gone with its run.
import { describe, expect, it } from "vitest";
import { startRun, type RunHandle, type ShellHandle } from "../../sandbox/index";
import { engine, leftovers, sandboxHooks } from "./helpers";

const started = sandboxHooks({ reap: true });
const LINK = { from: "shop-service", to: "inventory-service" };

interface Purchase {
  status: number;
  attempts: number;
  log: { outcome: string; duration_ms: number }[];
}

async function buy(r: RunHandle): Promise<Purchase> {
  const res = await r.request({ service: "shop-service", method: "GET", path: "/buy/1" });
  const body = JSON.parse(res.body) as { attempts: number; attempt_log: Purchase["log"] };
  return { status: res.status, attempts: body.attempts, log: body.attempt_log };
}

/** Reads a shell until its output matches. */
function reader(shell: ShellHandle) {
  let text = "";
  shell.attach({
    output: (data) => {
      text += data;
      shell.ack(data.length);
    },
    exit: () => {},
    moved: () => {},
  });
  return async (pattern: RegExp, timeoutMs = 15_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(text)) {
      if (Date.now() > deadline)
        throw new Error(`the shell never printed ${pattern}; it printed:\n${text.slice(-2000)}`);
      await new Promise((res) => setTimeout(res, 50));
    }
    return text;
  };
}

const container = async (runId: string, service: string) => {
  const [c] = await engine.listContainers({
    all: true,
    filters: { label: [`playground.run=${runId}`, `playground.service=${service}`] },
  });
  return engine.getContainer(c.Id).inspect();
};

describe("faults on a link", () => {
  it("slow, reset and restore shop → inventory through the run's Toxiproxy", async () => {
    const r = await startRun("best-practices", null, { owner: "it-faults" });
    started.push(r);
    await r.whenAllRunning();

    // The proxy: hardened like a service, its API published on 127.0.0.1 only.
    const proxy = await container(r.id, "faults");
    expect(proxy.Config.User).toBe("1000:1000");
    expect(proxy.HostConfig).toMatchObject({ ReadonlyRootfs: true, CapDrop: ["ALL"], PidsLimit: 64 });
    expect(proxy.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(proxy.HostConfig.SecurityOpt).toContain("no-new-privileges");
    expect(proxy.HostConfig.PortBindings).toEqual({ "8474/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] });
    const address = Object.values(proxy.NetworkSettings.Networks)[0].IPAddress;
    // Only the caller is routed through it: its /etc/hosts names the proxy for the callee; the callee's own has nothing.
    expect((await container(r.id, "shop-service")).HostConfig.ExtraHosts).toEqual([`inventory-service:${address}`]);
    expect((await container(r.id, "inventory-service")).HostConfig.ExtraHosts ?? []).toEqual([]);

    expect(await r.faultLinks()).toEqual([
      { ...LINK, proxy: "shop-service__inventory-service", enabled: true, faults: [] },
    ]);
    const before = await buy(r);
    expect(before.status).toBe(200);

    // Latency: the request and its answer each come 300 ms late (600 ms, below the shop's 1 s attempt timeout).
    const events: string[] = [];
    r.subscribe((e) => e.type === "faults" && events.push(JSON.stringify(e.links)));
    const links = await r.addFault(LINK, { type: "latency", latencyMs: 300, jitterMs: 0 });
    expect(links[0].faults).toEqual([{ name: "latency", type: "latency", latencyMs: 300, jitterMs: 0 }]);
    expect(events.at(-1)).toContain('"latencyMs":300');
    const slow = await buy(r);
    console.log(
      `[faults] attempt on shop → inventory: ${before.log[0].duration_ms} ms without a fault, ${slow.log[0].duration_ms} ms with 300 ms of latency each way`,
    );
    // A lower bound only: on a busy machine an attempt may also take longer (and then time out and be retried).
    expect(slow.status).toBe(200);
    expect(slow.log[0].duration_ms).toBeGreaterThanOrEqual(600);

    // A reset: every attempt's connection is cut, so the purchase fails after its retries.
    await r.removeFault(LINK, "latency");
    await r.addFault(LINK, { type: "reset", afterMs: 0 });
    const reset = await buy(r);
    // 502 once the retries are spent; 504 when a slow machine lets the purchase's 3 s deadline come first.
    expect([502, 504], JSON.stringify(reset.log)).toContain(reset.status);
    expect(reset.attempts).toBeGreaterThanOrEqual(2);
    expect(reset.log.map((a) => a.outcome).join("\n")).toMatch(/reset by peer/);

    // Removed: back to one quick attempt.
    const cleared = await r.removeFault(LINK, "reset");
    expect(cleared[0].faults).toEqual([]);
    const after = await buy(r);
    expect(after).toMatchObject({ status: 200, attempts: 1 });
    expect(after.log[0].duration_ms).toBeLessThan(600);

    // The shell drives the same proxy with toxiproxy-cli; the page's list shows what it added.
    const shell = await r.openShell({ cols: 120, rows: 30 });
    const until = reader(shell);
    await until(/shell:\/tmp\$ /);
    shell.write(
      "toxiproxy-cli toxic add -t latency -a latency=50 -n slow shop-service__inventory-service && echo ADDED-$((6*7))\n",
    );
    await until(/ADDED-42/);
    const fromShell = await r.faultLinks();
    expect(fromShell[0].faults).toEqual([
      { type: "other", name: "slow", toxicType: "latency", attributes: { latency: 50, jitter: 0 } },
    ]);
    await r.removeFault(LINK, "slow");
    expect((await r.faultLinks())[0].faults).toEqual([]);

    // Another run cannot reach this run's proxy, not its API and not its listeners.
    const other = await startRun("monolith-vs-microservices", null, { owner: "it-faults-other" });
    started.push(other);
    await other.whenAllRunning();
    const otherShell = await other.openShell({ cols: 120, rows: 30 });
    const otherUntil = reader(otherShell);
    await otherUntil(/shell:\/tmp\$ /);
    otherShell.write(
      `wget -T 3 -qO- http://${address}:8474/proxies >/dev/null 2>&1 && echo API-REACHED || echo API-$((6*7))-REFUSED\n`,
    );
    // The command line echoes both words; only the answer starts a line with one.
    const answered = await otherUntil(/\nAPI-(REACHED|42-REFUSED)/);
    expect(answered).toMatch(/\nAPI-42-REFUSED/);
    expect(answered).not.toMatch(/\nAPI-REACHED/);
    await other.stop();

    await r.stop();
    expect(await leftovers(r.id)).toEqual({ containers: 0, networks: 0 });
  }, 240_000);
});
