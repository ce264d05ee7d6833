package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/storetest"
)

// custFuzzServer is one server with a branch, a group and a customer, shared by the
// iterations of a fuzz target.
type custFuzzServer struct {
	dsn           string
	srv           *Server
	branch, group int64
	number        string
	node          int64
	once          sync.Once
	setupErr      error
}

// newCustFuzzServer makes the database in f's temporary directory, which outlives the
// iterations; the server is set up by the first iteration.
func newCustFuzzServer(f *testing.F) *custFuzzServer {
	fs := &custFuzzServer{dsn: storetest.SQLiteDSN(f)}
	f.Cleanup(func() {
		if fs.srv != nil {
			fs.srv.cfg.Store.Close()
		}
	})
	return fs
}

func (f *custFuzzServer) setup(t *testing.T) *Server {
	f.once.Do(func() {
		st, err := store.Open(context.Background(), f.dsn)
		if err != nil {
			f.setupErr = err
			return
		}
		f.srv, f.setupErr = New(Config{Store: st, Keyring: testRing, RateLimit: unlimited, Logger: slog.New(slog.DiscardHandler)})
		if f.setupErr != nil {
			return
		}
		h := &harness{srv: f.srv, store: st}
		f.branch = custNode(t, h, 1, "branch", "北京分行", "1000")
		f.group = custNode(t, h, f.branch, "group", "华辰集团", "")
		c := custCreate(t, h, custPerson(t, "张三", 1, f.group))
		f.number, f.node = c["number"].(string), int64(c["node"].(float64))
	})
	if f.setupErr != nil {
		t.Fatal(f.setupErr)
	}
	return f.srv
}

// custFuzzDo sends req and fails on any 5xx.
func custFuzzDo(t *testing.T, srv *Server, req *http.Request) {
	t.Helper()
	res, err := srv.App().Test(req, -1)
	if err != nil {
		return // refused by the HTTP layer before any handler (a malformed request line)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode >= 500 {
		t.Fatalf("%s %s: %d %s", req.Method, req.URL, res.StatusCode, body)
	}
}

// FuzzCustomerSearch sends arbitrary query strings to GET /v1/customers: never a 5xx.
func FuzzCustomerSearch(f *testing.F) {
	for _, q := range []string{"", "q=张", "q=zs", "pinyin=zhang&limit=1", "name=%ff", "kind=robot", "min_age=40&max_age=30",
		"cursor=AQRuYW1l", "q=13800000000", "id=11010519491231002X", "q=91350100M000100Y4J", "status=closed&tag=vip", "limit=200&branch=BJ01"} {
		f.Add(q)
	}
	fs := newCustFuzzServer(f)
	f.Fuzz(func(t *testing.T, q string) {
		srv := fs.setup(t)
		req := httptest.NewRequest(http.MethodGet, "/v1/customers", nil)
		req.URL.RawQuery = q
		custFuzzDo(t, srv, req)
	})
}

// FuzzCustomerPatch sends arbitrary merge patches to PATCH /v1/customers/{number}: never a
// 5xx (a valid one may succeed, and the next iteration then meets a stale version).
func FuzzCustomerPatch(f *testing.F) {
	for _, p := range []string{`{}`, `{"officer":"o-2"}`, `{"individual":{"name":"张三丰"}}`, `{"individual":null}`, `{"tags":["a"]}`,
		`{"number":1}`, `{"version":"1"}`, `[]`, `{"individual":{"address":{"postcode":123}}}`, `{"kind":"enterprise","enterprise":{}}`} {
		f.Add(p, `"1"`)
	}
	fs := newCustFuzzServer(f)
	f.Fuzz(func(t *testing.T, patch, etag string) {
		srv := fs.setup(t)
		req := custReq(http.MethodPatch, "/v1/customers/"+fs.number, patch)
		if strings.ContainsAny(etag, "\r\n\x00") {
			etag = `"1"`
		}
		req.Header.Set("If-Match", etag)
		custFuzzDo(t, srv, req)
	})
}

// FuzzTreeRequests sends arbitrary bodies and queries to the tree routes: never a 5xx.
func FuzzTreeRequests(f *testing.F) {
	f.Add(`{"name":"x","limit":"1.5","attrs":{"a":"b"}}`, "q=zs&kind=customer")
	f.Add(`{"limit":null,"attrs":null}`, "prefix=true&q=hc")
	f.Add(`{"parent":1}`, "attr.region=北京市")
	f.Add(`{"name":""}`, "cursor=AQAAAAAAAAAA")
	fs := newCustFuzzServer(f)
	f.Fuzz(func(t *testing.T, body, query string) {
		srv := fs.setup(t)
		for _, req := range []*http.Request{
			custReq(http.MethodPatch, fmt.Sprintf("/v1/tree/nodes/%d", fs.group), body, "If-Match", `"1"`),
			custReq(http.MethodPost, "/v1/tree/nodes", body),
			custReq(http.MethodPost, fmt.Sprintf("/v1/tree/nodes/%d/move", fs.group), body),
		} {
			custFuzzDo(t, srv, req)
		}
		req := httptest.NewRequest(http.MethodGet, "/v1/tree/nodes/root/search", nil)
		req.URL.RawQuery = query
		custFuzzDo(t, srv, req)
		req = httptest.NewRequest(http.MethodGet, "/v1/tree/nodes/root/children", nil)
		req.URL.RawQuery = query
		custFuzzDo(t, srv, req)
	})
}
