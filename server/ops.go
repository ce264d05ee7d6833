package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "creditkit_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "creditkit_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by method, route pattern and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route", "status"}),
		commitRows: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "creditkit_group_commit_rows",
			Help:    "Writes stored by one group commit, by writer (customers, assessments).",
			Buckets: prometheus.ExponentialBuckets(1, 2, 9), // 1 … 256
		}, []string{"writer"}),
		commitTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "creditkit_group_commit_duration_seconds",
			Help:    "Time of one group commit's transaction, sync included, by writer (customers, assessments).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}, []string{"writer"}),
	}
	refs := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "creditkit_assessment_customer_refs_total",
		Help: "Customers of POST /v1/assessments, by where the request took them from: the cache (hit), " +
			"the database (miss); stale counts those the committing transaction found changed.",
	}, []string{"result"})
	m.refHits, m.refMisses, m.refStale = refs.WithLabelValues("hit"), refs.WithLabelValues("miss"), refs.WithLabelValues("stale")
	m.registry.MustRegister(m.requests, m.latency, m.commitRows, m.commitTime, refs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// requestKey is the labels of a request's metrics: a method fiber does not know is counted
// as OTHER (see record) and route is the pattern, so there are only as many keys as
// routes, methods and statuses.
type requestKey struct {
	method, route string
	status        int
}

// requestMetrics are the request counter and latency histogram of one requestKey, looked
// up once: WithLabelValues hashes and compares the labels under a lock on every call.
type requestMetrics struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

func (m *metrics) observe(method, route string, status int, elapsed time.Duration) {
	k := requestKey{method: method, route: route, status: status}
	v, ok := m.byRequest.Load(k)
	if !ok {
		code := strconv.Itoa(status)
		v, _ = m.byRequest.LoadOrStore(k, &requestMetrics{count: m.requests.WithLabelValues(method, route, code),
			latency: m.latency.WithLabelValues(method, route, code)})
	}
	rm := v.(*requestMetrics)
	rm.count.Inc()
	rm.latency.Observe(elapsed.Seconds())
}

// observeCommit records one group commit of writer: the writes it stored and how long
// its transaction took.
func (m *metrics) observeCommit(writer string, rows int, elapsed time.Duration) {
	m.commitRows.WithLabelValues(writer).Observe(float64(rows))
	m.commitTime.WithLabelValues(writer).Observe(elapsed.Seconds())
}

func (s *Server) metricsHandler() fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}))
}

// healthz answers 200 while the process runs.
func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz answers 200 when the database answers within a second, else 503.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), time.Second)
	defer cancel()
	if err := s.cfg.Store.Ping(ctx); err != nil {
		return fmt.Errorf("%w: database: %w", ErrUnavailable, err)
	}
	return c.JSON(fiber.Map{"status": "ready", "database": s.cfg.Store.Dialect().String()})
}

// openAPI serves the OpenAPI 3.1 description of the API.
func (s *Server) serveOpenAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.Status(http.StatusOK).Send(s.openAPI)
}
