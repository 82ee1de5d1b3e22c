"use client";
// The Monaco editor of a lesson: one model per file, compiler messages as markers. Loaded only in the browser.
import { useEffect, useRef, useState } from "react";
import { Editor, type OnMount } from "@monaco-editor/react";
import { editorTheme, monaco } from "./monaco-setup";
import { SOURCE_SCHEME, attachGopls } from "./gopls";
import { languageOf } from "@/lib/client/files";
import type { Diagnostic, LessonFiles } from "@/sandbox/types";

const MARKER_OWNER = "go-build";
const MONO_FONT =
  '"JetBrains Mono", "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace';

export interface CodeEditorProps {
  slug: string;
  files: LessonFiles;
  /** Bumped when the files change from outside the editor (reset, edits restored from storage). */
  revision: number;
  active: string;
  theme: "dark" | "light";
  diagnostics: Map<string, Diagnostic[]>;
  onChange: (path: string, text: string) => void;
  /** A read-only Go source of the image shown instead of the active file (a definition in a module). */
  source?: string;
  label: string;
  /** A place to show (a link from the output): the cursor goes there once its file is the one in front. */
  reveal?: Reveal;
}

/** A place to put the cursor on: a line of a lesson file or of a read-only source; `seq` makes each click count. */
export interface Reveal {
  target: { path: string } | { source: string };
  line: number;
  column: number;
  seq: number;
}

export function modelUri(slug: string, path: string): string {
  return `file:///${slug}/${path}`;
}

declare global {
  interface Window {
    /** For the end-to-end test: the live editor and the Monaco API it was built with. */
    __playgroundEditor?: { editor: monaco.editor.IStandaloneCodeEditor; monaco: typeof monaco };
  }
}

export default function CodeEditor({
  slug,
  files,
  revision,
  active,
  source,
  theme,
  diagnostics,
  onChange,
  label,
  reveal,
}: CodeEditorProps) {
  const onChangeRef = useRef(onChange);
  const filesRef = useRef(files);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const [mounted, setMounted] = useState<monaco.editor.IStandaloneCodeEditor | null>(null);
  useEffect(() => {
    onChangeRef.current = onChange;
    filesRef.current = files;
  });

  // Every file gets its model up front, so markers can land on files whose tab was never opened.
  useEffect(() => {
    const models: monaco.editor.ITextModel[] = [];
    const subscriptions: monaco.IDisposable[] = [];
    for (const [path, text] of Object.entries(filesRef.current)) {
      const uri = monaco.Uri.parse(modelUri(slug, path));
      const model = monaco.editor.getModel(uri) ?? monaco.editor.createModel(text, languageOf(path), uri);
      if (model.getValue() !== text) model.setValue(text);
      models.push(model);
      subscriptions.push(model.onDidChangeContent(() => onChangeRef.current(path, model.getValue())));
    }
    return () => {
      for (const s of subscriptions) s.dispose();
      for (const m of models) if (!m.isDisposed()) m.dispose();
    };
  }, [slug]);

  // gopls behind the editor: the lesson's Go files opened in it, its answers as completions, hovers and markers.
  // Ctrl/Cmd+S also organizes imports and formats the Go file (the page's own save still runs: the key is not eaten).
  useEffect(() => {
    if (!mounted) return;
    const gopls = attachGopls(slug, mounted);
    const keys = mounted.onKeyDown((e) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.keyCode === monaco.KeyCode.KeyS) {
        void gopls.formatOnSave();
      }
    });
    return () => {
      keys.dispose();
      gopls.dispose();
    };
  }, [slug, mounted]);

  // Text replaced from outside (reset): push it into the models.
  useEffect(() => {
    if (revision === 0) return;
    for (const [path, text] of Object.entries(filesRef.current)) {
      const model = monaco.editor.getModel(monaco.Uri.parse(modelUri(slug, path)));
      if (model && model.getValue() !== text) model.setValue(text);
    }
  }, [slug, revision]);

  useEffect(() => {
    for (const path of Object.keys(filesRef.current)) {
      const model = monaco.editor.getModel(monaco.Uri.parse(modelUri(slug, path)));
      if (!model) continue;
      const markers = (diagnostics.get(path) ?? []).map((d): monaco.editor.IMarkerData => {
        const line = Math.min(Math.max(1, d.line), model.getLineCount());
        const column = Math.min(Math.max(1, d.column), model.getLineMaxColumn(line));
        const word = model.getWordAtPosition({ lineNumber: line, column });
        const endColumn = word && word.endColumn > column ? word.endColumn : model.getLineMaxColumn(line);
        return {
          severity: d.severity === "warning" ? monaco.MarkerSeverity.Warning : monaco.MarkerSeverity.Error,
          message: d.message,
          source: d.service,
          startLineNumber: line,
          startColumn: endColumn > column ? column : 1,
          endLineNumber: line,
          endColumn,
        };
      });
      monaco.editor.setModelMarkers(model, MARKER_OWNER, markers);
    }
  }, [slug, diagnostics]);

  // New errors, or a file with errors brought to the front: show the first one.
  useEffect(() => {
    const first = diagnostics.get(active)?.[0];
    if (first) editorRef.current?.revealLineInCenterIfOutsideViewport(first.line);
  }, [active, diagnostics]);

  // A link from the output: its line in the middle, the cursor on it, the editor focused.
  useEffect(() => {
    const editor = editorRef.current;
    if (!reveal || !editor) return;
    const inFront =
      "source" in reveal.target ? reveal.target.source === source : reveal.target.path === active && !source;
    if (!inFront) return;
    const position = { lineNumber: reveal.line, column: reveal.column };
    editor.setPosition(position);
    editor.revealPositionInCenter(position);
    editor.focus();
  }, [reveal, active, source]);

  const onMount: OnMount = (editor) => {
    editorRef.current = editor;
    setMounted(editor);
    window.__playgroundEditor = { editor, monaco };
    editor.onDidDispose(() => {
      editorRef.current = null;
      setMounted(null);
      if (window.__playgroundEditor?.editor === editor) delete window.__playgroundEditor;
    });
  };

  return (
    <Editor
      // A source's model was made when gopls named it (components/editor/gopls.ts): the editor only shows it.
      path={source ? monaco.Uri.from({ scheme: SOURCE_SCHEME, path: source }).toString() : modelUri(slug, active)}
      defaultValue={source ? undefined : files[active]}
      defaultLanguage={source ? "go" : languageOf(active)}
      keepCurrentModel
      theme={editorTheme(theme)}
      onMount={onMount}
      loading={null}
      wrapperProps={{ className: "code-editor", "aria-label": label }}
      options={{
        fontFamily: MONO_FONT,
        fontSize: 13.5,
        lineHeight: 21,
        minimap: { enabled: false },
        scrollBeyondLastLine: false,
        automaticLayout: true,
        padding: { top: 10, bottom: 10 },
        fixedOverflowWidgets: true,
        readOnly: Boolean(source),
        renderLineHighlight: "all",
        smoothScrolling: true,
        tabSize: 4,
        // Chinese comments use full-width punctuation; flagging it as ambiguous would be noise.
        unicodeHighlight: { ambiguousCharacters: false },
        scrollbar: { verticalScrollbarSize: 10, horizontalScrollbarSize: 10 },
      }}
    />
  );
}
