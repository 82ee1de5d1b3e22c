// Labels on every resource the sandbox creates, so a restarted server can find and remove what it left behind.
export const APP_LABEL = "playground.app";
export const APP_NAME = "go-microservices-playground";
export const RUN_LABEL = "playground.run";
export const LESSON_LABEL = "playground.lesson";
export const SERVICE_LABEL = "playground.service";
export const CREATED_LABEL = "playground.created-at";
export const OWNER_PID_LABEL = "playground.server-pid";
export const OWNER_LABEL = "playground.owner";

export function runLabels(runId: string, lesson: string, owner: string): Record<string, string> {
  return {
    [OWNER_LABEL]: owner,
    [APP_LABEL]: APP_NAME,
    [RUN_LABEL]: runId,
    [LESSON_LABEL]: lesson,
    [CREATED_LABEL]: new Date().toISOString(),
    [OWNER_PID_LABEL]: String(process.pid),
  };
}

export const APP_FILTER = { label: [`${APP_LABEL}=${APP_NAME}`] };

/**
 * The labels a built image carries: the classic builder adds each as a step of its own (a container each), so only
 * those the reaper needs (app, run, lesson, created-at, the server's pid).
 */
export function builtImageLabels(all: Record<string, string>): Record<string, string> {
  const keep = [APP_LABEL, RUN_LABEL, LESSON_LABEL, CREATED_LABEL, OWNER_PID_LABEL];
  return Object.fromEntries(Object.entries(all).filter(([k]) => keep.includes(k)));
}
