package server_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/creditkit/creditkit/server"
	"github.com/creditkit/creditkit/server/auth"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/pii"
	"github.com/creditkit/creditkit/server/store"
)

func securityExampleStore() (*store.Store, func()) {
	dir, err := os.MkdirTemp("", "creditkit-security")
	if err != nil {
		panic(err)
	}
	st, err := store.Open(context.Background(), filepath.Join(dir, "creditkit.db"))
	if err != nil {
		panic(err)
	}
	return st, func() { st.Close(); os.RemoveAll(dir) }
}

func ExampleAPIAuthenticator() {
	st, cleanup := securityExampleStore()
	defer cleanup()
	ctx := context.Background()
	keys := auth.NewKeyStore(st, auth.KeyStoreConfig{})
	_, key, _ := keys.Create(ctx, perm.Admin("root", ""), auth.NewKey{Role: "auditor"})
	a, _ := auth.New(auth.Config{Keys: keys, Roles: auth.NewRoleStore(st, auth.KeyStoreConfig{})})
	ring, _ := pii.NewKeyring(pii.GenerateKey())
	srv, _ := server.New(server.Config{Store: st, Keyring: ring, Authenticator: server.APIAuthenticator(a), Logger: slog.New(slog.DiscardHandler)})

	for _, h := range []string{"", "Bearer " + key} {
		req := httptest.NewRequest("GET", "/openapi.json", nil)
		if h != "" {
			req.Header.Set("Authorization", h)
		}
		res, _ := srv.App().Test(req, -1)
		fmt.Println(res.StatusCode)
	}
	// Output:
	// 401
	// 200
}

func ExampleSecurityHeaders() {
	app := fiber.New()
	app.Use(server.SecurityHeaders(server.HeadersConfig{}))
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString("ok") })
	res, _ := app.Test(httptest.NewRequest("GET", "/", nil), -1)
	fmt.Println(res.Header.Get("X-Content-Type-Options"), res.Header.Get("Cache-Control"))
	// Output: nosniff no-store
}

func ExampleCORS() {
	mw, _ := server.CORS(server.CORSConfig{AllowOrigins: []string{"https://bank.example"}})
	app := fiber.New()
	app.Use(mw)
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString("ok") })
	for _, origin := range []string{"https://bank.example", "https://evil.example"} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Origin", origin)
		res, _ := app.Test(req, -1)
		fmt.Printf("%q\n", res.Header.Get("Access-Control-Allow-Origin"))
	}
	// Output:
	// "https://bank.example"
	// ""
}

func ExampleNewRateLimiter() {
	l, _ := server.NewRateLimiter(server.RateLimitConfig{Rate: 1, Burst: 2})
	app := fiber.New()
	app.Get("/", l.Wrap(func(c *fiber.Ctx) error { return c.SendString("ok") }))
	for range 3 {
		res, _ := app.Test(httptest.NewRequest("GET", "/", nil), -1)
		fmt.Printf("%d Retry-After=%q\n", res.StatusCode, res.Header.Get("Retry-After"))
	}
	// Output:
	// 200 Retry-After=""
	// 200 Retry-After=""
	// 429 Retry-After="1"
}

func ExampleRateLimiter_Allow() {
	l, _ := server.NewRateLimiter(server.RateLimitConfig{Rate: 0.5, Burst: 1})
	ok, _ := l.Allow("actor:alice")
	again, wait := l.Allow("actor:alice")
	fmt.Println(ok, again, wait.Round(1e9))
	// Output: true false 2s
}

func ExampleNewIdempotency() {
	st, cleanup := securityExampleStore()
	defer cleanup()
	m, _ := server.NewIdempotency(st, server.IdempotencyConfig{})
	runs := 0
	// Inside the server its error handler answers; here a small one stands in for it.
	app := fiber.New(fiber.Config{ErrorHandler: func(c *fiber.Ctx, err error) error {
		var v *server.ValidationError
		if errors.As(err, &v) {
			return c.SendStatus(fiber.StatusUnprocessableEntity)
		}
		return c.SendStatus(fiber.StatusInternalServerError)
	}})
	app.Post("/v1/things", m.Wrap(func(c *fiber.Ctx) error {
		runs++
		return c.Status(201).JSON(map[string]int{"run": runs})
	}))
	for _, body := range []string{`{"a":1}`, `{"a":1}`, `{"a":2}`} {
		req := httptest.NewRequest("POST", "/v1/things", strings.NewReader(body))
		req.Header.Set("Idempotency-Key", "order-42")
		res, _ := app.Test(req, -1)
		fmt.Printf("%d replayed=%q\n", res.StatusCode, res.Header.Get("Idempotent-Replayed"))
	}
	fmt.Println("runs:", runs)
	// Output:
	// 201 replayed=""
	// 201 replayed="true"
	// 422 replayed=""
	// runs: 1
}

func ExampleIdempotencyCommitted() {
	st, cleanup := securityExampleStore()
	defer cleanup()
	m, _ := server.NewIdempotency(st, server.IdempotencyConfig{})
	app := fiber.New()
	app.Post("/v1/things", m.Wrap(func(c *fiber.Ctx) error {
		err := st.Tx(c.UserContext(), func(tx *sql.Tx) error {
			// ... the write ...
			return server.IdempotencyCommitted(c.UserContext(), st, tx)
		})
		if err != nil {
			return err
		}
		return c.SendStatus(201)
	}))
	req := httptest.NewRequest("POST", "/v1/things", strings.NewReader(`{}`))
	req.Header.Set("Idempotency-Key", "k")
	res, _ := app.Test(req, -1)
	fmt.Println(res.StatusCode)
	// Output: 201
}

func ExampleIdempotency_Purge() {
	st, cleanup := securityExampleStore()
	defer cleanup()
	m, _ := server.NewIdempotency(st, server.IdempotencyConfig{})
	n, err := m.Purge(context.Background())
	fmt.Println(n, err)
	// Output: 0 <nil>
}
