// Reads one file out of a running container through the engine (an exec of `head -c`), bounded in size and time:
// the editor's read-only view of a module's source comes from the sandbox image itself, never from the host.
import type Docker from "dockerode";
import type { Duplex } from "node:stream";
import { readExecFrames } from "./streams";

const READ_TIMEOUT_MS = 10_000;

/** The file's text (its first `maxBytes` bytes; `truncated` when it had more), or an Error when it cannot be read. */
export async function readFromContainer(
  container: Docker.Container,
  user: string,
  containerPath: string,
  maxBytes: number,
): Promise<{ text: string; truncated: boolean }> {
  // One byte more than allowed says whether the file went on; `--` keeps a path from being read as an option.
  const exec = await container.exec({
    Cmd: ["head", "-c", String(maxBytes + 1), "--", containerPath],
    User: user,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  });
  const stream = (await exec.start({ hijack: true, stdin: false })) as Duplex;
  const out: Buffer[] = [];
  let outBytes = 0;
  let errText = "";
  await readExecFrames(
    stream,
    (frame) => {
      if (frame.stream === "stderr") {
        if (errText.length < 1024) errText += frame.data.toString("utf8");
      } else if (outBytes <= maxBytes) {
        out.push(frame.data);
        outBytes += frame.data.length;
      }
    },
    READ_TIMEOUT_MS,
    `reading ${containerPath}`,
  );
  const info = await exec.inspect();
  if (info.ExitCode !== 0) throw new Error(`could not read ${containerPath}: ${errText.trim() || "no such file"}`);
  const all = Buffer.concat(out);
  const truncated = all.length > maxBytes;
  return { text: all.subarray(0, maxBytes).toString("utf8"), truncated };
}
