// Turns the go tool's error output into editor markers on lesson-relative files.
import type { Diagnostic } from "./types";

/** Where the container extracts the lesson: absolute paths under it map back to lesson paths. */
export const SOURCE_ROOT = "/work/src";

/** Colour codes, should a tool print them: markers carry plain text. */
const ANSI_COLOUR = new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g");

const POSITION = /^(?:\.\/)?([^\s:][^:]*\.(?:go|mod|proto|sum)):(\d+)(?::(\d+))?:\s?(.*)$/;

function toLessonPath(file: string, serviceDir: string): string {
  if (file.startsWith(`${SOURCE_ROOT}/`)) return file.slice(SOURCE_ROOT.length + 1);
  const joined = `${serviceDir}/${file}`.split("/");
  const out: string[] = [];
  for (const part of joined) {
    if (part === "..") out.pop();
    else if (part !== "." && part !== "") out.push(part);
  }
  return out.join("/");
}

/** Parses `go build` / `go vet` output. Continuation lines (indented) join the message before them. */
export function parseGoDiagnostics(output: string, service: string, serviceDir: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const rawLine of output.split(/\r?\n/)) {
    const line = rawLine.replace(ANSI_COLOUR, "");
    const match = POSITION.exec(line.trim());
    if (match && !line.startsWith("\t")) {
      const [, file, lineNo, col, message] = match;
      out.push({
        service,
        file: toLessonPath(file, serviceDir),
        line: Number(lineNo),
        column: col ? Number(col) : 1,
        message: message.trim(),
      });
    } else if (/^\s+\S/.test(line) && out.length > 0 && !line.trim().startsWith("#")) {
      out[out.length - 1].message += `\n${line.trim()}`;
    }
  }
  return out;
}
