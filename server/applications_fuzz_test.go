package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/storetest"
)

// FuzzMoney: any JSON value given as an amount is either refused with a problem or parsed
// to a positive amount of at most two decimals below 10^15; it never panics.
func FuzzMoney(f *testing.F) {
	for _, s := range []string{`"250000.00"`, `250000`, `"1e5"`, `1e999999999`, `"-1"`, `"0.001"`, `{}`, `[1]`, `true`,
		`"99999999999999999"`, `"\u0031"`, `"１２３"`, `0.1`, `"00012.50"`, `"-"`, `"."`, `""`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var m money
		if err := m.UnmarshalJSON([]byte(raw)); err != nil {
			return
		}
		var fe fieldErrors
		d, ok := fe.money("amount", m, true)
		if ok != (len(fe) == 0) {
			t.Fatalf("%q: ok %v with problems %v", raw, ok, fe)
		}
		if !ok {
			return
		}
		if !d.IsPositive() || !d.Equal(d.Round(2)) || d.GreaterThan(maxAmount) {
			t.Fatalf("%q parsed to %s", raw, d)
		}
		if _, err := decimal.NewFromString(d.String()); err != nil {
			t.Fatalf("%q: %s does not round-trip", raw, d)
		}
	})
}

// FuzzIfMatch: any If-Match header is a version, a 428, or a 400; never a panic.
func FuzzIfMatch(f *testing.F) {
	h := fuzzHarness(f)
	for _, s := range []string{`"1"`, `W/"1"`, `"0"`, `"-1"`, `*`, `"99999999999999999999"`, `"1", "2"`, `""`, `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		req := httptest.NewRequest(http.MethodPost, "/v1/applications/L0000000001/withdraw", nil)
		req.Header.Set("If-Match", v)
		res, err := h.srv.App().Test(req, -1)
		if err != nil {
			return // a header net/http itself refuses to send
		}
		res.Body.Close()
		switch res.StatusCode {
		case http.StatusNotFound, http.StatusBadRequest, http.StatusPreconditionRequired:
		default:
			t.Fatalf("If-Match %q: status %d", v, res.StatusCode)
		}
	})
}

// FuzzApplicationRequests sends arbitrary bodies to the application routes: never a 5xx.
func FuzzApplicationRequests(f *testing.F) {
	h := fuzzHarness(f)
	f.Add("/v1/applications", `{"customer":"P00000000013","product":"consumer","amount":"1","term_months":1,"purpose":"x","repayment":"bullet","security":"none"}`)
	f.Add("/v1/applications/L0000000001/decisions", `{"stage":1,"verdict":"approve","comment":"ok","amount":"5"}`)
	f.Add("/v1/applications/L0000000001/documents", `{"action":"receive","kind":"identity","reference":"r"}`)
	f.Add("/v1/applications/L0000000001/assess", `{"facts":{"income":{"monthly":"1e400"}}}`)
	f.Add("/v1/applications/L0000000001/assign", `{"priority":"yes"}`)
	f.Add("/v1/applications", `{"amount":{"$gt":0}}`)
	f.Fuzz(func(t *testing.T, path, body string) {
		if !strings.HasPrefix(path, "/v1/applications") || strings.ContainsAny(path, " \r\n\t#?%") {
			return
		}
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.URL.Path = path
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("If-Match", `"1"`)
		res, err := h.srv.App().Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("POST %s %q: status %d", path, body, res.StatusCode)
		}
	})
}

// fuzzHarness is newHarness for a fuzz target: a server on a temporary SQLite database,
// logging nowhere.
func fuzzHarness(f *testing.F) *harness {
	f.Helper()
	st, err := store.Open(context.Background(), storetest.SQLiteDSN(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	srv, err := New(Config{Store: st, Keyring: testRing, RateLimit: unlimited, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	return &harness{srv: srv, store: st}
}
