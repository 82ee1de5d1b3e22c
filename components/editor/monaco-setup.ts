// Monaco from the local package, never a CDN: the editor core, the features we use, and five basic languages.
import * as monaco from "monaco-editor/editor/editor.api.js";
import { loader } from "@monaco-editor/react";

import "monaco-editor/features/codicon/register.js";
import "monaco-editor/features/bracketMatching/register.js";
import "monaco-editor/features/clipboard/register.js";
import "monaco-editor/features/comment/register.js";
import "monaco-editor/features/contextmenu/register.js";
import "monaco-editor/features/cursorUndo/register.js";
import "monaco-editor/features/find/register.js";
import "monaco-editor/features/folding/register.js";
import "monaco-editor/features/gotoError/register.js";
// gopls's features (components/editor/gopls.ts): signature help, go to / peek definition, references, rename,
// formatting, snippets.
import "monaco-editor/features/parameterHints/register.js";
import "monaco-editor/features/rename/register.js";
import "monaco-editor/features/gotoSymbol/register.js";
import "monaco-editor/features/referenceSearch/register.js";
import "monaco-editor/features/format/register.js";
import "monaco-editor/features/snippet/register.js";
import "monaco-editor/features/hover/register.js";
import "monaco-editor/features/indentation/register.js";
import "monaco-editor/features/linesOperations/register.js";
import "monaco-editor/features/links/register.js";
import "monaco-editor/features/multicursor/register.js";
import "monaco-editor/features/smartSelect/register.js";
import "monaco-editor/features/suggest/register.js";
import "monaco-editor/features/unicodeHighlighter/register.js";
import "monaco-editor/features/wordHighlighter/register.js";
import "monaco-editor/features/wordOperations/register.js";
// Word-based completions (Ctrl+Space), computed in the editor worker.
import "monaco-editor/editor/contrib/suggest/browser/suggestController.js";

import "monaco-editor/languages/definitions/go/register.js";
import "monaco-editor/languages/definitions/yaml/register.js";
import "monaco-editor/languages/definitions/dockerfile/register.js";
import "monaco-editor/languages/definitions/protobuf/register.js";
import "monaco-editor/languages/definitions/markdown/register.js";

self.MonacoEnvironment = {
  getWorker: () => new Worker(new URL("./editor.worker.ts", import.meta.url), { type: "module", name: "editor" }),
};

loader.config({ monaco });

/**
 * Monaco's own themes with the colours that fall under WCAG AA contrast (4.5:1) on their background made darker
 * (light) or brighter (dark): comments, line numbers, some keywords and strings.
 */
monaco.editor.defineTheme("playground-dark", {
  base: "vs-dark",
  inherit: true,
  rules: [{ token: "comment", foreground: "7fae6b" }],
  colors: { "editorLineNumber.foreground": "#9a9a9a" },
});
monaco.editor.defineTheme("playground-light", {
  base: "vs",
  inherit: true,
  rules: [{ token: "comment", foreground: "00700f" }],
  colors: { "editorLineNumber.foreground": "#6e7681" },
});

/** The editor theme of a page theme. */
export const editorTheme = (theme: "dark" | "light") => (theme === "dark" ? "playground-dark" : "playground-light");

export { monaco };
