// Hostile program output: a span marker line nested deep, a flood of span lines, a flood of plain lines. The server
// must keep working and tell the learner what it skipped or dropped. Span lines count only from the run's collector
// (a program's own marker line is its text), so the flood goes through the collector as OTLP, the way spans arrive.
import type { HostileCase } from "../support/case";
import {
  deepSpan,
  lessonFiles,
  otlpFlood,
  plainFlood,
  SPAN_NESTING,
  TRACING_FRONTEND,
  TRACING_LESSON,
} from "../support/programs";
import { runGo } from "./go-code";

/** A run's own notice (a system line, or a count of dropped lines) that says something was left out. */
const notice = (about: RegExp) =>
  new RegExp(
    String.raw`^\[system [^\]]+\] (?=.*(?:${about.source}))(?=.*(?:skip|drop|limit|too many|too deep|nest|ignor|truncat|budget|could not be read)).*|^\[dropped [^\]]+\] .*`,
    "i",
  );

export const outputCases: HostileCase[] = [
  {
    name: `span marker nested ${SPAN_NESTING} deep`,
    category: "Program output",
    timeoutMs: 90_000,
    async run(ctx) {
      const client = await runGo(ctx, deepSpan);
      await ctx.expectLine(client, /hostile: deep span: printed/, 30_000, "the program's own report");
      // The engine either reads the line and says it skipped it, or leaves it as the program's own text, verbatim.
      await ctx.expectLine(
        client,
        new RegExp(`${notice(/span/).source}|^\\[stdout user-service\\] @@playground:span .{${SPAN_NESTING}}`, "i"),
        10_000,
        "a notice that the span line was skipped, or the line as the program's own output",
      );
      ctx.check(
        !client.events.some((e) => e.type === "span" && e.span.name === "deep"),
        "the deep span was accepted as a span",
      );
    },
  },
  {
    name: "flood of span marker lines (through the collector)",
    category: "Program output",
    timeoutMs: 240_000,
    async run(ctx) {
      const client = await ctx.client();
      const files = await lessonFiles(TRACING_LESSON);
      for (const p of Object.keys(files))
        if (p.startsWith(`${TRACING_FRONTEND}/`) && p.endsWith(".go")) delete files[p];
      files[`${TRACING_FRONTEND}/main.go`] = otlpFlood;
      const started = await client.start(TRACING_LESSON, files);
      ctx.check(started.ok, "Run was refused");
      const stage = await client.waitStage("frontend", ["running", "failed", "stopped"], 150_000);
      ctx.check(stage === "running", `frontend is ${stage}`);
      await ctx.expectLine(client, /hostile: otlp flood: \d+ spans exported/, 90_000, "the exporter's report");
      await ctx.expectLine(client, notice(/span/), 20_000, "a notice that spans were dropped");
      const spans = client.events.filter((e) => e.type === "span").length;
      ctx.check(spans <= 20_000, `${spans} spans reached the page`);
    },
  },
  {
    name: "flood of plain output",
    category: "Program output",
    timeoutMs: 120_000,
    async run(ctx) {
      const client = await runGo(ctx, plainFlood);
      await ctx.expectLine(client, notice(/output|lines/), 60_000, "a notice that output was dropped");
    },
  },
];
