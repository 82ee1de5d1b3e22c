import { describe, expect, it } from "vitest";
import { extractMarkers, FrameDemuxer, OutputBudget } from "../../sandbox/streams";

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
