// playground-collector: a small OTLP/HTTP trace receiver baked into the sandbox image. A lesson runs it as a
// service in its run network; it prints every span it receives as one "@@playground:span {json}" line on stdout,
// which the playground reads through the Docker API. So spans never leave the run network and no container
// ever calls the host.
package main

import (
	"cmp"
	"log"
	"net/http"
	"os"
	"time"
)

func main() {
	addr := ":" + cmp.Or(os.Getenv("PORT"), "4318")
	out := newSpanWriter(os.Stdout)
	mux := http.NewServeMux()
	mux.Handle("/v1/traces", &tracesHandler{out: out})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second}
	log.SetFlags(0)
	log.Printf("playground-collector: OTLP/HTTP traces on %s/v1/traces (protobuf or JSON)", addr)
	log.Fatal(srv.ListenAndServe())
}
