package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/storetest"
)

// syncBuffer is a log sink safe for the server's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type harness struct {
	srv   *Server
	store *store.Store
	logs  *syncBuffer
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	st, err := store.Open(context.Background(), storetest.SQLiteDSN(t))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	logs := &syncBuffer{}
	cfg.Store = st
	if cfg.Keyring == nil {
		cfg.Keyring = testRing
	}
	if cfg.RateLimit.Rate == 0 {
		cfg.RateLimit = unlimited
	}
	cfg.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := New(cfg)
	require.NoError(t, err)
	return &harness{srv: srv, store: st, logs: logs}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (h *harness) do(t *testing.T, req *http.Request) response {
	t.Helper()
	res, err := h.srv.App().Test(req, 5000)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{status: res.StatusCode, header: res.Header, body: body}
}

func (h *harness) get(t *testing.T, path string) response {
	t.Helper()
	return h.do(t, httptest.NewRequest(http.MethodGet, path, nil))
}

func postJSON(path, body string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return req
}

func problemOf(t *testing.T, r response) Problem {
	t.Helper()
	assert.Equal(t, "application/problem+json", r.header.Get("Content-Type"))
	var p Problem
	require.NoError(t, json.Unmarshal(r.body, &p), string(r.body))
	assert.Equal(t, r.status, p.Status)
	assert.Equal(t, r.header.Get("X-Request-ID"), p.RequestID)
	return p
}

func TestHealthAndReadiness(t *testing.T) {
	h := newHarness(t, Config{})
	r := h.get(t, "/healthz")
	assert.Equal(t, http.StatusOK, r.status)
	assert.JSONEq(t, `{"status":"ok"}`, string(r.body))

	r = h.get(t, "/readyz")
	assert.Equal(t, http.StatusOK, r.status)
	assert.JSONEq(t, `{"status":"ready","database":"sqlite"}`, string(r.body))

	require.NoError(t, h.store.Close())
	r = h.get(t, "/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	p := problemOf(t, r)
	assert.Empty(t, p.Detail, "the database error stays in the log")
	assert.Contains(t, h.logs.String(), "database is closed")
}

func TestRequestID(t *testing.T) {
	h := newHarness(t, Config{NewRequestID: func() string { return "generated" }})
	tests := []struct {
		name string
		give string
		want string
	}{
		{"absent", "", "generated"},
		{"sane", "abc-123_X.y:z", "abc-123_X.y:z"},
		{"too long", strings.Repeat("a", 129), "generated"},
		{"spaces", "a b", "generated"},
		{"log injection", "a\",\"level\":\"ERROR", "generated"},
		{"non-ASCII", "请求", "generated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/healthz", "/no/such/route"} {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				if tt.give != "" {
					req.Header.Set("X-Request-ID", tt.give)
				}
				r := h.do(t, req)
				assert.Equal(t, tt.want, r.header.Get("X-Request-ID"), path)
			}
		})
	}
}

// errorRoutes registers one route per error a handler may return.
func errorRoutes(s *Server) map[string]error {
	routes := map[string]error{
		"validation":  &ValidationError{Fields: []FieldError{{Path: "name", Rule: "required", Message: "is required", MessageZH: "必填"}}},
		"bad":         &BadRequestError{Detail: "unknown parameter colour"},
		"notfound":    fmt.Errorf("customer 42: %w", ErrNotFound),
		"conflict":    ErrConflict,
		"required":    ErrVersionRequired,
		"stale":       fmt.Errorf("version 3 is not current: %w", ErrStaleVersion),
		"unauth":      ErrUnauthorized,
		"forbidden":   ErrForbidden,
		"media":       ErrUnsupportedMediaType,
		"toolarge":    ErrBodyTooLarge,
		"unavailable": ErrUnavailable,
		"internal":    errors.New("pq: password authentication failed for user secret"),
		"fiber":       fiber.ErrMethodNotAllowed,
		"fiber500":    fiber.ErrBadGateway,
	}
	for name, err := range routes {
		s.handle(fiber.MethodGet, "/test/"+name, perm.CustomerRead, func(*fiber.Ctx) error { return err })
	}
	s.handle(fiber.MethodGet, "/test/panic", perm.CustomerRead, func(*fiber.Ctx) error { panic("boom secret") })
	return routes
}

