// Everything class mode keeps beyond a process: classes, learners, sign-ins, edits, progress and run history.
import type { ClassDb } from "./db";
import { LEARNERS_PER_CLASS, SESSION_TTL_MS } from "./limits";
import { hashSecret, newId, newShortCode, newToken, normalizeShortCode } from "./tokens";

export interface ClassRow {
  id: string;
  name: string;
  createdAt: number;
  closedAt: number | null;
}

export interface LearnerRow {
  id: string;
  classId: string;
  displayName: string;
  joinedAt: number;
  lastSeenAt: number;
  revokedAt: number | null;
}

/** Who a valid session cookie stands for. */
export type Identity =
  | { role: "teacher"; classId: string; className: string }
  | { role: "learner"; classId: string; className: string; learnerId: string; displayName: string };

/** What `class create` hands the teacher: the secrets exist only here, the database has their hashes. */
export interface CreatedClass {
  classId: string;
  name: string;
  teacherToken: string;
  inviteToken: string;
  shortCode: string;
}

export interface RunRecord {
  id: string;
  learnerId: string;
  lessonSlug: string;
  startedAt: number;
  allRunningAt: number | null;
  endedAt: number | null;
  endReason: string | null;
}

export class ClassStore {
  constructor(
    private readonly db: ClassDb,
    private readonly now: () => number = Date.now,
  ) {}

