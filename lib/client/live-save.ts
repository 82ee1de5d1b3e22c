// What Ctrl/Cmd+S means for the open file, and how the answer reads: saved in the browser, or sent into a running
// service that re-reads it (a live file), and what came back.
import type { LiveFileResult } from "@/sandbox/types";
import type { UiKey } from "../shared/ui-text";

export type SaveTone = "ok" | "info" | "error";

/** A line next to the run controls: a text key with its holes, or the server's own words. */
export type SaveLine = { tone: SaveTone } & ({ key: UiKey; vars: Record<string, string> } | { text: string });

/** What a save does for `path`: only the browser keeps it, or it goes to the run (or would, once one runs). */
export type SavePlan =
  | { kind: "local"; line: SaveLine }
  | { kind: "not-running"; line: SaveLine }
  | { kind: "send"; line: SaveLine; file: string; services: string[] };

const fileName = (path: string) => path.split("/").pop() ?? path;

export function planSave(path: string, liveFiles: Record<string, string[]> | undefined, live: boolean): SavePlan {
  const file = fileName(path);
  const readers = liveFiles?.[path];
  if (!readers) return { kind: "local", line: { tone: "info", key: "savedLocally", vars: { file } } };
  const vars = { file, services: readers.join(", ") };
  if (!live) return { kind: "not-running", line: { tone: "info", key: "liveNotRunning", vars } };
  return { kind: "send", line: { tone: "info", key: "liveSending", vars }, file, services: readers };
}

/** The server's answer for the one file sent. */
export function saveAnswer(plan: Extract<SavePlan, { kind: "send" }>, answer: LiveFileResult | undefined): SaveLine {
  const { file } = plan;
  if (answer && answer.updated.length > 0 && answer.failed.length === 0)
    return { tone: "ok", key: "liveSent", vars: { file, services: answer.updated.join(", ") } };
  if (answer?.unchanged)
    return { tone: "info", key: "liveUnchanged", vars: { file, services: plan.services.join(", ") } };
  return { tone: "error", text: answer?.message ?? file };
}
