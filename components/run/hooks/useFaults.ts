"use client";
// The faults of the live run's links: asked for when the run (or the panel) appears, kept up to date by the run's
// "faults" events (a change from another tab, or a check), and changed from the page.
import { useCallback, useEffect, useState } from "react";
import { call, CallError } from "@/lib/client/socket";
import type { Fault, Link, LinkState } from "@/lib/shared/faults";
import type { ProtocolError } from "@/lib/shared/socket-protocol";

/** Only a link's two ends go to the server (a LinkState carries its faults too; the server takes nothing more). */
const ends = (link: Link): Link => ({ from: link.from, to: link.to });

/** A change is a couple of calls to the run's proxy on this machine. */
const FAULT_CALL_TIMEOUT_MS = 15_000;

export interface FaultsControl {
  /** undefined: not known yet (no run, or not asked); [] for a lesson without fault links. */
  links: LinkState[] | undefined;
  pending: boolean;
  error: ProtocolError | null;
  add: (link: Link, fault: Fault) => Promise<void>;
  remove: (link: Link, name: string) => Promise<void>;
  refresh: () => Promise<void>;
}

export function useFaults(
  runId: string | null,
  live: boolean,
  /** What the run's latest "faults" event said (RunView.faults). */
  fromEvents: LinkState[] | undefined,
): FaultsControl {
  const [asked, setAsked] = useState<{ runId: string; links: LinkState[] } | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ProtocolError | null>(null);

  const perform = useCallback(
    async (work: (id: string) => Promise<{ links: LinkState[] }>) => {
      if (!runId || !live) return;
      setPending(true);
      setError(null);
      try {
        const { links } = await work(runId);
        setAsked({ runId, links });
      } catch (err) {
        if (err instanceof CallError) setError(err.error);
      } finally {
        setPending(false);
      }
    },
    [runId, live],
  );

  const refresh = useCallback(
    () => perform((id) => call("run:faults", { runId: id }, FAULT_CALL_TIMEOUT_MS)),
    [perform],
  );
  const add = useCallback(
    (link: Link, fault: Fault) =>
      perform((id) => call("run:fault", { runId: id, link: ends(link), action: "add", fault }, FAULT_CALL_TIMEOUT_MS)),
    [perform],
  );
  const remove = useCallback(
    (link: Link, name: string) =>
      perform((id) =>
        call("run:fault", { runId: id, link: ends(link), action: "remove", name }, FAULT_CALL_TIMEOUT_MS),
      ),
    [perform],
  );

  // A new live run: ask once what its links are (the proxy starts with the run, before its services).
  useEffect(() => {
    if (runId && live) void refresh();
  }, [runId, live, refresh]);

  // The newest word wins: an event after our own answer (another tab's change) replaces it, and vice versa, since
  // both describe the whole state; an event arrives after the answer of the change that caused it.
  const [eventSeen, setEventSeen] = useState(fromEvents);
  if (fromEvents !== eventSeen) {
    setEventSeen(fromEvents);
    if (fromEvents && runId) setAsked({ runId, links: fromEvents });
  }
  const links = live && asked?.runId === runId ? asked.links : undefined;
  return { links, pending, error, add, remove, refresh };
}
