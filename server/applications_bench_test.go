package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/creditkit/creditkit/server/demo"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/storetest"
)

// benchServer is a server on a temporary SQLite database holding the demo bank.
func benchServer(b *testing.B) *Server {
	b.Helper()
	st, err := store.Open(context.Background(), storetest.SQLiteDSN(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	srv, err := New(Config{Store: st, Keyring: testRing, RateLimit: unlimited, Authenticator: headerAuth{}, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := srv.LoadDemo(context.Background(), demo.Config{Now: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)}); err != nil {
		b.Fatal(err)
	}
	return srv
}

func benchDo(b *testing.B, srv *Server, method, path, body, actor string, want int) {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-Test-Actor", actor)
	res, err := srv.App().Test(req, -1)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != want {
		b.Fatalf("%s %s: %d", method, path, res.StatusCode)
	}
}

// BenchmarkApplications measures the application routes on the demo bank (1,000
// customers, 240 applications) over app.Test, in one goroutine: create is a durable
// write (one SQLite transaction, synchronous=FULL); get reads one application with its
// history; list reads a page of 50; portfolio computes every analytics figure.
func BenchmarkApplications(b *testing.B) {
	srv := benchServer(b)
	var number string
	if err := srv.cfg.Store.QueryRow(context.Background(), `SELECT number FROM customers WHERE kind = 'individual' ORDER BY number LIMIT 1`).Scan(&number); err != nil {
		b.Fatal(err)
	}
	body := fmt.Sprintf(`{"customer":%q,"product":"consumer","amount":"50000","term_months":12,"purpose":"装修",
		"repayment":"equal_instalments","security":"none"}`, number)
	b.Run("create", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			benchDo(b, srv, http.MethodPost, "/v1/applications", body, "E1001/officer", http.StatusCreated)
		}
	})
	b.Run("get", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			benchDo(b, srv, http.MethodGet, "/v1/applications/L0000000001", "", "r1/reader", http.StatusOK)
		}
	})
	b.Run("list", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			benchDo(b, srv, http.MethodGet, "/v1/applications?status=approved", "", "r1/reader", http.StatusOK)
		}
	})
	b.Run("portfolio", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			benchDo(b, srv, http.MethodGet, "/v1/analytics/portfolio", "", "a1/analyst", http.StatusOK)
		}
	})
}
