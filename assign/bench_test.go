package assign

import (
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
