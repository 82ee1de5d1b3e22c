// The project's boundaries are lint rules (eslint.config.js): this proves each one still bites, on text that
// crosses it, and still lets the allowed crossings through.
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint({ cwd: process.cwd() });

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages
    .filter((m) => m.ruleId === "@typescript-eslint/no-restricted-imports")
    .map((m) => m.message.split("'")[1]);
}

describe("import boundaries", () => {
  it("keep the engine and server-only code out of the page", async () => {
    const code = [
      'import { Run } from "@/sandbox/run";',
      'import { RunSessions } from "@/lib/server/sessions";',
      'import type { RunEvent } from "@/sandbox/types";',
      'import { MAX_SPANS_PER_RUN } from "@/sandbox/limits";',
      'import { UI } from "@/lib/shared/ui-text";',
      "export const x: unknown = [Run, RunSessions, MAX_SPANS_PER_RUN, UI] as unknown as RunEvent;",
    ].join("\n");
    expect(await restricted("components/run/Probe.tsx", code)).toEqual(["@/sandbox/run", "@/lib/server/sessions"]);
    expect(await restricted("lib/client/probe.ts", code)).toEqual(["@/sandbox/run", "@/lib/server/sessions"]);
  });

  it("let the server and scripts use the engine's public face only", async () => {
    const code = [
      'import { startRun } from "../sandbox/index";',
      'import { Run } from "../sandbox/run";',
      'import type { Limits } from "../sandbox/limits";',
      "export const x: unknown = [startRun, Run] as unknown as Limits;",
    ].join("\n");
    expect(await restricted("scripts/probe.ts", code)).toEqual(["../sandbox/run"]);
  });

  it("keep page code out of the engine, and the engine out of lib/shared", async () => {
    expect(
      await restricted(
        "sandbox/probe.ts",
        'import { useState } from "react";\nimport { readPref } from "../lib/client/storage";\nimport { loadLesson } from "../lib/server/lessons";\nexport const x = [useState, readPref, loadLesson];',
      ),
    ).toEqual(["react", "../lib/client/storage"]);
    expect(
      await restricted(
        "lib/shared/probe.ts",
        'import { startRun } from "../../sandbox/index";\nimport { readPref } from "../client/storage";\nexport const x = [startRun, readPref];',
      ),
    ).toEqual(["../../sandbox/index", "../client/storage"]);
  });
});
