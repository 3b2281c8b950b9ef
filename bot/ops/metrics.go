// Package ops is what a city's operators look at: the ops listener
// (/healthz, /readyz, /metrics), the Prometheus metrics the bot keeps, the
// event gate that lets a shutdown finish the handlers in flight, and the
// structured log.
//
// Metrics live in a Metrics value with its own registry (no global state);
// the outbox reports through outbox.Observer, the platform adapters through
// small hooks (Slack ack latency, reconnects), event handling through Gate,
// and the backlog (queued messages, due items, store size) is read from the
// store at each scrape.
package ops

import (
	"context"
	"errors"
	"net"
	"reflect"
	"strings"
	"time"

	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/outbox"
	"github.com/kipina/kipina/bot/schedule"
	"github.com/kipina/kipina/storage"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// OverdueGrace is how late a due item may be before it counts as overdue
// (kipina_due_items_overdue): two sweeps of the default one-minute schedule
// and then some.
const OverdueGrace = 5 * time.Minute

// Metrics are the bot's Prometheus metrics. See docs/deploy.md for each.
type Metrics struct {
	// Registry holds every metric, the Go runtime's and the process's.
	Registry *prometheus.Registry

	attempts   *prometheus.CounterVec   // platform, outcome, error_class
	inFlight   *prometheus.GaugeVec     // platform
	latency    *prometheus.HistogramVec // platform
	handler    *prometheus.HistogramVec // kind
	slackAck   prometheus.Histogram
	reconnects *prometheus.CounterVec // platform
}

// NewMetrics registers the metrics; WatchStore adds those read from the
// store.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kipina_outbox_attempts_total",
			Help: "Delivery attempts by platform, outcome (delivered, retried, rate_limited, failed) and error class (none, rate_limited, permanent, timeout, network, other).",
		}, []string{"platform", "outcome", "error_class"}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kipina_outbox_in_flight",
			Help: "Messages being handed to their platform now.",
		}, []string{"platform"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kipina_outbox_delivery_seconds",
			Help:    "Time from a message's enqueueing to its delivery, in seconds.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600},
		}, []string{"platform"}),
		handler: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kipina_handler_seconds",
			Help:    "Time the core took to answer an event, by kind (command, form, action, text), in seconds.",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5},
		}, []string{"kind"}),
		slackAck: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "kipina_slack_ack_seconds",
			Help:    "Time from a Socket Mode envelope's arrival to its acknowledgement, in seconds (Slack wants it within 3 s).",
			Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 2.5, 3, 5},
		}),
		reconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kipina_platform_reconnects_total",
			Help: "Connections to a platform opened again after the first (Slack Socket Mode, Mattermost websocket).",
		}, []string{"platform"}),
	}
	m.Registry.MustRegister(m.attempts, m.inFlight, m.latency, m.handler, m.slackAck, m.reconnects,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// WatchStore adds the metrics read from db at each scrape: the outbox
// backlog, the due items and the store size; now is the clock overdue is
// measured on (the bot's). Call it once.
func (m *Metrics) WatchStore(db *storage.DB, now func() time.Time) {
	m.Registry.MustRegister(&storeCollector{db: db, now: now})
}

// Sending implements outbox.Observer.
func (m *Metrics) Sending(it outbox.Item) { m.inFlight.WithLabelValues(it.To.Platform).Inc() }

// Attempted implements outbox.Observer.
func (m *Metrics) Attempted(it outbox.Item, err error, at time.Time) {
	p := it.To.Platform
	m.inFlight.WithLabelValues(p).Dec()
	class := ErrorClass(err)
	var outcome string
	switch {
	case err == nil:
		outcome = "delivered"
		m.latency.WithLabelValues(p).Observe(at.Sub(it.Created).Seconds())
	case class == "rate_limited":
		outcome = "rate_limited"
	case class == "permanent" || it.Attempts >= outbox.MaxAttempts:
		outcome = "failed"
	default:
		outcome = "retried"
	}
	m.attempts.WithLabelValues(p, outcome, class).Inc()
}

// ErrorClass sorts a delivery error for the error_class label: none,
// rate_limited (chat.RetryAfterError), permanent (chat.ErrPermanent),
// timeout (a deadline), network (a net.Error) or other.
func ErrorClass(err error) string {
	var ra *chat.RetryAfterError
	var ne net.Error
	switch {
	case err == nil:
		return "none"
	case errors.As(err, &ra):
		return "rate_limited"
	case errors.Is(err, chat.ErrPermanent):
		return "permanent"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.As(err, &ne):
		if ne.Timeout() {
			return "timeout"
		}
		return "network"
	default:
		return "other"
	}
}

// ObserveHandler records how long the core took to answer an event.
func (m *Metrics) ObserveHandler(e chat.Event, took time.Duration) {
	m.handler.WithLabelValues(EventKind(e)).Observe(took.Seconds())
}

// EventKind names an event's kind for the kind label: command, form,
// action, text, or the lower-case type name of another event.
func EventKind(e chat.Event) string {
	switch e.(type) {
	case *chat.Command:
		return "command"
	case *chat.FormSubmit:
		return "form"
	case *chat.Action:
		return "action"
	case *chat.Text:
		return "text"
	}
	t := reflect.TypeOf(e)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "none"
	}
	return strings.ToLower(t.Name())
}

