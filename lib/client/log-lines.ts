// Pure text work of the log panes: the "all services" pane's coloured prefixes, line counts, notices, downloads.

/** ANSI colours that read on both terminal themes (they map to each theme's palette). */
const PREFIX_COLOURS = ["36", "35", "33", "32", "34", "91", "96", "95", "93", "92"];

export function serviceColour(index: number): string {
  return PREFIX_COLOURS[((index % PREFIX_COLOURS.length) + PREFIX_COLOURS.length) % PREFIX_COLOURS.length];
}

/** Label of the run-wide lines (the engine's own) in the "all services" pane. */
export const RUN_LABEL = "run";

export function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/**
 * Interleaves the output of several services into one pane in arrival order, each line starting with its service's
 * name in that service's colour. Chunks may end inside a line: the line stays open for the same service, and is
 * ended (and continued under a fresh prefix) if another service writes in between, so lines never mix.
 */
export class LinePrefixer {
  private open: string | null = null;
  private width: number;
  private readonly colours = new Map<string, string>();

  constructor(services: string[]) {
    services.forEach((s, i) => this.colours.set(s, serviceColour(i)));
    this.width = Math.max(RUN_LABEL.length, ...services.map((s) => s.length));
  }

  private prefix(service: string): string {
    let colour = this.colours.get(service);
    if (!colour) {
      colour = service === RUN_LABEL ? "2" : serviceColour(this.colours.size);
      this.colours.set(service, colour);
      this.width = Math.max(this.width, service.length);
    }
    return `\x1b[${colour}m${service.padEnd(this.width)}\x1b[0m \x1b[2m│\x1b[0m `;
  }

  push(service: string, text: string): string {
    if (text === "") return "";
    let out = "";
    if (this.open !== null && this.open !== service) {
      out += "\n";
      this.open = null;
    }
    let start = 0;
    while (start < text.length) {
      const nl = text.indexOf("\n", start);
      const end = nl === -1 ? text.length : nl + 1;
      if (this.open !== service) out += this.prefix(service);
      out += text.slice(start, end);
      this.open = nl === -1 ? service : null;
      start = end;
    }
    return out;
  }

  reset(): void {
    this.open = null;
  }
}

/** The line a pane shows where output was dropped because the page fell behind. */
export function droppedNotice(lines: number): string {
  const noun = lines === 1 ? "line" : "lines";
  return `\x1b[1;33m⚠ ${lines} ${noun} dropped: this page fell behind the output\x1b[0m\n`;
}

/** Terminal text as a plain text file: no ANSI escapes, no carriage-return overwrites. */
export function plainText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r(?!\n)/g, "\n");
}

/** File name for a run's logs, e.g. "monolith-vs-microservices-3fa9c01b2d-logs.txt". */
export function logFileName(slug: string, runId: string | null): string {
  return `${slug}${runId ? `-${runId}` : ""}-logs.txt`;
}
