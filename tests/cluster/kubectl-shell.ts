// The Shell of a lesson 16.8.2 run on the real cluster (called from cluster.test.ts while it is up): kubectl works on
// the run's namespace and lists its pods, scales its Deployment, reads a pod's log and port-forwards to one; other
// namespaces, nodes and Secrets are refused (by the proxy's path filter, and by RBAC on its own); nothing of it stays
// once the run ends.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { AppsV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import Docker from "dockerode";
import { afterAll, describe, expect, it } from "vitest";
import { localCluster, startRun, stopAllRuns, type RunHandle, type ShellHandle } from "../../sandbox/index";
import { LESSONS_ROOT } from "../../lib/server/lessons";
import { paths } from "../../scripts/cluster/settings";
import { kubectlArgs } from "../../scripts/cluster/shell";

const SLUG = "kubernetes";
/** The cluster test's own namespace, standing for another learner's. */
const OUTSIDER_NS = "cluster-test";
const SOCKETS = path.join(os.tmpdir(), "playground-kube-shells");

function clients(): { core: CoreV1Api; apps: AppsV1Api } {
  const kc = new KubeConfig();
  kc.loadFromFile(localCluster.kubeconfig);
  return { core: kc.makeApiClient(CoreV1Api), apps: kc.makeApiClient(AppsV1Api) };
}

