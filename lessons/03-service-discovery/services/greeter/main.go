// greeter: one instance of the "greeter" service. It starts listening, then registers itself with the Consul
// agent (an HTTP health check every 2 s), and on SIGTERM deregisters before it shuts down.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hashicorp/consul/api"
)

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	port, err := strconv.Atoi(cmp.Or(os.Getenv("PORT"), "8080"))
	if err != nil {
		return fmt.Errorf("PORT: %w", err)
	}
	hostname, _ := os.Hostname()
	inst := instance{
		service: cmp.Or(os.Getenv("CONSUL_SERVICE"), "greeter"),
		// One ID per instance: instances of a service share its name, never an ID.
		id:   cmp.Or(os.Getenv("INSTANCE_ID"), hostname),
		port: port,
	}
	inst.address, err = advertiseAddress()
	if err != nil {
		return err
	}
	inst.healthy.Store(true)

	// api.DefaultConfig reads CONSUL_HTTP_ADDR (the manifest sets consul:8500). One client for the whole life
	// of the process: it keeps its connections.
	consul, err := api.NewClient(api.DefaultConfig())
	if err != nil {
		return fmt.Errorf("consul client: %w", err)
	}

	srv := &http.Server{Handler: logRequests(inst.routes(consul)), ReadHeaderTimeout: 5 * time.Second}
	// 1. Take the port first, so the agent's first health check finds someone to answer it.
	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", port))
	if err != nil {
		return err
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Printf("%s listening on %s:%d", inst.id, inst.address, port)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// 2. Then tell Consul where this instance is and how to check it.
	if err := register(ctx, consul, &inst); err != nil {
		return err
	}

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
		stop() // a second Ctrl+C stops at once
	}

	// 3. Leave the registry first, so callers stop finding this instance; then finish the requests in flight.
	log.Printf("stop signal: deregistering %s from Consul", inst.id)
	if err := consul.Agent().ServiceDeregister(inst.id); err != nil {
		log.Printf("deregister: %v", err)
	} else {
		log.Printf("deregistered %s", inst.id)
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Printf("%s stopped", inst.id)
	return nil
}

// instance is what this process tells Consul about itself, and the health it reports.
type instance struct {
	service, id, address string
	port                 int
	// healthy is what /health answers; POST /admin/health flips it so you can watch the check go critical.
	healthy atomic.Bool
}

func (in *instance) routes(consul *api.Client) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		name := cmp.Or(r.URL.Query().Get("name"), "Gopher")
		writeJSON(w, http.StatusOK, map[string]any{
			"message":  fmt.Sprintf("Hello, %s! 你好，%s！", name, name),
			"instance": in.id,
			"address":  net.JoinHostPort(in.address, strconv.Itoa(in.port)),
		})
	})

	// What Consul's HTTP check calls every interval: 2xx is passing, anything else is critical.
	var checked atomic.Bool
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		if !checked.Swap(true) {
			log.Printf("first health check arrived from %s (%s)", r.RemoteAddr, r.UserAgent())
		}
		if !in.healthy.Load() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "failing", "instance": in.id})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "instance": in.id})
	})

	// Make this instance report itself unhealthy (or healthy again) without stopping it.
	mux.HandleFunc("POST /admin/health", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Healthy *bool `json:"healthy"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10)).Decode(&body); err != nil || body.Healthy == nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": `send {"healthy": true} or {"healthy": false}`})
			return
		}
		in.healthy.Store(*body.Healthy)
		log.Printf("/health now answers %s", map[bool]string{true: "200 (passing)", false: "503 (critical)"}[*body.Healthy])
		writeJSON(w, http.StatusOK, map[string]any{"instance": in.id, "healthy": *body.Healthy})
	})

	// How discovery sees this instance right now: its status in Consul's health API (the catalog), which is what
	// clients query. The agent's own view can be a moment ahead of the catalog, so asking it would call an instance
	// passing before anyone can find it. 200 only while passing: the playground waits for that before it calls the
	// greeter running.
	mux.HandleFunc("GET /registration", func(w http.ResponseWriter, r *http.Request) {
		entries, _, err := consul.Health().Service(in.service, "", false, (&api.QueryOptions{}).WithContext(r.Context()))
		if err != nil {
			writeJSON(w, http.StatusBadGateway, map[string]any{"instance": in.id, "error": err.Error()})
			return
		}
		status := "not registered"
		for _, e := range entries {
			if e.Service.ID == in.id {
				status = e.Checks.AggregatedStatus()
			}
		}
		code := http.StatusOK
		if status != api.HealthPassing {
			code = http.StatusServiceUnavailable
		}
		writeJSON(w, code, map[string]any{"instance": in.id, "service": in.service, "consul_status": status})
	})
	return mux
}

// register adds this instance to the agent. Registering is idempotent, so it is simply retried while the agent
// is not answering yet.
func register(ctx context.Context, consul *api.Client, in *instance) error {
	reg := &api.AgentServiceRegistration{
		ID:      in.id,
		Name:    in.service,
		Address: in.address, // an address the agent can reach: not localhost, which would be the agent's own
		Port:    in.port,
		Tags:    []string{"playground"},
		Check: &api.AgentServiceCheck{
			Name:     in.id + " /health",
			HTTP:     fmt.Sprintf("http://%s/health", net.JoinHostPort(in.address, strconv.Itoa(in.port))),
			Interval: "2s", // short, so the lesson shows changes quickly; 10s–30s is common in production
			Timeout:  "1s",
			// If this process dies without deregistering (kill -9, a lost machine), Consul removes the instance
			// after it has been critical this long. Consul's minimum is one minute.
			DeregisterCriticalServiceAfter: "1m",
		},
	}
	for attempt := 1; ; attempt++ {
		err := consul.Agent().ServiceRegister(reg)
		if err == nil {
			log.Printf("registered %s as %q at %s:%d (check %s every %s)", in.id, in.service, in.address, in.port,
				reg.Check.HTTP, reg.Check.Interval)
			return nil
		}
		if attempt == 15 {
			return fmt.Errorf("register with Consul: %w", err)
		}
		log.Printf("register (attempt %d): %v; retrying", attempt, err)
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// advertiseAddress is the address other containers reach this one at: ADVERTISE_ADDR if set, else the first
// non-loopback IPv4 address of this container.
func advertiseAddress() (string, error) {
	if a := os.Getenv("ADVERTISE_ADDR"); a != "" {
		return a, nil
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return "", err
	}
	for _, a := range addrs {
		if ipnet, ok := a.(*net.IPNet); ok && !ipnet.IP.IsLoopback() && ipnet.IP.To4() != nil {
			return ipnet.IP.String(), nil
		}
	}
	return "", errors.New("no non-loopback IPv4 address: set ADVERTISE_ADDR")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		log.Printf("write response: %v", err)
	}
}

// logRequests logs every request except the probes: the agent's health check every 2 s and the playground's
// polling of /registration at start-up would drown the rest.
func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		next.ServeHTTP(w, r)
		if r.URL.Path != "/health" && r.URL.Path != "/registration" {
			log.Printf("%s %s (%s)", r.Method, r.URL.RequestURI(), time.Since(start).Round(time.Microsecond))
		}
	})
}
