package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/server/auth"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/storetest"
)

// securityApp is a tiny Fiber app with the server's problem mapping and a test
// authenticator: the X-Test-Actor header names the actor.
func securityApp(middleware ...fiber.Handler) *fiber.App {
	app := fiber.New(fiber.Config{ErrorHandler: func(c *fiber.Ctx, err error) error {
		p := classify(err)
		return c.Status(p.Status).JSON(p, "application/problem+json")
	}})
	app.Use(func(c *fiber.Ctx) error {
		if id := c.Get("X-Test-Actor"); id != "" {
			c.SetUserContext(perm.WithActor(c.UserContext(), perm.New(strings.Clone(id), "", "admin")))
		}
		return c.Next()
	})
	for _, m := range middleware {
		app.Use(m)
	}
	return app
}

type securityClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *securityClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *securityClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newSecurityClock() *securityClock {
	return &securityClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

type securityResponse struct {
	status int
	header http.Header
	body   string
}

func securityDo(t *testing.T, app *fiber.App, method, path, body string, h map[string]string) securityResponse {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	res, err := app.Test(req, -1)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return securityResponse{status: res.StatusCode, header: res.Header, body: string(b)}
}

func TestSecurityHeaders(t *testing.T) {
	app := securityApp(SecurityHeaders(HeadersConfig{}))
	app.Get("/ok", func(c *fiber.Ctx) error { return c.SendString("ok") })
	app.Get("/cached", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderCacheControl, "public, max-age=60")
		return c.SendString("ok")
	})
	app.Get("/fail", func(c *fiber.Ctx) error { return ErrNotFound })
	want := map[string]string{
		"X-Content-Type-Options":       "nosniff",
		"X-Frame-Options":              "DENY",
		"Content-Security-Policy":      "default-src 'none'; frame-ancestors 'none'",
		"Referrer-Policy":              "no-referrer",
		"Cross-Origin-Opener-Policy":   "same-origin",
		"Cross-Origin-Resource-Policy": "same-origin",
		"Cache-Control":                "no-store",
	}
	for _, path := range []string{"/ok", "/fail", "/no-such-route"} {
		res := securityDo(t, app, "GET", path, "", nil)
		for k, v := range want {
			assert.Equal(t, v, res.header.Get(k), "%s %s", path, k)
		}
		assert.Empty(t, res.header.Get("Strict-Transport-Security"), "no HSTS unless configured")
	}
	res := securityDo(t, app, "GET", "/cached", "", nil)
	assert.Equal(t, "public, max-age=60", res.header.Get("Cache-Control"), "a handler may choose its own caching")

	hsts := securityApp(SecurityHeaders(HeadersConfig{HSTS: 365 * 24 * time.Hour}))
	hsts.Get("/ok", func(c *fiber.Ctx) error { return c.SendString("ok") })
	res = securityDo(t, hsts, "GET", "/ok", "", nil)
	assert.Equal(t, "max-age=31536000; includeSubDomains", res.header.Get("Strict-Transport-Security"))
}

