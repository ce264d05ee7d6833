package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/storetest"
)

// apiFuzzServer is the seeded server FuzzAPI's iterations share: the security fixture (a
// small bank, an assessment, an application and a key per built-in role) on a database
// that lives as long as the fuzz target, built by the first iteration.
type apiFuzzServer struct {
	db       storetest.Database
	once     sync.Once
	fixture  *secFixture
	cleanups []func()
	mu       sync.Mutex
}

func (s *apiFuzzServer) setup(t *testing.T) *secFixture {
	s.once.Do(func() {
		s.fixture = newSecFixtureOwned(t, func(f func()) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.cleanups = append(s.cleanups, f)
		}, s.db.Name, s.db.DSN, Config{Logger: slog.New(slog.DiscardHandler), BodyLimit: 64 << 10})
	})
	if s.fixture == nil {
		t.Fatal("the fuzz server failed to start in an earlier iteration")
	}
	return s.fixture
}

// apiFuzzMethods are the methods FuzzAPI picks from when the method byte of its input is
// 200 or more; below 200 it sends the route's own method, so most inputs reach a handler.
var apiFuzzMethods = []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete, http.MethodHead, http.MethodOptions}

// apiFuzzContentTypes are the Content-Type headers FuzzAPI picks from; "" sends none.
var apiFuzzContentTypes = []string{"application/json", "", "application/json; charset=utf-8", "text/plain", "application/json; charset=latin1",
	"application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/problem+json"}

