// CPU profile as text: /debug/cpu-top records a profile with runtime/pprof and answers a `go tool pprof -top` table.
package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"runtime/pprof"
	"sort"
	"strconv"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/google/pprof/profile"
)

const (
	// Under the request panel's 10 s timeout, with room for the answer.
	maxProfileSeconds = 8
	topRows           = 15
)

// profileMu guards our own recordings; the Go runtime itself allows only one CPU profile per process,
// so /debug/pprof/profile running at the same time is caught by StartCPUProfile's error instead.
var profileMu sync.Mutex

// cpuTop handles GET /debug/cpu-top?seconds=3&load=1.
func cpuTop(w http.ResponseWriter, r *http.Request) {
	seconds := 3
	if s := r.URL.Query().Get("seconds"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxProfileSeconds {
			http.Error(w, fmt.Sprintf("seconds must be a whole number from 1 to %d", maxProfileSeconds), http.StatusBadRequest)
			return
		}
		seconds = n
	}
	withLoad := r.URL.Query().Get("load") == "1"

	if !profileMu.TryLock() {
		http.Error(w, "a CPU profile is already being recorded; try again when it ends", http.StatusConflict)
		return
	}
	defer profileMu.Unlock()

	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		// Most likely /debug/pprof/profile is recording right now.
		http.Error(w, "cannot start CPU profiling: "+err.Error(), http.StatusConflict)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Duration(seconds)*time.Second)
	var hashes int
	done := make(chan struct{})
	if withLoad {
		// One busy goroutine: the container has a single CPU, so more would only queue up behind it.
		go func() {
			defer close(done)
			hashes = hashPasswordsSlowly(ctx)
		}()
	} else {
		close(done)
	}
	start := time.Now()
	<-ctx.Done()
	<-done
	cancel()
	pprof.StopCPUProfile()
	recorded := time.Since(start)

	if r.Context().Err() != nil {
		return // the caller hung up; nobody reads the table
	}
	prof, err := profile.Parse(&buf)
	if err != nil {
		http.Error(w, "cannot parse the CPU profile: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "CPU profile of shop-service, recorded for %s", recorded.Round(10*time.Millisecond))
	if withLoad {
		fmt.Fprintf(w, " while hashPasswordsSlowly ran (%d passwords hashed)", hashes)
	}
	fmt.Fprintln(w)
	writeTop(w, prof, recorded)
}

// writeTop prints the functions with the most CPU time, sorted by flat time like `go tool pprof -top`.
// flat: samples whose innermost frame is the function (time spent in its own code).
// cum: samples with the function anywhere on the stack (its own code plus everything it called).
func writeTop(w http.ResponseWriter, prof *profile.Profile, recorded time.Duration) {
	// A CPU profile has two values per sample: a count and CPU nanoseconds. Use the nanoseconds.
	valueIdx := -1
	for i, st := range prof.SampleType {
		if st.Type == "cpu" && st.Unit == "nanoseconds" {
			valueIdx = i
		}
	}
	if valueIdx < 0 {
		fmt.Fprintln(w, "the profile has no cpu/nanoseconds values")
		return
	}

	flat := map[string]int64{}
	cum := map[string]int64{}
	var total int64
	for _, s := range prof.Sample {
		v := s.Value[valueIdx]
		total += v
		seen := map[string]bool{} // recursion must not count a sample twice in cum
		for li, loc := range s.Location {
			// An inlined call adds frames to one location; Line[0] is the innermost of them.
			for ll, line := range loc.Line {
				name := "?"
				if line.Function != nil {
					name = line.Function.Name
				}
				if li == 0 && ll == 0 {
					flat[name] += v
				}
				if !seen[name] {
					seen[name] = true
					cum[name] += v
				}
			}
		}
	}
	fmt.Fprintf(w, "Total samples = %s (%.0f%% of the wall-clock time)\n",
		fmtDur(total), 100*float64(total)/float64(recorded.Nanoseconds()))
	if total == 0 {
		fmt.Fprintln(w, "No CPU samples: the service was idle. Add load=1, or send requests while it records.")
		return
	}

	names := make([]string, 0, len(cum))
	for name := range cum {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := names[i], names[j]
		if flat[a] != flat[b] {
			return flat[a] > flat[b]
		}
		if cum[a] != cum[b] {
			return cum[a] > cum[b]
		}
		return a < b
	})
	shown := min(topRows, len(names))
	fmt.Fprintf(w, "Showing top %d of %d functions, sorted by flat\n\n", shown, len(names))

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "flat\tflat%\tsum%\tcum\tcum%\t\tfunction")
	pct := func(v int64) string { return fmt.Sprintf("%.1f%%", 100*float64(v)/float64(total)) }
	var sum int64
	for _, name := range names[:shown] {
		sum += flat[name]
		// The empty cell before the name keeps the name left-aligned after right-aligned numbers.
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\t%s\n", fmtDur(flat[name]), pct(flat[name]), pct(sum),
			fmtDur(cum[name]), pct(cum[name]), name)
	}
	_ = tw.Flush()
}

func fmtDur(ns int64) string {
	d := time.Duration(ns)
	if d >= time.Second {
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
	return fmt.Sprintf("%dms", d.Milliseconds())
}

// hashPasswordsSlowly stretches a list of passwords with many rounds of an FNV-style mix until ctx ends, and
// returns how many it hashed. It only makes CPU work with a recognisable name for the profile: real code
// hashes passwords with bcrypt or argon2 (golang.org/x/crypto), never with a loop like this.
func hashPasswordsSlowly(ctx context.Context) int {
	passwords := []string{"gopher", "correct horse battery staple", "hunter2", "p@ssw0rd"}
	const rounds = 200_000
	hashed := 0
	var sink uint64
	for ctx.Err() == nil {
		pw := passwords[hashed%len(passwords)]
		h := uint64(14695981039346656037)
		for range rounds {
			for i := 0; i < len(pw); i++ {
				h ^= uint64(pw[i])
				h *= 1099511628211
			}
			h ^= h >> 29
		}
		sink ^= h
		hashed++
	}
	if sink == 1 {
		hashed++ // uses sink so the compiler cannot drop the loop
	}
	return hashed
}
