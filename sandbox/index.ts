// The sandbox engine's public face: the web server, the scripts and lib/server use only this (a lint rule says so).
export type * from "./types";
export { SandboxError, ENGINE_FIX_HINT, type SandboxErrorCode } from "./errors";
export { DEFAULT_LIMITS, type Limits } from "./limits";
export { checkEngine, type EngineStatus } from "./docker";
export { ensureImage, currentImageTag, imagePresent } from "./image";
export { startRun, getRun, listRuns, stopAllRuns, reapOrphans } from "./runs";
export { runChecks, type CheckResult } from "./checks";
export { packFiles } from "./files";
export { spanBytes } from "./spans";
export type { Backend } from "./backend";
export type { ShellHandle, ShellReader } from "./shell";
export { describeGrpc, callGrpc, grpcTarget, type GrpcCallSpec } from "./grpc-client";
export { CLUSTER_CACHE_DIR, CLUSTER_RUN_DIR, CLUSTER_STATE_DIR, localCluster } from "./k8s/local-cluster";
export { clusterStatus, reapClusterOrphans, type ClusterStatus } from "./k8s/cluster";
export { goplsPool, GoplsPool } from "./gopls-pool";
export type { GoplsSession, GoplsListener, GoplsMethod } from "./gopls-session";
export type * from "./gopls-results";
export type { LspChange, LspPosition, LspRange } from "./lsp-text";
