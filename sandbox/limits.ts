// Every sandbox limit in one place, each with the reason for its value. Overridable per run (tests use small ones).
export interface Limits {
  /** Memory per service container, bytes; swap is set equal so there is none to spill into. */
  memoryBytes: number;
  /** CPU per service container, in cores (2-core machine: one service cannot starve the rest). */
  cpus: number;
  /** Processes per container: the go tool forks compile/link workers; a fork bomb stops here. */
  pids: number;
  /** Wall-clock limit of a whole run: a forgotten tab does not hold containers forever. */
  runWallClockMs: number;
  /** Output forwarded per service stream before the rest is dropped with a notice. */
  outputBytesPerStream: number;
  /** tmpfs for the build (sources, go's temp dir, the binary): Go writes its work dir here. */
  tmpfsBytes: number;
  /** How long a service may take to build and start answering before it is marked failed. */
  startTimeoutMs: number;
  /** Concurrent runs per client and in total; more wait in a queue with a visible position. */
  runsPerClient: number;
  runsTotal: number;
  /** Runs waiting past runsTotal: each holds its files (up to 50 × 256 KiB) in memory; past it Run is refused. */
  runsQueued: number;
  /**
   * Disk the RUN steps of one image build may write in all (their containers' writable layers, polled while each step
   * runs) and the largest file one may write (RLIMIT_FSIZE): the build API has no disk quota on this engine.
   */
  buildDiskBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  memoryBytes: 512 * 1024 * 1024,
  cpus: 1,
  pids: 256,
  runWallClockMs: 20 * 60 * 1000,
  outputBytesPerStream: 2 * 1024 * 1024,
  tmpfsBytes: 512 * 1024 * 1024,
  startTimeoutMs: 120 * 1000,
  runsPerClient: 1,
  runsTotal: 6,
  // A class of 30 on one machine: 6 run, 24 wait (at most ~300 MiB of files held, usually a few KiB each).
  runsQueued: 24,
  // The lesson's builds write ~30 MB (the binary and Go's cache); 1 GiB leaves room and keeps 6 runs under 6 GiB.
  buildDiskBytes: 1024 * 1024 * 1024,
};

/** Upload limits for the files of one run (checked before anything reaches Docker). */
export const MAX_FILE_BYTES = 256 * 1024;
export const MAX_FILES = 50;
/** Response bodies shown in the request panel are cut here; the rest is counted, not kept. */
export const MAX_RESPONSE_BODY_BYTES = 256 * 1024;
/** Spans a run keeps for replay to a reloaded page (and a page keeps to draw); past it the oldest are dropped. */
export const MAX_SPANS_PER_RUN = 5000;

/** How often a running RUN step's writable layer is sized: a step writing ~1 GB/s overshoots by about this much. */
export const BUILD_DISK_POLL_MS = 250;
/** Patterns of one .dockerignore, and characters of one: bounds the matching work (pattern × path) per file. */
export const MAX_DOCKERIGNORE_PATTERNS = 100;
export const MAX_DOCKERIGNORE_PATTERN_CHARS = 200;
/** /etc/passwd or /etc/group read out of a built image to resolve its USER: real ones are a few KiB. */
export const MAX_ACCOUNT_FILE_BYTES = 64 * 1024;

// What a program's output may cost the server. Every service can print marker lines ("@@playground:…"), so they
// are bounded like the rest of its output; the figures below bound one run's memory (times `runsTotal` in all).
/** Longest marker line held back while its end has not come: a span line of the collector is a few KiB. */
export const MAX_MARKER_LINE_BYTES = 64 * 1024;
/** Marker text (spans, stage words) one service's life may have read, on top of its output budget: ~16k spans. */
export const MARKER_BYTES_PER_SERVICE = 8 * 1024 * 1024;
/**
 * Spans a collector may deliver: a burst (a hundred traced requests sent at once), then a steady rate. Past it, span
 * lines are dropped before they are read, so a flood costs the server a count, not a parse, and the trace view stays
 * one a learner can read. Reading a span and sending it on costs ~0.15 ms of the event loop, and a burst arrives in
 * one turn of it: 500 keep that turn under ~80 ms.
 */
export const SPAN_BURST = 500;
export const SPANS_PER_SECOND = 200;
/** Nesting of [ and { in a span line: the collector's deepest is 8 (an event's attribute, 4 lists deep). */
export const MAX_SPAN_JSON_DEPTH = 12;
/** Containers nested inside one attribute value before the rest becomes "…" (the collector's own cut). */
export const MAX_ATTRIBUTE_DEPTH = 4;
/** Items of one attribute list, and keys of one attribute map or a span's attributes: the collector keeps 64. */
export const MAX_ATTRIBUTE_ITEMS = 64;
/** Characters of one attribute string: the collector cuts at 1 KiB, so this only cuts what it did not print. */
export const MAX_ATTRIBUTE_STRING = 2048;
/** Bytes of spans (as sent) a run keeps for replay, beside their count: 5000 spans of ~800 B. */
export const MAX_SPAN_BYTES_PER_RUN = 4 * 1024 * 1024;
/** Bytes of a run's other replayed events (stages, ports, diagnostics): a run has a few dozen small ones. */
export const HISTORY_OTHER_BYTES = 1024 * 1024;
// Memory of one run, in sum: per service a log ring (history.ts, 256 KiB plus its newest chunk, itself within the
// 2 MiB output budget), the kept build output (256 KiB), two held-back marker lines (2 × 64 KiB); per run the spans
// (MAX_SPAN_BYTES_PER_RUN) and other events (HISTORY_OTHER_BYTES). Per follower (a tab), the batch buffer holds live
// text and spans up to the flow window's high watermark (lib/shared/flow-control.ts, 1 MiB) plus one chunk.

