// A run's shell against the real engine: a terminal in a hardened toolbox container on the run's network, the
// services reachable by name, output held back while nobody reads it, and gone with the run.
import { createServer, type AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { startRun, type ShellHandle } from "../../sandbox/index";
import { SHELL_WINDOW_BYTES } from "../../sandbox/limits";
import { engine, sandboxHooks } from "./helpers";

const SLUG = "monolith-vs-microservices";
const started = sandboxHooks({ reap: true });

/** Reads a shell as a tab would, acknowledging what it "wrote" only when told to. */
function reader(shell: ShellHandle, autoAck = true) {
  let text = "";
  let exit: number | undefined;
  shell.attach({
    output: (data) => {
      text += data;
      if (autoAck) shell.ack(data.length);
    },
    exit: (code) => (exit = code),
    moved: () => {},
  });
  const until = async (pattern: RegExp, timeoutMs = 15_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(text)) {
      if (Date.now() > deadline)
        throw new Error(`the shell never printed ${pattern}; it printed:\n${text.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return text;
  };
  return { until, text: () => text, exit: () => exit };
}

const shellContainers = async (runId: string) =>
  engine.listContainers({ all: true, filters: { label: [`playground.run=${runId}`, "playground.service=shell"] } });

describe("a run's shell", () => {
  it("is a hardened terminal on the run's network where the services answer by name", async () => {
    const r = await startRun(SLUG, null, { owner: "it-shell" });
    started.push(r);
    await r.whenAllRunning();
    const shell = await r.openShell({ cols: 100, rows: 30 });
    const out = reader(shell);
    await out.until(/shell:\/tmp\$ /);
    shell.write("id -u; wget -qO- http://user-service:8081/health; echo; echo END-$((6*7))\n");
    const text = await out.until(/END-42/);
    expect(text).toMatch(/\r?\n1000\r?\n/);
    expect(text).toMatch(/ok|healthy|"status"/i);

    const [container] = await shellContainers(r.id);
    const info = await engine.getContainer(container.Id).inspect();
    expect(info.Config.Tty).toBe(true);
    expect(info.Config.User).toBe("1000:1000");
    expect(info.HostConfig).toMatchObject({ ReadonlyRootfs: true, CapDrop: ["ALL"], PidsLimit: 64 });
    expect(info.HostConfig.SecurityOpt).toContain("no-new-privileges");
    expect(info.HostConfig.PortBindings ?? {}).toEqual({});

    // Opening it again (another tab, a reload) gives the same shell.
    expect(await r.openShell({ cols: 80, rows: 24 })).toBe(shell);
    await r.stop();
    expect(await shellContainers(r.id)).toHaveLength(0);
  });

  it("holds output back while the reader is behind, losing none of it", async () => {
    const r = await startRun(SLUG, null, { owner: "it-shell-flow" });
    started.push(r);
    await r.whenAllRunning();
    const shell = await r.openShell({ cols: 80, rows: 24 });
    const out = reader(shell, false);
    await out.until(/shell:\/tmp\$ /);
    shell.ack(out.text().length);
    const before = out.text().length;
    // 1 MiB of output, four times the window.
    shell.write(
      "yes 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz | head -c 1048576; echo; echo FLOW-$((40+2))\n",
    );
    await new Promise((r) => setTimeout(r, 2000));
    const held = out.text().length - before;
    expect(held).toBeLessThan(SHELL_WINDOW_BYTES + 256 * 1024);
    expect(out.text()).not.toMatch(/FLOW-42/);
    // The reader catches up: the rest comes, all of it.
    const timer = setInterval(() => shell.ack(SHELL_WINDOW_BYTES), 20);
    try {
      await out.until(/FLOW-42/, 30_000);
    } finally {
      clearInterval(timer);
    }
    const lines = out
      .text()
      .split(/\r?\n/)
      .filter((l) => l.startsWith("0123456789abc"));
    // 1 MiB of 73-byte lines (the last one cut), as a terminal shows them.
    expect(lines.length).toBeGreaterThanOrEqual(Math.floor(1048576 / 73));
  });

  it("starts anew after `exit`, and refuses a run that has ended", async () => {
    const r = await startRun(SLUG, null, { owner: "it-shell-exit" });
    started.push(r);
    await r.whenAllRunning();
    const first = await r.openShell({ cols: 80, rows: 24 });
    const out = reader(first);
    await out.until(/shell:\/tmp\$ /);
    first.write("exit 3\n");
    for (let i = 0; i < 100 && out.exit() === undefined; i++) await new Promise((res) => setTimeout(res, 50));
    expect(out.exit()).toBe(3);
    const second = await r.openShell({ cols: 80, rows: 24 });
    expect(second).not.toBe(first);
    await reader(second).until(/shell:\/tmp\$ /);
    await r.stop();
    await expect(r.openShell({ cols: 80, rows: 24 })).rejects.toThrow(/ended/);
  });

  it("runs grpcurl against 16.4.2's user-service, and reaches neither the host nor another run", async () => {
    // A listener on every address of the host: without the firewall the shell could open it through its gateway.
    const host = createServer((socket) => socket.end("HOST-ANSWERED\n"));
    await new Promise<void>((resolve) => host.listen(0, "0.0.0.0", resolve));
    const hostPort = (host.address() as AddressInfo).port;
    try {
      const other = await startRun(SLUG, null, { owner: "it-shell-other" });
      started.push(other);
      const r = await startRun("grpc", null, { owner: "it-shell-grpc" });
      started.push(r);
      await Promise.all([r.whenAllRunning(), other.whenAllRunning()]);
      const shell = await r.openShell({ cols: 120, rows: 30 });
      const out = reader(shell);
      await out.until(/shell:\/tmp\$ /);
      shell.write("grpcurl -plaintext user-service:50051 list; echo GRPC-$((40+2))\n");
      expect(await out.until(/GRPC-42/, 30_000)).toMatch(/user\.v1\.UserService/);

      const [container] = await shellContainers(r.id);
      const info = await engine.getContainer(container.Id).inspect();
      const gateway = Object.values(info.NetworkSettings.Networks ?? {})[0]?.Gateway;
      expect(gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      const [monolith] = await engine.listContainers({
        filters: { label: [`playground.run=${other.id}`, "playground.service=monolith"] },
      });
      const otherIp = Object.values(monolith.NetworkSettings.Networks ?? {})[0]?.IPAddress;
      expect(otherIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      shell.write(
        `nc -w 3 ${gateway} ${hostPort} </dev/null; echo "host=$?"; ` +
          `wget -T 3 -qO- http://${otherIp}:8080/users; echo "other=$?"; ` +
          `nslookup monolith >/dev/null 2>&1; echo "name=$?"; echo NET-$((1+1))\n`,
      );
      const text = await out.until(/NET-2\r?\n/, 30_000);
      expect(text).not.toContain("HOST-ANSWERED");
      expect(text).toMatch(/host=[1-9]/);
      expect(text).toMatch(/other=[1-9]/);
      expect(text).toMatch(/name=[1-9]/);
      await Promise.all([r.stop(), other.stop()]);
    } finally {
      host.close();
    }
  });
});
