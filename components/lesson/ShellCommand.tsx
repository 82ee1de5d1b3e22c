"use client";
// A command block of the lesson text (```shell): its ▶ types the command into the run's shell and runs it.
import { runInShell } from "@/lib/client/shell-commands";
import { t, type UiLang } from "@/lib/shared/ui-text";

export function ShellCommand({ text, lang }: { text: string; lang: UiLang }) {
  return (
    <div className="md-shell">
      <pre className="md-code" data-lang="shell">
        <code>{text}</code>
      </pre>
      <button
        type="button"
        className="md-shell-run"
        onClick={() => runInShell(text)}
        title={t(lang, "shell.runHint")}
        aria-label={t(lang, "shell.run")}
      >
        <span aria-hidden>▶</span> {t(lang, "shell.run")}
      </button>
    </div>
  );
}
