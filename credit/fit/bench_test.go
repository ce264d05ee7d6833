package fit_test

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/creditkit/creditkit/credit/fit"
)

func BenchmarkFitGerman(b *testing.B) {
	tb := german(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fit.Fit(tb, germanCfg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFitCreditData(b *testing.B) {
	tb := creditData(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fit.Fit(tb, creditDataCfg); err != nil {
			b.Fatal(err)
		}
	}
}

// synthetic builds a seeded table of rows × chars: 15 numeric characteristics (5% missing)
// and 5 categorical ones, with a bad flag drawn from a logistic model of all of them.
func synthetic(rows, chars int) *fit.Table {
	rng := rand.New(rand.NewPCG(1, 2))
	tb := &fit.Table{Rows: rows}
	eta := make([]float64, rows)
	for j := range chars {
		c := &fit.Column{Name: "x" + strconv.Itoa(j), Missing: make([]bool, rows)}
		w := 0.3 + 0.05*float64(j%5)
		if j%4 == 3 {
			c.Kind = fit.Categorical
			c.Cat = make([]string, rows)
			for i := range rows {
				k := rng.IntN(8)
				c.Cat[i] = "c" + strconv.Itoa(k)
				eta[i] += w * (float64(k) - 3.5) / 2
			}
		} else {
			c.Kind = fit.Numeric
			c.Num = make([]float64, rows)
			for i := range rows {
				x := rng.NormFloat64()
				if rng.Float64() < 0.05 {
					c.Missing[i], c.Num[i] = true, math.NaN()
					eta[i] += 0.5
					continue
				}
				c.Num[i] = math.Round(x*1000) / 10
				eta[i] += w * x
			}
		}
		tb.Columns = append(tb.Columns, c)
	}
	y := &fit.Column{Name: "y", Kind: fit.Categorical, Cat: make([]string, rows), Missing: make([]bool, rows)}
	for i := range rows {
		y.Cat[i] = "good"
		if rng.Float64() < 1/(1+math.Exp(-(eta[i]-1.2))) {
			y.Cat[i] = "bad"
		}
	}
	tb.Columns = append(tb.Columns, y)
	return tb
}

func BenchmarkFit100kx20(b *testing.B) {
	tb := synthetic(100_000, 20)
	cfg := fit.Config{Target: "y", MaxCorrelation: 1}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m, err := fit.Fit(tb, cfg)
		if err != nil {
			b.Fatal(err)
		}
		if len(m.Card) < 15 {
			b.Fatalf("only %d characteristics selected", len(m.Card))
		}
	}
}

func BenchmarkAUC100k(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	scores := make([]float64, 100_000)
	bad := make([]bool, len(scores))
	for i := range scores {
		bad[i] = rng.Float64() < 0.2
		scores[i] = math.Round(rng.NormFloat64()*50 + 600)
		if bad[i] {
			scores[i] -= 30
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fit.AUC(scores, bad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCrossValidateGerman10(b *testing.B) {
	tb := german(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fit.CrossValidate(tb, germanCfg, 10, 1); err != nil {
			b.Fatal(err)
		}
	}
}
