import { describe, expect, it } from "vitest";
import {
  extractMarkers,
  FrameDemuxer,
  MarkerSplitter,
  MAX_MARKER_LINE_BYTES,
  OutputBudget,
} from "../../sandbox/streams";

function frame(type: number, text: string): Buffer {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

describe("Docker frame demuxer", () => {
  it("splits frames and keeps their order", () => {
    const d = new FrameDemuxer();
    const frames = d.push(Buffer.concat([frame(1, "out1"), frame(2, "err1"), frame(1, "out2")]));
    expect(frames.map((f) => [f.stream, f.data.toString()])).toEqual([
      ["stdout", "out1"],
      ["stderr", "err1"],
      ["stdout", "out2"],
    ]);
  });

  it("reassembles frames split at any byte", () => {
    const all = Buffer.concat([frame(1, "hello "), frame(2, "wörld")]);
    for (let cut = 1; cut < all.length; cut++) {
      const d = new FrameDemuxer();
      const got = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))];
      expect(got.map((f) => f.data.toString())).toEqual(["hello ", "wörld"]);
    }
  });
});

describe("stage markers", () => {
  it("removes marker lines and returns them", () => {
    expect(extractMarkers("@@playground:building\nreal line\n")).toEqual({
      text: "real line\n",
      markers: ["building"],
    });
    expect(extractMarkers("plain\n")).toEqual({ text: "plain\n", markers: [] });
  });
});

describe("output budget", () => {
  it("passes output until the limit, then drops and counts it, announcing once", () => {
    const b = new OutputBudget(10);
    expect(b.take("stdout", Buffer.from("12345")).justExceeded).toBe(false);
    const cut = b.take("stdout", Buffer.from("678901234"));
    expect(cut.keep.toString()).toBe("67890");
    expect(cut.justExceeded).toBe(true);
    const later = b.take("stdout", Buffer.from("more"));
    expect(later.keep.length).toBe(0);
    expect(later.justExceeded).toBe(false);
    expect(b.dropped("stdout")).toBe(8);
    expect(b.take("stderr", Buffer.from("err")).keep.toString()).toBe("err");
  });

  it("announces when the limit is hit exactly and the next chunk is dropped", () => {
    const b = new OutputBudget(4);
    b.take("stdout", Buffer.from("1234"));
    expect(b.take("stdout", Buffer.from("5")).justExceeded).toBe(true);
    expect(b.take("stdout", Buffer.from("6")).justExceeded).toBe(false);
  });
});

describe("marker splitter", () => {
  const span = `@@playground:span {"name":"${"x".repeat(5000)}"}`;

  it("reassembles a marker line cut anywhere, and never shows it", () => {
    const all = `before\n${span}\nafter\n`;
    for (const cut of [1, 7, 8, 10, 20, 3000, all.length - 8, all.length - 7, all.length - 1]) {
      const s = new MarkerSplitter();
      const a = s.push(all.slice(0, cut));
      const b = s.push(all.slice(cut));
      expect(a.text + b.text).toBe("before\nafter\n");
      expect([...a.markers, ...b.markers]).toEqual([span.slice("@@playground:".length)]);
    }
  });

  it("passes other unfinished lines at once", () => {
    const s = new MarkerSplitter();
    expect(s.push("prompt> ")).toEqual({ text: "prompt> ", markers: [] });
    expect(s.push("@@play")).toEqual({ text: "", markers: [] });
    expect(s.push("ful\n")).toEqual({ text: "@@playful\n", markers: [] });
  });

  it("gives up holding a marker line longer than the limit", () => {
    const s = new MarkerSplitter();
    const huge = `@@playground:span ${"y".repeat(MAX_MARKER_LINE_BYTES)}`;
    expect(s.push(huge).text).toBe(huge);
    expect(s.push("\nnext\n")).toEqual({ text: "\nnext\n", markers: [] });
  });
});

