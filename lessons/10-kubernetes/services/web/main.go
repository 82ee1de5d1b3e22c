// web: one pod of the Deployment in k8s/app.yaml. It answers with its pod name, so the Service's round-robin can
// be seen, and it has the two endpoints the kubelet probes:
//
//	GET  /healthz        liveness: 200 while the process is healthy, 500 after POST /admin/break
//	GET  /readyz         readiness: 503 during the warm-up (WARMUP, e.g. "2s"), then 200 unless switched off
//	POST /admin/ready    ?ready=false takes this pod out of the Service's endpoints, ?ready=true puts it back
//	POST /admin/break    makes /healthz fail, so the kubelet restarts the container
//	GET  /               {"pod": ..., "requests": n}
//	GET  /debug/config   the configuration, with the value from the Secret masked
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
	"syscall"
	"time"
)

func main() {
	port := cmp.Or(os.Getenv("PORT"), "8080")
	warmup, err := time.ParseDuration(cmp.Or(os.Getenv("WARMUP"), "2s"))
	if err != nil {
		log.Fatalf("WARMUP: %v", err)
	}
	// In Kubernetes the hostname of a container is its pod's name.
	pod, _ := os.Hostname()
	s := newServer(pod, os.Getenv("API_KEY"), warmup, time.Now)

	srv := &http.Server{Addr: ":" + port, Handler: s.routes(), ReadHeaderTimeout: 5 * time.Second}
	// The kubelet stops a pod with SIGTERM, then SIGKILL after terminationGracePeriodSeconds.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		log.Printf("pod %s listening on :%s, ready after %s", pod, port, warmup)
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	<-ctx.Done()
	log.Print("SIGTERM: draining and shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Printf("shutdown: %v", err)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
