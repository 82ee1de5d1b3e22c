// Hostile Go programs and Dockerfiles, sent as a learner's edits of a lesson's files: each serves /health (so the run
// gets to "running") and meanwhile does its harm, reporting what it got in its own log ("hostile: …").
import { loadLesson } from "../../../lib/server/lessons";

export type LessonFiles = Record<string, string>;

export async function lessonFiles(slug: string): Promise<LessonFiles> {
  return { ...(await loadLesson(slug)).files };
}

/** 16.1's user-service, the service a Go case replaces. */
export const GO_SERVICE = "services/user-service";

/** A service that answers /health on $PORT and runs `attack` beside it; `imports` are the attack's own. */
export function goService(imports: string[], attack: string): string {
  const all = [...new Set(["fmt", "net", "net/http", "os", "time", ...imports])].sort();
  return `// A hostile service of the playground's hostile tests: it answers /health and, meanwhile, does harm.
package main

import (
${all.map((i) => `\t"${i}"`).join("\n")}
)

var _ = time.Second

func report(format string, args ...any) { fmt.Printf("hostile: "+format+"\\n", args...) }

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8081"
	}
	http.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	ln, err := net.Listen("tcp", ":"+port)
	if err != nil {
		report("listen: %v", err)
		os.Exit(1)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		attack()
	}()
	_ = http.Serve(ln, nil)
}

${attack.trim()}
`;
}

export const forkBomb = goService(
  ["syscall"],
  `
func attack() {
	var pids []int
	var last error
	for i := 0; i < 1000; i++ {
		pid, err := syscall.ForkExec("/bin/sleep", []string{"sleep", "30"}, &syscall.ProcAttr{})
		if err != nil {
			last = err
			break
		}
		pids = append(pids, pid)
	}
	report("fork bomb: %d processes started, then: %v", len(pids), last)
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		var ws syscall.WaitStatus
		_, _ = syscall.Wait4(pid, &ws, 0, nil)
	}
	report("fork bomb: children reaped, still serving")
}`,
);

export const memoryBomb = goService(
  [],
  `
func attack() {
	var hold [][]byte
	for i := 1; i <= 48; i++ {
		b := make([]byte, 32<<20)
		for j := 0; j < len(b); j += 4096 {
			b[j] = 1
		}
		hold = append(hold, b)
		report("memory bomb: holding %d MiB", i*32)
	}
	report("memory bomb: %d chunks held, nothing stopped it", len(hold))
}`,
);

export const CPU_SPIN_SECONDS = 15;

export const cpuSpin = goService(
  ["runtime", "strings", "sync/atomic"],
  `
func cpuQuota() string {
	if b, err := os.ReadFile("/sys/fs/cgroup/cpu.max"); err == nil {
		return strings.TrimSpace(string(b))
	}
	for _, dir := range []string{"/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"} {
		q, err1 := os.ReadFile(dir + "/cpu.cfs_quota_us")
		p, err2 := os.ReadFile(dir + "/cpu.cfs_period_us")
		if err1 == nil && err2 == nil {
			return strings.TrimSpace(string(q)) + " " + strings.TrimSpace(string(p))
		}
	}
	return "unknown"
}

func attack() {
	n := runtime.NumCPU() * 4
	report("cpu spin: %d goroutines for ${CPU_SPIN_SECONDS} s; cpu quota: %s", n, cpuQuota())
	var spins atomic.Int64
	deadline := time.Now().Add(${CPU_SPIN_SECONDS} * time.Second)
	for i := 0; i < n; i++ {
		go func() {
			for time.Now().Before(deadline) {
				spins.Add(1)
			}
		}()
	}
	time.Sleep(${CPU_SPIN_SECONDS + 1} * time.Second)
	report("cpu spin: done after %d spins", spins.Load())
}`,
);

export const diskWrites = goService(
  [],
  `
func attack() {
	for _, p := range []string{"/hostile", "/etc/hostile", "/usr/local/go/hostile"} {
		report("write %s: %v", p, os.WriteFile(p, []byte("x"), 0o644))
	}
	f, err := os.Create("/tmp/hostile-fill")
	if err != nil {
		report("write /tmp: %v", err)
		return
	}
	buf := make([]byte, 1<<20)
	written := 0
	for written < 1024 {
		if _, err = f.Write(buf); err != nil {
			break
		}
		written++
	}
	_ = f.Close()
	report("write /tmp: %d MiB written, then: %v", written, err)
	_ = os.Remove("/tmp/hostile-fill")
	report("write /tmp: file removed, still serving")
}`,
);