func TestErrorHandlerMapsEveryError(t *testing.T) {
	h := newHarness(t, Config{})
	errorRoutes(h.srv)
	tests := []struct {
		name       string
		give       string
		wantStatus int
		wantType   string
		wantDetail string
	}{
		{"validation", "/test/validation", 422, "validation", "the request has invalid fields; see errors"},
		{"bad request", "/test/bad", 400, "bad-request", "unknown parameter colour"},
		{"not found", "/test/notfound", 404, "not-found", "customer 42"},
		{"no route", "/test/none", 404, "not-found", "no such route"},
		{"conflict", "/test/conflict", 409, "conflict", ""},
		{"version required", "/test/required", 428, "version-required", ""},
		{"stale", "/test/stale", 412, "stale-version", "version 3 is not current"},
		{"unauthorized", "/test/unauth", 401, "unauthorized", ""},
		{"forbidden", "/test/forbidden", 403, "forbidden", ""},
		{"media type", "/test/media", 415, "unsupported-media-type", ""},
		{"too large", "/test/toolarge", 413, "body-too-large", ""},
		{"unavailable", "/test/unavailable", 503, "unavailable", ""},
		{"internal", "/test/internal", 500, "internal", "the server failed; quote the request ID when you report it"},
		{"fiber 4xx", "/test/fiber", 405, "http-method-not-allowed", ""},
		{"fiber 5xx", "/test/fiber500", 500, "internal", "the server failed; quote the request ID when you report it"},
		{"panic", "/test/panic", 500, "internal", "the server failed; quote the request ID when you report it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.get(t, tt.give)
			assert.Equal(t, tt.wantStatus, r.status)
			p := problemOf(t, r)
			assert.Equal(t, "urn:creditkit:problem:"+tt.wantType, p.Type)
			assert.Equal(t, tt.wantDetail, p.Detail)
			assert.Equal(t, tt.give, p.Instance)
			assert.NotEmpty(t, p.Title)
			assert.NotContains(t, string(r.body), "secret", "internal details never reach the client")
		})
	}
	assert.Contains(t, h.logs.String(), "password authentication failed", "internal details are logged")
	assert.Contains(t, h.logs.String(), "boom secret", "panics are logged")
}

func TestValidationProblemSpeaksTheCallersLanguage(t *testing.T) {
	h := newHarness(t, Config{})
	errorRoutes(h.srv)
	tests := []struct {
		name string
		give string
		want string
	}{
		{"none", "", "is required"},
		{"english", "en-GB,en;q=0.9", "is required"},
		{"chinese", "zh-CN,zh;q=0.9,en;q=0.5", "必填"},
		{"chinese preferred less", "en;q=0.9,zh;q=0.1", "is required"},
		{"other", "fr", "is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/test/validation", nil)
			if tt.give != "" {
				req.Header.Set("Accept-Language", tt.give)
			}
			p := problemOf(t, h.do(t, req))
			require.Len(t, p.Errors, 1)
			assert.Equal(t, FieldError{Path: "name", Rule: "required", Message: tt.want}, p.Errors[0])
		})
	}
}

type widget struct {
	Name  string `json:"name"`
	Count int8   `json:"count"`
	Inner struct {
		Flag bool `json:"flag"`
	} `json:"inner"`
}

func TestDecodeThroughTheApp(t *testing.T) {
	h := newHarness(t, Config{BodyLimit: 256})
	h.srv.handle(fiber.MethodPost, "/test/widgets", perm.CustomerWrite, func(c *fiber.Ctx) error {
		var w widget
		if err := decode(c, &w); err != nil {
			return err
		}
		return c.Status(http.StatusCreated).JSON(w)
	})
	tests := []struct {
		name        string
		contentType string
		give        string
		want        int
	}{
		{"valid", "application/json", `{"name":"a","count":3,"inner":{"flag":true}}`, 201},
		{"valid with charset", "application/json; charset=UTF-8", `{"name":"a"}`, 201},
		{"text/plain", "text/plain", `{"name":"a"}`, 415},
		{"no content type", "", `{"name":"a"}`, 415},
		{"latin1", "application/json; charset=latin1", `{"name":"a"}`, 415},
		{"empty", "application/json", ``, 400},
		{"malformed", "application/json", `{"name":`, 400},
		{"syntax", "application/json", `{"name" "a"}`, 400},
		{"unknown field", "application/json", `{"name":"a","admin":true}`, 400},
		{"unknown nested field", "application/json", `{"inner":{"flag":true,"x":1}}`, 400},
		{"trailing value", "application/json", `{"name":"a"}{"name":"b"}`, 400},
		{"trailing garbage", "application/json", `{"name":"a"} x`, 400},
		{"invalid UTF-8", "application/json", "{\"name\":\"\xff\"}", 400},
		{"wrong type", "application/json", `{"name":1}`, 422},
		{"number too big", "application/json", `{"count":1000}`, 422},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/test/widgets", strings.NewReader(tt.give))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			r := h.do(t, req)
			assert.Equal(t, tt.want, r.status, string(r.body))
			assert.NotEmpty(t, r.header.Get("X-Request-ID"))
			if tt.want >= 400 {
				problemOf(t, r)
			}
		})
	}
}