func TestCORS(t *testing.T) {
	off, err := CORS(CORSConfig{})
	require.NoError(t, err)
	app := securityApp(off)
	app.Get("/v1/x", func(c *fiber.Ctx) error { return c.SendString("ok") })
	res := securityDo(t, app, "GET", "/v1/x", "", map[string]string{"Origin": "https://evil.example"})
	assert.Equal(t, 200, res.status)
	assert.Empty(t, res.header.Get("Access-Control-Allow-Origin"), "off by default")
	res = securityDo(t, app, "OPTIONS", "/v1/x", "", map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
	assert.Empty(t, res.header.Get("Access-Control-Allow-Origin"))
	assert.Empty(t, res.header.Get("Access-Control-Allow-Methods"))

	on, err := CORS(CORSConfig{AllowOrigins: []string{"https://bank.example", "http://localhost:3000"}})
	require.NoError(t, err)
	app = securityApp(on)
	app.Get("/v1/x", func(c *fiber.Ctx) error { return c.SendString("ok") })
	res = securityDo(t, app, "GET", "/v1/x", "", map[string]string{"Origin": "https://bank.example"})
	assert.Equal(t, "https://bank.example", res.header.Get("Access-Control-Allow-Origin"))
	assert.Empty(t, res.header.Get("Access-Control-Allow-Credentials"))
	res = securityDo(t, app, "GET", "/v1/x", "", map[string]string{"Origin": "https://evil.example"})
	assert.Empty(t, res.header.Get("Access-Control-Allow-Origin"))
	res = securityDo(t, app, "OPTIONS", "/v1/x", "", map[string]string{"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"})
	assert.Equal(t, 204, res.status)
	assert.Equal(t, "http://localhost:3000", res.header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, res.header.Get("Access-Control-Allow-Headers"), "Idempotency-Key")

	for _, bad := range []string{"*", "bank.example", "https://bank.example/", "https://bank.example/path", "ftp://bank.example",
		"https://a.example,https://b.example", "https://user@bank.example", "https://"} {
		_, err := CORS(CORSConfig{AllowOrigins: []string{bad}})
		require.ErrorIs(t, err, ErrConfig, bad)
	}
}

func TestRateLimiter(t *testing.T) {
	clock := newSecurityClock()
	l, err := NewRateLimiter(RateLimitConfig{Rate: 1, Burst: 2, Now: clock.Now})
	require.NoError(t, err)
	ran := 0
	app := securityApp()
	app.Get("/v1/x", l.Wrap(func(c *fiber.Ctx) error { ran++; return c.SendString("ok") }))
	alice := map[string]string{"X-Test-Actor": "alice"}
	for range 2 {
		assert.Equal(t, 200, securityDo(t, app, "GET", "/v1/x", "", alice).status)
	}
	res := securityDo(t, app, "GET", "/v1/x", "", alice)
	assert.Equal(t, 429, res.status)
	assert.Equal(t, "1", res.header.Get("Retry-After"))
	assert.Equal(t, "application/problem+json", res.header.Get("Content-Type"))
	var p Problem
	require.NoError(t, json.Unmarshal([]byte(res.body), &p))
	assert.Equal(t, 429, p.Status)
	assert.Equal(t, 2, ran, "a limited request does not run")

	assert.Equal(t, 200, securityDo(t, app, "GET", "/v1/x", "", map[string]string{"X-Test-Actor": "bob"}).status, "each actor has its own budget")
	clock.Advance(500 * time.Millisecond)
	assert.Equal(t, 429, securityDo(t, app, "GET", "/v1/x", "", alice).status)
	clock.Advance(500 * time.Millisecond)
	assert.Equal(t, 200, securityDo(t, app, "GET", "/v1/x", "", alice).status, "a token a second")
	clock.Advance(time.Hour)
	for range 2 {
		assert.Equal(t, 200, securityDo(t, app, "GET", "/v1/x", "", alice).status, "refilled up to the burst, no further")
	}
	assert.Equal(t, 429, securityDo(t, app, "GET", "/v1/x", "", alice).status)

	slow, err := NewRateLimiter(RateLimitConfig{Rate: 0.1, Burst: 1, Now: clock.Now})
	require.NoError(t, err)
	ok, _ := slow.Allow("k")
	assert.True(t, ok)
	ok, wait := slow.Allow("k")
	assert.False(t, ok)
	assert.Equal(t, 10*time.Second, wait)

	byIP := securityApp()
	ipLimiter, err := NewRateLimiter(RateLimitConfig{Rate: 1, Now: clock.Now})
	require.NoError(t, err)
	byIP.Use(ipLimiter.Handler())
	byIP.Get("/x", func(c *fiber.Ctx) error { return c.SendString("ok") })
	assert.Equal(t, 200, securityDo(t, byIP, "GET", "/x", "", nil).status)
	assert.Equal(t, 429, securityDo(t, byIP, "GET", "/x", "", nil).status, "no actor: counted by address")
}

func TestRateLimiterBoundsItsMemory(t *testing.T) {
	clock := newSecurityClock()
	l, err := NewRateLimiter(RateLimitConfig{Rate: 1, Burst: 1, MaxKeys: 5, Now: clock.Now})
	require.NoError(t, err)
	for i := range 100 {
		ok, _ := l.Allow(fmt.Sprint(i))
		assert.True(t, ok)
		l.mu.Lock()
		assert.LessOrEqual(t, len(l.buckets), 5)
		l.mu.Unlock()
	}
	for _, bad := range []RateLimitConfig{{}, {Rate: -1}, {Rate: 1, Burst: -1}, {Rate: 1, MaxKeys: -1}} {
		_, err := NewRateLimiter(bad)
		require.ErrorIs(t, err, ErrConfig)
	}
}

// idemFixture is an app whose POST /v1/things writes a row per run, behind Idempotency.
type idemFixture struct {
	st    *store.Store
	clock *securityClock
	m     *Idempotency
	app   *fiber.App
	gate  chan struct{} // when not nil, the handler waits on it
	mu    sync.Mutex
}

func newIdemFixture(t *testing.T, dsn string) *idemFixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE things (id BIGINT NOT NULL PRIMARY KEY, name TEXT NOT NULL)`)
		return err
	}))
	f := &idemFixture{st: st, clock: newSecurityClock()}
	f.m, err = NewIdempotency(st, IdempotencyConfig{Now: f.clock.Now, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	f.app = securityApp()
	f.app.Post("/v1/things", f.m.Wrap(func(c *fiber.Ctx) error {
		f.mu.Lock()
		gate := f.gate
		f.mu.Unlock()
		if gate != nil {
			<-gate
		}
		var in struct {
			Name      string `json:"name"`
			FailAfter bool   `json:"fail_after_commit"`
		}
		if err := json.Unmarshal(c.Body(), &in); err != nil || in.Name == "" {
			return &ValidationError{Fields: []FieldError{{Path: "name", Rule: "required", Message: "name is required"}}}
		}
		var id int64
		err := st.Tx(c.UserContext(), func(tx *sql.Tx) error {
			var err error
			if id, err = st.NextInSequence(c.UserContext(), tx, "thing"); err != nil {
				return err
			}
			if _, err := tx.ExecContext(c.UserContext(), st.Rebind(`INSERT INTO things (id, name) VALUES (?, ?)`), id, in.Name); err != nil {
				return err
			}
			return IdempotencyCommitted(c.UserContext(), st, tx)
		})
		if err != nil {
			return err
		}
		if in.FailAfter {
			return errors.New("the response could not be written")
		}
		c.Location(fmt.Sprintf("/v1/things/%d", id))
		c.Set(fiber.HeaderETag, `"1"`)
		return c.Status(fiber.StatusCreated).JSON(map[string]any{"id": id, "name": in.Name})
	}))
	f.app.Get("/v1/things", f.m.Wrap(func(c *fiber.Ctx) error { return c.SendString("list") }))
	return f
}

func (f *idemFixture) count(t *testing.T) int {
	t.Helper()
	var n int
	require.NoError(t, f.st.QueryRow(context.Background(), `SELECT COUNT(*) FROM things`).Scan(&n))
	return n
}

func idem(actor, key string) map[string]string {
	h := map[string]string{"X-Test-Actor": actor}
	if key != "" {
		h[HeaderIdempotencyKey] = key
	}
	return h
}

func TestIdempotency(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			f := newIdemFixture(t, db.DSN)
			post := func(actor, key, body string) securityResponse {
				return securityDo(t, f.app, "POST", "/v1/things", body, idem(actor, key))
			}

			first := post("alice", "k-1", `{"name":"a"}`)
			require.Equal(t, 201, first.status, first.body)
			again := post("alice", "k-1", `{"name":"a"}`)
			assert.Equal(t, 201, again.status)
			assert.Equal(t, first.body, again.body, "the stored response")
			assert.Equal(t, first.header.Get("Location"), again.header.Get("Location"))
			assert.Equal(t, `"1"`, again.header.Get("ETag"))
			assert.Equal(t, "application/json", again.header.Get("Content-Type"))
			assert.Equal(t, "true", again.header.Get(HeaderIdempotentReplayed))
			assert.Empty(t, first.header.Get(HeaderIdempotentReplayed))
			assert.Equal(t, 1, f.count(t), "ran once")

			other := post("alice", "k-1", `{"name":"b"}`)
			assert.Equal(t, 422, other.status, other.body)
			assert.Contains(t, other.body, HeaderIdempotencyKey)
			otherURL := securityDo(t, f.app, "POST", "/v1/things?x=1", `{"name":"a"}`, idem("alice", "k-1"))
			assert.Equal(t, 422, otherURL.status, "the URL is part of the request")
			assert.Equal(t, 1, f.count(t))

			assert.Equal(t, 201, post("bob", "k-1", `{"name":"a"}`).status, "keys are per caller")
			assert.Equal(t, 2, f.count(t))
			assert.Equal(t, 201, post("alice", "", `{"name":"a"}`).status)
			assert.Equal(t, 201, post("alice", "", `{"name":"a"}`).status, "no key: no idempotency")
			assert.Equal(t, 4, f.count(t))
			assert.Equal(t, 200, securityDo(t, f.app, "GET", "/v1/things", "", idem("alice", "k-1")).status, "GET ignores the key")

			failed := post("alice", "k-2", `{"name":""}`)
			assert.Equal(t, 422, failed.status)
			assert.Equal(t, 201, post("alice", "k-2", `{"name":"fixed"}`).status, "a failed request releases its key")
			assert.Equal(t, 5, f.count(t))

			for _, bad := range []string{strings.Repeat("k", 256), "has space", "tab\tkey", "ключ"} {
				res := post("alice", bad, `{"name":"a"}`)
				assert.Equal(t, 400, res.status, bad)
			}
			assert.Equal(t, 5, f.count(t))

			lost := post("alice", "k-3", `{"name":"c","fail_after_commit":true}`)
			assert.Equal(t, 500, lost.status)
			retry := post("alice", "k-3", `{"name":"c","fail_after_commit":true}`)
			assert.Equal(t, 409, retry.status, "committed, response lost: never run twice")
			assert.Contains(t, retry.body, "processed")
			assert.Equal(t, 6, f.count(t))

			f.clock.Advance(25 * time.Hour)
			assert.Equal(t, 201, post("alice", "k-1", `{"name":"a"}`).status, "after the TTL a key is new")
			assert.Equal(t, 7, f.count(t))
			n, err := f.m.Purge(context.Background())
			require.NoError(t, err)
			assert.Equal(t, int64(3), n, "bob's k-1, alice's k-2 and k-3 had expired")
		})
	}
}

func TestIdempotencyInProgressAndTakeover(t *testing.T) {
	f := newIdemFixture(t, storetest.SQLiteDSN(t))
	gate := make(chan struct{})
	f.mu.Lock()
	f.gate = gate
	f.mu.Unlock()
	done := make(chan securityResponse)
	go func() {
		done <- securityDo(t, f.app, "POST", "/v1/things", `{"name":"slow"}`, idem("alice", "k"))
	}()
	var res securityResponse
	require.Eventually(t, func() bool {
		var n int
		_ = f.st.QueryRow(context.Background(), `SELECT COUNT(*) FROM idempotency_keys`).Scan(&n)
		return n == 1
	}, 5*time.Second, 10*time.Millisecond)
	f.mu.Lock()
	f.gate = nil
	f.mu.Unlock()
	res = securityDo(t, f.app, "POST", "/v1/things", `{"name":"slow"}`, idem("alice", "k"))
	assert.Equal(t, 409, res.status, "in progress")
	assert.Equal(t, "61", res.header.Get("Retry-After"))
	close(gate)
	first := <-done
	assert.Equal(t, 201, first.status)
	assert.Equal(t, 1, f.count(t))

	// A holder that died: its pending record's lock runs out and a retry takes over.
	ctx := context.Background()
	require.NoError(t, f.st.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (scope, idem_key, fingerprint, state, locked_until, status, headers, body, created_at)
			SELECT 'actor:alice', 'dead', fingerprint, 'pending', ?, 0, '{}', ?, ? FROM idempotency_keys WHERE idem_key = 'k'`,
			f.clock.Now().Add(time.Minute).UnixNano(), []byte{}, f.clock.Now().UnixNano())
		return err
	}))
	assert.Equal(t, 409, securityDo(t, f.app, "POST", "/v1/things", `{"name":"slow"}`, idem("alice", "dead")).status)
	f.clock.Advance(time.Minute)
	assert.Equal(t, 201, securityDo(t, f.app, "POST", "/v1/things", `{"name":"slow"}`, idem("alice", "dead")).status)
	assert.Equal(t, 2, f.count(t))
	_, err := NewIdempotency(nil, IdempotencyConfig{})
	require.ErrorIs(t, err, ErrConfig)
	_, err = NewIdempotency(f.st, IdempotencyConfig{Lock: -1})
	require.ErrorIs(t, err, ErrConfig)
}

