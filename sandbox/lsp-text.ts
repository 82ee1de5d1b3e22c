// The text of a document as gopls has it, kept beside gopls so a restarted gopls gets it back: incremental LSP edits
// (0-based lines, UTF-16 characters, which is what a JavaScript string counts) applied to a string.

export interface LspPosition {
  line: number;
  character: number;
}

export interface LspRange {
  start: LspPosition;
  end: LspPosition;
}

/** One edit of a didChange: a range replaced by text (a range-less change replaces the whole document). */
export interface LspChange {
  range?: LspRange;
  text: string;
}

/** The offset of a position; past a line's end or the last line it is clamped, as LSP says a client must. */
export function offsetAt(text: string, position: LspPosition): number {
  let offset = 0;
  for (let line = 0; line < position.line; line++) {
    const next = text.indexOf("\n", offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  const lineEnd = text.indexOf("\n", offset);
  const end = lineEnd < 0 ? text.length : lineEnd;
  return Math.min(offset + Math.max(0, position.character), end);
}

/** Applies the changes in order, each to the result of the one before (as didChange defines them). */
export function applyChanges(text: string, changes: readonly LspChange[]): string {
  let out = text;
  for (const change of changes) {
    if (!change.range) {
      out = change.text;
      continue;
    }
    const start = offsetAt(out, change.range.start);
    const end = Math.max(start, offsetAt(out, change.range.end));
    out = out.slice(0, start) + change.text + out.slice(end);
  }
  return out;
}