/** Reads a shell as a tab would; `run` types a command and waits for its end marker. */
function terminal(shell: ShellHandle) {
  let text = "";
  shell.attach({
    output: (data) => {
      text += data;
      shell.ack(data.length);
    },
    exit: () => {},
    moved: () => {},
  });
  let n = 0;
  const until = async (pattern: RegExp, timeoutMs = 30_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(text)) {
      if (Date.now() > deadline)
        throw new Error(`the shell never printed ${pattern}; it printed:\n${text.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return text;
  };
  /** Runs one command line; its output (with the echoed command line removed). */
  const run = async (command: string, timeoutMs = 30_000): Promise<string> => {
    const marker = `DONE-${++n}-$((6*7))`;
    const from = text.length;
    shell.write(`${command}; echo ${marker.replace("$((6*7))", "$?-$((6*7))")}\n`);
    const done = new RegExp(`DONE-${n}-(\\d+)-42`);
    await until(done, timeoutMs);
    const out = text.slice(from);
    const end = out.search(done);
    // Drop the echoed command line (its marker is not expanded there).
    const body = out.slice(out.indexOf("\n") + 1, end);
    return `${body}\nexit ${done.exec(out)![1]}`;
  };
  return { until, run, text: () => text };
}

export function describeKubectlShell(): void {
  describe("kubectl in a 16.8.2 run's shell", () => {
    const owner = "cluster-it-kubectl";
    let run: RunHandle;
    let namespace: string;
    let sh: ReturnType<typeof terminal>;

    afterAll(async () => {
      await stopAllRuns();
    });

    it("opens on the run's namespace and lists the run's pods", async () => {
      run = await startRun(SLUG, null, { owner });
      const events: string[] = [];
      run.subscribe((e) => e.type === "log" && events.push(e.text));
      await run.whenAllRunning();
      namespace = /namespace (pg-kubernetes-[0-9a-f]{10})/.exec(events.join(""))![1];
      const t0 = Date.now();
      const shell = await run.openShell({ cols: 160, rows: 40 });
      sh = terminal(shell);
      await sh.until(/shell:\/tmp\$ /);
      console.log(`shell with kubectl open in ${Date.now() - t0} ms`);
      expect(sh.text()).toContain(`kubectl works here on your namespace ${namespace} only`);

      const t1 = Date.now();
      const pods = await sh.run("kubectl get pods --no-headers");
      console.log(`kubectl get pods in the shell: ${Date.now() - t1} ms`);
      expect(pods).toMatch(/exit 0$/);
      const listed = [...pods.matchAll(/^(web-[a-z0-9]+-[a-z0-9]{5})\s+1\/1\s+Running/gm)].map((m) => m[1]).sort();
      const actual = (await clients().core.listNamespacedPod({ namespace })).items.map((p) => p.metadata!.name!).sort();
      expect(listed).toEqual(actual);
      expect(listed).toHaveLength(3);

      // The container: kubectl and the socket bound in read-only, nothing published, hardened as every shell.
      const docker = new Docker();
      const [c] = await docker.listContainers({
        filters: { label: [`playground.run=${run.id}`, "playground.service=shell"] },
      });
      const info = await docker.getContainer(c.Id).inspect();
      expect(info.HostConfig).toMatchObject({ ReadonlyRootfs: true, CapDrop: ["ALL"] });
      expect(info.HostConfig.PortBindings ?? {}).toEqual({});
      expect(info.Mounts.map((m) => [m.Destination, m.RW]).sort()).toEqual([
        ["/opt/kube", false],
        ["/opt/kubectl/kubectl", false],
      ]);
      // No credential inside: the kubeconfig names no user secret, and the environment holds no token.
      const inside = await sh.run("cat $KUBECONFIG; env | grep -ic token");
      expect(inside).toContain(`namespace: ${namespace}`);
      expect(inside).not.toMatch(/token:|client-key|client-certificate/);
    });

    it("reads a Deployment's log, scales it and deletes a pod", async () => {
      const logs = await sh.run("kubectl logs deploy/web --tail=5");
      expect(logs).toMatch(/listening on :8080/);
      const scaled = await sh.run("kubectl scale deployment/web --replicas=2");
      expect(scaled).toContain("deployment.apps/web scaled");
      const { apps, core } = clients();
      expect((await apps.readNamespacedDeployment({ name: "web", namespace })).spec?.replicas).toBe(2);
      const victim = (await core.listNamespacedPod({ namespace })).items[0].metadata!.name!;
      const deleted = await sh.run(`kubectl delete pod ${victim} --wait=false`);
      expect(deleted).toContain(`pod "${victim}" deleted`);
      const described = await sh.run("kubectl describe deployment web | head -20");
      expect(described).toMatch(/Replicas:\s+2 desired/);
    });

    it("port-forwards to a pod, which the shell's own network cannot reach", async () => {
      // The pods replaced by the scale and the delete above are Ready again first.
      expect(await sh.run("kubectl rollout status deployment/web --timeout=90s", 100_000)).toMatch(/exit 0$/);
      const answer = await sh.run(
        "kubectl port-forward svc/web 18080:80 >/tmp/pf.log 2>&1 & " +
          "for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://127.0.0.1:18080/ && break; sleep 1; done; kill %1",
        60_000,
      );
      expect(answer).toMatch(/"pod":"web-/);
    });

    it("refuses other namespaces, nodes and Secrets", async () => {
      for (const command of [
        "kubectl get pods -n kube-system",
        `kubectl get pods -n ${OUTSIDER_NS}`,
        "kubectl get nodes",
        "kubectl get namespaces",
        "kubectl get secrets",
        "kubectl get secret web-secrets -o yaml",
        "kubectl create deployment x --image=playground.local/pause:3.10",
        "kubectl set image deployment/web web=playground.local/pause:3.10",
        "kubectl get pods -A",
      ]) {
        const out = await sh.run(command);
        expect(out, command).toMatch(/Error from server \(Forbidden\)|forbidden/);
        expect(out, command).not.toMatch(/exit 0$/);
      }
      // The Secret, the Deployment and the other namespace are as they were.
      const { apps } = clients();
      const web = await apps.readNamespacedDeployment({ name: "web", namespace });
      expect(web.spec?.template.spec?.containers[0].image).toMatch(new RegExp(`^playground.local/${namespace}/`));
    });

    it("has its proxy refuse another namespace's path, whatever the request says", async () => {
      const code = (target: string, header = "") =>
        sh.run(
          `curl -s --path-as-is -o /dev/null -w 'code=%{http_code}\\n' ${header} 'http://127.0.0.1:8001${target}'`,
        );
      expect(await code(`/api/v1/namespaces/${namespace}/pods`)).toContain("code=200");
      expect(await code(`/api/v1/namespaces/${OUTSIDER_NS}/pods`)).toContain("code=403");
      expect(await code(`/api/v1/namespaces/${namespace}/../${OUTSIDER_NS}/pods`)).toContain("code=403");
      expect(await code(`/api/v1/namespaces/${namespace}%2F..%2F${OUTSIDER_NS}/pods`)).toContain("code=403");
      expect(await code("/api/v1/namespaces/kube-system/secrets", "-H 'Impersonate-User: system:admin'")).toContain(
        "code=403",
      );
      // Impersonation does not get through even in its own namespace: the Secret stays unreadable.
      expect(await code(`/api/v1/namespaces/${namespace}/secrets`, "-H 'Impersonate-Group: system:masters'")).toContain(
        "code=403",
      );
    });

    it("is bounded by RBAC on its own, without the proxy's filter", () => {
      const as = `system:serviceaccount:${namespace}:playground-shell`;
      // can-i answers "no" with exit status 1: the answer is its output either way.
      const can = (...args: string[]): string =>
        spawnSync(`${paths.bin}/kubectl`, kubectlArgs(["auth", "can-i", `--as=${as}`, ...args]))
          .stdout.toString()
          .trim();
      expect(can("list", "pods", "-n", namespace)).toMatch(/^yes/);
      expect(can("patch", "deployments", "--subresource=scale", "-n", namespace)).toMatch(/^yes/);
      expect(can("create", "pods", "--subresource=portforward", "-n", namespace)).toMatch(/^yes/);
      expect(can("list", "pods", "-n", "kube-system")).toMatch(/^no/);
      expect(can("list", "pods", "-n", OUTSIDER_NS)).toMatch(/^no/);
      expect(can("list", "nodes")).toMatch(/^no/);
      expect(can("get", "secrets", "-n", namespace)).toMatch(/^no/);
      expect(can("patch", "deployments", "-n", namespace)).toMatch(/^no/);
      expect(can("create", "pods", "--subresource=exec", "-n", namespace)).toMatch(/^no/);
      expect(can("create", "rolebindings", "-n", namespace)).toMatch(/^no/);
    });

    it("runs the lesson's kubectl blocks as they are written", async () => {
      const text = readFileSync(path.join(LESSONS_ROOT, "10-kubernetes", "lesson.en.md"), "utf8");
      const section = text.slice(text.indexOf("## kubectl in the Shell tab"), text.indexOf("## What the playground"));
      const blocks = [...section.matchAll(/```shell\n([^]*?)```/g)].map((m) => m[1].trim());
      expect(blocks).toHaveLength(4);
      const outputs: string[] = [];
      for (const [i, block] of blocks.entries()) {
        outputs.push(await sh.run(block, 60_000));
        // A learner reads between blocks; here the pods the scale and the delete replaced get Ready meanwhile.
        if (i === 1) await sh.run("kubectl rollout status deployment/web --timeout=90s", 100_000);
      }
      expect(outputs[0]).toMatch(/web-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running/);
      expect(outputs[0]).toMatch(/listening on :8080/);
      expect(outputs[1]).toContain("deployment.apps/web scaled");
      expect(outputs[1]).toMatch(/pod "web-[a-z0-9-]+" deleted/);
      expect(outputs[2]).toMatch(/"pod":"web-/);
      expect(outputs[3]).toMatch(/pods\s+\[\]\s+\[\]\s+\[[a-z ]*list/);
      expect(outputs[3].match(/Error from server \(Forbidden\)/g)).toHaveLength(2);
    });

    it("leaves nothing once the run ends: container, socket and namespace (with the account) go", async () => {
      const ours = () =>
        existsSync(SOCKETS) ? readdirSync(SOCKETS).filter((d) => d.startsWith(`${process.pid}-`)) : [];
      expect(ours()).toHaveLength(1);
      await run.stop();
      expect(ours()).toEqual([]);
      const docker = new Docker();
      const left = await docker.listContainers({ all: true, filters: { label: [`playground.run=${run.id}`] } });
      expect(left).toEqual([]);
      const gone = await clients()
        .core.readNamespace({ name: namespace })
        .then(() => false)
        .catch(() => true);
      expect(gone).toBe(true);
    });
  });
}