describe("marker splitter against a hostile program", () => {
  const P = "@@playground:";

  /** Feeds the chunks and joins what comes out, markers marked with ⟦⟧ in their place. */
  function feed(chunks: string[]): string {
    const s = new MarkerSplitter();
    let out = "";
    for (const c of [...chunks.map((c) => s.split(c)), s.end()])
      for (const p of c) out += p.kind === "text" ? p.text : `⟦${p.body}⟧`;
    return out;
  }

  it("keeps text and markers in the order they were written", () => {
    const s = new MarkerSplitter();
    expect(s.split(`a\n${P}starting\nb\n${P}span {}\nc`)).toEqual([
      { kind: "text", text: "a\n" },
      { kind: "marker", body: "starting", line: `${P}starting` },
      { kind: "text", text: "b\n" },
      { kind: "marker", body: "span {}", line: `${P}span {}` },
      { kind: "text", text: "c" },
    ]);
  });

  it("gives the same result however the output is cut, one byte at a time included", () => {
    const all = `x\n${P}building\n${P}span {"a":1}\n@@play\n@@playful\nlast ${P}not-at-start\n${P}starting`;
    const whole = feed([all]);
    expect(whole).toBe(`x\n⟦building⟧⟦span {"a":1}⟧@@play\n@@playful\nlast ${P}not-at-start\n⟦starting⟧`);
    expect(feed([...all])).toBe(whole);
    for (let cut = 1; cut < all.length; cut += 3) expect(feed([all.slice(0, cut), all.slice(cut)])).toBe(whole);
  });

  it("never reads a marker in the middle of a line, however the line was cut", () => {
    expect(feed(["prompt> ", `${P}failed forged\n`, `${P}building\n`])).toBe(`prompt> ${P}failed forged\n⟦building⟧`);
    expect(feed(["prompt> @@pl", "ayground:failed\n"])).toBe(`prompt> ${P}failed\n`);
  });

  it("holds a marker line written a byte at a time in time proportional to its length", () => {
    const line = `${P}span ${"z".repeat(MAX_MARKER_LINE_BYTES - 100)}`;
    const s = new MarkerSplitter();
    const started = performance.now();
    let markers = 0;
    for (const ch of line) markers += s.split(ch).length;
    markers += s.split("\n").filter((p) => p.kind === "marker").length;
    // Re-reading the held line on every byte would take minutes here.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(markers).toBe(1);
  });

  it("passes a marker line longer than the limit as text, whole or in pieces, and reads the next line again", () => {
    const huge = `${P}span ${"[".repeat(MAX_MARKER_LINE_BYTES + 10)}`;
    expect(feed([`${huge}\n${P}building\n`])).toBe(`${huge}\n⟦building⟧`);
    const pieces: string[] = [];
    for (let i = 0; i < huge.length; i += 4096) pieces.push(huge.slice(i, i + 4096));
    expect(feed([...pieces, `\n${P}building\n`])).toBe(`${huge}\n⟦building⟧`);
    expect(extractMarkers(`${huge}\n`).markers).toEqual([]);
  });

  it("reads a million-deep line as plain text without holding it", () => {
    const s = new MarkerSplitter();
    const deep = `${P}span ${"[".repeat(1_000_000)}`;
    const out = s.split(deep);
    expect(out).toEqual([{ kind: "text", text: deep }]);
  });
});

describe("marker allowance", () => {
  it("counts marker text apart from the output, refuses past it and says so once", () => {
    const b = new OutputBudget(10, 100);
    expect(b.takeMarker(60)).toEqual({ ok: true, justExceeded: false });
    expect(b.takeMarker(60)).toEqual({ ok: false, justExceeded: true });
    // Closed for good: a smaller line that would have fitted is refused too, without a second notice.
    expect(b.takeMarker(1)).toEqual({ ok: false, justExceeded: false });
    expect(b.refusedMarkers).toBe(2);
    expect(b.take("stdout", Buffer.from("output")).keep.toString()).toBe("output");
  });
});
