// Reads one file out of a running container through the engine (an exec of `head -c`), bounded in size and time:
// the editor's read-only view of a module's source comes from the sandbox image itself, never from the host.
import type Docker from "dockerode";
import type { Duplex } from "node:stream";
import { FrameDemuxer } from "./streams";

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
  const demuxer = new FrameDemuxer();
  const out: Buffer[] = [];
  let outBytes = 0;
  let errText = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      reject(new Error(`reading ${containerPath} took longer than ${READ_TIMEOUT_MS / 1000} s`));
    }, READ_TIMEOUT_MS);
    stream.on("data", (chunk: Buffer) => {
      try {
        for (const frame of demuxer.push(chunk)) {
          if (frame.stream === "stderr") {
            if (errText.length < 1024) errText += frame.data.toString("utf8");
          } else if (outBytes <= maxBytes) {
            out.push(frame.data);
            outBytes += frame.data.length;
          }
        }
      } catch (err) {
        clearTimeout(timer);
        stream.destroy();
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    stream.once("end", done);
    stream.once("close", done);
    stream.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  const info = await exec.inspect();
  if (info.ExitCode !== 0) throw new Error(`could not read ${containerPath}: ${errText.trim() || "no such file"}`);
  const all = Buffer.concat(out);
  const truncated = all.length > maxBytes;
  return { text: all.subarray(0, maxBytes).toString("utf8"), truncated };
}
