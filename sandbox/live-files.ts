// Live files: a file a running service re-reads by itself (a watched config.yaml) is written into its container,
// so an edit takes effect without a new Run. Which service reads which file comes from the manifest (liveFiles).
import type Docker from "dockerode";
import type { Duplex } from "node:stream";
import type { ServiceSpec } from "../lib/shared/lesson-schema";
import { readExecFrames } from "./streams";

/** Where run-service.sh unpacks the lesson inside a service container. */
export const CONTAINER_SRC = "/work/src";
/** How long one write into a container may take before it counts as failed. */
const WRITE_TIMEOUT_MS = 10_000;

/** What became of one file sent to the running services. */
export interface LiveFileResult {
  path: string;
  /** Services whose running container now has the new text. */
  updated: string[];
  /** Services that should have got it but did not (with why, in `message`). */
  failed: string[];
  /** The file was the same as what the containers already have: nothing was written. */
  unchanged?: boolean;
  /** One line for the learner. */
  message: string;
}

/** Which services re-read this lesson file while they run, and which read it only when they start. */
export function liveFileReaders(
  services: readonly Pick<ServiceSpec, "name" | "dir" | "liveFiles" | "build">[],
  path: string,
): { live: string[]; startupOnly: string[] } {
  const live: string[] = [];
  const startupOnly: string[] = [];
  for (const s of services) {
    const prefix = `${s.dir.replace(/\/+$/, "")}/`;
    if (!path.startsWith(prefix)) continue;
    const inside = path.slice(prefix.length);
    if (s.liveFiles?.includes(inside) && !s.build) live.push(s.name);
    else startupOnly.push(s.name);
  }
  return { live, startupOnly };
}

/** The learner's answer for a file that no running service re-reads. */
export function notLiveMessage(path: string, startupOnly: string[]): string {
  const name = path.split("/").pop() ?? path;
  if (startupOnly.length > 0) {
    return `${name} is read at start-up only by ${startupOnly.join(", ")}; press Run to apply it.`;
  }
  return `${name} is not read by a running service; press Run to apply it.`;
}

/**
 * The script run in the container: write stdin to a hidden temp file next to the target, then rename it over the
 * target. A watcher sees one complete file arrive (a rename), never a truncated one being written.
 */
const WRITE_SCRIPT =
  'set -e; f="$1"; d=$(dirname "$f"); [ -d "$d" ]; t="$d/.$(basename "$f").live-$$"; ' +
  'trap \'rm -f "$t"\' EXIT; cat > "$t"; mv -f "$t" "$f"; trap - EXIT';

/** Writes `text` to `containerPath` inside the running container, as `user`; throws with the shell's words. */
export async function writeIntoContainer(
  container: Docker.Container,
  user: string,
  containerPath: string,
  text: string,
): Promise<void> {
  const exec = await container.exec({
    Cmd: ["/bin/sh", "-c", WRITE_SCRIPT, "sh", containerPath],
    User: user,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  });
  const stream = (await exec.start({ hijack: true, stdin: true })) as Duplex;
  let output = "";
  // The shell's words come from inside the sandbox: kept short, and a fault reading them fails this write only.
  const finished = readExecFrames(
    stream,
    (frame) => {
      if (output.length < 4096) output += frame.data.toString("utf8");
    },
    WRITE_TIMEOUT_MS,
    `writing ${containerPath}`,
  );
  stream.end(Buffer.from(text, "utf8"));
  await finished;
  // The exit code is known only once the stream has ended (it reads null before).
  const info = await exec.inspect();
  if (info.ExitCode !== 0) {
    const why = output.trim() || `exit code ${String(info.ExitCode)}`;
    throw new Error(`could not write ${containerPath}: ${why}`);
  }
}
