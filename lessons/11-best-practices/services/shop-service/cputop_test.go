// Tests for the CPU table: flat and cum accounting on a hand-made profile, and a real recording under load.
package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

func TestWriteTopCountsFlatAndCum(t *testing.T) {
	fn := func(id uint64, name string) *profile.Function { return &profile.Function{ID: id, Name: name} }
	main_, handler, hash := fn(1, "main.main"), fn(2, "main.handler"), fn(3, "main.hash")
	loc := func(id uint64, f *profile.Function) *profile.Location {
		return &profile.Location{ID: id, Line: []profile.Line{{Function: f}}}
	}
	lMain, lHandler, lHash := loc(1, main_), loc(2, handler), loc(3, hash)
	ms := int64(time.Millisecond)
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		Sample: []*profile.Sample{
			// Leaf first, as in a real profile: 30 ms in hash (called by handler), 10 ms in handler itself.
			{Location: []*profile.Location{lHash, lHandler, lMain}, Value: []int64{3, 30 * ms}},
			{Location: []*profile.Location{lHandler, lMain}, Value: []int64{1, 10 * ms}},
		},
	}
	rec := httptest.NewRecorder()
	writeTop(rec, p, 40*time.Millisecond)
	out := rec.Body.String()
	if !strings.Contains(out, "Total samples = 40ms") {
		t.Errorf("wrong total:\n%s", out)
	}
	// Columns: flat flat% sum% cum cum% function.
	for _, want := range []string{
		"30ms 75.0% 75.0% 30ms 75.0% main.hash",
		"10ms 25.0% 100.0% 40ms 100.0% main.handler",
		"0ms 0.0% 100.0% 40ms 100.0% main.main",
	} {
		found := false
		for _, line := range strings.Split(out, "\n") {
			found = found || strings.Join(strings.Fields(line), " ") == want
		}
		if !found {
			t.Errorf("table lacks the row %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "main.hash") > strings.Index(out, "main.handler") {
		t.Errorf("rows are not sorted by flat:\n%s", out)
	}
}

func TestCPUTopUnderLoadShowsTheBusyFunction(t *testing.T) {
	rec := httptest.NewRecorder()
	cpuTop(rec, httptest.NewRequest(http.MethodGet, "/debug/cpu-top?seconds=1&load=1", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	for _, want := range []string{"flat%", "cum%", ".hashPasswordsSlowly"} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("body lacks %q:\n%s", want, rec.Body)
		}
	}
}

func TestCPUTopRejectsBadSecondsAndASecondRecording(t *testing.T) {
	rec := httptest.NewRecorder()
	cpuTop(rec, httptest.NewRequest(http.MethodGet, "/debug/cpu-top?seconds=0", nil))
	if rec.Code != http.StatusBadRequest {
		t.Errorf("seconds=0: status %d, want 400", rec.Code)
	}
	profileMu.Lock() // as if another recording were running
	defer profileMu.Unlock()
	rec = httptest.NewRecorder()
	cpuTop(rec, httptest.NewRequest(http.MethodGet, "/debug/cpu-top?seconds=1", nil))
	if rec.Code != http.StatusConflict {
		t.Errorf("while busy: status %d, want 409", rec.Code)
	}
}
