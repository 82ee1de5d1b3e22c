// Class mode in one place: who owns which run, the live wall, and the store behind them. A later backend (capacity
// admission, a cluster) asks this object who someone is and whose a run is; nothing else keeps class state.
import type { RunEvent, RunHandle } from "../../../sandbox/index";
import type { WallCard, WallCheck, WallService } from "../../shared/class-protocol";
import type { ClassStore, Identity, LearnerRow } from "./store";
import { hashSecret } from "./tokens";

/** Last requests shown per card. */
const CHECKS_PER_CARD = 5;
/** Stage changes of a run come in bursts; the wall is sent one card per learner at most this often. */
const CARD_FLUSH_MS = 200;
/** last_seen_at is written at most this often per learner (every save or request would otherwise be a write). */
const TOUCH_EVERY_MS = 30_000;

const LEARNER_PREFIX = "learner-";
const TEACHER_PREFIX = "teacher-";

/** The run owner of an identity: the key RunSessions and the engine use, made by the server, never by a page. */
export function ownerOf(who: Identity): string {
  return who.role === "learner" ? `${LEARNER_PREFIX}${who.learnerId}` : `${TEACHER_PREFIX}${who.classId}`;
}

/** What names a sign-in's sockets: the hash the database keeps, never the session id itself. */
export const sessionKey = (sid: string): string => hashSecret(sid);

export function learnerOfOwner(owner: string): string | undefined {
  return owner.startsWith(LEARNER_PREFIX) ? owner.slice(LEARNER_PREFIX.length) : undefined;
}

interface LiveLearner {
  classId: string;
  online: number;
  lastActivityAt: number;
  lastTouchWrite: number;
  lessonSlug?: string;
  runId?: string;
  ended?: string;
  services: Map<string, WallService["stage"]>;
  lastChecks: WallCheck[];
  unsubscribe?: () => void;
  flushTimer?: ReturnType<typeof setTimeout>;
}

/** What the hub needs from the server around it: sending to the wall, stopping runs, dropping sockets. */
export interface HubOutlets {
  sendCard(classId: string, card: WallCard): void;
  /** Stops the owner's run, through the same path as the owner's own Stop. */
  stopRun(owner: string): Promise<void>;
  /** Disconnects every socket of this owner (revoked) or of this class (closed). */
  disconnectOwner(owner: string): void;
  /** Disconnects the sockets opened with one sign-in (its session id's hash), when it signs out. */
  disconnectSession(sessionKey: string): void;
  disconnectClass(classId: string): void;
}

export class ClassHub {
  private readonly live = new Map<string, LiveLearner>();

  constructor(
    readonly store: ClassStore,
    private readonly outlets: HubOutlets,
    private readonly lessonSlugs: readonly string[],
    private readonly now: () => number = Date.now,
  ) {
    store.closeDanglingRuns();
    store.pruneSessions();
  }

  // --- presence ---

  connected(who: Identity): void {
    if (who.role !== "learner") return;
    const l = this.learner(who.learnerId, who.classId);
    l.online++;
    this.activity(who.learnerId, l);
  }

  disconnected(who: Identity): void {
    if (who.role !== "learner") return;
    const l = this.live.get(who.learnerId);
    if (!l) return;
    l.online = Math.max(0, l.online - 1);
    this.schedule(who.learnerId, l);
  }

  /** Saving edits or progress counts as activity. */
  active(learnerId: string, classId: string): void {
    this.activity(learnerId, this.learner(learnerId, classId));
  }

  // --- runs: the server tells the hub of every run an owner starts ---

  runStarted(owner: string, run: RunHandle): void {
    const learnerId = learnerOfOwner(owner);
    if (!learnerId) return;
    const row = this.store.learner(learnerId);
    if (!row) return;
    const l = this.learner(learnerId, row.classId);
    l.unsubscribe?.();
    l.lessonSlug = run.lessonSlug;
    l.runId = run.id;
    l.ended = undefined;
    l.services = new Map(run.services().map((s) => [s.name, s.stage]));
    this.store.runStarted(run.id, learnerId, run.lessonSlug);
    this.activity(learnerId, l);
    let allRunningSeen = false;
    // subscribe() replays what happened so far, then follows; log text and spans are not the wall's business.
    l.unsubscribe = run.subscribe((event: RunEvent) => {
      if (l.runId !== run.id) return;
      if (event.type === "stage") {
        l.services.set(event.service, event.stage);
        if (!allRunningSeen && [...l.services.values()].every((s) => s === "running")) {
          allRunningSeen = true;
          this.store.runAllRunning(run.id);
        }
        this.schedule(learnerId, l);
      } else if (event.type === "ended") {
        l.ended = event.reason;
        this.store.runEnded(run.id, event.reason);
        l.unsubscribe?.();
        l.unsubscribe = undefined;
        this.schedule(learnerId, l);
      }
    });
  }

