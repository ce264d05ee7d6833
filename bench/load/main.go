// Command load drives a running creditkit server over HTTP and reports its throughput and
// latency percentiles: the load script of BENCHMARKS.md.
//
// Start the server (with a demo bank, so there are customers to read), then run a
// scenario at a fixed rate (open loop: requests are sent on schedule whether or not earlier
// ones have answered, and each latency counts from the moment its request was due, so a
// slow server cannot hide its queue) or, with -rate 0, as fast as -c connections allow:
//
//	go run ./cmd/creditkit serve --demo --rate-limit 0 &
//	export CREDITKIT_KEY=ck_...   # printed by serve on its first start
//	go run ./bench/load -scenario get-customer -rate 20000 -d 10s
//	go run ./bench/load -scenario post-assessment -rate 0 -c 64 -d 10s
//
// Scenarios: get-customer, page (the first page of customers in name order), search (a
// pinyin prefix), post-customer (durable registrations) and post-assessment (an
// assessment of a random customer from the facts in -facts).
package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/customer/customertest"
)

type options struct {
	url      string
	key      string
	scenario string
	rate     int
	conns    int
	duration time.Duration
	warmup   time.Duration
	facts    string
	parent   int64
}

func main() {
	var o options
	flag.StringVar(&o.url, "url", "http://127.0.0.1:8080", "base URL of the server")
	flag.StringVar(&o.key, "key", os.Getenv("CREDITKIT_KEY"), "API key (default $CREDITKIT_KEY)")
	flag.StringVar(&o.scenario, "scenario", "get-customer", "get-customer, page, search, post-customer or post-assessment")
	flag.IntVar(&o.rate, "rate", 0, "requests per second, sent on schedule; 0 sends as fast as the connections allow")
	flag.IntVar(&o.conns, "c", 64, "connections (and requests in flight at most)")
	flag.DurationVar(&o.duration, "d", 10*time.Second, "measured duration")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured run before it")
	flag.StringVar(&o.facts, "facts", "credit/testdata/applicant.json", "facts of post-assessment")
	flag.Int64Var(&o.parent, "parent", 0, "tree node new customers of post-customer are placed under; 0 for the first branch under the root")
	cpuProfile := flag.String("cpuprofile", "", "write the load's own CPU profile to this file")
	procs := flag.Int("procs", 1, "GOMAXPROCS of the load itself: it shares the machine with the server it measures, and one P spares it the scheduler's thread wake-ups (~17% of its CPU at a fixed 9k assessments per second)")
	flag.Parse()
	runtime.GOMAXPROCS(max(*procs, 1))
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "load:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(o, os.Stdout); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

// request is one request of a scenario.
type request struct {
	method, path string
	body         []byte
}

func run(o options, out io.Writer) error {
	u, err := url.Parse(o.url)
	if err != nil || u.Host == "" {
		return fmt.Errorf("bad -url %q", o.url)
	}
	if o.key == "" {
		return errors.New("no API key: give -key or set CREDITKIT_KEY")
	}
	if o.conns < 1 || o.rate < 0 || o.duration <= 0 {
		return errors.New("-c must be positive, -rate not negative, -d positive")
	}
	c := newClient(u.Host, o.key, o.conns)
	next, err := scenario(c, o)
	if err != nil {
		return err
	}
	if o.warmup > 0 {
		drive(c, next, o.rate, o.conns, o.warmup)
	}
	r := drive(c, next, o.rate, o.conns, o.duration)
	r.print(out, o)
	if r.ok == 0 {
		return errors.New("no request succeeded")
	}
	return nil
}

// client sends requests with the API key.
type client struct {
	hc   *fasthttp.HostClient
	base string // "http://host:port"
	auth string // "Bearer " and the key
}

func newClient(addr, key string, conns int) *client {
	// The read buffer holds a whole answer (an assessment is ~5 KB), so each is read with
	// one system call rather than two: the load shares the server's CPU.
	return &client{hc: &fasthttp.HostClient{Addr: addr, MaxConns: conns, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, MaxIdleConnDuration: time.Minute, ReadBufferSize: 16384},
		base: "http://" + addr, auth: "Bearer " + key}
}

func (c *client) do(r request) (int, []byte, error) {
	return c.send(r, true)
}

// send sends r and returns the answer's status and, when wanted or the status is not 2xx,
// a copy of its body. The load loop does not want 2xx bodies: copying ~5 KB per answer
// would take CPU from the server it measures on the same machine.
func (c *client) send(r request, wantBody bool) (int, []byte, error) {
	req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(res)
	req.Header.SetMethod(r.method)
	req.SetRequestURI(c.base + r.path)
	req.Header.Set("Authorization", c.auth)
	if r.body != nil {
		req.Header.SetContentType("application/json")
		req.SetBodyRaw(r.body) // bodies are built once and never changed
	}
	if err := c.hc.Do(req, res); err != nil {
		return 0, nil, err
	}
	status := res.StatusCode()
	if !wantBody && status >= 200 && status < 300 {
		return status, nil, nil
	}
	return status, append([]byte(nil), res.Body()...), nil
}

// scenario prepares o.scenario (reading customer numbers from the server where it needs
// them) and returns its request maker, safe for concurrent use.
func scenario(c *client, o options) (func() request, error) {
	switch o.scenario {
	case "page":
		return func() request { return request{method: "GET", path: "/v1/customers?limit=20"} }, nil
	case "search":
		return func() request { return request{method: "GET", path: "/v1/customers?pinyin=zhang&limit=20"} }, nil
	case "post-customer":
		parent := o.parent
		if parent == 0 {
			var err error
			if parent, err = firstBranch(c); err != nil {
				return nil, err
			}
		}
		var seq atomic.Int64
		seq.Store(time.Now().UnixNano() % 1e8) // passport numbers differ from run to run
		return func() request {
			return request{method: "POST", path: "/v1/customers", body: newCustomer(int(seq.Add(1)), parent)}
		}, nil
	}
	numbers, err := customerNumbers(c, 2000)
	if err != nil {
		return nil, err
	}
	switch o.scenario {
	case "get-customer":
		return func() request {
			return request{method: "GET", path: "/v1/customers/" + numbers[rand.IntN(len(numbers))]}
		}, nil
	case "post-assessment":
		facts, err := os.ReadFile(o.facts)
		if err != nil {
			return nil, err
		}
		if !json.Valid(facts) {
			return nil, fmt.Errorf("%s is not JSON", o.facts)
		}
		bodies := make([][]byte, len(numbers)) // built once: the load loop only picks one
		for i, n := range numbers {
			bodies[i] = []byte(`{"customer":"` + n + `","facts":` + string(facts) + `}`)
		}
		return func() request {
			return request{method: "POST", path: "/v1/assessments", body: bodies[rand.IntN(len(bodies))]}
		}, nil
	}
	return nil, fmt.Errorf("unknown scenario %q", o.scenario)
}

// customerNumbers reads up to n customer numbers, individuals only (the facts of
// post-assessment are an individual's).
func customerNumbers(c *client, n int) ([]string, error) {
	var out []string
	cursor := ""
	for len(out) < n {
		path := "/v1/customers?limit=200&kind=individual"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		status, body, err := c.do(request{method: "GET", path: path})
		if err != nil {
			return nil, err
		}
		if status != 200 {
			return nil, fmt.Errorf("GET %s: %d %s", path, status, body)
		}
		var page struct {
			Items []struct {
				Number string `json:"number"`
			} `json:"items"`
			Next string `json:"next_cursor"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			out = append(out, it.Number)
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	if len(out) == 0 {
		return nil, errors.New("the server has no individual customers: start it with --demo")
	}
	return out, nil
}

// firstBranch returns the first branch or group under the root, where post-customer
// places its customers when -parent is 0.
func firstBranch(c *client) (int64, error) {
	status, body, err := c.do(request{method: "GET", path: "/v1/tree/nodes/1/children"})
	if err != nil {
		return 0, err
	}
	if status != 200 {
		return 0, fmt.Errorf("GET /v1/tree/nodes/1/children: %d %s", status, body)
	}
	var page struct {
		Items []struct {
			ID   int64  `json:"id"`
			Kind string `json:"kind"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return 0, err
	}
	for _, n := range page.Items {
		if n.Kind == "branch" || n.Kind == "group" {
			return n.ID, nil
		}
	}
	return 0, errors.New("the root has no branch or group to place customers under: give -parent")
}

// newCustomer is the JSON of a new person, unique by seq (its passport number).
func newCustomer(seq int, parent int64) []byte {
	birth := time.Date(1950+seq%50, time.Month(1+seq%12), 1+seq%28, 0, 0, 0, 0, time.UTC)
	c := customertest.Person(fmt.Sprintf("压测客户%08d", seq), customertest.ResidentID("110105", birth, seq%1000),
		"13800000000", "BJ01", "E1001")
	c.Individual.DocType, c.Individual.DocNumber = customer.DocPassport, fmt.Sprintf("L%09d", seq%1e9)
	b, _ := json.Marshal(map[string]any{"kind": "individual", "branch": c.Branch, "officer": c.Officer,
		"individual": c.Individual, "parent": parent}) // plain values always encode
	return b
}

// result is what one run measured.
type result struct {
	elapsed   time.Duration
	ok        int
	statuses  map[int]int
	errors    int
	latencies []time.Duration // of the 2xx answers, from when each request was due
	failure   string          // the first answer that was not 2xx, for the report
}

// drive sends requests for d: on schedule at rate per second, or back to back on conns
// connections when rate is 0.
func drive(c *client, next func() request, rate, conns int, d time.Duration) result {
	type job struct{ due time.Time }
	jobs := make(chan job, conns)
	var (
		mu  sync.Mutex
		res = result{statuses: map[int]int{}}
		wg  sync.WaitGroup
	)
	start := time.Now()
	stop := start.Add(d)
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			statuses := map[int]int{}
			errs, failure := 0, ""
			for {
				j, ok := <-jobs
				if rate == 0 {
					if time.Now().After(stop) {
						break
					}
					j, ok = job{due: time.Now()}, true
				}
				if !ok {
					break
				}
				status, body, err := c.send(next(), false)
				if err != nil {
					errs++
					continue
				}
				if status >= 200 && status < 300 {
					lat = append(lat, time.Since(j.due))
				} else if failure == "" {
					failure = fmt.Sprintf("%d %.300s", status, body)
				}
				statuses[status]++
			}
			mu.Lock()
			res.latencies = append(res.latencies, lat...)
			for s, n := range statuses {
				res.statuses[s] += n
			}
			res.errors += errs
			if res.failure == "" {
				res.failure = failure
			}
			mu.Unlock()
		}()
	}
	if rate > 0 {
		pace(start, stop, time.Second/time.Duration(rate), func(due time.Time) { jobs <- job{due: due} })
	}
	close(jobs)
	wg.Wait()
	res.elapsed = time.Since(start)
	res.ok = len(res.latencies)
	return res
}