  createClass(name: string): CreatedClass {
    const created: CreatedClass = {
      classId: newId(),
      name,
      teacherToken: newToken(),
      inviteToken: newToken(),
      shortCode: newShortCode(),
    };
    this.db
      .prepare(
        `INSERT INTO classes (id, name, teacher_token_hash, invite_token_hash, short_code_hash, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(
        created.classId,
        name,
        hashSecret(created.teacherToken),
        hashSecret(created.inviteToken),
        hashSecret(created.shortCode),
        this.now(),
      );
    return created;
  }

  getClass(classId: string): ClassRow | undefined {
    const row = this.db
      .prepare(`SELECT id, name, created_at AS createdAt, closed_at AS closedAt FROM classes WHERE id = ?`)
      .get(classId) as ClassRow | undefined;
    return row;
  }

  listClasses(): ClassRow[] {
    return this.db
      .prepare(`SELECT id, name, created_at AS createdAt, closed_at AS closedAt FROM classes ORDER BY created_at`)
      .all() as ClassRow[];
  }

  /** The open class a teacher link belongs to. */
  classByTeacherToken(token: string): ClassRow | undefined {
    return this.openClassWhere("teacher_token_hash", hashSecret(token));
  }

  /** The open class an invite link or a typed short code belongs to. */
  classByInvite(tokenOrCode: string): ClassRow | undefined {
    const byToken = this.openClassWhere("invite_token_hash", hashSecret(tokenOrCode));
    if (byToken) return byToken;
    const code = normalizeShortCode(tokenOrCode);
    return code ? this.openClassWhere("short_code_hash", hashSecret(code)) : undefined;
  }

  private openClassWhere(column: "teacher_token_hash" | "invite_token_hash" | "short_code_hash", hash: string) {
    return this.db
      .prepare(
        `SELECT id, name, created_at AS createdAt, closed_at AS closedAt FROM classes
         WHERE ${column} = ? AND closed_at IS NULL`,
      )
      .get(hash) as ClassRow | undefined;
  }

  /** Closes the class: every sign-in of it ends; its learners' data stays for the teacher's records. */
  closeClass(classId: string): void {
    this.db.transaction(() => {
      this.db.prepare(`UPDATE classes SET closed_at = ? WHERE id = ? AND closed_at IS NULL`).run(this.now(), classId);
      this.db.prepare(`DELETE FROM sessions WHERE class_id = ?`).run(classId);
    })();
  }

  addLearner(classId: string, displayName: string): LearnerRow | "full" {
    return this.db.transaction((): LearnerRow | "full" => {
      const { n } = this.db.prepare(`SELECT count(*) AS n FROM learners WHERE class_id = ?`).get(classId) as {
        n: number;
      };
      if (n >= LEARNERS_PER_CLASS) return "full";
      const at = this.now();
      const row: LearnerRow = { id: newId(), classId, displayName, joinedAt: at, lastSeenAt: at, revokedAt: null };
      this.db
        .prepare(`INSERT INTO learners (id, class_id, display_name, joined_at, last_seen_at) VALUES (?, ?, ?, ?, ?)`)
        .run(row.id, classId, displayName, at, at);
      return row;
    })();
  }

  learners(classId: string): LearnerRow[] {
    return this.db
      .prepare(
        `SELECT id, class_id AS classId, display_name AS displayName, joined_at AS joinedAt,
                last_seen_at AS lastSeenAt, revoked_at AS revokedAt
         FROM learners WHERE class_id = ? ORDER BY joined_at`,
      )
      .all(classId) as LearnerRow[];
  }

  learner(learnerId: string): LearnerRow | undefined {
    return this.db
      .prepare(
        `SELECT id, class_id AS classId, display_name AS displayName, joined_at AS joinedAt,
                last_seen_at AS lastSeenAt, revoked_at AS revokedAt
         FROM learners WHERE id = ?`,
      )
      .get(learnerId) as LearnerRow | undefined;
  }

  /** Revokes a learner of this class (and only of this class): their sign-ins end and cannot be made again. */
  revokeLearner(classId: string, learnerId: string): boolean {
    return this.db.transaction(() => {
      const changed = this.db
        .prepare(`UPDATE learners SET revoked_at = ? WHERE id = ? AND class_id = ? AND revoked_at IS NULL`)
        .run(this.now(), learnerId, classId).changes;
      this.db.prepare(`DELETE FROM sessions WHERE learner_id = ? AND class_id = ?`).run(learnerId, classId);
      return changed > 0;
    })();
  }

  touchLearner(learnerId: string): void {
    this.db.prepare(`UPDATE learners SET last_seen_at = ? WHERE id = ?`).run(this.now(), learnerId);
  }

  // --- sign-in sessions: the cookie carries a random id, the database its hash ---

  createSession(classId: string, learnerId: string | null): string {
    const sid = newToken();
    const at = this.now();
    this.db
      .prepare(
        `INSERT INTO sessions (id_hash, class_id, learner_id, role, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(hashSecret(sid), classId, learnerId, learnerId ? "learner" : "teacher", at, at + SESSION_TTL_MS);
    return sid;
  }

  /** The identity of a session id, if the session, its class and its learner are all still valid. */
  identify(sid: string): Identity | undefined {
    const row = this.db
      .prepare(
        `SELECT s.role, s.class_id AS classId, c.name AS className, s.learner_id AS learnerId,
                l.display_name AS displayName
         FROM sessions s JOIN classes c ON c.id = s.class_id LEFT JOIN learners l ON l.id = s.learner_id
         WHERE s.id_hash = ? AND s.expires_at > ? AND c.closed_at IS NULL
           AND (s.role = 'teacher' OR (l.id IS NOT NULL AND l.revoked_at IS NULL))`,
      )
      .get(hashSecret(sid), this.now()) as
      | { role: "teacher" | "learner"; classId: string; className: string; learnerId: string; displayName: string }
      | undefined;
    if (!row) return undefined;
    if (row.role === "teacher") return { role: "teacher", classId: row.classId, className: row.className };
    return row;
  }

  /** Sessions past their expiry: removed, so sign-ins over a long term do not pile up. */
  pruneSessions(): number {
    return this.db.prepare(`DELETE FROM sessions WHERE expires_at <= ?`).run(this.now()).changes;
  }

  endSession(sid: string): void {
    this.db.prepare(`DELETE FROM sessions WHERE id_hash = ?`).run(hashSecret(sid));
  }

  // --- a learner's work ---

  saveEdits(learnerId: string, slug: string, filesJson: string): void {
    if (filesJson === "{}") {
      this.db.prepare(`DELETE FROM edits WHERE learner_id = ? AND lesson_slug = ?`).run(learnerId, slug);
      return;
    }
    this.db
      .prepare(
        `INSERT INTO edits (learner_id, lesson_slug, files_json, saved_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (learner_id, lesson_slug) DO UPDATE SET files_json = excluded.files_json, saved_at = excluded.saved_at`,
      )
      .run(learnerId, slug, filesJson, this.now());
  }

  saveProgress(learnerId: string, slug: string, progressJson: string): void {
    this.db
      .prepare(
        `INSERT INTO progress (learner_id, lesson_slug, progress_json, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (learner_id, lesson_slug) DO UPDATE SET progress_json = excluded.progress_json,
           updated_at = excluded.updated_at`,
      )
      .run(learnerId, slug, progressJson, this.now());
  }

  /** Every lesson's saved edits and progress of one learner, as JSON text per lesson. */
  work(learnerId: string): { edits: Record<string, string>; progress: Record<string, string> } {
    const edits: Record<string, string> = {};
    const progress: Record<string, string> = {};
    for (const r of this.db
      .prepare(`SELECT lesson_slug AS slug, files_json AS json FROM edits WHERE learner_id = ?`)
      .all(learnerId) as { slug: string; json: string }[])
      edits[r.slug] = r.json;
    for (const r of this.db
      .prepare(`SELECT lesson_slug AS slug, progress_json AS json FROM progress WHERE learner_id = ?`)
      .all(learnerId) as { slug: string; json: string }[])
      progress[r.slug] = r.json;
    return { edits, progress };
  }

  // --- run history ---

  runStarted(runId: string, learnerId: string, slug: string): void {
    this.db
      .prepare(`INSERT OR IGNORE INTO runs (id, learner_id, lesson_slug, started_at) VALUES (?, ?, ?, ?)`)
      .run(runId, learnerId, slug, this.now());
  }

  runAllRunning(runId: string): void {
    this.db
      .prepare(`UPDATE runs SET all_running_at = ? WHERE id = ? AND all_running_at IS NULL`)
      .run(this.now(), runId);
  }

  runEnded(runId: string, reason: string): void {
    this.db
      .prepare(`UPDATE runs SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL`)
      .run(this.now(), reason, runId);
  }

  runs(learnerId: string, limit = 50): RunRecord[] {
    return this.db
      .prepare(
        `SELECT id, learner_id AS learnerId, lesson_slug AS lessonSlug, started_at AS startedAt,
                all_running_at AS allRunningAt, ended_at AS endedAt, end_reason AS endReason
         FROM runs WHERE learner_id = ? ORDER BY started_at DESC LIMIT ?`,
      )
      .all(learnerId, limit) as RunRecord[];
  }

  /** Lessons in which this learner had every service running at least once (server truth, not the page's word). */
  lessonsRunning(learnerId: string): string[] {
    return (
      this.db
        .prepare(`SELECT DISTINCT lesson_slug AS slug FROM runs WHERE learner_id = ? AND all_running_at IS NOT NULL`)
        .all(learnerId) as { slug: string }[]
    ).map((r) => r.slug);
  }

  /** Runs a previous process left open (it stopped without recording their end): ended now, by that restart. */
  closeDanglingRuns(): number {
    return this.db
      .prepare(`UPDATE runs SET ended_at = ?, end_reason = 'server-restart' WHERE ended_at IS NULL`)
      .run(this.now()).changes;
  }
}
