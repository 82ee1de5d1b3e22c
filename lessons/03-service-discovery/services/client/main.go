// client: calls the greeter without knowing where it runs. It asks Consul's health API for the passing instances,
// picks one, and calls it; /instances shows every instance with its health as Consul sees it.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/consul/api"
)

// maxWait bounds a blocking query of /instances?wait=…: under the playground's 10 s request timeout.
const maxWait = 8 * time.Second

type app struct {
	consul *api.Client
	target string // the service name callers look up, e.g. "greeter"
	http   *http.Client
}

func main() {
	// api.DefaultConfig reads CONSUL_HTTP_ADDR (the manifest sets consul:8500); the client is made once and shared.
	consul, err := api.NewClient(api.DefaultConfig())
	if err != nil {
		log.Fatalf("consul client: %v", err)
	}
	a := &app{
		consul: consul,
		target: cmp.Or(os.Getenv("TARGET_SERVICE"), "greeter"),
		http:   &http.Client{Timeout: 3 * time.Second},
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /call", a.call)
	mux.HandleFunc("GET /instances", a.instances)
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})
	mux.HandleFunc("GET /slow", handleSlow)

	srv := &http.Server{Addr: ":" + cmp.Or(os.Getenv("PORT"), "8090"), Handler: logRequests(mux), ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// ListenAndServe runs in a goroutine, so that main is free to wait for the stop signal.
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Printf("client listening on %s; looking up %q in Consul at %s", srv.Addr, a.target, api.DefaultConfig().Address)

	select {
	case err := <-errc:
		log.Fatal(err) // e.g. the port is taken: nothing was served, so there is nothing to shut down
	case <-ctx.Done():
		stop() // a second Ctrl+C stops at once
	}

	// Shutdown closes the listener and waits (at most 5 s) for the requests in flight; main returns only after it.
	// (ListenAndServe returns as soon as Shutdown begins: returning then would end the process mid-request.)
	log.Print("stop signal: finishing the requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Printf("shutdown: %v; the requests still running are cut off", err)
	}
	log.Print("client stopped")
}

// call discovers the passing instances of the target service and sends the request to one of them.
func (a *app) call(w http.ResponseWriter, r *http.Request) {
	// passingOnly=true: Consul leaves out every instance whose checks are not all passing. Asking on every call
	// keeps the lesson visible; a busy client would cache the list and refresh it with blocking queries.
	entries, _, err := a.consul.Health().Service(a.target, "", true, (&api.QueryOptions{}).WithContext(r.Context()))
	if err != nil {
		writeJSON(w, http.StatusBadGateway, map[string]any{"error": "ask Consul: " + err.Error()})
		return
	}
	if len(entries) == 0 {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{
			"error":             fmt.Sprintf("no healthy %s instance in Consul", a.target),
			"healthy_instances": 0,
		})
		return
	}
	picked := entries[rand.IntN(len(entries))] // the simplest load balancing: any healthy instance
	addr := address(picked)

	u := url.URL{Scheme: "http", Host: addr, Path: "/hello", RawQuery: url.Values{"name": {cmp.Or(r.URL.Query().Get("name"), "Gopher")}}.Encode()}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, u.String(), nil)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": err.Error()})
		return
	}
	res, err := a.http.Do(req)
	if err != nil {
		writeJSON(w, http.StatusBadGateway, map[string]any{"error": fmt.Sprintf("call %s at %s: %v", picked.Service.ID, addr, err)})
		return
	}
	defer res.Body.Close()
	var answer map[string]any
	if err := json.NewDecoder(res.Body).Decode(&answer); err != nil || res.StatusCode != http.StatusOK {
		writeJSON(w, http.StatusBadGateway, map[string]any{
			"error": fmt.Sprintf("%s at %s answered %s", picked.Service.ID, addr, res.Status),
		})
		return
	}
	log.Printf("%d healthy %s instance(s); called %s at %s", len(entries), a.target, picked.Service.ID, addr)
	writeJSON(w, http.StatusOK, map[string]any{
		"service":           a.target,
		"healthy_instances": len(entries),
		"instance":          picked.Service.ID, // which instance Consul handed us…
		"address":           addr,              // …and where it said to find it
		"answer":            answer,
	})
}

type instanceView struct {
	ID      string      `json:"id"`
	Address string      `json:"address"`
	Status  string      `json:"status"` // passing, warning, critical or maintenance: the worst of its checks
	Checks  []checkView `json:"checks"`
}

