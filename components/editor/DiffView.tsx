"use client";
// The learner's edits of one file next to the lesson's original. The right side is the very model the editor uses,
// so typing here edits the file, and compiler markers show here too. Loaded only in the browser.
import { useEffect, useRef } from "react";
import { DiffEditor } from "@monaco-editor/react";
import { editorTheme, monaco } from "./monaco-setup";
import { modelUri } from "./CodeEditor";
import { languageOf } from "@/lib/client/files";

export interface DiffViewProps {
  slug: string;
  path: string;
  original: string;
  theme: "dark" | "light";
  label: string;
}

const OPTIONS: monaco.editor.IDiffEditorConstructionOptions = {
  fontSize: 13.5,
  lineHeight: 21,
  minimap: { enabled: false },
  scrollBeyondLastLine: false,
  originalEditable: false,
  renderOverviewRuler: false,
  // Side by side where there is room; a narrow editor pane shows the changes inline instead.
  useInlineViewWhenSpaceIsLimited: true,
  renderSideBySideInlineBreakpoint: 700,
  hideUnchangedRegions: { enabled: true, contextLineCount: 3, minimumLineCount: 5, revealLineCount: 10 },
  unicodeHighlight: { ambiguousCharacters: false },
  scrollbar: { verticalScrollbarSize: 10, horizontalScrollbarSize: 10 },
};

function originalUri(slug: string, path: string): string {
  return `original:///${slug}/${path}`;
}

export default function DiffView({ slug, path, original, theme, label }: DiffViewProps) {
  // The originals' models are kept by the diff widget (it would dispose them before itself, which Monaco reports
  // as an error) and disposed here once the widget is gone.
  const shown = useRef(new Set<string>());
  shown.current.add(originalUri(slug, path));
  useEffect(() => {
    const uris = shown.current;
    return () => {
      setTimeout(() => {
        for (const uri of uris) monaco.editor.getModel(monaco.Uri.parse(uri))?.dispose();
      });
    };
  }, []);

  return (
    <DiffEditor
      original={original}
      // No `modified` text: the widget takes the file's own model by its path, and a text prop would be written back
      // into that model whenever it changed, one render behind fast typing (losing keystrokes).
      language={languageOf(path)}
      originalModelPath={originalUri(slug, path)}
      modifiedModelPath={modelUri(slug, path)}
      keepCurrentOriginalModel
      keepCurrentModifiedModel
      theme={editorTheme(theme)}
      loading={null}
      options={OPTIONS}
      wrapperProps={{ className: "code-editor code-diff", "aria-label": label }}
    />
  );
}
