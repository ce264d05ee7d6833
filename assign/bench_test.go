package assign

import (
	"fmt"

	"github.com/shopspring/decimal"
	"math/rand/v2"
	"testing"
)

func benchmarkLAP(b *testing.B, n int) {
	r := rand.New(rand.NewPCG(42, uint64(n)))
	cost := make([][]float64, n)
	for i := range cost {
		cost[i] = make([]float64, n)
		for j := range cost[i] {
			cost[i][j] = r.Float64()
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := MinCostAssignment(cost); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMinCostAssignment1000(b *testing.B) { benchmarkLAP(b, 1000) }
func BenchmarkMinCostAssignment2000(b *testing.B) { benchmarkLAP(b, 2000) }

// benchTeam builds nOff officers and nCase cases, seeded. Each officer covers two adjacent
// regions of `regions`, so with regions = nOff/10 about 20 officers cover a case's region
// (fewer pass authority and seniority); capacities total about 1.2·nCase; one case in ten
// is a priority.
func benchTeam(nOff, nCase, regions int) ([]Officer, []Case) {
	r := rand.New(rand.NewPCG(11, uint64(nOff)))
	os := make([]Officer, nOff)
	totalCap := 0
	for j := range os {
		reg := r.IntN(regions)
		os[j] = Officer{ID: fmt.Sprintf("o%05d", j), Branch: fmt.Sprintf("b%d", reg/5),
			Regions: []string{fmt.Sprintf("r%d", reg), fmt.Sprintf("r%d", (reg+1)%regions)},
			Kinds:   []CustomerKind{Individual, Enterprise}, Authority: decimal.NewFromInt(int64(1+r.IntN(50)) * 1_000_000),
			SeniorityYears: r.IntN(20), Capacity: 1 + r.IntN(2*nCase*12/10/nOff), Load: 0,
			Rating: Rating{Overall: r.Float64() * 100}}
		if r.IntN(4) == 0 {
			os[j].Skills = []Product{EquityPledge}
		}
		totalCap += os[j].Capacity
	}
	cs := make([]Case, nCase)
	for k := range cs {
		cs[k] = Case{ApplicationID: fmt.Sprintf("a%06d", k), CustomerID: fmt.Sprintf("c%d", k),
			Region: fmt.Sprintf("r%d", r.IntN(regions)), Kind: CustomerKind(1 + r.IntN(2)),
			Amount: decimal.NewFromInt(int64(1+r.IntN(2000)) * 1000), TermMonths: 12 * (1 + r.IntN(10)),
			Product: Product(1 + r.IntN(3)), Priority: r.IntN(10) == 0}
	}
	return os, cs
}

func benchmarkPlan(b *testing.B, nCase, nOff int) {
	// 2 regions per officer over nOff/10 regions: about 20 officers cover a region
	os, cs := benchTeam(nOff, nCase, nOff/10)
	m, err := NewMatcher(os, DefaultRules(), Config{Now: fixedNow})
	if err != nil {
		b.Fatal(err)
	}
	p, err := m.Plan(cs, PlanOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(p.Assignments)), "assigned")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.Plan(cs, PlanOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlan5000x200(b *testing.B)   { benchmarkPlan(b, 5000, 200) }
func BenchmarkPlan50000x2000(b *testing.B) { benchmarkPlan(b, 50000, 2000) }

func BenchmarkAssignOneOf2000(b *testing.B) {
	os, cs := benchTeam(2000, 1000, 200)
	for j := range os {
		os[j].Capacity = 1 << 30 // Evaluate does not change loads anyway
	}
	m, err := NewMatcher(os, DefaultRules(), Config{Now: fixedNow})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	k := 0
	for b.Loop() {
		_, _ = m.Evaluate(cs[k%len(cs)])
		k++
	}
}
