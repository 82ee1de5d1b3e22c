// Lesson 16.8.2 on the local cluster, for `npm run bench`: Run → every pod Ready (a learner's first Run: images built
// and loaded, namespace made), an edit + Run → the rollout complete, Stop → the namespace gone, and the control
// plane's memory meanwhile. Skipped (with a line saying so) when the cluster is not up.
import { clusterStatus, startRun, type RunHandle } from "../sandbox/index";
import { loadLesson } from "../lib/server/lessons";
import { componentMemory } from "./cluster/health";

const SLUG = "kubernetes";
const REPS = Number(process.env.BENCH_CLUSTER_REPS ?? 2);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function timed(start: () => Promise<RunHandle>): Promise<{ run: RunHandle; ms: number }> {
  const t0 = performance.now();
  const run = await start();
  await run.whenAllRunning();
  return { run, ms: performance.now() - t0 };
}

export async function clusterFigures(): Promise<Record<string, number>> {
  const status = await clusterStatus();
  if (!status.ready) {
    console.log(`k8s_run_to_ready_ms skipped: ${status.detail ?? "the cluster is not ready"}`);
    return {};
  }
  const lesson = await loadLesson(SLUG);
  const firsts: number[] = [];
  const rollouts: number[] = [];
  const stops: number[] = [];
  let controlPlane = 0;
  for (let i = 0; i < REPS; i++) {
    const owner = `bench-k8s-${Date.now()}-${i}`;
    const first = await timed(() => startRun(SLUG, null, { owner }));
    firsts.push(first.ms);
    const files = { ...lesson.files };
    files["k8s/app.yaml"] = files["k8s/app.yaml"].replace('value: "2s" #', `value: "${i + 1}500ms" #`);
    const rollout = await timed(() => startRun(SLUG, files, { owner }));
    rollouts.push(rollout.ms);
    controlPlane = Math.max(
      controlPlane,
      Object.values(componentMemory()).reduce((a, b) => a + b, 0),
    );
    const t0 = performance.now();
    await rollout.run.stop();
    stops.push(performance.now() - t0);
  }
  console.log(`k8s_run_to_ready_ms ${firsts.map(Math.round).join(" ")}`);
  console.log(`k8s_rollout_ms      ${rollouts.map(Math.round).join(" ")}`);
  console.log(`k8s_stop_ms         ${stops.map(Math.round).join(" ")}`);
  console.log(`k8s_control_plane_mb ${controlPlane}`);
  return {
    k8s_run_to_ready_ms: median(firsts),
    k8s_rollout_ms: median(rollouts),
    k8s_stop_ms: median(stops),
    k8s_control_plane_mb: controlPlane,
  };
}
