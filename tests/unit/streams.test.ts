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
