"use client";
// The "Traces" tab beside the service terminals, with how many traces the run has so far.
import { t, type UiLang } from "@/lib/shared/ui-text";

export function TracesTab(props: { lang: UiLang; selected: boolean; traceCount: number; onSelect: () => void }) {
  const { lang, selected, traceCount, onSelect } = props;
  return (
    <button
      type="button"
      role="tab"
      aria-selected={selected}
      className="terminal-tab traces-tab"
      data-tab="traces"
      onClick={onSelect}
    >
      {t(lang, "traces.traces")}
      {traceCount > 0 && <span className="muted port">{traceCount}</span>}
    </button>
  );
}