type checkView struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Output string `json:"output"`
}

// instances lists every registered instance, healthy or not. With ?wait=<instance id>:<status> (e.g.
// greeter-2:critical, or greeter-2:gone) it uses Consul's blocking queries to answer only once that is true,
// or after maxWait.
func (a *app) instances(w http.ResponseWriter, r *http.Request) {
	var wantID, wantStatus string
	if wait := r.URL.Query().Get("wait"); wait != "" {
		var ok bool
		wantID, wantStatus, ok = strings.Cut(wait, ":")
		if !ok || wantID == "" || wantStatus == "" {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "wait must look like <instance id>:<status>, e.g. greeter-2:critical"})
			return
		}
	}

	started := time.Now()
	ctx, cancel := context.WithTimeout(r.Context(), maxWait)
	defer cancel()
	opts := (&api.QueryOptions{}).WithContext(ctx)
	var entries []*api.ServiceEntry
	var index uint64
	for {
		// passingOnly=false: every instance, with its checks, so you see the critical ones too.
		got, meta, err := a.consul.Health().Service(a.target, "", false, opts)
		if err != nil && ctx.Err() == nil {
			writeJSON(w, http.StatusBadGateway, map[string]any{"error": "ask Consul: " + err.Error()})
			return
		}
		if err == nil {
			entries, index = got, meta.LastIndex
		} // else the wait is over: answer with what Consul said last
		views, counts := summarize(entries)
		met := wantID == "" || statusOf(views, wantID) == wantStatus
		if met || err != nil {
			code := http.StatusOK
			if !met {
				code = http.StatusGatewayTimeout
			}
			writeJSON(w, code, map[string]any{
				"service":      a.target,
				"instances":    views,
				"passing":      counts[api.HealthPassing],
				"critical":     counts[api.HealthCritical],
				"waited_ms":    time.Since(started).Milliseconds(),
				"consul_index": index,
			})
			return
		}
		// A blocking query: Consul holds the request until the service's health changes past this index (or
		// the wait time ends), instead of us asking again and again.
		opts.WaitIndex = index
		opts.WaitTime = time.Until(started.Add(maxWait))
	}
}

func summarize(entries []*api.ServiceEntry) ([]instanceView, map[string]int) {
	views := make([]instanceView, 0, len(entries))
	counts := map[string]int{}
	for _, e := range entries {
		v := instanceView{ID: e.Service.ID, Address: address(e), Status: e.Checks.AggregatedStatus()}
		for _, c := range e.Checks {
			v.Checks = append(v.Checks, checkView{Name: c.Name, Status: c.Status, Output: strings.TrimSpace(c.Output)})
		}
		counts[v.Status]++
		views = append(views, v)
	}
	return views, counts
}

// statusOf is the instance's aggregated status, or "gone" when it is no longer registered.
func statusOf(views []instanceView, id string) string {
	for _, v := range views {
		if v.ID == id {
			return v.Status
		}
	}
	return "gone"
}

// address is where the instance said it listens; an instance registered without an address uses its node's.
func address(e *api.ServiceEntry) string {
	host := cmp.Or(e.Service.Address, e.Node.Address)
	return net.JoinHostPort(host, strconv.Itoa(e.Service.Port))
}

// handleSlow answers GET /slow?ms=1500 after ms milliseconds (at most 10000). Send one and press Stop on this
// service while it waits: a graceful shutdown lets it finish before the process exits.
func handleSlow(w http.ResponseWriter, r *http.Request) {
	ms, err := strconv.Atoi(cmp.Or(r.URL.Query().Get("ms"), "1500"))
	if err != nil || ms < 0 || ms > 10000 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "ms must be a whole number from 0 to 10000"})
		return
	}
	select {
	case <-time.After(time.Duration(ms) * time.Millisecond):
		writeJSON(w, http.StatusOK, map[string]any{"service": "client", "slept_ms": ms})
	case <-r.Context().Done():
		// The caller hung up first. (Shutdown does not cancel this context: it waits for the handler instead.)
		log.Printf("GET /slow: the caller went away after waiting: %v", r.Context().Err())
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		log.Printf("write response: %v", err)
	}
}

func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		next.ServeHTTP(w, r)
		log.Printf("%s %s (%s)", r.Method, r.URL.RequestURI(), time.Since(start).Round(time.Microsecond))
	})
}
