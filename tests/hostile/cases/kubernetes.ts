// Hostile Kubernetes manifests for 16.8.2: thousands of containerPorts, and a pod that asks for the host (privileged,
// a hostPath of /). Both must be refused by the playground's own checks, before any image is built and before the
// cluster is asked (so they are refused the same with no cluster running). And the Shell of such a refused run, where
// a learner looks for kubectl: it has none, says why, and nothing of the cluster is bound into it.
import type { CaseContext, HostileCase } from "../support/case";
import { ownerContainers } from "../support/engine";
import { lessonFiles } from "../support/programs";
import { failureLine } from "./dockerfile";

const LESSON = "kubernetes";
const MANIFEST = "k8s/app.yaml";
const SERVICE = "web";
// Under the manifest size cap (a larger file is refused before it is parsed), so the ports bound itself is what refuses.
export const MANY_PORTS = 1000;

function edit(text: string, after: string, insert: string): string {
  const at = text.indexOf(after);
  if (at < 0) throw new Error(`"${after.trim()}" is no longer in ${MANIFEST}: update the hostile case`);
  return text.slice(0, at + after.length) + insert + text.slice(at + after.length);
}

async function runManifest(ctx: CaseContext, change: (yaml: string) => string) {
  const client = await ctx.client();
  const files = await lessonFiles(LESSON);
  files[MANIFEST] = change(files[MANIFEST]);
  const started = await client.start(LESSON, files);
  const stage = started.ok ? await client.waitStage(SERVICE, ["running", "failed", "stopped"], 150_000) : undefined;
  ctx.check(stage === "failed" || !started.ok, `the manifests were not refused: ${SERVICE} is ${stage}`);
  return client;
}

/** The privileged pod of the case below: refused by the playground's own checks, so no namespace is ever made. */
function privileged(yaml: string): string {
  const escalated = yaml.replace(
    "            allowPrivilegeEscalation: false\n",
    "            privileged: true\n            allowPrivilegeEscalation: true\n",
  );
  if (escalated === yaml) throw new Error(`the securityContext is no longer in ${MANIFEST}: update the hostile case`);
  return escalated;
}

export const kubernetesCases: HostileCase[] = [
  {
    name: `Kubernetes: ${MANY_PORTS} containerPorts`,
    category: "Kubernetes",
    timeoutMs: 180_000,
    async run(ctx) {
      const ports = Array.from({ length: MANY_PORTS - 1 }, (_, i) => `            - containerPort: ${10_000 + i}\n`);
      // One replica, so that a manifest taken anyway would cost one pod only.
      const client = await runManifest(ctx, (yaml) =>
        edit(yaml, "containerPort: 8080\n", ports.join("")).replace("replicas: 3", "replicas: 1"),
      );
      await ctx.expectLine(client, failureLine(/ports?|too many/), 5_000, "a refusal naming the ports");
      for (const c of await ownerContainers(client.clientId)) {
        const published = Object.keys(c.HostConfig.PortBindings ?? {}).length;
        ctx.check(published <= 16, `${c.Name} publishes ${published} ports`);
      }
    },
  },
  {
    name: "Kubernetes: privileged pod with hostPath /",
    category: "Kubernetes",
    timeoutMs: 180_000,
    async run(ctx) {
      const client = await runManifest(ctx, (yaml) => {
        // The container's own securityContext turned privileged, and the host's root mounted.
        const escalated = privileged(yaml);
        const container = edit(
          escalated,
          "image: playground/web:1.0 # a pinned tag, never :latest\n",
          ["          volumeMounts:", "            - name: host-root", "              mountPath: /host", ""].join("\n"),
        );
        const at = container.indexOf("---\napiVersion: v1\nkind: Service");
        if (at < 0) throw new Error(`the Service is no longer second in ${MANIFEST}: update the hostile case`);
        const volumes = [
          "      volumes:",
          "        - name: host-root",
          "          hostPath:",
          "            path: /",
          "",
        ];
        return container.slice(0, at) + volumes.join("\n") + container.slice(at);
      });
      await ctx.expectLine(
        client,
        failureLine(/privileged|hostPath|host path|not allowed|volume/),
        5_000,
        "a refusal of the privileged pod or its hostPath",
      );
      for (const c of await ownerContainers(client.clientId)) {
        ctx.check(!c.HostConfig.Privileged, `${c.Name} is privileged`);
        const mounts = (c.Mounts ?? []).filter((m) => m.Type === "bind" || m.Type === "volume");
        ctx.check(mounts.length === 0, `${c.Name} mounts ${mounts.map((m) => m.Source).join(", ")}`);
      }
    },
  },
  {
    name: "Kubernetes: the Shell of a refused run asks for kubectl",
    category: "Kubernetes",
    timeoutMs: 120_000,
    async run(ctx) {
      // The Shell opened as Run is pressed (as the page does), for manifests the playground refuses: no namespace is
      // ever made, so the shell gets no kubectl. It opens saying so, or is refused because the run already ended;
      // either way promptly, and nothing of the cluster (socket, kubeconfig, kubectl) is bound into any container.
      const client = await ctx.client();
      const files = await lessonFiles(LESSON);
      files[MANIFEST] = privileged(files[MANIFEST]);
      let text = "";
      client.socket.on("shell:output", ({ runId, data }) => {
        text += data;
        client.socket.emit("shell:ack", { runId, chars: data.length });
      });
      const started = await client.start(LESSON, files);
      ctx.check(started.ok, "Run was not accepted");
      const t0 = Date.now();
      const opened = await client.call("shell:open", { runId: client.runId!, cols: 120, rows: 30 }, 30_000);
      ctx.check(Date.now() - t0 < 20_000, `the shell took ${Date.now() - t0} ms to answer`);
      const waitFor = async (pattern: RegExp, ms: number): Promise<boolean> => {
        const deadline = Date.now() + ms;
        while (!pattern.test(text) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        return pattern.test(text);
      };
      if (opened.ok) {
        ctx.check(await waitFor(/No kubectl in this shell/, 10_000), `no word on kubectl: ${text.slice(-300)}`);
        client.socket.emit("shell:input", { runId: client.runId!, data: "kubectl get pods; echo KUBE-$((6*7))\n" });
        // The run ends (its manifests were refused), and its shell with it: kubectl never answers from a cluster.
        await waitFor(/KUBE-42/, 5_000);
        ctx.check(!/web-[a-z0-9]+-[a-z0-9]{5}/.test(text), `kubectl listed pods: ${text.slice(-300)}`);
      } else {
        ctx.check(/ended/i.test(opened.error.message), `unexpected refusal: ${opened.error.message}`);
      }
      const stage = await client.waitStage(SERVICE, ["failed", "stopped"], 60_000);
      ctx.check(stage !== undefined, "the refused run did not end");
      await ctx.expectLine(client, failureLine(/privileged/), 5_000, "a refusal of the privileged pod");
      for (const c of await ownerContainers(client.clientId)) {
        const mounts = (c.Mounts ?? []).filter((m) => m.Type === "bind" || m.Type === "volume");
        ctx.check(mounts.length === 0, `${c.Name} mounts ${mounts.map((m) => m.Source).join(", ")}`);
      }
    },
  },
];