  /** A request the learner sent through the panel, and its answer (status 0: it did not answer). */
  requestAnswered(owner: string, label: string, status: number): void {
    const learnerId = learnerOfOwner(owner);
    const l = learnerId ? this.live.get(learnerId) : undefined;
    if (!learnerId || !l) return;
    l.lastChecks = [
      { label: label.slice(0, 120), status, ok: status >= 200 && status < 400, at: this.now() },
      ...l.lastChecks,
    ].slice(0, CHECKS_PER_CARD);
    this.activity(learnerId, l);
  }

  /** A sign-out: the tabs of that sign-in lose their sockets too (other computers of the learner keep theirs). */
  signedOut(sid: string): void {
    this.outlets.disconnectSession(sessionKey(sid));
  }

  // --- the teacher's actions ---

  /** Stops a learner's run; only a learner of the teacher's own class. */
  async stopLearnerRun(classId: string, learnerId: string): Promise<boolean> {
    const row = this.store.learner(learnerId);
    if (!row || row.classId !== classId) return false;
    await this.outlets.stopRun(`${LEARNER_PREFIX}${learnerId}`);
    return true;
  }

  async revoke(classId: string, learnerId: string): Promise<boolean> {
    const row = this.store.learner(learnerId);
    if (!row || row.classId !== classId) return false;
    this.store.revokeLearner(classId, learnerId);
    const owner = `${LEARNER_PREFIX}${learnerId}`;
    this.outlets.disconnectOwner(owner);
    await this.outlets.stopRun(owner).catch(() => {});
    const l = this.live.get(learnerId);
    if (l) this.schedule(learnerId, l);
    else this.outlets.sendCard(classId, this.card({ ...row, revokedAt: this.now() }));
    return true;
  }

  async closeClass(classId: string): Promise<void> {
    this.store.closeClass(classId);
    this.outlets.disconnectClass(classId);
    await Promise.all(
      this.store.learners(classId).map((r) => this.outlets.stopRun(`${LEARNER_PREFIX}${r.id}`).catch(() => {})),
    );
  }

  knowsLesson(slug: string): boolean {
    return this.lessonSlugs.includes(slug);
  }

  /** Every learner of the class as a card, in the order they joined. */
  wall(classId: string): WallCard[] {
    return this.store.learners(classId).map((row) => this.card(row));
  }

  // --- inside ---

  private learner(learnerId: string, classId: string): LiveLearner {
    let l = this.live.get(learnerId);
    if (!l) {
      l = { classId, online: 0, lastActivityAt: 0, lastTouchWrite: 0, services: new Map(), lastChecks: [] };
      this.live.set(learnerId, l);
    }
    return l;
  }

  private activity(learnerId: string, l: LiveLearner): void {
    const at = this.now();
    l.lastActivityAt = at;
    if (at - l.lastTouchWrite >= TOUCH_EVERY_MS) {
      l.lastTouchWrite = at;
      this.store.touchLearner(learnerId);
    }
    this.schedule(learnerId, l);
  }

  private schedule(learnerId: string, l: LiveLearner): void {
    l.flushTimer ??= setTimeout(() => {
      l.flushTimer = undefined;
      const row = this.store.learner(learnerId);
      if (row) this.outlets.sendCard(l.classId, this.card(row));
    }, CARD_FLUSH_MS);
  }

  private card(row: LearnerRow): WallCard {
    const l = this.live.get(row.id);
    const running = new Set(this.store.lessonsRunning(row.id));
    const lessonsRun = this.lessonSlugs.filter((slug) => running.has(slug));
    return {
      learnerId: row.id,
      displayName: row.displayName,
      revoked: row.revokedAt !== null,
      online: l?.online ?? 0,
      lastActivityAt: Math.max(l?.lastActivityAt ?? 0, row.lastSeenAt),
      lessonSlug: l?.lessonSlug,
      runId: l?.runId,
      ended: l?.ended,
      services: l ? [...l.services].map(([name, stage]) => ({ name, stage })) : [],
      lastChecks: l?.lastChecks ?? [],
      lessonsRun,
      lessonCount: this.lessonSlugs.length,
    };
  }
}
