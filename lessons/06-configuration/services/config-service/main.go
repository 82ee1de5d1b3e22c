// Command config-service shows layered configuration with viper: defaults in code, a YAML file,
// environment variables on top, and hot reload when the file changes while the service runs.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// logLevel is shared by the logger and the reload hook, so log.level changes apply at once.
var logLevel = new(slog.LevelVar)

func main() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: logLevel})))
	if err := run(); err != nil {
		slog.Error("config-service stopped", "err", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	store := newStore(applyChanges)
	if err := store.Load(); err != nil {
		return err
	}
	cfg := store.Current().Config
	applyChanges(nil, cfg)
	if err := store.Watch(ctx); err != nil {
		return fmt.Errorf("watch config: %w", err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /config", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, publicView(store.Current()))
	})
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		snap := store.Current()
		writeJSON(w, http.StatusOK, map[string]any{
			"message":        snap.Config.Features.Greeting,
			"config_version": snap.Version,
		})
	})
	mux.HandleFunc("GET /checkout", func(w http.ResponseWriter, r *http.Request) {
		// Load the snapshot once: the flag and the limit below then come from the same version even
		// if a reload lands in the middle of this request.
		snap := store.Current()
		items, err := strconv.Atoi(r.URL.Query().Get("items"))
		if err != nil || items < 1 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "give ?items=<a positive number>"})
			return
		}
		f := snap.Config.Features
		if items > f.MaxItemsPerOrder {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
				"error":               "too many items",
				"max_items_per_order": f.MaxItemsPerOrder,
			})
			return
		}
		flow := "classic checkout"
		if f.NewCheckout {
			flow = "new one-page checkout"
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": items, "flow": flow, "config_version": snap.Version})
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})

	// The port comes from the configuration (file or APP_SERVER_PORT). It is read once: an open
	// listener cannot move, so a later change only logs that a restart is needed.
	srv := &http.Server{
		Addr:              fmt.Sprintf(":%d", cfg.Server.Port),
		Handler:           logRequests(mux),
		ReadHeaderTimeout: cfg.Server.ReadTimeout,
		ReadTimeout:       cfg.Server.ReadTimeout,
	}
	errc := make(chan error, 1)
	go func() {
		slog.Info("config-service listening", "addr", srv.Addr)
		errc <- srv.ListenAndServe()
	}()

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// applyChanges puts new settings into effect. old is nil on the first call.
func applyChanges(old, cfg *Config) {
	if level, err := parseLevel(cfg.Log.Level); err == nil {
		logLevel.Set(level)
	}
	if old == nil {
		return
	}
	if old.Server.Port != cfg.Server.Port || old.Server.ReadTimeout != cfg.Server.ReadTimeout {
		slog.Warn("server settings changed: they take effect after a restart")
	}
	if old.Database != cfg.Database {
		// A real service would build a new connection pool here and close the old one afterwards.
		slog.Info("database settings changed: a real service would reconnect now",
			"host", cfg.Database.Host, "port", cfg.Database.Port, "max_open_conns", cfg.Database.MaxOpenConns)
	}
}

// publicView is the effective configuration as nested JSON, with every secret masked.
func publicView(snap *Snapshot) map[string]any {
	tree := map[string]any{}
	for key, value := range snap.Flat {
		if isSecret(key) {
			if fmt.Sprint(value) == "" {
				value = "(not set)"
			} else {
				value = "******"
			}
		}
		parts := strings.Split(key, ".")
		node := tree
		for _, p := range parts[:len(parts)-1] {
			child, ok := node[p].(map[string]any)
			if !ok {
				child = map[string]any{}
				node[p] = child
			}
			node = child
		}
		node[parts[len(parts)-1]] = value
	}
	fromEnv := snap.FromEnv
	if fromEnv == nil {
		fromEnv = []string{}
	}
	return map[string]any{
		"config":        tree,
		"env_overrides": fromEnv,
		"version":       snap.Version,
		"loaded_at":     snap.LoadedAt.Format(time.RFC3339),
	}
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		slog.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration", time.Since(start).Round(time.Microsecond))
		slog.Debug("request detail", "remote", r.RemoteAddr, "user_agent", r.UserAgent())
	})
}
