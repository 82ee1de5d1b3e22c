"use client";
// One service of the live run: stopped to watch the others cope, or started again from the Run's files.
import { useCallback, useState } from "react";
import { call, CallError } from "@/lib/client/socket";
import type { ProtocolError } from "@/lib/shared/socket-protocol";
import type { ServiceAction } from "@/components/terminal/LogPanel";

/** A restart waits for the old container to stop (its grace period) and the new one to be created. */
const SERVICE_ACTION_TIMEOUT_MS = 30_000;

export interface ServiceActions {
  /** The service whose stop or restart is under way. */
  pending: string | null;
  act: (service: string, action: ServiceAction) => Promise<void>;
}

export function useServiceActions(
  runId: () => string | null,
  report: (error: ProtocolError | null) => void,
): ServiceActions {
  const [pending, setPending] = useState<string | null>(null);
  const act = useCallback(
    async (service: string, action: ServiceAction) => {
      const id = runId();
      if (!id) return;
      setPending(service);
      report(null);
      try {
        await call("run:service", { runId: id, service, action }, SERVICE_ACTION_TIMEOUT_MS);
      } catch (err) {
        if (err instanceof CallError) report(err.error);
      } finally {
        setPending(null);
      }
    },
    [runId, report],
  );
  return { pending, act };
}
