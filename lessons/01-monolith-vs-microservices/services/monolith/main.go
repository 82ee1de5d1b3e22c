// The monolith: one Go program, one process, one deployment, that serves users, orders and payments.
//
// Everything lives in the same memory: when an order needs its customer's name, the code just calls
// a function. That is the monolith's great convenience — and its coupling: changing, scaling or
// restarting payments means changing, scaling or restarting all of it.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

type User struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

type Order struct {
	ID       int     `json:"id"`
	UserID   int     `json:"userId"`
	UserName string  `json:"userName"`
	Item     string  `json:"item"`
	Amount   float64 `json:"amount"`
}

type Payment struct {
	ID      int    `json:"id"`
	OrderID int    `json:"orderId"`
	Status  string `json:"status"`
}

// The whole application's data, shared by every feature. A real monolith would have one database
// with users, orders and payments tables side by side.
var (
	users = []User{{ID: 1, Name: "张三"}, {ID: 2, Name: "李四"}}

	orders = []Order{
		{ID: 101, UserID: 1, Item: "Go 语言编程", Amount: 59.9},
		{ID: 102, UserID: 2, Item: "机械键盘", Amount: 399},
	}

	payments = []Payment{{ID: 1001, OrderID: 101, Status: "paid"}, {ID: 1002, OrderID: 102, Status: "pending"}}
)

func main() {
	port := cmp.Or(os.Getenv("PORT"), "8080")

	// Go 1.22+ patterns: "GET /users" matches only GET (and HEAD); other methods get 405 for free.
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users", handleUsers)
	mux.HandleFunc("GET /orders", handleOrders)
	mux.HandleFunc("GET /payments", handlePayments)
	mux.HandleFunc("GET /health", handleHealth)
	mux.HandleFunc("GET /slow", handleSlow)

	srv := &http.Server{
		Addr:              ":" + port,
		Handler:           logRequests(mux),
		ReadHeaderTimeout: 5 * time.Second,
	}

	// Stop cleanly when the playground (or Ctrl+C) asks: finish the requests in flight, then exit.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// ListenAndServe runs in a goroutine, so that main is free to wait for the stop signal.
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Printf("monolith listening on :%s (users, orders and payments in one process)", port)

	select {
	case err := <-errc:
		log.Fatal(err) // e.g. the port is taken: nothing was served, so there is nothing to shut down
	case <-ctx.Done():
		stop() // a second Ctrl+C stops at once
	}

	// Shutdown closes the listener, then waits (at most 5 s) for the requests in flight. main must wait for it:
	// ListenAndServe already returned when Shutdown began, and when main returns the process ends, cutting off
	// whatever is still running.
	log.Print("stop signal: finishing the requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Printf("shutdown: %v; the requests still running are cut off", err)
	}
	log.Print("monolith stopped")
}

// Try it: change this message, press Run, then send GET /users again.
func handleUsers(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"service": "monolith",
		"message": "用户模块：和订单、支付运行在同一个进程里",
		"users":   users,
	})
}

func handleOrders(w http.ResponseWriter, r *http.Request) {
	// Inside a monolith, "ask the user module" is a plain function call: no network, no timeout,
	// no error to handle. In a microservice architecture this line becomes an HTTP or gRPC call.
	out := make([]Order, 0, len(orders))
	for _, o := range orders {
		o.UserName = userName(o.UserID)
		out = append(out, o)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"service": "monolith",
		"message": "订单模块：直接调用函数取得用户名",
		"orders":  out,
	})
}

func handlePayments(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"service":  "monolith",
		"message":  "支付模块：一旦这里崩溃，整个应用一起停掉",
		"payments": payments,
	})
}

func handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "service": "monolith"})
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
		writeJSON(w, http.StatusOK, map[string]any{"service": "monolith", "slept_ms": ms})
	case <-r.Context().Done():
		// The caller hung up first. (Shutdown does not cancel this context: it waits for the handler instead.)
		log.Printf("GET /slow: the caller went away after waiting: %v", r.Context().Err())
	}
}

func userName(id int) string {
	for _, u := range users {
		if u.ID == id {
			return u.Name
		}
	}
	return "unknown"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		log.Printf("write response: %v", err)
	}
}

// statusRecorder remembers the status a handler wrote, so the log line can show it.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// logRequests prints one line per request: watch them appear in the terminal as you send requests.
func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.Printf("%s %s -> %d (%s)", r.Method, r.URL.RequestURI(), rec.status, time.Since(start).Round(time.Microsecond))
	})
}
