// Isolation as the host firewall shows it: while a run is up its bridge has rules (IPv4 and IPv6) that drop what
// leaves it and new connections from it to the host; they go with the run (checked by the leftover pass after it).
// Nothing is dialled: the rules are read with iptables -S / ip6tables -S.
import { existsSync } from "node:fs";
import type { HostileCase } from "../support/case";
import { bridgeOf, firewallRules, ownerRunIds } from "../support/engine";
import { BYSTANDER_LESSON } from "../support/playground";

export const isolationCases: HostileCase[] = [
  {
    name: "firewall rules of a run's bridge",
    category: "Isolation",
    timeoutMs: 150_000,
    async run(ctx) {
      const client = await ctx.client();
      const started = await client.start(BYSTANDER_LESSON, null);
      if (!started.ok) return ctx.fail(`Run was refused: ${started.error.message}`);
      const stage = await client.waitStage("monolith", ["running", "failed"], 120_000);
      ctx.check(stage === "running", `the run is ${stage}`);
      const ipv6 = existsSync("/proc/sys/net/ipv6");
      // The run itself, and the standby it prepares for the learner's next Run: each network is isolated.
      const runIds = new Set([started.answer.run.runId, ...(await ownerRunIds(client.clientId))]);
      for (const runId of runIds) {
        const bridge = bridgeOf(runId);
        const rules = await firewallRules(bridge);
        const v4 = rules.filter((r) => r.startsWith("iptables "));
        const v6 = rules.filter((r) => r.startsWith("ip6tables "));
        ctx.check(
          v4.some((r) => /-A DOCKER-USER -i \S+ ! -o \S+ -j DROP/.test(r)),
          `${bridge}: nothing drops what leaves it (IPv4): ${v4.join("; ") || "no rules"}`,
        );
        ctx.check(
          v4.some((r) => /-A INPUT -i \S+ .*(?:NEW|-j DROP)/.test(r) && /DROP|REJECT/.test(r)),
          `${bridge}: nothing drops its connections to the host (IPv4): ${v4.join("; ") || "no rules"}`,
        );
        if (ipv6) {
          ctx.check(
            v6.some((r) => /-A FORWARD -i /.test(r) && /DROP|REJECT/.test(r)),
            `${bridge}: nothing drops what leaves it (IPv6): ${v6.join("; ") || "no rules"}`,
          );
          ctx.check(
            v6.some((r) => /-A INPUT -i /.test(r) && /DROP|REJECT/.test(r)),
            `${bridge}: nothing drops its connections to the host (IPv6): ${v6.join("; ") || "no rules"}`,
          );
        }
        if (runId === started.answer.run.runId)
          ctx.saw(`${bridge}: ${v4.length} IPv4 and ${v6.length} IPv6 rules while it runs`);
      }
    },
  },
];