// serve runs the server on a loopback port until the test ends and returns its base URL.
func (h *harness) serve(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- h.srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		assert.NoError(t, h.srv.Shutdown(ctx))
		assert.NoError(t, <-served)
	})
	return "http://" + ln.Addr().String()
}

// TestBodyLimitOverTheWire checks 413 on a real connection: Fiber rejects an oversized
// body before any handler runs, so only the error handler answers.
func TestBodyLimitOverTheWire(t *testing.T) {
	h := newHarness(t, Config{BodyLimit: 256})
	h.srv.handle(fiber.MethodPost, "/test/widgets", perm.CustomerWrite, func(c *fiber.Ctx) error {
		var w widget
		return decode(c, &w)
	})
	base := h.serve(t)
	res, err := http.Post(base+"/test/widgets", "application/json", strings.NewReader(`{"name":"`+strings.Repeat("x", 300)+`"}`))
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	r := response{status: res.StatusCode, header: res.Header, body: body}
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.status)
	p := problemOf(t, r)
	assert.Equal(t, "urn:creditkit:problem:body-too-large", p.Type)
	assert.NotEmpty(t, p.RequestID)
}

func TestDecodeJSONNamesTheField(t *testing.T) {
	var w widget
	err := decodeJSON("application/json", []byte(`{"inner":{"flag":"yes"}}`), &w)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	require.Len(t, ve.Fields, 1)
	assert.Equal(t, "inner.flag", ve.Fields[0].Path)
	assert.Equal(t, "type", ve.Fields[0].Rule)
}

type staticAuth struct {
	actor perm.Actor
	err   error
}

func (a staticAuth) Authenticate(context.Context, func(string) string) (perm.Actor, error) {
	return a.actor, a.err
}

func TestEveryRouteChecksItsPermission(t *testing.T) {
	tests := []struct {
		name   string
		give   Authenticator
		path   string
		want   int
		wantAs string
	}{
		{"public probe, no auth", staticAuth{err: ErrUnauthorized}, "/healthz", 200, ""},
		{"public readiness, no auth", staticAuth{err: ErrUnauthorized}, "/readyz", 200, ""},
		{"unauthenticated", staticAuth{err: ErrUnauthorized}, "/metrics", 401, ""},
		{"authenticator fails", staticAuth{err: errors.New("key store down")}, "/metrics", 500, ""},
		{"lacks permission", staticAuth{actor: perm.New("u1", "Li", "analyst", perm.AnalyticsRead)}, "/openapi.json", 403, "u1"},
		{"holds permission", staticAuth{actor: perm.New("u2", "Wang", "ops", perm.OperationsRead)}, "/openapi.json", 200, "u2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Config{Authenticator: tt.give})
			r := h.get(t, tt.path)
			assert.Equal(t, tt.want, r.status)
			if tt.want == 401 {
				assert.Equal(t, `Bearer realm="creditkit"`, r.header.Get("WWW-Authenticate"))
			}
			if tt.wantAs != "" {
				assert.Contains(t, h.logs.String(), `"actor":"`+tt.wantAs+`"`)
			}
			assert.NotContains(t, h.logs.String(), "anonymous admin", "no warning with an authenticator")
		})
	}
}

func TestHandlersGetTheActor(t *testing.T) {
	h := newHarness(t, Config{})
	assert.Contains(t, h.logs.String(), `"level":"WARN","msg":"authentication is not configured`)
	var got perm.Actor
	h.srv.handle(fiber.MethodGet, "/test/me", perm.CustomerRead, func(c *fiber.Ctx) error {
		got = actorOf(c)
		_, hasDeadline := c.UserContext().Deadline()
		assert.True(t, hasDeadline, "handlers' context is bounded by WriteTimeout")
		return c.SendStatus(http.StatusNoContent)
	})
	assert.Equal(t, http.StatusNoContent, h.get(t, "/test/me").status)
	assert.Equal(t, "anonymous", got.ID)
	assert.True(t, got.Can(perm.PIIRead))
}

func TestRoutesArePermissioned(t *testing.T) {
	h := newHarness(t, Config{})
	for _, r := range h.srv.Routes() {
		if r.Path == "/healthz" || r.Path == "/readyz" {
			assert.Zero(t, r.Permission, r.Path)
			continue
		}
		assert.True(t, r.Permission.Valid(), "%s %s has no permission", r.Method, r.Path)
	}
}

