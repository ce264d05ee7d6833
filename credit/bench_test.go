package credit

import (
	"runtime"
	"testing"

	"github.com/shopspring/decimal"
)

func benchModel(b *testing.B) *Model {
	card, err := BuiltinCard("individual")
	if err != nil {
		b.Fatal(err)
	}
	m, err := Compile(card)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

func BenchmarkScore(b *testing.B) {
	m := benchModel(b)
	f := applicant(b)
	b.ReportAllocs()
	var s float64
	for b.Loop() {
		s += m.Score(&f)
	}
	_ = s
}

// batchFacts builds n varied applicants (only inside benchmarks).
func batchFacts(b *testing.B, n int) []Facts {
	base := applicant(b)
	facts := make([]Facts, n)
	for i := range facts {
		f := base
		f.Bureau.WorstDPD24m = ptr(i % 120)
		f.Bureau.Utilisation = ptr(float64(i%100) / 100)
		f.Profile.Age = ptr(18 + i%50)
		f.Income.Monthly = ptr(decimal.NewFromInt(int64(3000 + i%30000)))
		facts[i] = f
	}
	return facts
}

func BenchmarkScoreBatch1M(b *testing.B) {
	m := benchModel(b)
	const n = 1_000_000
	facts := batchFacts(b, n)
	scores := make([]float64, n)
	b.Run("one-core", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := m.ScoreBatch(facts, scores); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("all-cores", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := m.ScoreBatchParallel(facts, scores, runtime.GOMAXPROCS(0)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

func BenchmarkAssess(b *testing.B) {
	a := assessor(b, "individual", Config{})
	f := applicant(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Assess(f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAssessNewTerms is BenchmarkAssess with the assessor's cache of rate terms emptied
// before every assessment: the cost of the first assessment at a (rate, term) pair.
func BenchmarkAssessNewTerms(b *testing.B) {
	a := assessor(b, "individual", Config{})
	f := applicant(b)
	b.ReportAllocs()
	for b.Loop() {
		a.terms.mu.Lock()
		a.terms.m = nil
		a.terms.mu.Unlock()
		if _, err := a.Assess(f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScoreColumns1M(b *testing.B) {
	m := benchModel(b)
	const n = 1_000_000
	cols := m.Columns(batchFacts(b, n))
	scores := make([]float64, n)
	b.Run("one-core", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := m.ScoreColumns(cols, scores); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("all-cores", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := m.ScoreColumnsParallel(cols, scores, 0); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}
