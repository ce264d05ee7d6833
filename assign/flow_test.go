package assign

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTransportMatchesDenseSolver checks the sparse min-cost flow against MinCostAssignment on
// the slot-expanded problem: one column per unit of officer capacity plus one "unassigned"
// column per case.
func TestTransportMatchesDenseSolver(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 2000 {
		n := 1 + r.IntN(7)
		m := 1 + r.IntN(4)
		caps := make([]int, m)
		slots := 0
		for j := range caps {
			caps[j] = r.IntN(4)
			slots += caps[j]
		}
		start := []int{0}
		var to []int32
		var cost []int64
		unCost := make([]int64, n)
		dense := make([][]float64, n)
		for i := range n {
			dense[i] = make([]float64, slots+n)
			for k := range dense[i] {
				dense[i][k] = math.Inf(1)
			}
			unCost[i] = int64(r.IntN(5)) * int64(trial%2) // sometimes 0, sometimes a penalty
			dense[i][slots+i] = float64(unCost[i])
			col := 0
			for j := range m {
				if r.IntN(3) > 0 {
					c := -int64(r.IntN(20))
					to = append(to, int32(j))
					cost = append(cost, c)
					for s := range caps[j] {
						dense[i][col+s] = float64(c)
					}
				}
				col += caps[j]
			}
			start = append(start, len(to))
		}
		tr, err := newTransport(n, m, start, to, cost, unCost, caps)
		require.NoError(t, err)
		for i := range n {
			tr.place(i)
		}
		var got int64
		load := make([]int, m)
		for i := range n {
			if a := tr.at[i]; a >= 0 {
				require.True(t, a >= start[i] && a < start[i+1], "trial %d: arc of another case", trial)
				got += cost[a]
				load[to[a]]++
			} else {
				got += unCost[i]
			}
		}
		for j := range m {
			require.LessOrEqual(t, load[j], caps[j], "trial %d: officer %d over capacity", trial, j)
		}
		_, want, err := MinCostAssignment(dense)
		require.NoError(t, err)
		require.Equal(t, int64(want), got, "trial %d", trial)
	}
}