func TestMetricsCountByRouteAndStatus(t *testing.T) {
	h := newHarness(t, Config{})
	h.get(t, "/healthz")
	h.get(t, "/healthz")
	h.get(t, "/no/such/thing")
	r := h.get(t, "/metrics")
	require.Equal(t, http.StatusOK, r.status)
	body := string(r.body)
	assert.Contains(t, body, `creditkit_http_requests_total{method="GET",route="/healthz",status="200"} 2`)
	assert.Contains(t, body, `creditkit_http_requests_total{method="GET",route="unmatched",status="404"} 1`)
	assert.Contains(t, body, `creditkit_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 2`)
	assert.NotContains(t, body, "/no/such/thing", "unmatched paths do not become labels")
}

// A method fiber does not know is refused like any bad request, not by fiber in plain
// text: problem+json with a request ID and the security headers, counted under one label
// however many such methods clients invent.
func TestUnknownMethodIsAProblem(t *testing.T) {
	h := newHarness(t, Config{})
	for _, method := range []string{"BREW", "PROPFIND"} {
		r := h.do(t, httptest.NewRequest(method, "/v1/customers", nil))
		require.Equal(t, http.StatusBadRequest, r.status, string(r.body))
		assert.Equal(t, "application/problem+json", r.header.Get("Content-Type"))
		assert.NotEmpty(t, r.header.Get("X-Request-ID"))
		assert.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"))
		p := problemOf(t, r)
		assert.Equal(t, "unknown request method", p.Detail)
		assert.Equal(t, r.header.Get("X-Request-ID"), p.RequestID)
	}
	r := h.get(t, "/metrics")
	assert.Contains(t, string(r.body), `creditkit_http_requests_total{method="OTHER",route="unmatched",status="400"} 2`)
	assert.NotContains(t, string(r.body), "BREW")
	assert.Contains(t, h.logs.String(), `"method":"BREW"`)
}

func TestLogsAreJSONWithoutBodiesOrQueries(t *testing.T) {
	h := newHarness(t, Config{})
	h.srv.handle(fiber.MethodPost, "/test/echo", perm.CustomerWrite, func(c *fiber.Ctx) error {
		var w widget
		if err := decode(c, &w); err != nil {
			return err
		}
		return c.JSON(w)
	})
	req := postJSON("/test/echo?name=%E5%BC%A0%E4%B8%89", `{"name":"110105199001010011"}`)
	req.Header.Set("X-Request-ID", "trace-1")
	require.Equal(t, http.StatusOK, h.do(t, req).status)
	logs := h.logs.String()
	assert.NotContains(t, logs, "110105199001010011")
	assert.NotContains(t, logs, "name=")
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
		if rec["msg"] == "request" && rec["request_id"] == "trace-1" {
			found = true
			assert.Equal(t, "/test/echo", rec["route"])
			assert.Equal(t, float64(200), rec["status"])
			assert.Equal(t, "anonymous", rec["actor"])
			assert.Equal(t, "INFO", rec["level"])
			assert.NotEmpty(t, rec["time"])
		}
	}
	assert.True(t, found, logs)
}

func TestNewRejectsBadConfig(t *testing.T) {
	st, err := store.Open(context.Background(), storetest.SQLiteDSN(t))
	require.NoError(t, err)
	defer st.Close()
	tests := []struct {
		name string
		give Config
	}{
		{"no store", Config{}},
		{"negative body limit", Config{Store: st, BodyLimit: -1}},
		{"negative timeout", Config{Store: st, WriteTimeout: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.give)
			require.ErrorIs(t, err, ErrConfig)
		})
	}
}

func TestShutdownLetsInFlightRequestsFinish(t *testing.T) {
	h := newHarness(t, Config{})
	started := make(chan struct{})
	h.srv.handle(fiber.MethodGet, "/test/slow", perm.CustomerRead, func(c *fiber.Ctx) error {
		close(started)
		time.Sleep(300 * time.Millisecond)
		return c.SendString("done")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- h.srv.Serve(ln) }()

	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		res, err := http.Get("http://" + ln.Addr().String() + "/test/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		got <- result{status: res.StatusCode, body: string(b), err: err}
	}()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, h.srv.Shutdown(ctx))
	r := <-got
	require.NoError(t, r.err)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "done", r.body)
	require.NoError(t, <-served)
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"name":"a","count":1}`, `{`, `{"inner":{"flag":1}}`, `[]`, `null`, `{"x":1}`, "{\"name\":\"\xff\"}", `{} {}`, `"s"`, `{"count":1e400}`} {
		f.Add("application/json", []byte(s))
	}
	f.Add("application/json; charset=utf-8", []byte(`{}`))
	f.Add("text/plain", []byte(`{}`))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		var w widget
		err := decodeJSON(contentType, body, &w)
		if err == nil {
			return
		}
		if p := classify(err); p.Status < 400 || p.Status >= 500 {
			t.Fatalf("decodeJSON(%q, %q) = %v, answered %d", contentType, body, err, p.Status)
		}
	})
}