/**
 * Open files per process in a sandbox container (soft = hard, so a program cannot raise it). The go tool and every
 * lesson service need far fewer; with the pids limit it bounds the kernel memory one container can pin in open files.
 */
export const MAX_OPEN_FILES = 1024;

// A run's shell (sandbox/shell.ts): one toolbox container on the run's network, hardened like every other.
/** Its memory (no swap), CPU and processes: enough for busybox, wget, a CLI or two. */
export const SHELL_MEMORY_BYTES = 256 * 1024 * 1024;
export const SHELL_CPUS = 0.5;
export const SHELL_PIDS = 64;
/** Its /tmp (also its home). */
export const SHELL_TMPFS_BYTES = 64 * 1024 * 1024;
/**
 * Shell output a tab may have received but not yet written into its terminal. Past it the shell's output is held
 * back (the program in it blocks on its terminal, as over a slow line) until the tab catches up: `yes` cannot flood
 * the server or the page, and nothing it prints is lost.
 */
export const SHELL_WINDOW_BYTES = 256 * 1024;
/** Keystrokes (or a paste) in one message, and terminal sizes. */
export const MAX_SHELL_INPUT_BYTES = 16 * 1024;
export const MAX_SHELL_COLS = 500;
export const MAX_SHELL_ROWS = 200;

/**
 * A run's Toxiproxy (faults.ts): it copies bytes between a few services and keeps a handful of toxics, so it needs
 * little; the bounds still hold if a learner piles up proxies and toxics through its API from the shell.
 */
export const FAULTS_MEMORY_BYTES = 64 * 1024 * 1024;
export const FAULTS_CPUS = 0.5;
export const FAULTS_PIDS = 64;
/** How long its API may take to come up, and to answer one call. */
export const FAULTS_READY_MS = 15_000;
export const FAULTS_CALL_MS = 5_000;
/** The largest answer read from its API: a learner may have created proxies and toxics without end. */
export const FAULTS_MAX_ANSWER_BYTES = 256 * 1024;

// gopls behind the editor (sandbox/gopls.ts): one container per learner and lesson, with no network at all.
/** Its memory (no swap): gopls holds the type information of the lesson and its modules (grpc, otel, go-kit…). */
export const GOPLS_MEMORY_BYTES = 768 * 1024 * 1024;
/** One core at most, like a service; pids for gopls and the `go list` it runs. */
export const GOPLS_CPUS = 1;
export const GOPLS_PIDS = 128;
/** Its /tmp and the workspace holding the lesson's Go files. */
export const GOPLS_TMPFS_BYTES = 64 * 1024 * 1024;
/** Without a request for this long it is removed; the next request starts it again, its documents reopened. */
export const GOPLS_IDLE_MS = 5 * 60 * 1000;
/** gopls processes on the machine at once: past it the one idle longest is removed to make room. */
export const GOPLS_TOTAL = 8;
/** A message from gopls (a completion list, a hover of a large doc comment) past this ends that gopls. */
export const GOPLS_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
/**
 * How long one request may take before the editor gets no answer (the request is cancelled): the first ones after a
 * start wait for gopls to load the lesson, which takes seconds on a busy machine.
 */
export const GOPLS_REQUEST_TIMEOUT_MS = 30_000;
/** How long gopls may take to start and answer `initialize`. */
export const GOPLS_START_TIMEOUT_MS = 30_000;
/** Documents one learner may hold open in gopls at once: a lesson has about ten Go files. */
export const GOPLS_MAX_OPEN_DOCUMENTS = 32;
/** Edits in one change message (Monaco sends one per keystroke, a few for a multi-cursor edit or a paste). */
export const GOPLS_MAX_CHANGES = 64;
/** Source of a module opened read-only from a definition: the largest Go files of the lessons' modules are ~300 KiB. */
export const GOPLS_MAX_SOURCE_BYTES = 1024 * 1024;

// kubectl in a cluster run's shell (sandbox/k8s/shell-access.ts, api-proxy.ts): every request passes through the
// server's proxy to the API server, so one learner's kubectl loops must not cost the server or the cluster more than
// a busy human at a terminal would.
/** Requests and streams (watches, `logs -f`, port-forwards) in flight at once per shell; past it: 429. */
export const KUBE_PROXY_MAX_IN_FLIGHT = 16;
/** Connections from the shell's forwarder open at once (kubectl keeps a few alive between requests). */
export const KUBE_PROXY_MAX_CONNECTIONS = 32;
/** Requests a second (a steady rate) after a burst: `kubectl get` is one to three requests. */
export const KUBE_PROXY_REQUESTS_PER_SECOND = 20;
export const KUBE_PROXY_REQUEST_BURST = 60;
/** Bytes a second through the proxy, both ways, all streams of one shell together (`logs -f`, port-forward). */
export const KUBE_PROXY_BYTES_PER_SECOND = 4 * 1024 * 1024;
/** A request body (a patch of a scale, a review): the largest the shell's rights could use is a few KiB. */
export const KUBE_PROXY_MAX_BODY_BYTES = 1024 * 1024;
/** Request headers: kubectl's are well under 2 KiB. */
export const KUBE_PROXY_MAX_HEADER_BYTES = 16 * 1024;
/** A request that is not a stream (no watch, follow or upgrade) gets this long for its answer. */
export const KUBE_PROXY_REQUEST_TIMEOUT_MS = 60_000;
/** Life of a ServiceAccount token the proxy asks for (the API server's minimum); renewed before it runs out. */
export const KUBE_TOKEN_SECONDS = 600;
