package server

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/storetest"
)

// benchHarness is a server on a fresh SQLite file (WAL, synchronous=FULL, on the test
// machine's disk) that logs nowhere.
func benchHarness(b *testing.B) *harness {
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
	return &harness{srv: srv, store: st}
}

// BenchmarkPostAssessment measures POST /v1/assessments through app.Test: decoding, the
// customer lookup, the active-card check, the assessment, encoding and the durable,
// group-committed write of the report, answered after the commit. "serial" sends one
// request at a time (every request pays a whole commit); "parallel-N" keeps N requests in
// flight, as a loaded server does, so commits are shared.
func BenchmarkPostAssessment(b *testing.B) {
	h := benchHarness(b)
	facts := applicantJSON(b)
	const customers = 64
	bodies := make([]string, customers)
	for i := range bodies {
		bodies[i] = `{"customer":"` + registerPerson(b, h, i) + `","facts":` + facts + `}`
	}
	app := h.srv.App()
	post := func(i int) {
		req := httptest.NewRequest(http.MethodPost, "/v1/assessments", strings.NewReader(bodies[i%customers]))
		req.Header.Set("Content-Type", "application/json")
		res, err := app.Test(req, -1)
		if err != nil {
			b.Error(err)
			return
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			b.Errorf("status %d", res.StatusCode)
		}
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		cpu := cpuTime()
		i := 0
		for b.Loop() {
			post(i)
			i++
		}
		reportRates(b, cpu, "req/s")
	})
	for _, inFlight := range []int{16, 64} {
		b.Run(fmt.Sprintf("parallel-%d", inFlight), func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(max(1, inFlight/runtime.GOMAXPROCS(0))) // goroutines = this × GOMAXPROCS
			cpu := cpuTime()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					post(i)
					i++
				}
			})
			reportRates(b, cpu, "req/s")
		})
	}
	var rows int
	if err := h.store.QueryRow(context.Background(), `SELECT COUNT(*) FROM assessments`).Scan(&rows); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d assessments stored", rows)
}

// BenchmarkAssessmentWrite isolates the store of a prepared assessment with 64 writers in
// flight: through the group-committing writer, and one transaction per assessment (what
// POST /v1/assessments would cost without group commit). Both append each row's audit
// record (an UPDATE of the chain's head and an INSERT, per row) in the row's transaction.
func BenchmarkAssessmentWrite(b *testing.B) {
	h := benchHarness(b)
	facts := applicantFacts(b)
	ref := storedRef(b, h)
	row, _, err := h.srv.prepareAssessment(context.Background(), nil, ref, facts)
	if err != nil {
		b.Fatal(err)
	}
	actor := perm.Admin("bench", "")
	b.Run("group-commit", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(32)
		cpu := cpuTime()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				r := row
				var err error
				if r.ID, err = h.srv.credit.repo.NewAssessmentID(context.Background()); err != nil {
					b.Error(err)
				}
				if err := h.srv.credit.writer.write(context.Background(), actor, &r, ref, facts); err != nil {
					b.Error(err)
				}
			}
		})
		reportRates(b, cpu, "rows/s")
	})
	b.Run("tx-each", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(32)
		cpu := cpuTime()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				r := row
				ctx := context.Background()
				rec, err := h.srv.prepareAudit(ctx, h.srv.assessmentAudit(actor, &r))
				if err != nil {
					b.Error(err)
				}
				err = h.store.Tx(ctx, func(tx *sql.Tx) error {
					return h.srv.recordAssessmentsTx(ctx, tx,
						[]assessmentWrite{{actor: actor, row: &r, audited: &auditedWrite{req: ctx, rec: rec}}})
				})
				if err != nil {
					b.Error(err)
				}
			}
		})
		reportRates(b, cpu, "rows/s")
	})
}

// cpuTime is the CPU time (user and system) the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportRates reports the operations per second of wall time, and the CPU time per
// operation since start (user and system, all goroutines, the benchmark's own client side
// included), which depends much less on what else the machine runs.
func reportRates(b *testing.B, start time.Duration, unit string) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), unit)
	if start > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/1e3, "cpu-µs/op")
	}
}

// BenchmarkAssessmentCPU is the CPU of one assessment without HTTP or storage: the
// active-card check (one small query), the assessment and the JSON of report, facts and
// request.
func BenchmarkAssessmentCPU(b *testing.B) {
	h := benchHarness(b)
	facts := applicantFacts(b)
	b.Run("check+assess+encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := h.srv.prepareAssessment(context.Background(), nil, individualRef, facts); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("active-card-check", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := h.srv.activeCard(context.Background(), nil, "individual"); err != nil {
				b.Fatal(err)
			}
		}
	})
	number := registerPerson(b, h, 1) // once: b.Run calls the function more than once
	b.Run("lookup-customer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := h.srv.lookupCustomer(context.Background(), number); err != nil {
				b.Fatal(err)
			}
		}
	})
}
