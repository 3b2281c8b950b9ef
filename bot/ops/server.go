package ops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/storage"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check is one readiness condition: nil when it holds, else what is wrong.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// StoreCheck holds while the store answers a read.
func StoreCheck(db *storage.DB) Check {
	return Check{Name: "store", Fn: func(context.Context) error {
		return db.View(func(*storage.Tx) error { return nil })
	}}
}

// PlatformCheck holds while p reports itself ready (chat.Connected); a platform
// without the capability counts as ready.
func PlatformCheck(p chat.Platform) Check {
	return Check{Name: "platform " + p.Name(), Fn: func(context.Context) error {
		if r, ok := p.(chat.Connected); ok && !r.Connected() {
			return errors.New("not connected")
		}
		return nil
	}}
}

// OutboxCheck holds unless the oldest waiting message has been due for more
// than stuck (on the clock now): the outbox is stuck when it fails.
func OutboxCheck(db *storage.DB, now func() time.Time, stuck time.Duration) Check {
	return Check{Name: "outbox", Fn: func(context.Context) error {
		var st outbox.Stats
		if err := db.View(func(tx *storage.Tx) (err error) { st, err = outbox.Backlog(tx); return }); err != nil {
			return err
		}
		if late := now().Sub(st.OldestDue); !st.OldestDue.IsZero() && late > stuck {
			return fmt.Errorf("a message has been due for %s", late.Round(time.Second))
		}
		return nil
	}}
}

// Handler serves /healthz (the process answers: 200 "ok"), /readyz (200
// when every check holds, else 503; a JSON object of check name to "ok" or
// the problem) and /metrics (Prometheus text format from m).
func Handler(m *Metrics, checks []Check) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		res, ok := map[string]string{}, true
		for _, c := range checks {
			if err := c.Fn(ctx); err != nil {
				res[c.Name], ok = err.Error(), false
			} else {
				res[c.Name] = "ok"
			}
		}
		w.Header().Set("Content-Type", "application/json")
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		if err := json.NewEncoder(w).Encode(res); err != nil {
			slog.Debug("readiness answer not written", "err", err) // the prober went away
		}
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Timeout: 10 * time.Second}))
	return mux
}

// Server is a running ops listener.
type Server struct {
	// Addr is the address it listens on (the port chosen when :0 was asked).
	Addr string
	srv  *http.Server
	done chan struct{}
}

// Serve listens on addr and serves h until Close; read and write timeouts
// bound slow clients. Errors: the address cannot be listened on.
func Serve(addr string, h http.Handler, log *slog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("ops listener: %w", err)
	}
	s := &Server{Addr: ln.Addr().String(), done: make(chan struct{}), srv: &http.Server{
		Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 60 * time.Second, MaxHeaderBytes: 16 << 10,
	}}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("ops listener", "err", err)
		}
	}()
	log.Info("ops listener", "addr", s.Addr)
	return s, nil
}

// Close stops the listener, letting requests in progress finish for up to
// five seconds.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	<-s.done
	return err
}