export const privilegeAttempts = goService(
  ["syscall"],
  `
func attack() {
	report("uid %d euid %d gid %d", os.Getuid(), os.Geteuid(), os.Getgid())
	report("setuid(0): %v", syscall.Setuid(0))
	report("setgid(0): %v", syscall.Setgid(0))
	_ = os.MkdirAll("/tmp/mnt", 0o755)
	report("mount tmpfs: %v", syscall.Mount("none", "/tmp/mnt", "tmpfs", 0, ""))
	report("mount proc: %v", syscall.Mount("proc", "/tmp/mnt", "proc", 0, ""))
	report("chroot: %v", syscall.Chroot("/tmp"))
	report("unshare: %v", syscall.Unshare(syscall.CLONE_NEWUSER|syscall.CLONE_NEWNS))
	report("privileges: done, uid %d euid %d", os.Getuid(), os.Geteuid())
}`,
);

/** Names that cannot resolve anywhere (RFC 2606 .invalid): a lookup tries "outside" without reaching anyone. */
export const OUTSIDE_NAMES = ["example.invalid", "registry-1.docker.invalid", "canary.playground.invalid"];

export const dnsLookups = goService(
  ["context"],
  `
func attack() {
	for _, name := range []string{${OUTSIDE_NAMES.map((n) => `"${n}"`).join(", ")}} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		addrs, err := net.DefaultResolver.LookupHost(ctx, name)
		cancel()
		report("lookup %s: %v, %v", name, addrs, err)
	}
	report("lookups: done")
}`,
);

/** Dials the Docker socket, and the host through the run's gateway: the canary's port, the engine's TCP ports, the app's. */
export function hostConnections(canaryPort: number, appPort: number): string {
  return goService(
    ["strconv", "strings"],
    `
func gateway() string {
	data, err := os.ReadFile("/proc/net/route")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(data), "\\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 2 && f[1] == "00000000" {
			v, err := strconv.ParseUint(f[2], 16, 32)
			if err == nil {
				return fmt.Sprintf("%d.%d.%d.%d", v&0xff, v>>8&0xff, v>>16&0xff, v>>24&0xff)
			}
		}
	}
	return "unknown"
}

func attack() {
	for _, sock := range []string{"/var/run/docker.sock", "/run/docker.sock"} {
		c, err := net.DialTimeout("unix", sock, 2*time.Second)
		if err == nil {
			c.Close()
			report("dial %s: connected", sock)
		} else {
			report("dial %s: %v", sock, err)
		}
	}
	gw := gateway()
	report("gateway: %s", gw)
	for _, port := range []string{"${canaryPort}", "2375", "2376", "${appPort}"} {
		addr := net.JoinHostPort(gw, port)
		c, err := net.DialTimeout("tcp", addr, 3*time.Second)
		if err == nil {
			fmt.Fprintf(c, "GET /from-sandbox HTTP/1.0\\r\\nHost: %s\\r\\n\\r\\n", addr)
			c.Close()
			report("dial %s: connected", addr)
		} else {
			report("dial %s: %v", addr, err)
		}
	}
	client := http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://" + net.JoinHostPort(gw, "${canaryPort}") + "/from-sandbox-http")
	if err == nil {
		resp.Body.Close()
		report("http get canary: connected, %s", resp.Status)
	} else {
		report("http get canary: %v", err)
	}
	report("connections: done")
}`,
  );
}

/** A go:generate directive that runs a script: who it runs as, whether it reaches the canary, whether /etc is writable. */
export function goGenerate(canaryPort: number): { main: string; script: string } {
  const main = goService([], 'func attack() { report("generate: the service itself is running") }').replace(
    "package main",
    "//go:generate sh gen.sh\n\npackage main",
  );
  const script = `#!/bin/sh
# Run by go generate: anything in it is the learner's.
echo "hostile: go generate ran as uid $(id -u)"
gw=$(ip route 2>/dev/null | awk '/default/ {print $3}')
if wget -q -T 3 -O- "http://$gw:${canaryPort}/from-go-generate" >/dev/null 2>&1; then
  echo "hostile: go generate reached the canary at $gw:${canaryPort}"
else
  echo "hostile: go generate could not reach $gw:${canaryPort}"
fi
if echo x > /etc/hostile 2>/dev/null; then echo "hostile: go generate wrote /etc/hostile"; else echo "hostile: go generate cannot write /etc"; fi
`;
  return { main, script };
}