// SlackAck records one Socket Mode acknowledgement's latency (the Slack
// adapter's OnAck).
func (m *Metrics) SlackAck(d time.Duration) { m.slackAck.Observe(d.Seconds()) }

// Reconnected returns the hook that counts a platform's reconnects (the
// adapters' OnReconnect).
func (m *Metrics) Reconnected(platform string) func() {
	c := m.reconnects.WithLabelValues(platform)
	return c.Inc
}

// storeCollector reads the backlog from the store at each scrape.
type storeCollector struct {
	db  *storage.DB
	now func() time.Time
}

var (
	descQueued = prometheus.NewDesc("kipina_outbox_queued",
		"Messages waiting for delivery, by platform.", []string{"platform"}, nil)
	descRetrying = prometheus.NewDesc("kipina_outbox_retrying",
		"Waiting messages already tried at least once, by platform.", []string{"platform"}, nil)
	descOldest = prometheus.NewDesc("kipina_outbox_oldest_overdue_seconds",
		"How long the most overdue waiting message has been due, in seconds (0 when none is).", nil, nil)
	descDue = prometheus.NewDesc("kipina_due_items",
		"Scheduled items (reminders, follow-ups) stored and not yet run.", nil, nil)
	descDueOverdue = prometheus.NewDesc("kipina_due_items_overdue",
		"Scheduled items due more than 5 minutes ago and not yet run (quiet hours hold some).", nil, nil)
	descStore = prometheus.NewDesc("kipina_store_bytes",
		"Size of the store's data in bytes (what a backup writes).", nil, nil)
	descScrapeErr = prometheus.NewDesc("kipina_store_scrape_error",
		"1 when the last scrape could not read the store.", nil, nil)
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descQueued, descRetrying, descOldest, descDue, descDueOverdue, descStore, descScrapeErr} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.now()
	var st outbox.Stats
	var dueN, overdue int
	err := c.db.View(func(tx *storage.Tx) (err error) {
		if st, err = outbox.Backlog(tx); err != nil {
			return err
		}
		dueN, overdue, err = schedule.Backlog(tx, now, OverdueGrace)
		return err
	})
	size, serr := c.db.Size()
	failed := 0.0
	if err != nil || serr != nil {
		failed = 1
	}
	ch <- prometheus.MustNewConstMetric(descScrapeErr, prometheus.GaugeValue, failed)
	if err == nil {
		for p, n := range st.Pending {
			ch <- prometheus.MustNewConstMetric(descQueued, prometheus.GaugeValue, float64(n), p)
			ch <- prometheus.MustNewConstMetric(descRetrying, prometheus.GaugeValue, float64(st.Retrying[p]), p)
		}
		over := 0.0
		if !st.OldestDue.IsZero() && now.After(st.OldestDue) {
			over = now.Sub(st.OldestDue).Seconds()
		}
		ch <- prometheus.MustNewConstMetric(descOldest, prometheus.GaugeValue, over)
		ch <- prometheus.MustNewConstMetric(descDue, prometheus.GaugeValue, float64(dueN))
		ch <- prometheus.MustNewConstMetric(descDueOverdue, prometheus.GaugeValue, float64(overdue))
	}
	if serr == nil {
		ch <- prometheus.MustNewConstMetric(descStore, prometheus.GaugeValue, float64(size))
	}
}
