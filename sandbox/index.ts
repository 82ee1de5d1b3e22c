// The sandbox engine's public face: the web server, the CLI and the tests use only this.
export type * from "./types";
export { SandboxError, ENGINE_FIX_HINT, type SandboxErrorCode } from "./errors";
export { DEFAULT_LIMITS, type Limits } from "./limits";
export { checkEngine, type EngineStatus } from "./docker";
export { ensureImage, currentImageTag, imagePresent } from "./image";
export { startRun, getRun, listRuns, stopAllRuns } from "./runs";
export { reapOrphans } from "./reaper";
export { describeGrpc, callGrpc, grpcTarget, type GrpcCallSpec } from "./grpc-client";