// minSleep is the shortest sleep of pace: each sleep is a timer and a wake-up, CPU the
// load would take from the server it measures, so at high rates one wake-up sends every
// request that has fallen due meanwhile.
const minSleep = 200 * time.Microsecond

// pace calls send with the due times start, start+interval, … before stop, each at or after
// its due time, never before: a request sent early would shorten its own latency, which
// counts from its due time, while one sent late (by up to minSleep and the timer's slack)
// is charged the delay.
func pace(start, stop time.Time, interval time.Duration, send func(due time.Time)) {
	for i := 0; ; i++ {
		due := start.Add(time.Duration(i) * interval)
		if !due.Before(stop) {
			return
		}
		if w := time.Until(due); w > 0 {
			time.Sleep(max(w, minSleep))
		}
		send(due)
	}
}

func (r result) print(w io.Writer, o options) {
	slices.Sort(r.latencies)
	pct := func(p float64) time.Duration {
		if len(r.latencies) == 0 {
			return 0
		}
		return r.latencies[min(len(r.latencies)-1, int(p*float64(len(r.latencies))))]
	}
	mode := "as fast as possible"
	if o.rate > 0 {
		mode = fmt.Sprintf("at %d req/s", o.rate)
	}
	fmt.Fprintf(w, "%s %s, %d connections, %s: %d ok in %s = %.0f req/s\n", o.scenario, mode, o.conns, o.duration,
		r.ok, r.elapsed.Round(time.Millisecond), float64(r.ok)/r.elapsed.Seconds())
	fmt.Fprintf(w, "latency p50 %s  p90 %s  p99 %s  max %s\n", pct(0.50), pct(0.90), pct(0.99), pct(1))
	type kv struct{ status, n int }
	var st []kv
	for s, n := range r.statuses {
		st = append(st, kv{s, n})
	}
	slices.SortFunc(st, func(a, b kv) int { return cmp.Compare(a.status, b.status) })
	var parts []string
	for _, x := range st {
		parts = append(parts, fmt.Sprintf("%d×%d", x.status, x.n))
	}
	fmt.Fprintf(w, "statuses %s, transport errors %d\n", strings.Join(parts, " "), r.errors)
	if r.failure != "" {
		fmt.Fprintf(w, "first failure: %s\n", r.failure)
	}
}
