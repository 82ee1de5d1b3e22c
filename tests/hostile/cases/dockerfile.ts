// Hostile Dockerfiles for 16.8.1 (and a hostile .dockerignore): what must be refused before the engine sees it,
// what must not run as root, and what must not fill the host's disk.
import type { CaseContext, HostileCase } from "../support/case";
import type { PageClient } from "../support/client";
import { localBase, ownerContainers } from "../support/engine";
import { busyboxDockerfile, lessonFiles } from "../support/programs";

const LESSON = "docker";
const SERVICE = "user-service";
const DOCKERFILE = "services/user-service/Dockerfile";
const BUILD_TIMEOUT_MS = 150_000;

/** A line the learner sees when a build or a run is refused or fails: a failed stage, a failure line, a marker, an error. */
export function failureLine(reason: RegExp): RegExp {
  return new RegExp(
    String.raw`^\[(?:stage [^\]]+\] failed|system [^\]]+\] .*(?:failed|refused|not allowed)|marker [^\]]+\]|error [^\]]+\]).*(?:${reason.source})`,
    "i",
  );
}

/** The engine's own words when it tried to fetch something: a refusal must come before the engine gets that far. */
const ENGINE_FETCHED =
  /lookup \S+ on |dial tcp|pull access denied|no such host|Get "?https?:|manifest for|error pulling|failed to (?:fetch|resolve|copy)|Downloading/i;

async function runDockerfile(ctx: CaseContext, dockerfile: string, extra: Record<string, string> = {}) {
  const client = await ctx.client();
  const files = { ...(await lessonFiles(LESSON)), [DOCKERFILE]: dockerfile, ...extra };
  const started = await client.start(LESSON, files);
  const stage = started.ok
    ? await client.waitStage(SERVICE, ["running", "failed", "stopped"], BUILD_TIMEOUT_MS)
    : undefined;
  return { client, stage };
}

/** The build must be refused (a failed stage whose reason matches) without the engine trying to fetch anything. */
function refused(name: string, dockerfile: (base: string, canary: number) => string, reason: RegExp): HostileCase {
  return {
    name,
    category: "Dockerfile",
    timeoutMs: BUILD_TIMEOUT_MS + 30_000,
    async run(ctx) {
      const base = await localBase("busybox");
      const { client, stage } = await runDockerfile(ctx, dockerfile(base, ctx.canaryPort));
      ctx.check(stage === "failed" || client.errors.length > 0, `the build was not refused: ${SERVICE} is ${stage}`);
      await ctx.expectLine(client, failureLine(reason), 5_000, "a refusal that says why");
      const fetched = client.transcript().find((l) => ENGINE_FETCHED.test(l));
      ctx.check(!fetched, `the engine tried to fetch before anything refused it: ${fetched}`);
    },
  };
}

/** Runs the image and checks that whatever its USER says, no container of the run is root. */
function notRoot(name: string, user: string): HostileCase {
  return {
    name,
    category: "Dockerfile",
    timeoutMs: BUILD_TIMEOUT_MS + 30_000,
    async run(ctx) {
      const base = await localBase("busybox");
      const { client, stage } = await runDockerfile(ctx, busyboxDockerfile(base, "", user));
      await ctx.expectLine(
        client,
        // Not the "docker build …" line, which lists the base images' users (root among them).
        /^\[(?:system|stage|marker|error)[^\]]*\] (?!docker build ).*(?:as root|USER .*root|root user|uid 0\b)/i,
        5_000,
        "a notice (or a refusal) about running as root",
      );
      if (stage === "running") await checkUsers(ctx, client);
    },
  };
}

