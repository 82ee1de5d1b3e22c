"use client";
// Requests to the run's services from the page, HTTP and gRPC alike, through one call (lib/client/requests): each
// answered one counts for the learner's progress, and an HTTP request's trace id lets the traces panel jump to it.
import { useCallback, useState } from "react";
import { runRequest, type RunRequestPayload } from "@/lib/client/requests";
import { noteRequest } from "@/lib/client/progress-hooks";
import type { RequestSpec } from "@/lib/shared/lesson-schema";
import type { GrpcCallResult, GrpcDescription } from "@/lib/shared/grpc-shapes";
import type { HttpResponseSummary } from "@/sandbox/types";

export interface Requests {
  sendHttp: (request: RunRequestPayload<"run:request">) => Promise<HttpResponseSummary>;
  describeGrpc: (service: string) => Promise<GrpcDescription>;
  callGrpc: (request: RunRequestPayload<"grpc:call">) => Promise<GrpcCallResult>;
  /** The trace of the last HTTP request sent during the current run. */
  lastTraceId: string | undefined;
}

export function useRequests(
  slug: string,
  suggested: RequestSpec[],
  runId: () => string | null,
  currentRun: string | null,
): Requests {
  // Kept with the run it was sent to: a new run starts with no "last request".
  const [last, setLast] = useState<{ runId: string; traceId?: string } | null>(null);

  const sendHttp = useCallback(
    async (request: RunRequestPayload<"run:request">) => {
      const id = runId();
      const { response } = await runRequest(id, "run:request", request);
      noteRequest(slug, request, suggested);
      // The server gave the request a traceparent: the traces panel can jump to that trace once its spans arrive.
      if (id) setLast({ runId: id, traceId: response.traceId });
      return response;
    },
    [slug, suggested, runId],
  );

  const describeGrpc = useCallback(
    async (service: string) => (await runRequest(runId(), "grpc:describe", { service })).description,
    [runId],
  );

  const callGrpc = useCallback(
    async (request: RunRequestPayload<"grpc:call">) => {
      const { result } = await runRequest(runId(), "grpc:call", request);
      // A gRPC call counts as a request sent (the lesson's suggestions are HTTP, so never as one of them).
      noteRequest(
        slug,
        { service: request.service, method: "GRPC", path: `/${request.grpcService}/${request.method}` },
        suggested,
      );
      return result;
    },
    [slug, suggested, runId],
  );

  const lastTraceId = last && last.runId === currentRun ? last.traceId : undefined;
  return { sendHttp, describeGrpc, callGrpc, lastTraceId };
}