const SPAN_FIELDS = (traceId: string, spanId: string, name: string, attributes: string) =>
  `{"traceId":"${traceId}","spanId":"${spanId}","service":"user-service","name":"${name}","kind":"internal",` +
  `"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000001000000","status":{"code":"ok"},` +
  `"attributes":${attributes}}`;

export const SPAN_NESTING = 5000;

/** One span marker line whose attribute is a list nested SPAN_NESTING deep. */
export const deepSpan = goService(
  ["strings"],
  `
func attack() {
	deep := strings.Repeat("[", ${SPAN_NESTING}) + strings.Repeat("]", ${SPAN_NESTING})
	line := \`${SPAN_FIELDS("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "deep", '{"deep":DEEP}')}\`
	fmt.Println("@@playground:span " + strings.Replace(line, "DEEP", deep, 1))
	report("deep span: printed one span line nested ${SPAN_NESTING} deep")
}`,
);

export const PLAIN_FLOOD_LINES = 300_000;

/** PLAIN_FLOOD_LINES lines of ~110 bytes (~33 MB) of plain output. */
export const plainFlood = goService(
  ["bufio", "strings"],
  `
func attack() {
	w := bufio.NewWriterSize(os.Stdout, 1<<16)
	pad := strings.Repeat("x", 100)
	for i := 0; i < ${PLAIN_FLOOD_LINES}; i++ {
		fmt.Fprintf(w, "flood %06d %s\\n", i, pad)
	}
	_ = w.Flush()
	report("plain flood: %d lines printed", ${PLAIN_FLOOD_LINES})
}`,
);

/** A Dockerfile on the local busybox that serves /health with busybox's httpd; `hostile` lines go before USER. */
export function busyboxDockerfile(base: string, hostile: string, user = "65532:65532", directives = ""): string {
  return `${directives}FROM ${base}
RUN mkdir -p /www && echo ok > /www/health
${hostile}
USER ${user}
EXPOSE 8080
CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]
`;
}

/** 16.6's frontend, the service the collector-path cases replace (its other Go files are left out). */
export const TRACING_LESSON = "tracing";
export const TRACING_FRONTEND = "services/frontend";
export const OTLP_FLOOD_SPANS = 30_000;
const OTLP_BATCH = 500;

/**
 * Exports OTLP_FLOOD_SPANS spans (OTLP/JSON, OTLP_BATCH a request, a 300-byte attribute each) to the run's own
 * collector, which prints each as a span line the engine reads: ~18 MB of span lines through the honoured path.
 */
export const otlpFlood = goService(
  ["bytes", "strings"],
  `
func attack() {
	endpoint := os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") + "/v1/traces"
	pad := strings.Repeat("p", 300)
	client := http.Client{Timeout: 10 * time.Second}
	sent, failed := 0, 0
	for b := 0; b < ${OTLP_FLOOD_SPANS / OTLP_BATCH}; b++ {
		var spans []string
		for i := 0; i < ${OTLP_BATCH}; i++ {
			n := b*${OTLP_BATCH} + i + 1
			spans = append(spans, fmt.Sprintf(\`{"traceId":"%032x","spanId":"%016x","name":"flood","kind":1,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000001000000","attributes":[{"key":"pad","value":{"stringValue":"%s"}}]}\`, n/10+1, n, pad))
		}
		body := \`{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"frontend"}}]},"scopeSpans":[{"scope":{"name":"hostile"},"spans":[\` + strings.Join(spans, ",") + \`]}]}]}\`
		resp, err := client.Post(endpoint, "application/json", bytes.NewReader([]byte(body)))
		if err != nil || resp.StatusCode != 200 {
			failed++
			if err == nil {
				resp.Body.Close()
			}
			continue
		}
		resp.Body.Close()
		sent += ${OTLP_BATCH}
	}
	report("otlp flood: %d spans exported to the collector, %d exports failed", sent, failed)
}`,
);
