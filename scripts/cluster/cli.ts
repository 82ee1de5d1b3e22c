// `npm run cluster -- build | up | down | status | logs <component>`: the local single-node Kubernetes cluster.
import { existsSync } from "node:fs";
import { build } from "./build";
import { status } from "./health";
import { COMPONENT_NAMES, logFile } from "./processes";
import { progress, resetProgress, runAsync } from "./shell";
import { down } from "./teardown";
import { up } from "./up";

const USAGE = `usage: npm run cluster -- <command>
  build             compile/fetch the binaries and images (cached; a no-op when up to date)
  up [--keep-on-failure]  start the cluster and wait for node Ready and CoreDNS
  status            health of every part; exit 0 only if all are good
  down              stop everything and put the host back as it was
  logs <component>  follow a component's log (${COMPONENT_NAMES.join(", ")})`;

const [command, ...rest] = process.argv.slice(2);
try {
  if (process.getuid?.() !== 0 && command !== "logs")
    throw new Error("the cluster needs root (bridges, iptables, mounts)");
  switch (command) {
    case "build":
      resetProgress();
      await build();
      break;
    case "up":
      resetProgress();
      progress("starting the cluster");
      try {
        await up({ keepOnFailure: rest.includes("--keep-on-failure") });
        progress("cluster ready");
      } catch (e) {
        progress(`cluster failed: ${e instanceof Error ? e.message.split("\n")[0] : e}`);
        throw e;
      }
      break;
    case "down":
      await down();
      break;
    case "status":
      process.exitCode = (await status()) ? 0 : 1;
      break;
    case "logs": {
      const name = rest[0];
      if (!name || !COMPONENT_NAMES.includes(name)) throw new Error(`name a component: ${COMPONENT_NAMES.join(", ")}`);
      if (!existsSync(logFile(name))) throw new Error(`no log yet: ${logFile(name)}`);
      await runAsync("tail", ["-n", "100", "-F", logFile(name)]);
      break;
    }
    default:
      console.log(USAGE);
      process.exitCode = command ? 2 : 0;
  }
} catch (e) {
  console.error(`✗ ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
}
