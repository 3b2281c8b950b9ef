// Package httpsrv holds the limits every HTTP server of the bot runs with:
// read, write and idle timeouts, a header size limit and a request body
// limit, so that a client that never finishes a request, or sends more
// than a platform ever sends, costs the bot a bounded amount.
package httpsrv

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Limits are an HTTP server's bounds. Zero fields take the Default value.
type Limits struct {
	// ReadHeader is the time to read a request's headers.
	ReadHeader time.Duration
	// Read is the time to read a whole request, headers and body.
	Read time.Duration
	// Write is the time from the end of the request headers to the end
	// of the response: it bounds the handler too. Mattermost waits 30 s
	// for an integration's answer, Slack 3 s.
	Write time.Duration
	// Idle is how long a keep-alive connection waits for the next request.
	Idle time.Duration
	// MaxHeader is the size limit of the request line and headers, bytes.
	MaxHeader int
	// MaxBody is the size limit of a request body, bytes. The platforms
	// send at most a few kilobytes (a dialog submission of long text
	// fields is the largest).
	MaxBody int64
}

// Default are the limits used when a field is zero.
var Default = Limits{
	ReadHeader: 5 * time.Second,
	Read:       10 * time.Second,
	Write:      30 * time.Second,
	Idle:       60 * time.Second,
	MaxHeader:  64 << 10,
	MaxBody:    1 << 20,
}

func (l Limits) withDefaults() Limits {
	d := Default
	if l.ReadHeader <= 0 {
		l.ReadHeader = d.ReadHeader
	}
	if l.Read <= 0 {
		l.Read = d.Read
	}
	if l.Write <= 0 {
		l.Write = d.Write
	}
	if l.Idle <= 0 {
		l.Idle = d.Idle
	}
	if l.MaxHeader <= 0 {
		l.MaxHeader = d.MaxHeader
	}
	if l.MaxBody <= 0 {
		l.MaxBody = d.MaxBody
	}
	return l
}

// New returns a server of h with l's timeouts, and h's request bodies
// limited by LimitBody. base, if not nil, is every request's base context.
func New(h http.Handler, l Limits, base context.Context) *http.Server {
	l = l.withDefaults()
	srv := &http.Server{
		Handler:           LimitBody(h, l.MaxBody),
		ReadHeaderTimeout: l.ReadHeader,
		ReadTimeout:       l.Read,
		WriteTimeout:      l.Write,
		IdleTimeout:       l.Idle,
		MaxHeaderBytes:    l.MaxHeader,
	}
	if base != nil {
		srv.BaseContext = func(net.Listener) context.Context { return base }
	}
	return srv
}

// LimitBody refuses a request whose declared Content-Length exceeds max
// bytes with 413 before reading it, and wraps every body in
// http.MaxBytesReader, so that reading past max fails (TooLarge reports
// it) and the connection is closed after the response.
func LimitBody(h http.Handler, max int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			w.Header().Set("Connection", "close")
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		h.ServeHTTP(w, r)
	})
}

// TooLarge reports whether err comes from reading past a body limit.
func TooLarge(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}

// Refuse answers a body read error: 413 for a body past its limit, else
// 400.
func Refuse(w http.ResponseWriter, err error) {
	if TooLarge(err) {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	http.Error(w, "bad request", http.StatusBadRequest)
}
