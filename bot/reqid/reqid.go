// Package reqid gives each incoming request, cron run and due item an id
// that an operator can grep from the handler's log line to the delivery of
// every outbox message it enqueued: the "req" field of the logs.
//
// The id travels in a context.Context (With, Of) through handlers and in
// the store transaction (storage.Tx.ForRequest) into the outbox record
// (outbox.Item.RequestID), which the worker logs on delivery and failure.
package reqid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
)

// Key is the log attribute that carries the id.
const Key = "req"

// New returns a fresh id: 8 random bytes as 16 hex digits. Ids are for
// grepping, not for security; a failing random source yields "-".
func New() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "-"
	}
	return hex.EncodeToString(b[:])
}

type ctxKey struct{}

// With returns ctx carrying id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// Of returns the id ctx carries, "" when none.
func Of(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// Handler wraps h so that a record logged with a context (InfoContext, …)
// carrying an id gets the attribute req=id.
func Handler(h slog.Handler) slog.Handler { return handler{h} }

type handler struct{ slog.Handler }

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	if id := Of(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String(Key, id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h handler) WithAttrs(as []slog.Attr) slog.Handler { return handler{h.Handler.WithAttrs(as)} }

func (h handler) WithGroup(name string) slog.Handler { return handler{h.Handler.WithGroup(name)} }
