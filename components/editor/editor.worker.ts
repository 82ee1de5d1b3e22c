// Monaco's editor worker (word completions, link detection, diffs), bundled as a module worker from the local package.
import "monaco-editor/editor/editor.worker.js";
