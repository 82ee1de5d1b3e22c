"use client";
// Saving: edits are already kept in this browser; a live file of a running service is also sent into its container
// (run:update-files), where the service re-reads it without a restart. The answer shows for a few seconds.
import { useCallback, useEffect, useRef, useState } from "react";
import { call } from "@/lib/client/socket";
import { asProtocolError } from "@/lib/client/requests";
import { planSave, saveAnswer, type SaveLine } from "@/lib/client/live-save";
import type { LessonFiles } from "@/sandbox/types";

const UPDATE_TIMEOUT_MS = 20_000;
/** How long the answer to a save stays next to the run controls. */
const SAVE_STATUS_MS = 7_000;

export interface LiveSave {
  status: SaveLine | null;
  save: () => Promise<void>;
}

export function useLiveSave(options: {
  liveFiles: Record<string, string[]> | undefined;
  /** The open file. */
  active: string;
  live: boolean;
  runId: () => string | null;
  files: () => LessonFiles;
}): LiveSave {
  const { liveFiles, runId, files } = options;
  const [status, setStatus] = useState<SaveLine | null>(null);
  const timer = useRef<number | undefined>(undefined);
  // Read when Ctrl/Cmd+S is pressed, not when the handler was made.
  const latest = useRef({ active: options.active, live: options.live });
  useEffect(() => {
    latest.current = { active: options.active, live: options.live };
  });
  useEffect(() => () => window.clearTimeout(timer.current), []);

  const show = useCallback((line: SaveLine, sticky = false) => {
    window.clearTimeout(timer.current);
    setStatus(line);
    if (!sticky) timer.current = window.setTimeout(() => setStatus(null), SAVE_STATUS_MS);
  }, []);

  const save = useCallback(async () => {
    const { active: path, live } = latest.current;
    const id = runId();
    const plan = planSave(path, liveFiles, live && id !== null);
    if (plan.kind !== "send" || !id) return show(plan.line);
    show(plan.line, true);
    try {
      const { results } = await call(
        "run:update-files",
        { runId: id, files: { [path]: files()[path] ?? "" } },
        UPDATE_TIMEOUT_MS,
      );
      show(saveAnswer(plan, results[0]));
    } catch (err) {
      show({ tone: "error", text: asProtocolError(err).message });
    }
  }, [liveFiles, runId, files, show]);

  return { status, save };
}
