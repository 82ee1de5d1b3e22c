"use client";
// The lesson's run as the page follows it: attach on every (re)connection, start and stop, its event batches into
// the terminals (acknowledged once written, for flow control), the view of its services, and its spans.
import { useCallback, useEffect, useRef, useState } from "react";
import { call, getSocket, CallError } from "@/lib/client/socket";
import {
  appendSpans,
  applyEvent,
  endedWhileAway,
  eventsToShow,
  idleView,
  runStarted,
  terminalText,
  type RunView,
} from "@/lib/client/run-state";
import { TerminalBus } from "@/lib/client/terminal-bus";
import { EarlyBatches, WriteBarrier } from "@/lib/shared/flow-control";
import type { ProtocolError, RunEventsBatch, RunInfo, ServerToClientEvents } from "@/lib/shared/socket-protocol";
import type { LessonFiles, SpanData } from "@/sandbox/types";

const ATTACH_TIMEOUT_MS = 10_000;
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 60_000;

export interface RunControl {
  view: RunView;
  spans: SpanData[];
  /** The terminals' text, per service and interleaved. */
  bus: TerminalBus;
  busy: "start" | "stop" | null;
  /** The last error the learner should read (a failed start, stop, service action…), until dismissed. */
  notice: ProtocolError | null;
  report: (error: ProtocolError | null) => void;
  /** The followed run's id as it is now, for handlers that must not wait for a render. */
  runId: () => string | null;
  start: (files: LessonFiles) => Promise<void>;
  stop: () => Promise<void>;
  /** The files were reset: their compiler messages no longer apply. */
  clearDiagnostics: () => void;
}

const ack = (b: Pick<RunEventsBatch, "runId" | "bytes">) => {
  if (b.bytes > 0) getSocket().emit("run:ack", { runId: b.runId, bytes: b.bytes });
};

export function useRun(slug: string, services: { name: string; protocol: "http" | "grpc" }[]): RunControl {
  const [view, setView] = useState<RunView>(() => idleView(services));
  const [spans, setSpans] = useState<SpanData[]>([]);
  const [busy, setBusy] = useState<"start" | "stop" | null>(null);
  const [notice, setNotice] = useState<ProtocolError | null>(null);
  const [bus] = useState(() => new TerminalBus(services.map((s) => s.name)));
  const followed = useRef<string | null>(null);
  const ended = useRef<string | null>(null);
  const early = useRef(new EarlyBatches<RunEventsBatch>());

  // Events of the followed run into the terminals and the view; the tab acknowledges their text once written.
  const applyBatch = useCallback(
    (batch: RunEventsBatch) => {
      // Flow control: the server counts this batch's log text as in flight until every pane has written it.
      const barrier = new WriteBarrier(() => ack(batch));
      const shown = eventsToShow(batch.runId, batch.events, ended.current);
      if (!shown) return barrier.seal();
      const { events, ends } = shown;
      if (ends) ended.current = batch.runId;
      // The lines were dropped before this batch's text, so the notice comes first.
      for (const [service, lines] of Object.entries(batch.dropped ?? {})) bus.dropped(service, lines, barrier);
      for (const event of events) {
        const out = terminalText(event);
        if (out) bus.write(out.service, out.text, barrier);
      }
      barrier.seal();
      setView((v) => events.reduce(applyEvent, v));
      setSpans((s) => appendSpans(s, events));
    },
    [bus],
  );

  const adopt = useCallback(
    (run: RunInfo) => {
      followed.current = run.runId;
      ended.current = null;
      bus.reset();
      setSpans([]);
      setView((v) => runStarted(v, run.runId, run.services));
      // Its first events may have come with the answer that named it (see EarlyBatches).
      const { mine, others } = early.current.take(run.runId);
      others.forEach(ack);
      mine.forEach(applyBatch);
    },
    [bus, applyBatch],
  );

  // The socket: run events of the followed run, and re-attaching after every (re)connection.
  useEffect(() => {
    const socket = getSocket();
    const onEvents: ServerToClientEvents["run:events"] = (batch) => {
      if (batch.runId === followed.current) applyBatch(batch);
      else early.current.hold(batch).forEach(ack);
    };
    const attach = async () => {
      try {
        const { run } = await call("run:attach", { lessonSlug: slug }, ATTACH_TIMEOUT_MS);
        if (run) adopt(run);
        else if (followed.current) setView(endedWhileAway);
      } catch (err) {
        if (err instanceof CallError) setNotice(err.error);
      }
    };
    socket.on("run:events", onEvents);
    socket.on("connect", attach);
    if (socket.connected) void attach();
    return () => {
      socket.off("run:events", onEvents);
      socket.off("connect", attach);
    };
  }, [slug, adopt, applyBatch]);

  const starting = useRef(false);
  const start = useCallback(
    async (files: LessonFiles) => {
      if (starting.current) return;
      starting.current = true;
      setBusy("start");
      setNotice(null);
      try {
        const { run } = await call("run:start", { lessonSlug: slug, files }, START_TIMEOUT_MS);
        adopt(run);
      } catch (err) {
        if (err instanceof CallError) setNotice(err.error);
      } finally {
        starting.current = false;
        setBusy(null);
      }
    },
    [slug, adopt],
  );

  const stop = useCallback(async () => {
    setBusy("stop");
    try {
      await call("run:stop", { runId: followed.current ?? undefined }, STOP_TIMEOUT_MS);
    } catch (err) {
      if (err instanceof CallError && err.error.code !== "NO_RUN") setNotice(err.error);
    } finally {
      setBusy(null);
    }
  }, []);

  const runId = useCallback(() => followed.current, []);
  const clearDiagnostics = useCallback(() => setView((v) => ({ ...v, diagnostics: {} })), []);

  return { view, spans, bus, busy, notice, report: setNotice, runId, start, stop, clearDiagnostics };
}
