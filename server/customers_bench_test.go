package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/customer/customertest"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/storetest"
)

// custBenchServer is a server on a fresh SQLite database with a branch, for benchmarks.
func custBenchServer(b *testing.B) (*Server, int64) {
	b.Helper()
	st, err := store.Open(context.Background(), storetest.SQLiteDSN(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	srv, err := New(Config{Store: st, Keyring: testRing, RateLimit: unlimited, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	n, err := srv.createNode(context.Background(), srv.cfg.Anonymous, nodeInput{Parent: 1, Kind: 2, Name: "北京分行"})
	if err != nil {
		b.Fatal(err)
	}
	return srv, int64(n.ID)
}

// custBenchBody is the JSON of a new person under parent.
func custBenchBody(seq int, parent int64) []byte {
	id := customertest.ResidentID("110105", time.Date(1950+seq%50, time.Month(1+seq%12), 1+seq%28, 0, 0, 0, 0, time.UTC), seq%1000)
	c := customertest.Person(fmt.Sprintf("客户%07d", seq), id, "13800000000", "BJ01", "o-1")
	// A passport number (5–17 letters and digits) is unique for any seq.
	c.Individual.DocType, c.Individual.DocNumber = customer.DocPassport, fmt.Sprintf("E%08d", seq)
	b, _ := json.Marshal(struct {
		Kind       string `json:"kind"`
		Branch     string `json:"branch"`
		Officer    string `json:"officer"`
		Individual any    `json:"individual"`
		Parent     int64  `json:"parent"`
	}{"individual", c.Branch, c.Officer, c.Individual, parent})
	return b
}

// BenchmarkGetCustomer measures GET /v1/customers/{number} through the app's handler (no
// network), in parallel on every core, over a small archive.
func BenchmarkGetCustomer(b *testing.B) {
	srv, br := custBenchServer(b)
	var numbers []string
	for i := range 200 {
		res, err := srv.App().Test(custReqBytes(http.MethodPost, "/v1/customers", custBenchBody(i, br)), -1)
		if err != nil || res.StatusCode != http.StatusCreated {
			b.Fatal(err, res.StatusCode)
		}
		var c map[string]any
		_ = json.NewDecoder(res.Body).Decode(&c)
		res.Body.Close()
		numbers = append(numbers, c["number"].(string))
	}
	h := srv.App().Handler()
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	cpu := custCPU()
	defer func() { custReportCPU(b, cpu) }()
	b.RunParallel(func(pb *testing.PB) {
		var ctx fasthttp.RequestCtx
		for pb.Next() {
			n := numbers[next.Add(1)%int64(len(numbers))]
			ctx.Request.Reset()
			ctx.Response.Reset()
			ctx.ResetUserValues() // the user context of the previous request is done
			ctx.Request.Header.SetMethod("GET")
			ctx.Request.SetRequestURI("/v1/customers/" + n)
			h(&ctx)
			if ctx.Response.StatusCode() != 200 {
				b.Fatal(ctx.Response.StatusCode(), string(ctx.Response.Body()))
			}
		}
	})
}

// BenchmarkGetCustomerAppTest is GET /v1/customers/{number} through app.Test, one request
// at a time (app.Test adds an in-memory connection per request).
func BenchmarkGetCustomerAppTest(b *testing.B) {
	srv, br := custBenchServer(b)
	res, err := srv.App().Test(custReqBytes(http.MethodPost, "/v1/customers", custBenchBody(1, br)), -1)
	if err != nil || res.StatusCode != http.StatusCreated {
		b.Fatal(err)
	}
	var c map[string]any
	_ = json.NewDecoder(res.Body).Decode(&c)
	res.Body.Close()
	path := "/v1/customers/" + c["number"].(string)
	b.ReportAllocs()
	for b.Loop() {
		res, err := srv.App().Test(custReq(http.MethodGet, path, ""), -1)
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatal(err)
		}
		res.Body.Close()
	}
}

// BenchmarkPostCustomerDurable measures durable registrations (SQLite, synchronous=FULL)
// from many concurrent clients through the handler: the group commit shares transactions
// among them. Run with -cpu 2 to match the machine; the parallelism is 32 clients
// per GOMAXPROCS.
func BenchmarkPostCustomerDurable(b *testing.B) {
	srv, br := custBenchServer(b)
	h := srv.App().Handler()
	var seq atomic.Int64
	b.SetParallelism(32)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := custCPU()
	defer func() { custReportCPU(b, cpu) }()
	b.RunParallel(func(pb *testing.PB) {
		var ctx fasthttp.RequestCtx
		for pb.Next() {
			ctx.Request.Reset()
			ctx.Response.Reset()
			ctx.ResetUserValues() // the user context of the previous request is done
			ctx.Request.Header.SetMethod("POST")
			ctx.Request.Header.SetContentType("application/json")
			ctx.Request.SetRequestURI("/v1/customers")
			ctx.Request.SetBody(custBenchBody(int(seq.Add(1)), br))
			h(&ctx)
			if ctx.Response.StatusCode() != 201 {
				b.Fatal(ctx.Response.StatusCode(), string(ctx.Response.Body()))
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkCustomersOverTheWire serves on loopback and drives GET /v1/customers/{number}
// and POST /v1/customers with 64 keep-alive connections, reporting requests per second and
// the 99th percentile latency. Client and server share the machine's cores.
func BenchmarkCustomersOverTheWire(b *testing.B) {
	for _, kind := range []string{"get", "post"} {
		b.Run(kind, func(b *testing.B) {
			srv, br := custBenchServer(b)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			go func() { _ = srv.Serve(ln) }()
			b.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
			addr := "http://" + ln.Addr().String()
			client := &fasthttp.Client{MaxConnsPerHost: 64}
			var numbers []string
			for i := range 100 {
				req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
				req.SetRequestURI(addr + "/v1/customers")
				req.Header.SetMethod("POST")
				req.Header.SetContentType("application/json")
				req.SetBody(custBenchBody(i, br))
				if err := client.Do(req, res); err != nil || res.StatusCode() != 201 {
					b.Fatal(err, res.StatusCode())
				}
				var c map[string]any
				_ = json.Unmarshal(res.Body(), &c)
				numbers = append(numbers, c["number"].(string))
				fasthttp.ReleaseRequest(req)
				fasthttp.ReleaseResponse(res)
			}
			var (
				seq   atomic.Int64
				mu    sync.Mutex
				lat   []time.Duration
				fails atomic.Int64
			)
			seq.Store(1000)
			work := make(chan struct{}, 1024)
			var wg sync.WaitGroup
			b.ResetTimer()
			for range 64 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
					defer fasthttp.ReleaseRequest(req)
					defer fasthttp.ReleaseResponse(res)
					var mine []time.Duration
					for range work {
						req.Reset()
						if kind == "get" {
							req.SetRequestURI(addr + "/v1/customers/" + numbers[seq.Add(1)%int64(len(numbers))])
						} else {
							req.SetRequestURI(addr + "/v1/customers")
							req.Header.SetMethod("POST")
							req.Header.SetContentType("application/json")
							req.SetBody(custBenchBody(int(seq.Add(1)), br))
						}
						start := time.Now()
						err := client.Do(req, res)
						mine = append(mine, time.Since(start))
						if err != nil || res.StatusCode() >= 300 {
							fails.Add(1)
						}
					}
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
				}()
			}
			for range b.N {
				work <- struct{}{}
			}
			close(work)
			wg.Wait()
			b.StopTimer()
			if fails.Load() > 0 {
				b.Fatalf("%d requests failed", fails.Load())
			}
			slices.Sort(lat)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// custCPU returns the CPU time (user and system) this process has used: on a shared
// machine, CPU per operation says more than wall time per operation.
func custCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// custReportCPU reports the process CPU time per operation since start, and the
// throughput that would give on two dedicated cores.
func custReportCPU(b *testing.B, start time.Duration) {
	per := float64(custCPU()-start) / float64(b.N)
	b.ReportMetric(per, "cpu-ns/op")
	if per > 0 {
		b.ReportMetric(2e9/per, "req/s@2cpu")
	}
}

// custReqBytes is custReq with a byte body.
func custReqBytes(method, path string, body []byte) *http.Request {
	return custReq(method, path, strings.Clone(string(body)))
}
