package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rathaus-egov/rathaus/internal/sqlstore"
)

type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	handler  http.Handler
}

func newMetrics(reg *prometheus.Registry, db *sqlstore.DB) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rathaus_http_requests_total", Help: "HTTP requests by route, method and status."}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "rathaus_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}}, []string{"route"}),
	}
	depth := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rathaus_jobs_queued", Help: "Jobs waiting to run (queued or retrying), including those for later."}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		d, err := db.QueueDepth(ctx)
		if err != nil {
			return -1
		}
		return float64(d["queued"])
	})
	due := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rathaus_jobs_due", Help: "Queued jobs whose time has come: the backlog (rathaus_jobs_queued also counts jobs for later, such as reminders)."}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		n, err := db.DueJobs(ctx, time.Now())
		if err != nil {
			return -1
		}
		return float64(n)
	})
	dead := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rathaus_jobs_dead", Help: "Jobs that failed finally (dead letters)."}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		d, err := db.QueueDepth(ctx)
		if err != nil {
			return -1
		}
		return float64(d["dead"])
	})
	for _, c := range []prometheus.Collector{m.requests, m.latency, depth, due, dead, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		_ = reg.Register(c) // a second server on the same registry (tests) keeps the first collectors
	}
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return m
}

func (m *metrics) observe(route, method string, status int, d time.Duration) {
	if status == 0 {
		status = 200
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

func (s *Server) metricsHandler(w http.ResponseWriter, r *http.Request) error {
	s.metrics.handler.ServeHTTP(w, r)
	return nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err := w.Write([]byte("ok\n"))
	return err
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.Ready(r.Context()); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready: " + err.Error() + "\n"))
		return nil
	}
	_, err := w.Write([]byte("ready\n"))
	return err
}
