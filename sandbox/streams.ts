// Stream plumbing for a container's attach stream: Docker's 8-byte frame demuxer, stage markers, output budget.
import { MARKER_BYTES_PER_SERVICE, MAX_MARKER_LINE_BYTES } from "./limits";

export { MAX_MARKER_LINE_BYTES };

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

/**
 * Reads a short exec's multiplexed stream to its end, frame by frame. It settles once: resolved when the stream ends
 * or closes, rejected when it fails, when a frame cannot be read (output from inside the sandbox), or after
 * `timeoutMs` (`what` names the job in that message); the stream is destroyed on the way out of a failure.
 */
export function readExecFrames(
  stream: NodeJS.ReadableStream & { destroy(): void },
  onFrame: (frame: Frame) => void,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const demuxer = new FrameDemuxer();
  return new Promise<void>((resolve, reject) => {
    const fail = (err: unknown): void => {
      clearTimeout(timer);
      stream.destroy();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    const timer = setTimeout(() => fail(new Error(`${what} took longer than ${timeoutMs / 1000} s`)), timeoutMs);
    stream.on("data", (chunk: Buffer) => {
      try {
        for (const frame of demuxer.push(chunk)) onFrame(frame);
      } catch (err) {
        fail(err);
      }
    });
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    stream.once("end", done);
    stream.once("close", done);
    stream.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Lines the runner script inside the container prints to tell the stage; never shown to the learner. */
export const MARKER_PREFIX = "@@playground:";

export interface SplitOutput {
  text: string;
  markers: string[];
}

/** A run of plain output, or one whole marker line (`body` is what follows the prefix, trimmed). */
export type Piece = { kind: "text"; text: string } | { kind: "marker"; body: string; line: string };

/** Removes marker lines from a complete piece of stdout text and returns them separately. */
export function extractMarkers(text: string): SplitOutput {
  const splitter = new MarkerSplitter();
  return joinPieces([...splitter.split(text), ...splitter.end()]);
}

function joinPieces(pieces: Piece[]): SplitOutput {
  let text = "";
  const markers: string[] = [];
  for (const p of pieces) {
    if (p.kind === "text") text += p.text;
    else markers.push(p.body);
  }
  return { text, markers };
}

/**
 * extractMarkers for a stream: Docker's frames cut output wherever the pipe did, so a marker line (a span line is
 * a few kilobytes) may arrive in pieces. An unfinished last line that is, or may become, a marker is held back
 * until its newline comes; any other text passes at once, so a prompt without a newline still shows. A marker
 * line longer than MAX_MARKER_LINE_BYTES is passed on as plain text (and counted as output).
 *
 * The program controls the cuts (it may write one byte at a time), so the work per chunk is proportional to the
 * chunk: a held line is kept in parts and only the new chunk is searched for its end.
 */
export class MarkerSplitter {
  /** The held-back unfinished line, in the parts it came in. */
  private held: string[] = [];
  private heldLength = 0;
  /** The last text passed on ended inside a line: what follows is that line's rest, never a marker. */
  private midLine = false;

  constructor(private readonly maxLine = MAX_MARKER_LINE_BYTES) {}

  /** Text and marker lines in the order the program wrote them. */
  split(chunk: string): Piece[] {
    const out: Piece[] = [];
    if (this.heldLength > 0 && this.heldLength < MARKER_PREFIX.length) {
      // Too short yet to know whether it is a marker: read it again with the new text (a few bytes at most).
      chunk = this.release() + chunk;
    } else if (this.heldLength > 0) {
      const nl = chunk.indexOf("\n");
      if (nl === -1) {
        this.held.push(chunk);
        this.heldLength += chunk.length;
        if (this.heldLength > this.maxLine) {
          pushText(out, this.release());
          this.midLine = true;
        }
        return out;
      }
      const line = this.release() + chunk.slice(0, nl);
      if (line.length <= this.maxLine) pushMarker(out, line);
      else pushText(out, `${line}\n`);
      chunk = chunk.slice(nl + 1);
    }
    this.scan(chunk, out);
    return out;
  }

  /** The stream has ended: a held line is what it is, a marker if it is one. */
  end(): Piece[] {
    const out: Piece[] = [];
    const rest = this.release();
    if (rest.startsWith(MARKER_PREFIX)) pushMarker(out, rest);
    else pushText(out, rest);
    return out;
  }

  /** split(), with the markers apart from the text (their order relative to the text is lost). */
  push(chunk: string): SplitOutput {
    return joinPieces(this.split(chunk));
  }

  private release(): string {
    const text = this.held.join("");
    this.held = [];
    this.heldLength = 0;
    return text;
  }

  /** Splits text (the rest of a line first, if the last text ended inside one); holds back a possible marker. */
  private scan(text: string, out: Piece[]): void {
    let textStart = 0;
    let at = 0;
    if (this.midLine) {
      const nl = text.indexOf("\n");
      if (nl === -1) {
        // A few bytes that look like a marker's start wait for the next, as at a line's start; they stay text.
        if (text.length < MARKER_PREFIX.length && MARKER_PREFIX.startsWith(text)) this.hold(text);
        else pushText(out, text);
        return;
      }
      at = nl + 1;
      this.midLine = false;
    }
    const mayHoldTail = (from: number): boolean =>
      text.length - from < MARKER_PREFIX.length && MARKER_PREFIX.startsWith(text.slice(from));
    // Most output has no marker at all: one search of the chunk decides.
    if (!text.includes(MARKER_PREFIX, at)) {
      const lastLine = Math.max(at, text.lastIndexOf("\n") + 1);
      if (lastLine < text.length && mayHoldTail(lastLine)) {
        pushText(out, text.slice(0, lastLine));
        this.hold(text.slice(lastLine));
      } else {
        pushText(out, text);
        this.midLine = lastLine < text.length;
      }
      return;
    }
    while (at < text.length) {
      const nl = text.indexOf("\n", at);
      if (text.startsWith(MARKER_PREFIX, at)) {
        if (nl === -1) {
          if (text.length - at > this.maxLine) {
            this.midLine = true;
            break;
          }
          pushText(out, text.slice(textStart, at));
          this.hold(text.slice(at));
          return;
        }
        if (nl - at <= this.maxLine) {
          pushText(out, text.slice(textStart, at));
          pushMarker(out, text.slice(at, nl));
          textStart = nl + 1;
        }
      } else if (nl === -1 && mayHoldTail(at)) {
        pushText(out, text.slice(textStart, at));
        this.hold(text.slice(at));
        return;
      }
      if (nl === -1) {
        this.midLine = true;
        break;
      }
      at = nl + 1;
    }
    pushText(out, text.slice(textStart));
  }

  private hold(text: string): void {
    this.held.push(text);
    this.heldLength += text.length;
  }
}

function pushText(out: Piece[], text: string): void {
  if (text === "") return;
  const last = out[out.length - 1];
  if (last?.kind === "text") last.text += text;
  else out.push({ kind: "text", text });
}

function pushMarker(out: Piece[], line: string): void {
  out.push({ kind: "marker", body: line.slice(MARKER_PREFIX.length).trim(), line });
}

/**
 * Output allowed per stream; past it, output is counted and dropped. The first refusal returns `justExceeded`
 * so the caller prints one visible notice instead of silently losing lines.
 */
export class OutputBudget {
  private used: Record<StreamKind, number> = { stdout: 0, stderr: 0 };
  private droppedBytes: Record<StreamKind, number> = { stdout: 0, stderr: 0 };

  private markerBytes = 0;
  private markersRefused = 0;

  constructor(
    private readonly limitPerStream: number,
    private readonly markerLimit = MARKER_BYTES_PER_SERVICE,
  ) {}

  /**
   * Marker lines are hidden from the terminal but cost as much to read, so they are counted too, against an
   * allowance of their own (a traced lesson's collector prints far more span text than log text). Past it, every
   * marker line is refused unread; the first refusal says `justExceeded`.
   */
  takeMarker(bytes: number): { ok: boolean; justExceeded: boolean } {
    if (this.markerBytes + bytes <= this.markerLimit) {
      this.markerBytes += bytes;
      return { ok: true, justExceeded: false };
    }
    this.markerBytes = this.markerLimit;
    return { ok: false, justExceeded: this.markersRefused++ === 0 };
  }

  /** Marker lines refused past the allowance. */
  get refusedMarkers(): number {
    return this.markersRefused;
  }

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
