// Stream plumbing for a container's attach stream: Docker's 8-byte frame demuxer, stage markers, output budget.

export type StreamKind = "stdout" | "stderr";

export interface Frame {
  stream: StreamKind;
  data: Buffer;
}

/**
 * Splits Docker's multiplexed stream (non-TTY attach): each frame is a header [type, 0, 0, 0, size(uint32 BE)]
 * then `size` bytes. Kept as a pure function of pushed chunks so it can be tested without Docker, and so the
 * caller keeps control of backpressure (dockerode's demuxStream ignores it).
 */
export class FrameDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const type = this.pending[0];
      const data = this.pending.subarray(8, 8 + size);
      this.pending = this.pending.subarray(8 + size);
      // type 0 is stdin echoed back, 1 stdout, 2 stderr; 3 is the engine's own error text.
      if (type === 1 || type === 0) frames.push({ stream: "stdout", data });
      else frames.push({ stream: "stderr", data });
    }
    return frames;
  }
}

/** Lines the runner script inside the container prints to tell the stage; never shown to the learner. */
export const MARKER_PREFIX = "@@playground:";

export interface SplitOutput {
  text: string;
  markers: string[];
}

/** Removes marker lines from a chunk of stdout text and returns them separately. */
export function extractMarkers(text: string): SplitOutput {
  if (!text.includes(MARKER_PREFIX)) return { text, markers: [] };
  const markers: string[] = [];
  const kept: string[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith(MARKER_PREFIX)) markers.push(line.slice(MARKER_PREFIX.length).trim());
    else kept.push(line);
  }
  return { text: kept.join("\n"), markers };
}

/** Longest marker line held back while its end has not arrived; a longer one is passed on as plain text. */
export const MAX_MARKER_LINE_BYTES = 256 * 1024;

/**
 * extractMarkers for a stream: Docker's frames cut output wherever the pipe did, so a marker line (a span line is
 * a few kilobytes) may arrive in pieces. An unfinished last line that is, or may become, a marker is held back
 * until its newline comes; any other text passes at once, so a prompt without a newline still shows.
 */
export class MarkerSplitter {
  private carry = "";

  push(chunk: string): SplitOutput {
    const input = this.carry + chunk;
    this.carry = "";
    const cut = input.lastIndexOf("\n") + 1;
    const tail = input.slice(cut);
    const mayBeMarker = tail.startsWith(MARKER_PREFIX) || (tail !== "" && MARKER_PREFIX.startsWith(tail));
    if (mayBeMarker && tail.length <= MAX_MARKER_LINE_BYTES) {
      this.carry = tail;
      return extractMarkers(input.slice(0, cut));
    }
    const done = extractMarkers(input.slice(0, cut));
    return { text: done.text + tail, markers: done.markers };
  }
}

/**
 * Output allowed per stream; past it, output is counted and dropped. The first refusal returns `justExceeded`
 * so the caller prints one visible notice instead of silently losing lines.
 */
export class OutputBudget {
  private used: Record<StreamKind, number> = { stdout: 0, stderr: 0 };
  private droppedBytes: Record<StreamKind, number> = { stdout: 0, stderr: 0 };

  constructor(private readonly limitPerStream: number) {}

  take(stream: StreamKind, data: Buffer): { keep: Buffer; justExceeded: boolean } {
    const room = this.limitPerStream - this.used[stream];
    if (room >= data.length) {
      this.used[stream] += data.length;
      return { keep: data, justExceeded: false };
    }
    const wasOpen = room > 0;
    const keep = data.subarray(0, Math.max(0, room));
    this.used[stream] += keep.length;
    this.droppedBytes[stream] += data.length - keep.length;
    return { keep, justExceeded: wasOpen || this.droppedBytes[stream] === data.length - keep.length };
  }

  dropped(stream: StreamKind): number {
    return this.droppedBytes[stream];
  }
}
