// What a learner would watch with kubectl while their manifests run, streamed into the Service's terminal: the
// namespace's events (`kubectl get events -w`), each pod's phase, readiness and restarts (`kubectl get pods -w`), and
// each container's log, prefixed with its pod's name (`kubectl logs -f`, again after every restart).
import { Writable } from "node:stream";
import type { V1Pod } from "@kubernetes/client-node";
import type { ClusterApi } from "./cluster";

/** Where what is seen goes: `service` is the terminal (the Service whose selector picks the pod). */
export interface ObserverSink {
  system(service: string, text: string): void;
  log(service: string, text: string): void;
  /** After every pod change: the namespace's pods as they are now. */
  pods(pods: PodView[]): void;
}

export interface PodView {
  name: string;
  labels: Record<string, string>;
  phase: string;
  ready: boolean;
  restarts: number;
  terminating: boolean;
  ip?: string;
}

/** Lines of one container's log held back at most this long before being passed on in parts. */
const LOG_LINE_MAX = 16 * 1024;
/** A watch the API server closed (they time out after minutes) is opened again after this pause. */
const REWATCH_MS = 500;

export class NamespaceObserver {
  private readonly aborts = new Set<AbortController>();
  private readonly pods = new Map<string, PodView>();
  /** pod/container/restartCount of each log stream already followed. */
  private readonly following = new Set<string>();
  private readonly seenEvents = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly api: ClusterApi,
    private readonly namespace: string,
    private readonly sink: ObserverSink,
    /** The terminal of a pod (by its labels). */
    private readonly terminalOf: (labels: Record<string, string>) => string,
    /** Events older than this (ms since the epoch) are not shown (they belong to an earlier Run). */
    private readonly since: number,
  ) {}

  start(): void {
    this.watch(`/api/v1/namespaces/${this.namespace}/pods`, (phase, obj) => this.onPod(phase, obj as V1Pod));
    this.watch(`/api/v1/namespaces/${this.namespace}/events`, (_phase, obj) => this.onEvent(obj as KubeEvent));
  }

  stop(): void {
    this.stopped = true;
    for (const a of this.aborts) a.abort();
    this.aborts.clear();
  }

  current(): PodView[] {
    return [...this.pods.values()];
  }

  private watch(path: string, onChange: (phase: string, obj: unknown) => void): void {
    if (this.stopped) return;
    let abort: AbortController | undefined;
    const again = (): void => {
      if (abort) this.aborts.delete(abort);
      if (!this.stopped) setTimeout(() => this.watch(path, onChange), REWATCH_MS).unref();
    };
    this.api.watch
      .watch(path, {}, onChange, again)
      .then((a) => {
        abort = a;
        if (this.stopped) a.abort();
        else this.aborts.add(a);
      })
      .catch(again);
  }

  private onPod(phase: string, pod: V1Pod): void {
    const name = pod.metadata?.name;
    if (!name) return;
    const labels = pod.metadata?.labels ?? {};
    const terminal = this.terminalOf(labels);
    if (phase === "DELETED") {
      if (this.pods.delete(name)) this.sink.system(terminal, `pod ${name}: deleted`);
      this.sink.pods(this.current());
      return;
    }
    const statuses = pod.status?.containerStatuses ?? [];
    const view: PodView = {
      name,
      labels,
      phase: pod.status?.phase ?? "Pending",
      ready: pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
      restarts: statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0),
      terminating: pod.metadata?.deletionTimestamp !== undefined,
      ip: pod.status?.podIP,
    };
    const before = this.pods.get(name);
    this.pods.set(name, view);
    const changes: string[] = [];
    if (!before) changes.push(`created (${view.phase})`);
    else if (before.phase !== view.phase) changes.push(`${before.phase} → ${view.phase}`);
    if (before && before.ready !== view.ready) changes.push(view.ready ? "Ready" : "not Ready (left the Service)");
    else if (!before && view.ready) changes.push("Ready");
    if (before && view.restarts > before.restarts) changes.push(`restarted (restarts: ${view.restarts})`);
    if (view.terminating && !before?.terminating) changes.push("terminating (SIGTERM, then its grace period)");
    for (const s of statuses) {
      const waiting = s.state?.waiting?.reason;
      if (waiting && waiting !== "ContainerCreating" && before !== undefined) changes.push(`${s.name}: ${waiting}`);
    }
    if (changes.length) this.sink.system(terminal, `pod ${name}: ${changes.join(", ")}`);
    for (const s of statuses) {
      if (s.state?.running) this.follow(name, s.name, s.restartCount ?? 0, terminal);
    }
    this.sink.pods(this.current());
  }

  /** Follows one container instance's log until it ends (a restart is a new instance with its own stream). */
  private follow(pod: string, container: string, restart: number, terminal: string): void {
    const key = `${pod}/${container}/${restart}`;
    if (this.following.has(key) || this.stopped) return;
    this.following.add(key);
    let partial = "";
    const prefix = `[${pod}] `;
    const out = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        partial += chunk.toString("utf8");
        let nl: number;
        while ((nl = partial.indexOf("\n")) >= 0) {
          this.sink.log(terminal, `${prefix}${partial.slice(0, nl + 1)}`);
          partial = partial.slice(nl + 1);
        }
        if (partial.length > LOG_LINE_MAX) {
          this.sink.log(terminal, `${prefix}${partial}\n`);
          partial = "";
        }
        done();
      },
      final: (done) => {
        if (partial) this.sink.log(terminal, `${prefix}${partial}\n`);
        done();
      },
    });
    this.api.log
      .log(this.namespace, pod, container, out, { follow: true })
      .then((abort) => {
        if (this.stopped) abort.abort();
        else this.aborts.add(abort);
      })
      .catch(() => this.following.delete(key));
  }

  private onEvent(e: KubeEvent): void {
    const uid = e.metadata?.uid;
    if (!uid) return;
    const count = e.count ?? e.series?.count ?? 1;
    if ((this.seenEvents.get(uid) ?? 0) >= count) return;
    this.seenEvents.set(uid, count);
    const at = Date.parse(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? "");
    if (Number.isFinite(at) && at < this.since - 1000) return;
    const object = e.involvedObject;
    const who = `${(object?.kind ?? "").toLowerCase()}/${object?.name ?? "?"}`;
    const labels = object?.kind === "Pod" ? (this.pods.get(object.name ?? "")?.labels ?? {}) : {};
    const times = count > 1 ? ` (×${count})` : "";
    const mark = e.type === "Warning" ? "⚠ " : "";
    this.sink.system(
      this.terminalOf(labels),
      `${mark}event ${e.reason ?? ""} ${who}: ${(e.message ?? "").trim()}${times}`,
    );
  }
}

interface KubeEvent {
  metadata?: { uid?: string; creationTimestamp?: string };
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  series?: { count?: number };
  lastTimestamp?: string;
  eventTime?: string;
  involvedObject?: { kind?: string; name?: string };
}
