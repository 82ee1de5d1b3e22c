// user-service: a small HTTP service that is built by its own multi-stage Dockerfile and runs from the
// resulting image. GET /info reports how the binary was built and as whom it runs, so the effect of each
// Dockerfile line can be seen from outside the container.
//
//	GET /health      liveness: 200 "ok"
//	GET /users       every user
//	GET /users/{id}  one user, 404 if unknown
//	GET /info        build settings (Go version, cgo, -trimpath), the binary's size and the process's user id
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"log"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"
)

type user struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

var users = []user{
	{ID: "1", Name: "Alice", Email: "alice@example.com"},
	{ID: "2", Name: "Bob", Email: "bob@example.com"},
}

func main() {
	port := cmp.Or(os.Getenv("PORT"), "8080")
	srv := &http.Server{
		Addr:              ":" + port,
		Handler:           newHandler(),
		ReadHeaderTimeout: 5 * time.Second,
	}

	// docker stop sends SIGTERM to PID 1; with ENTRYPOINT in exec form that is this process.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		log.Printf("user-service listening on :%s as uid %d", port, os.Getuid())
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	<-ctx.Done()
	log.Print("SIGTERM received: shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Printf("shutdown: %v", err)
	}
}

func newHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok"))
	})
	mux.HandleFunc("GET /users", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, users)
	})
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		for _, u := range users {
			if u.ID == r.PathValue("id") {
				writeJSON(w, http.StatusOK, u)
				return
			}
		}
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "user " + r.PathValue("id") + " not found"})
	})
	mux.HandleFunc("GET /info", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, buildInfo())
	})
	return mux
}

// buildInfo reads the settings the go tool recorded in the binary: they show whether the Dockerfile's
// CGO_ENABLED=0 and -trimpath took effect (with -trimpath the go tool leaves -ldflags out of them, so the
// binary's size shows what -ldflags="-s -w" did).
func buildInfo() map[string]any {
	info := map[string]any{
		"goVersion": runtime.Version(),
		"os":        runtime.GOOS,
		"arch":      runtime.GOARCH,
		"uid":       os.Getuid(),
	}
	if exe, err := os.Executable(); err == nil {
		if st, err := os.Stat(exe); err == nil {
			info["binaryBytes"] = st.Size()
		}
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "CGO_ENABLED":
				info["cgo"] = s.Value
			case "-trimpath":
				info["trimpath"] = s.Value
			}
		}
	}
	return info
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		log.Printf("write response: %v", err)
	}
}
