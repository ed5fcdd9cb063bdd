// Command orders is a small HTTP service used to demonstrate Plimsoll's
// delivery-contract rules: ../Dockerfile ships it the wrong way, and
// fixed/Dockerfile the right way.
//
// Endpoints:
//
//	GET  /healthz        liveness: 200 "ok"
//	GET  /orders         list orders as JSON
//	POST /orders         create an order from a JSON body {"item": "...", "qty": n}
//	POST /orders/import  bulk import (buffers large uploads in $TMPDIR)
//
// With -healthcheck the binary probes a running instance's /healthz and
// exits 0 or 1, so images without a shell or curl can use it as their
// HEALTHCHECK.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Order is one customer order.
type Order struct {
	ID      int       `json:"id"`
	Item    string    `json:"item"`
	Qty     int       `json:"qty"`
	Created time.Time `json:"created"`
}

// store keeps orders in memory.
type store struct {
	mu     sync.Mutex
	next   int
	orders map[int]Order
}

func newStore() *store {
	return &store{next: 1, orders: make(map[int]Order)}
}

func (s *store) add(item string, qty int) Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := Order{ID: s.next, Item: item, Qty: qty, Created: time.Now().UTC()}
	s.orders[o.ID] = o
	s.next++
	return o
}

func (s *store) list() []Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Order, 0, len(s.orders))
	for _, o := range s.orders {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		log.Printf("write response: %v", err)
	}
}

func (s *store) handleOrders(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, s.list())
	case http.MethodPost:
		var in struct {
			Item string `json:"item"`
			Qty  int    `json:"qty"`
		}
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		if in.Item == "" || in.Qty <= 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "item and a positive qty are required"})
			return
		}
		writeJSON(w, http.StatusCreated, s.add(in.Item, in.Qty))
	default:
		w.Header().Set("Allow", "GET, POST")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed"})
	}
}

// handleImport spools the upload to a temporary file (in $TMPDIR) before
// parsing it: the request that fails when TMPDIR does not exist.
func (s *store) handleImport(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed"})
		return
	}
	f, err := os.CreateTemp("", "orders-import-*.json")
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := io.Copy(f, io.LimitReader(r.Body, 64<<20)); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	var batch []struct {
		Item string `json:"item"`
		Qty  int    `json:"qty"`
	}
	if err := json.NewDecoder(f).Decode(&batch); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	created := make([]Order, 0, len(batch))
	for _, b := range batch {
		if b.Item == "" || b.Qty <= 0 {
			continue
		}
		created = append(created, s.add(b.Item, b.Qty))
	}
	writeJSON(w, http.StatusCreated, created)
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "ok\n")
}

func newMux(s *store) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", healthz)
	mux.HandleFunc("/orders", s.handleOrders)
	mux.HandleFunc("/orders/import", s.handleImport)
	return mux
}

// probe asks a running instance for /healthz.
func probe(addr string) error {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + addr + "/healthz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz returned %s", resp.Status)
	}
	return nil
}

func listenAddr() string {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	if _, err := strconv.Atoi(port); err != nil {
		log.Fatalf("PORT must be a number, got %q", port)
	}
	return ":" + port
}

func main() {
	healthcheck := flag.Bool("healthcheck", false, "probe the local instance's /healthz and exit 0 (healthy) or 1")
	flag.Parse()
	addr := listenAddr()

	if *healthcheck {
		if err := probe("127.0.0.1" + addr); err != nil {
			fmt.Fprintln(os.Stderr, "unhealthy:", err)
			os.Exit(1)
		}
		return
	}

	srv := &http.Server{
		Addr:              addr,
		Handler:           newMux(newStore()),
		ReadHeaderTimeout: 5 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	go func() {
		log.Printf("orders listening on %s (temp dir %s)", addr, os.TempDir())
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Fatalf("listen: %v", err)
		}
	}()

	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		log.Printf("shutdown: %v", err)
	}
}
