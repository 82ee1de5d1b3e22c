// What class mode sends to pages: the teacher's wall cards and who the page is signed in as.
import { z } from "zod";

export interface WallService {
  name: string;
  stage: "queued" | "building" | "starting" | "running" | "failed" | "stopped";
}

/** A request the learner sent to their services and what it answered (the wall's "last checks"). */
export interface WallCheck {
  label: string;
  status: number;
  ok: boolean;
  at: number;
}

/** One learner on the teacher's wall. */
export interface WallCard {
  learnerId: string;
  displayName: string;
  revoked: boolean;
  /** Tabs of this learner connected now. */
  online: number;
  /** ms since the epoch of the learner's last action (joined, connected, ran, sent a request, saved). */
  lastActivityAt: number;
  /** The lesson of the learner's current or last run. */
  lessonSlug?: string;
  runId?: string;
  /** Set once that run ended. */
  ended?: string;
  services: WallService[];
  lastChecks: WallCheck[];
  /** Lessons of the chapter whose services this learner has had running, and how many lessons there are. */
  lessonsRun: string[];
  lessonCount: number;
}

export interface ClassWhoAmI {
  role: "teacher" | "learner";
  className: string;
  displayName?: string;
}

/** The body of POST /class/api/work: one lesson's edits (changed files only) and/or progress entry. */
export const workPayload = z
  .object({
    lessonSlug: z.string().regex(/^[a-z0-9-]{1,64}$/),
    edits: z.record(z.string().max(200), z.string()).optional(),
    progress: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type WorkPayload = z.infer<typeof workPayload>;

/** GET /class/api/me: who this is and, for a learner, their saved work to lay over the browser's. */
export interface ClassMe {
  who: ClassWhoAmI;
  /** A learner's own sign-in link for another computer (a path under the public URL). */
  returnPath?: string;
  edits: Record<string, Record<string, string>>;
  progress: Record<string, unknown>;
}
