"use client";
// Lesson text on the left, the workspace on the right, with a draggable divider between them.
import type { ReactNode } from "react";
import { Splitter, useSplit } from "@/components/ui/Splitter";
import { usePref } from "@/lib/client/prefs";
import { t } from "@/lib/shared/ui-text";

export function LessonSplit({ text, workspace }: { text: ReactNode; workspace: ReactNode }) {
  const lang = usePref("lang");
  const [fraction, setFraction] = useSplit("lesson", 0.36, 0.22, 0.6);
  return (
    <div
      className="lesson-split"
      style={{ gridTemplateColumns: `minmax(0, ${fraction}fr) auto minmax(0, ${1 - fraction}fr)` }}
    >
      {text}
      <Splitter direction="columns" fraction={fraction} onChange={setFraction} label={t(lang, "resizeLesson")} />
      {workspace}
    </div>
  );
}