// FuzzAPI sends fuzzed requests — a route of the server (a byte picks it), a path
// parameter, a query, a body, a method, a Content-Type, If-Match, Idempotency-Key and the
// role of the API key — through app.Test to a seeded server: never a 5xx, and every error
// is an RFC 9457 problem. The domain fuzz targets (customers, applications, credit,
// officers) fuzz their own decoders; this one crosses every route, the security layer
// in front of them included. Run it by hand:
//
//	go test ./server -run XXX -fuzz FuzzAPI -fuzztime 3m
func FuzzAPI(f *testing.F) {
	// PostgreSQL when CREDITKIT_TEST_POSTGRES is set (it refuses what SQLite stores, such
	// as NUL in text), else SQLite.
	dbs := storetest.Databases(f)
	srv := &apiFuzzServer{db: dbs[len(dbs)-1]}
	f.Cleanup(func() {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		for i := len(srv.cleanups) - 1; i >= 0; i-- {
			srv.cleanups[i]()
		}
	})
	// Seeds: the real request shapes of each route, by route index of Routes() order
	// (route) — an index is used modulo the number of routes, so new routes shift, not
	// break, the corpus. param "" means the fixture's own row; method is the route's own
	// below 200, else apiFuzzMethods[method-200]; contentType indexes apiFuzzContentTypes;
	// role indexes perm.Builtin().
	type seed struct {
		route                   uint8
		param, query, body      string
		method, contentType     uint8
		ifMatch, idempotencyKey string
		role                    uint8
		path                    string // a route path to find its index; overrides route
		methodName              string // overrides method
	}
	person := `{"branch":"BJ01","individual":{"address":{"city":"北京市","district":"朝阳区","postcode":"100022","province":"北京市","street":"建国路1号"},` +
		`"birth_date":"1977-08-08T00:00:00Z","doc_number":"110105197708080072","doc_type":"resident_id","gender":"male","mobile":"13800000000","name":"王五",` +
		`"nationality":"CN"},"kind":"individual","officer":"o1","parent":{group}}`
	app := `{"customer":"{person}","product":"consumer","amount":"150000.00","term_months":36,"purpose":"装修","repayment":"equal_instalments","security":"none"}`
	seeds := []seed{
		{path: "/v1/customers", methodName: "POST", body: person},
		{path: "/v1/customers", methodName: "POST", body: person, idempotencyKey: "k-1"},
		{path: "/v1/customers", methodName: "GET", query: "name=张&limit=5"},
		{path: "/v1/customers", methodName: "GET", query: "pinyin=zw&cursor=AQRuYW1l"},
		{path: "/v1/customers", methodName: "GET", query: "mobile=13800138000"},
		{path: "/v1/customers/:number", methodName: "GET"},
		{path: "/v1/customers/:number", methodName: "PATCH", body: `{"officer":"o2"}`, ifMatch: `"1"`},
		{path: "/v1/customers/:number", methodName: "PATCH", body: `{"individual":{"mobile":"13900000000"}}`, ifMatch: `W/"1"`},
		{path: "/v1/customers/:number/close", methodName: "POST", ifMatch: `"1"`},
		{path: "/v1/customers/:number/contacts", methodName: "POST", body: `{"channel":"visit","note":"回访","at":"2026-01-02T03:04:05Z"}`},
		{path: "/v1/customers/:number/contacts", methodName: "GET", query: "limit=1"},
		{path: "/v1/customers/:number/history", methodName: "GET"},
		{path: "/v1/customers/:number/path", methodName: "GET", param: "P00000000017"},
		{path: "/v1/tree/nodes", methodName: "POST", body: `{"parent":1,"kind":"branch","name":"上海分行","limit":"1000000.00","attrs":{"region":"SH"}}`},
		{path: "/v1/tree/nodes/:id", methodName: "GET", param: "root"},
		{path: "/v1/tree/nodes/:id", methodName: "PATCH", body: `{"name":"新名","limit":null}`, ifMatch: `"1"`},
		{path: "/v1/tree/nodes/:id/children", methodName: "GET", param: "1", query: "limit=2&cursor=AAAA"},
		{path: "/v1/tree/nodes/:id/move", methodName: "POST", body: `{"parent":1}`, ifMatch: `"1"`},
		{path: "/v1/tree/nodes/:id/exposure", methodName: "GET"},
		{path: "/v1/tree/nodes/:id/search", methodName: "GET", param: "1", query: "q=华辰&kind=group&prefix=true"},
		{path: "/v1/assessments", methodName: "POST", body: `{"customer":"{person}","facts":` + goodPersonFacts + `}`},
		{path: "/v1/assessments", methodName: "POST", body: `{"customer":"{person}","facts":{"income":{"monthly":"1e400"}}}`},
		{path: "/v1/assessments/:id", methodName: "GET"},
		{path: "/v1/scorecards", methodName: "GET", query: "kind=individual"},
		{path: "/v1/scorecards", methodName: "POST", body: `{"kind":"individual","card":{"version":"x","bins":[]}}`, role: 4},
		{path: "/v1/scorecards/:id", methodName: "GET"},
		{path: "/v1/scorecards/:id/activate", methodName: "POST", role: 4},
		{path: "/v1/officers", methodName: "POST", body: officerBody("f1", nil)},
		{path: "/v1/officers", methodName: "GET", query: "branch=BJ-CY&limit=3"},
		{path: "/v1/officers/:id", methodName: "PATCH", body: `{"capacity":3}`, ifMatch: `"1"`},
		{path: "/v1/officers/:id/assignments", methodName: "GET", query: "from=2026-01-01T00:00:00Z"},
		{path: "/v1/officers/:id/reassign", methodName: "POST", body: `{"to":"o2","reason":"leave"}`},
		{path: "/v1/assignments/plan", methodName: "POST", body: `{"cases":[{"id":"C1","kind":"individual","region":"北京市","amount":"100000"}]}`},
		{path: "/v1/applications", methodName: "POST", body: app, role: 1},
		{path: "/v1/applications", methodName: "POST", body: app, idempotencyKey: "app-1"},
		{path: "/v1/applications", methodName: "GET", query: "status=draft&limit=2"},
		{path: "/v1/applications/:id", methodName: "GET"},
		{path: "/v1/applications/:id/documents", methodName: "POST", body: `{"action":"receive","kind":"identity","reference":"dms://1"}`, ifMatch: `"1"`},
		{path: "/v1/applications/:id/submit", methodName: "POST", ifMatch: `"1"`},
		{path: "/v1/applications/:id/assess", methodName: "POST", body: `{"facts":` + goodPersonFacts + `}`, ifMatch: `"2"`},
		{path: "/v1/applications/:id/assign", methodName: "POST", body: `{"comment":"x"}`, ifMatch: `"3"`},
		{path: "/v1/applications/:id/decisions", methodName: "POST", body: `{"stage":1,"verdict":"approve","comment":"ok","amount":"5"}`, ifMatch: `"1"`, role: 2},
		{path: "/v1/applications/:id/withdraw", methodName: "POST", body: `{"comment":"不需要了"}`, ifMatch: `"1"`},
		{path: "/v1/analytics/portfolio", methodName: "GET", role: 4},
		{path: "/v1/audit", methodName: "GET", query: "entity_type=customer&entity_id={person}&order=oldest&limit=5", role: 3},
		{path: "/v1/audit", methodName: "GET", query: "from=2026-01-01T00:00:00Z&to=2000-01-01T00:00:00Z", role: 3},
		{path: "/openapi.json", methodName: "GET"},
		{path: "/metrics", methodName: "GET", role: 3},
		{path: "/v1/customers", methodName: "POST", body: `{"kind":5,"parent":1e400,"individual":[[[[[[[[[[]]]]]]]]]]}`, contentType: 3},
		{path: "/v1/customers/:number", methodName: "DELETE"},
	}
	routes := apiFuzzRoutes()
	for _, s := range seeds {
		found := false
		for i, r := range routes {
			if r.Path == s.path && (r.Method == s.methodName || !found) {
				s.route, found = uint8(i), true
			}
		}
		if !found {
			f.Fatalf("seed for %s: no such route", s.path)
		}
		if s.methodName != routes[s.route].Method {
			for i, m := range apiFuzzMethods {
				if m == s.methodName {
					s.method = uint8(200 + i)
				}
			}
		}
		f.Add(s.route, s.param, s.query, s.body, s.method, s.contentType, s.ifMatch, s.idempotencyKey, s.role)
	}
	f.Fuzz(func(t *testing.T, route uint8, param, query, body string, method, contentType uint8, ifMatch, idempotencyKey string, role uint8) {
		fx := srv.setup(t)
		rt := routes[int(route)%len(routes)]
		roles := perm.Builtin()
		m := rt.Method
		if method >= 200 {
			m = apiFuzzMethods[int(method-200)%len(apiFuzzMethods)]
		}
		path := rt.Path
		if param != "" && strings.Contains(path, "/:") {
			// The fuzzed parameter replaces the route's (last) path parameter as one segment.
			i := strings.LastIndex(path, "/:")
			j := strings.IndexByte(path[i+1:], '/')
			rest := ""
			if j >= 0 {
				rest = path[i+1+j:]
			}
			path = path[:i+1] + url.PathEscape(param) + rest
		}
		if strings.Contains(path, "/:") {
			path = fx.pathFor(t, Route{Method: rt.Method, Path: path})
		}
		fill := strings.NewReplacer("{person}", fx.bank.person, "{group}", itoa(fx.bank.group), "{app}", fx.application)
		query, body = fill.Replace(query), fill.Replace(body)
		for _, h := range []string{ifMatch, idempotencyKey, query} {
			if strings.ContainsAny(h, "\r\n\x00#") {
				return // not a request HTTP can carry
			}
		}
		req, err := http.NewRequest(m, "http://creditkit.test"+path, strings.NewReader(body))
		if err != nil {
			return
		}
		req.URL.RawQuery = query
		if ct := apiFuzzContentTypes[int(contentType)%len(apiFuzzContentTypes)]; ct != "" && body != "" {
			req.Header.Set("Content-Type", ct)
		}
		if ifMatch != "" {
			req.Header.Set("If-Match", ifMatch)
		}
		if idempotencyKey != "" {
			req.Header.Set(HeaderIdempotencyKey, idempotencyKey)
		}
		req.Header.Set("Authorization", "Bearer "+fx.keys[roles[int(role)%len(roles)].Name])
		res, err := fx.srv.App().Test(req, 10000)
		if err != nil {
			if strings.Contains(err.Error(), "timeout") {
				t.Fatalf("%s %s?%s: no answer in 10 s", m, path, query)
			}
			return // refused by the HTTP layer before any handler (a malformed request line)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("%s %s?%s %q: %d %s", m, path, query, body, res.StatusCode, got)
		}
		if res.StatusCode < 400 || m == http.MethodHead {
			return
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("%s %s?%s %q: %d with Content-Type %q: %s", m, path, query, body, res.StatusCode, ct, got)
		}
		var p Problem
		if err := json.Unmarshal(got, &p); err != nil || p.Status != res.StatusCode || !strings.HasPrefix(p.Type, "urn:creditkit:problem:") || p.Title == "" {
			t.Fatalf("%s %s?%s %q: %d not a problem: %s", m, path, query, body, res.StatusCode, got)
		}
	})
}

// apiFuzzRoutes are the routes FuzzAPI picks from: every route of the server, in
// registration order, read from a throwaway server (New registers them from code alone).
var apiFuzzRoutes = sync.OnceValue(func() []Route {
	dir, err := os.MkdirTemp("", "creditkit-fuzz-routes")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(context.Background(), filepath.Join(dir, "creditkit.db"))
	if err != nil {
		panic(err)
	}
	defer st.Close()
	s, err := New(Config{Store: st, Keyring: testRing, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	return s.Routes()
})
