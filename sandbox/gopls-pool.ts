// Every learner's gopls on this machine: at most one lesson's per learner (opening another lesson closes the first),
// and at most GOPLS_TOTAL running at once (the one idle longest makes room for a new one, and starts again when
// its learner types). Each runs in a container labelled like a run's, so a crashed server's are reaped.
import { randomBytes } from "node:crypto";
import type { Backend } from "./backend";
import { docker } from "./docker";
import { DockerBackend } from "./docker-backend";
import { SandboxError } from "./errors";
import { GoplsSession, GOPLS_FILE } from "./gopls-session";
import { ensureImage } from "./image";
import { runLabels } from "./labels";
import { GOPLS_TOTAL } from "./limits";
import { LessonError, loadLesson } from "../lib/server/lessons";

export interface GoplsPoolOptions {
  backend?: () => Promise<Backend>;
  image?: () => Promise<string>;
  total?: number;
  lessonsRoot?: string;
  /** How long a gopls stays without requests (GOPLS_IDLE_MS). */
  idleMs?: number;
}

export class GoplsPool {
  private readonly sessions = new Map<string, GoplsSession>();
  /** The run id of each session's current container (its label), so the reaper leaves live ones alone. */
  private readonly containerIds = new Map<GoplsSession, string>();
  private backendMemo?: Promise<Backend>;

  constructor(private readonly opts: GoplsPoolOptions = {}) {}

  /** The learner's session for the lesson, made on first use; their session of another lesson is closed. */
  async session(owner: string, slug: string): Promise<GoplsSession> {
    const existing = this.sessions.get(owner);
    if (existing?.slug === slug) return existing;
    let lesson;
    try {
      lesson = await loadLesson(slug, this.opts.lessonsRoot);
    } catch (err) {
      if (err instanceof LessonError) throw new SandboxError("UNKNOWN_LESSON", err.message);
      throw err;
    }
    // Looked up again: another call for the same learner may have made it meanwhile.
    const again = this.sessions.get(owner);
    if (again?.slug === slug) return again;
    if (again) void this.close(owner);
    const allowed = new Set(Object.keys(lesson.files).filter((p) => GOPLS_FILE.test(p)));
    const session: GoplsSession = new GoplsSession(owner, slug, allowed, {
      backend: () => this.backend(),
      image: this.opts.image ?? (() => ensureImage()),
      labels: () => runLabels(this.containerIds.get(session) ?? "gopls", slug, owner),
      containerName: () => {
        const id = `gopls-${randomBytes(5).toString("hex")}`;
        this.containerIds.set(session, id);
        return id;
      },
      beforeStart: (s) => this.makeRoom(s),
      idleMs: this.opts.idleMs,
    });
    this.sessions.set(owner, session);
    return session;
  }

  /** The learner's session for the lesson, if they opened it. */
  find(owner: string, slug: string): GoplsSession | undefined {
    const session = this.sessions.get(owner);
    return session?.slug === slug ? session : undefined;
  }

  /** Closes a learner's gopls (a new lesson, or a test's cleanup). */
  async close(owner: string): Promise<void> {
    const session = this.sessions.get(owner);
    if (!session) return;
    this.sessions.delete(owner);
    this.containerIds.delete(session);
    await session.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((owner) => this.close(owner)));
  }

  /** Run ids of the live gopls containers (the reaper keeps them). */
  liveIds(): string[] {
    return [...this.sessions.values()].filter((s) => s.running).map((s) => this.containerIds.get(s) ?? "");
  }

  private backend(): Promise<Backend> {
    this.backendMemo ??= (this.opts.backend ?? (async () => new DockerBackend(await docker())))();
    this.backendMemo.catch(() => (this.backendMemo = undefined));
    return this.backendMemo;
  }

  /** Stops the gopls idle longest while the machine already runs as many as it takes. */
  private async makeRoom(starting: GoplsSession): Promise<void> {
    const total = this.opts.total ?? GOPLS_TOTAL;
    const running = [...this.sessions.values()].filter((s) => s !== starting && s.running);
    running.sort((a, b) => a.lastUsed - b.lastUsed);
    while (running.length >= total) await running.shift()?.stopServer();
  }
}

/** The server's pool. */
export const goplsPool = new GoplsPool();