async function checkUsers(ctx: CaseContext, client: PageClient): Promise<void> {
  for (const c of await ownerContainers(client.clientId)) {
    const user = c.Config.User || "(none: root)";
    ctx.check(!/^(?:0+|root)?(?::|$)|\(none/.test(user), `container ${c.Name} runs as ${user}, which is root`);
  }
}

export const dockerfileCases: HostileCase[] = [
  refused(
    "Dockerfile ADD URL (JSON form)",
    (base, canary) => busyboxDockerfile(base, `ADD ["http://127.0.0.1:${canary}/add-json", "/www/x"]`),
    /URL|download|remote|not allowed/,
  ),
  refused(
    "Dockerfile ADD URL (shell form)",
    (base, canary) => busyboxDockerfile(base, `ADD http://127.0.0.1:${canary}/add-shell /www/x`),
    /URL|download|remote|not allowed/,
  ),
  refused(
    "Dockerfile escape directive hides a FROM",
    // With escape=` the engine continues line 4 with a backtick and ends line 5 at its backslash, so line 6 is a FROM
    // of its own; a reader that knows only "\" joins lines 5 and 6 into one instruction and never sees that FROM.
    (base) =>
      [
        "# escape=`",
        `FROM ${base}`,
        "RUN mkdir -p /www && echo ok > /www/health",
        "RUN echo one `",
        "    && echo two \\",
        "FROM some.registry.invalid/x",
        'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]',
        "",
      ].join("\n"),
    /some\.registry\.invalid|escape|directive|not available|not allowed/,
  ),
  refused(
    "Dockerfile # syntax= directive",
    (base, canary) => busyboxDockerfile(base, "", undefined, `# syntax=127.0.0.1:${canary}/frontend:1\n`),
    /syntax|directive|frontend/,
  ),
  refused(
    "Dockerfile RUN --network=host",
    (base, canary) =>
      busyboxDockerfile(base, `RUN --network=host wget -q -T 3 -O /www/x http://127.0.0.1:${canary}/run-network-host`),
    /network/,
  ),
  refused(
    "Dockerfile RUN --mount",
    (base, canary) =>
      busyboxDockerfile(base, `RUN --mount=type=bind,from=127.0.0.1:${canary}/x,target=/m ls /m > /www/x`),
    /mount/,
  ),
  refused(
    "Dockerfile COPY --from=registry image",
    (base) => busyboxDockerfile(base, "COPY --from=some.registry.invalid/x /etc/passwd /www/x"),
    /some\.registry\.invalid|not available|registry/,
  ),
  notRoot("Dockerfile USER 00", "00"),
  notRoot("Dockerfile USER 0:0", "0:0"),
  {
    name: "Dockerfile VOLUME /data",
    category: "Dockerfile",
    timeoutMs: BUILD_TIMEOUT_MS + 30_000,
    async run(ctx) {
      const base = await localBase("busybox");
      const { client, stage } = await runDockerfile(ctx, busyboxDockerfile(base, "VOLUME /data"));
      await ctx.expectLine(
        client,
        /^\[(?:system|stage|marker|error)[^\]]*\] .*\bvolume/i,
        5_000,
        "a refusal or a notice about VOLUME",
      );
      if (stage !== "running") return;
      // Accepted: then /data must not be a writable folder on the host's disk beside the read-only root.
      for (const c of await ownerContainers(client.clientId)) {
        for (const m of c.Mounts ?? []) {
          ctx.check(m.Type !== "volume" && m.Type !== "bind", `${c.Name} has a ${m.Type} mount at ${m.Destination}`);
        }
      }
    },
  },
  {
    name: "Dockerfile RUN fills the disk",
    category: "Dockerfile",
    timeoutMs: BUILD_TIMEOUT_MS + 30_000,
    async run(ctx) {
      const base = await localBase("busybox");
      const { client, stage } = await runDockerfile(
        ctx,
        busyboxDockerfile(base, "RUN dd if=/dev/zero of=/big bs=1M count=2048"),
      );
      ctx.check(stage === "failed", `a 2 GiB layer was built: ${SERVICE} is ${stage}`);
      await ctx.expectLine(
        client,
        failureLine(/disk|space|limit|quota|too (?:big|large)|storage|size/),
        5_000,
        "the build refused or aborted at the disk limit",
      );
    },
  },
  {
    name: ".dockerignore with many **/ against a deep path",
    category: ".dockerignore",
    timeoutMs: BUILD_TIMEOUT_MS + 30_000,
    async run(ctx) {
      const base = await localBase("busybox");
      // 12 "**/" in a row, then a name the deep path does not have: a backtracking matcher tries every split.
      const ignore = `${"**/".repeat(12)}nothing-matches-this\n`;
      const deep = `services/user-service/${"a/".repeat(88)}z`;
      const { client } = await runDockerfile(ctx, busyboxDockerfile(base, ""), {
        "services/user-service/.dockerignore": ignore,
        [deep]: "deep\n",
      });
      await ctx.expectLine(
        client,
        /dockerignore|image built|^\[system [^\]]+\] running/i,
        5_000,
        "the build's outcome (or a refusal of the .dockerignore)",
      );
    },
  },
];
