// The log panes' text: the "all services" pane's prefixes, the bus's fan-out, write barriers, drops and clears.
import { describe, expect, it } from "vitest";
import { LinePrefixer, droppedNotice, logFileName, plainText } from "@/lib/client/log-lines";
import { ALL_PANE, TerminalBus } from "@/lib/client/terminal-bus";
import { WriteBarrier } from "@/lib/shared/flow-control";

describe("LinePrefixer", () => {
  it("prefixes every line with its service, padded, in that service's colour", () => {
    const p = new LinePrefixer(["api", "user-service"]);
    const out = p.push("api", "one\ntwo\n");
    expect(plainText(out)).toBe("api          │ one\napi          │ two\n");
    expect(out).toContain("\x1b[36mapi");
    expect(p.push("user-service", "x\n")).toContain("\x1b[35muser-service");
  });

  it("continues a line split across chunks, and ends it when another service writes in between", () => {
    const p = new LinePrefixer(["a", "b"]);
    let out = p.push("a", "hel");
    out += p.push("a", "lo\nwor");
    out += p.push("b", "B\n");
    out += p.push("a", "ld\n");
    expect(plainText(out)).toBe("a   │ hello\na   │ wor\nb   │ B\na   │ ld\n");
  });

  it("labels the run-wide lines and names new services as they come", () => {
    const p = new LinePrefixer(["a"]);
    expect(plainText(p.push("run", "run 1: a\n"))).toBe("run │ run 1: a\n");
    expect(plainText(p.push("later-one", "hi\n"))).toBe("later-one │ hi\n");
  });
});

describe("TerminalBus", () => {
  it("replays text to late panes, fans run-wide lines out once per pane, and resets", () => {
    const bus = new TerminalBus(["a", "b"]);
    bus.write("a", "one\n");
    bus.write("*", "all\n");
    const seen: string[] = [];
    let resets = 0;
    const stop = bus.follow(
      "b",
      (t, done) => {
        seen.push(t);
        done();
      },
      () => resets++,
    );
    bus.write("b", "two\n");
    expect(bus.text("a")).toBe("one\nall\n");
    expect(bus.text("b")).toBe("all\ntwo\n");
    expect(plainText(bus.text(ALL_PANE))).toBe("a   │ one\nrun │ all\nb   │ two\n");
    expect(seen).toEqual(["two\n"]);
    bus.reset();
    expect(resets).toBe(1);
    expect(bus.text("a")).toBe("");
    expect(bus.text(ALL_PANE)).toBe("");
    stop();
    bus.write("b", "after\n");
    expect(seen).toEqual(["two\n"]);
  });

  it("holds a batch's barrier until every pane has written its part", () => {
    const bus = new TerminalBus(["a"]);
    const pending: (() => void)[] = [];
    bus.follow(
      "a",
      (_t, done) => pending.push(done),
      () => {},
    );
    bus.follow(
      ALL_PANE,
      (_t, done) => pending.push(done),
      () => {},
    );
    let acked = false;
    const barrier = new WriteBarrier(() => (acked = true));
    bus.write("a", "x\n", barrier);
    barrier.seal();
    expect(pending).toHaveLength(2);
    pending[0]();
    expect(acked).toBe(false);
    pending[1]();
    expect(acked).toBe(true);
  });

  it("shows dropped lines where they are missing and counts them per pane; clear empties one pane", () => {
    const bus = new TerminalBus(["a", "b"]);
    let changes = 0;
    bus.onChange(() => changes++);
    bus.write("a", "before\n");
    bus.dropped("a", 1234);
    expect(bus.droppedCount("a")).toBe(1234);
    expect(bus.droppedCount(ALL_PANE)).toBe(1234);
    expect(bus.droppedCount("b")).toBe(0);
    expect(plainText(bus.text("a"))).toBe("before\n⚠ 1234 lines dropped: this page fell behind the output\n");
    expect(plainText(bus.text(ALL_PANE))).toContain("a   │ ⚠ 1234 lines dropped");
    let cleared = 0;
    bus.follow(
      "a",
      () => {},
      () => cleared++,
    );
    bus.clear("a");
    expect(cleared).toBe(1);
    expect(bus.text("a")).toBe("");
    expect(bus.droppedCount("a")).toBe(0);
    expect(bus.text(ALL_PANE)).not.toBe("");
    expect(changes).toBe(2);
  });
});

describe("log helpers", () => {
  it("words notices and file names", () => {
    expect(plainText(droppedNotice(1))).toBe("⚠ 1 line dropped: this page fell behind the output\n");
    expect(logFileName("jwt-auth", "abc123")).toBe("jwt-auth-abc123-logs.txt");
    expect(logFileName("jwt-auth", null)).toBe("jwt-auth-logs.txt");
    expect(plainText("\x1b[1;32m● running\x1b[0m\rprogress\r\n")).toBe("● running\nprogress\r\n");
  });
});
