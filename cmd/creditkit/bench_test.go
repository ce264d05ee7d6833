package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// benchHeader is the header of the generated benchmark file: the columns of
// testdata/applicants.csv.
const benchHeader = "id,bureau.no_file,bureau.history_months,bureau.open_accounts,bureau.delinquencies_24m,bureau.worst_dpd_24m," +
	"bureau.amount_overdue,bureau.defaults_or_write_offs,bureau.utilisation,bureau.hard_inquiries_6m,income.monthly,income.verified," +
	"income.employment,income.years_with_employer,capacity.monthly_debt_payments,capacity.monthly_living_costs,capacity.housing," +
	"profile.age,profile.marital,profile.education,blacklisted,request.amount,request.term_months,request.product,request.method\n"

// writeApplicants writes n varied, valid applicants (about 190 bytes a row) to w.
func writeApplicants(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	if _, err := bw.WriteString(benchHeader); err != nil {
		return err
	}
	employment := []string{"civil_servant", "state_owned", "private", "self_employed", "retired"}
	housing := []string{"own", "mortgage", "rent", "family"}
	marital := []string{"single", "married", "divorced", "widowed"}
	education := []string{"high_school", "college", "bachelor", "master"}
	methods := []string{"equal_instalments", "equal_principal"}
	for i := range n {
		income := 3000 + (i*7919)%40000
		fmt.Fprintf(bw, "A-%07d,false,%d,%d,%d,%d,0,0,%.2f,%d,%d,true,%s,%d,%d,%d,%s,%d,%s,%s,false,%d,%d,consumer,%s\n",
			i, 6+i%200, 1+i%8, i%4, (i*13)%60, float64(i%97)/100, i%6, income, employment[i%5], i%15,
			(i*31)%(income/3), 1500+(i*17)%3000, housing[i%4], 22+i%38, marital[i%4], education[i%4],
			10000+(i*101)%150000, 12*(1+i%5), methods[i%2])
	}
	return bw.Flush()
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchFile returns the path of a generated file of n applicants, made once per benchmark run.
func benchFile(b *testing.B, n int) string {
	b.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("creditkit-bench-%d.csv", n))
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return path
	}
	f, err := os.Create(path + ".tmp")
	if err != nil {
		b.Fatal(err)
	}
	if err := writeApplicants(f, n); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkScoreFile runs creditkit score end to end — read and parse the CSV, assess, write
// the results file — on a generated file of 1,000,000 applicants (190 MB), on every core:
//
//	go test ./cmd/creditkit -run XXX -bench ScoreFile -benchtime 1x
//
// The file is kept in the temporary directory between runs (creditkit-bench-1000000.csv).
// Besides rows/s, cpu-ns/row is the CPU time (user + system, all goroutines) spent per row,
// which a busy shared machine does not distort the way it distorts wall time.
func BenchmarkScoreFile(b *testing.B) {
	const n = 1_000_000
	in := benchFile(b, n)
	for _, mode := range []struct {
		name string
		args []string
	}{{"score-only", []string{"--score-only"}}, {"assess", nil}} {
		b.Run(mode.name, func(b *testing.B) {
			out := filepath.Join(b.TempDir(), "scored.csv")
			o := scoreOptions{card: "individual", in: in, out: out, reasons: 4, workers: defaultWorkers(), id: "id",
				scoreOnly: len(mode.args) > 0, noProgress: true}
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				if err := score(context.Background(), o, nil, io.Discard, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
			rows := float64(n) * float64(b.N)
			b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
			// CPU time per row does not depend on what else the machine runs.
			b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/rows, "cpu-ns/row")
		})
	}
}
