// user-gateway: an HTTP/JSON front for the gRPC user-service. Each HTTP request becomes one gRPC call through
// the generated client; the gRPC status code of the answer decides the HTTP status.
//
//	GET  /users           ListUsers
//	GET  /users/{id}      GetUser
//	POST /users           CreateUser  {"name":"王五","email":"wangwu@example.com"}
//	GET  /reflection      the server's services and methods, asked through server reflection
//	GET  /grpc-health     the server's standard health service
package main

// Regenerates ../userv1 from the contract on every Run (the playground runs `go generate ./...` before the build).
//go:generate protoc -I ../proto --go_out=.. --go_opt=module=playground/grpc --go-grpc_out=.. --go-grpc_opt=module=playground/grpc user/v1/user.proto

import (
	"cmp"
	"context"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/encoding/protojson"

	"playground/grpc/userv1"
)

// callTimeout bounds every gRPC call; the deadline travels to the server with the call.
const callTimeout = 2 * time.Second

type gateway struct {
	target string
	conn   *grpc.ClientConn
	users  userv1.UserServiceClient
}

func main() {
	port := cmp.Or(os.Getenv("PORT"), "8080")
	target := cmp.Or(os.Getenv("USER_SERVICE_ADDR"), "user-service:50051")

	// grpc.NewClient (it replaces the deprecated grpc.Dial) does not connect yet: the first call does, and
	// reconnects happen inside the one ClientConn the whole process shares. Plaintext: a private network only.
	conn, err := grpc.NewClient(target,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		// NewClient resolves names with gRPC's DNS resolver, which also asks for a service config in a TXT
		// record (_grpc_config.user-service). No DNS server outside answers that here, so every first call
		// would wait for the lookup to time out; we configure the client in code instead.
		grpc.WithDisableServiceConfig(),
	)
	if err != nil {
		log.Fatalf("grpc client for %s: %v", target, err)
	}
	// Closed when main returns, which is after Shutdown: requests in flight can still make their calls.
	defer conn.Close()
	g := &gateway{target: target, conn: conn, users: userv1.NewUserServiceClient(conn)}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /users", g.listUsers)
	mux.HandleFunc("GET /users/{id}", g.getUser)
	mux.HandleFunc("POST /users", g.createUser)
	mux.HandleFunc("GET /reflection", g.reflection)
	mux.HandleFunc("GET /grpc-health", g.grpcHealth)
	mux.HandleFunc("GET /slow", handleSlow)

	srv := &http.Server{Addr: ":" + port, Handler: logRequests(mux), ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// ListenAndServe runs in a goroutine, so that main is free to wait for the stop signal.
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Printf("user-gateway listening on :%s, calling gRPC %s", port, target)

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
	log.Print("user-gateway stopped")
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
		writeJSON(w, http.StatusOK, map[string]any{"service": "user-gateway", "slept_ms": ms})
	case <-r.Context().Done():
		// The caller hung up first. (Shutdown does not cancel this context: it waits for the handler instead.)
		log.Printf("GET /slow: the caller went away after waiting: %v", r.Context().Err())
	}
}

func (g *gateway) getUser(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), callTimeout)
	defer cancel()
	u, err := g.users.GetUser(ctx, &userv1.GetUserRequest{Id: r.PathValue("id")})
	if err != nil {
		writeGRPCError(w, "GetUser", err)
		return
	}
	writeGRPC(w, http.StatusOK, u)
}

func (g *gateway) listUsers(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), callTimeout)
	defer cancel()
	resp, err := g.users.ListUsers(ctx, &userv1.ListUsersRequest{})
	if err != nil {
		writeGRPCError(w, "ListUsers", err)
		return
	}
	writeGRPC(w, http.StatusOK, resp)
}

func (g *gateway) createUser(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "reading the body: " + err.Error()})
		return
	}
	// protojson reads the JSON form of the generated message: field names come from the .proto, and a field the
	// contract does not have is an error, so a typo is refused here instead of silently ignored.
	req := &userv1.CreateUserRequest{}
	if err := protojson.Unmarshal(body, req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid CreateUserRequest JSON: " + err.Error()})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), callTimeout)
	defer cancel()
	u, err := g.users.CreateUser(ctx, req)
	if err != nil {
		writeGRPCError(w, "CreateUser", err)
		return
	}
	writeGRPC(w, http.StatusCreated, u)
}

func (g *gateway) grpcHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), callTimeout)
	defer cancel()
	service := userv1.UserService_ServiceDesc.ServiceName
	resp, err := healthpb.NewHealthClient(g.conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	if err != nil {
		writeGRPCError(w, "Health.Check", err)
		return
	}
	code := http.StatusOK
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, map[string]string{"grpcCode": "OK", "service": service, "status": resp.GetStatus().String()})
}

func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.Printf("%s %s -> %d (%s)", r.Method, r.URL.RequestURI(), rec.status, time.Since(start).Round(time.Microsecond))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}