// TestAPIAuthenticatorOnTheServer runs the real server with API keys: no key → 401 with a
// Bearer challenge, a key without the route's permission → 403, with it → 200, a revoked
// key → 401, the probes stay public.
func TestAPIAuthenticatorOnTheServer(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, storetest.SQLiteDSN(t))
	require.NoError(t, err)
	defer st.Close()
	keys := auth.NewKeyStore(st, auth.KeyStoreConfig{})
	a, err := auth.New(auth.Config{Keys: keys, Roles: auth.NewRoleStore(st, auth.KeyStoreConfig{})})
	require.NoError(t, err)
	srv, err := New(Config{Store: st, Keyring: testRing, RateLimit: unlimited, Authenticator: APIAuthenticator(a), Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	root := perm.Admin("root", "")
	_, adminKey, err := keys.Create(ctx, root, auth.NewKey{Role: perm.RoleAdmin})
	require.NoError(t, err)
	_, officerKey, err := keys.Create(ctx, root, auth.NewKey{Role: perm.RoleOfficer})
	require.NoError(t, err)
	revoked, revokedKey, err := keys.Create(ctx, root, auth.NewKey{Role: perm.RoleAdmin})
	require.NoError(t, err)
	_, err = keys.Revoke(ctx, root, revoked.ID)
	require.NoError(t, err)
	a.Forget(revoked.ID)

	tests := []struct {
		name, path string
		header     map[string]string
		want       int
	}{
		{"no credentials", "/openapi.json", nil, 401},
		{"garbage", "/openapi.json", map[string]string{"Authorization": "Bearer ck_nope"}, 401},
		{"revoked", "/openapi.json", map[string]string{"Authorization": "Bearer " + revokedKey}, 401},
		{"officer lacks operations:read", "/openapi.json", map[string]string{"Authorization": "Bearer " + officerKey}, 403},
		{"admin", "/openapi.json", map[string]string{"Authorization": "Bearer " + adminKey}, 200},
		{"admin by X-API-Key", "/openapi.json", map[string]string{"X-API-Key": adminKey}, 200},
		{"probe", "/healthz", nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := securityDo(t, srv.App(), "GET", tt.path, "", tt.header)
			assert.Equal(t, tt.want, res.status, res.body)
			if tt.want == 401 {
				assert.Equal(t, `Bearer realm="creditkit"`, res.header.Get("WWW-Authenticate"))
				assert.Contains(t, res.body, "urn:creditkit:problem:unauthorized")
			}
		})
	}
}
