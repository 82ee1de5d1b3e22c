package main

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// server holds the state the probes look at; a pod's state is lost when its container restarts.
type server struct {
	pod      string
	apiKey   string
	readyAt  time.Time
	now      func() time.Time
	requests atomic.Int64

	mu           sync.Mutex
	readyOff     bool // switched off through /admin/ready
	brokenLiving bool // set through /admin/break
}

func newServer(pod, apiKey string, warmup time.Duration, now func() time.Time) *server {
	return &server{pod: pod, apiKey: apiKey, readyAt: now().Add(warmup), now: now}
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.hello)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("POST /admin/ready", s.setReady)
	mux.HandleFunc("POST /admin/break", s.breakLiveness)
	mux.HandleFunc("GET /debug/config", s.config)
	return mux
}

func (s *server) hello(w http.ResponseWriter, _ *http.Request) {
	n := s.requests.Add(1)
	writeJSON(w, http.StatusOK, map[string]any{"pod": s.pod, "requests": n})
}

// healthz is the liveness probe: failing it gets the container restarted, so it checks only the process itself,
// never a dependency (a database outage must not restart every pod).
func (s *server) healthz(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	broken := s.brokenLiving
	s.mu.Unlock()
	if broken {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"status": "broken", "pod": s.pod})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "pod": s.pod})
}

// readyz is the readiness probe: failing it only takes the pod out of the Service until it passes again.
func (s *server) readyz(w http.ResponseWriter, _ *http.Request) {
	ready, reason := s.ready()
	status := http.StatusOK
	if !ready {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, map[string]any{"ready": ready, "reason": reason, "pod": s.pod})
}

func (s *server) ready() (bool, string) {
	if left := s.readyAt.Sub(s.now()); left > 0 {
		return false, "warming up, " + left.Round(time.Millisecond).String() + " left"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readyOff {
		return false, "switched off through /admin/ready"
	}
	return true, "ok"
}

func (s *server) setReady(w http.ResponseWriter, r *http.Request) {
	on, err := strconv.ParseBool(r.URL.Query().Get("ready"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "want ?ready=true or ?ready=false"})
		return
	}
	s.mu.Lock()
	s.readyOff = !on
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"pod": s.pod, "ready": on})
}

func (s *server) breakLiveness(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.brokenLiving = true
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"pod": s.pod, "healthz": "failing from now on"})
}

// config shows where each setting came from; a secret is never echoed, only whether it is set and its length.
func (s *server) config(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"pod": s.pod, "apiKey": mask(s.apiKey)})
}

// mask keeps the first two characters: enough to tell two keys apart in a log, not enough to use one.
func mask(secret string) string {
	if secret == "" {
		return "(not set)"
	}
	if len(secret) <= 4 {
		return "****"
	}
	return secret[:2] + "****" + " (" + strconv.Itoa(len(secret)) + " chars)"
}
