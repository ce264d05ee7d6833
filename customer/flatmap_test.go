package customer

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFlatMapMatchesMap runs random puts, gets and deletes on a flatMap and a Go map, with
// few distinct keys (long probe runs, wrap-around at the array's end) and many.
func TestFlatMapMatchesMap(t *testing.T) {
	for _, keys := range []uint64{3, 50, 1000, 100000, 1 << 40} {
		rng := rand.New(rand.NewPCG(keys, 1))
		var m flatMap[uint64]
		ref := map[uint64]uint64{}
		moving := 0
		for op := range 200000 {
			if m.old != nil {
				moving++
			}
			k := rng.Uint64N(keys)
			if keys > 1000 && rng.IntN(4) == 0 {
				k = 0 // stored as 1: treat 0 and 1 alike in the reference
			}
			rk := max(k, 1)
			switch rng.IntN(3 + int(min(keys, 3))) { // more puts than deletes: the table grows
			case 0, 3, 4, 5:
				m.put(k, uint64(op))
				ref[rk] = uint64(op)
			case 1:
				m.delete(k)
				delete(ref, rk)
			}
			v, ok := m.get(k)
			rv, rok := ref[rk]
			require.Equal(t, rok, ok)
			require.Equal(t, rv, v)
			require.Equal(t, len(ref), m.len())
		}
		if keys >= 100000 {
			require.Greater(t, moving, 1000, "operations during a move")
		}
		for k, v := range ref {
			got, ok := m.get(k)
			require.True(t, ok)
			require.Equal(t, v, got)
		}
	}
}

// TestFlatMapClustered deletes from the middle of long clusters that wrap around the end of
// the array: every remaining key must still be found.
func TestFlatMapClustered(t *testing.T) {
	var m flatMap[int]
	m.grow() // 64 slots
	// Keys whose home is the last slot.
	var ks []uint64
	for k := uint64(2); len(ks) < 30; k++ {
		if home(k, m.shift) >= 60 {
			ks = append(ks, k)
		}
	}
	for i, k := range ks {
		m.put(k, i)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, i := range rng.Perm(len(ks)) {
		m.delete(ks[i])
		ks[i] = 0
		for j, k := range ks {
			if k == 0 {
				continue
			}
			v, ok := m.get(k)
			require.True(t, ok, "key %d", k)
			require.Equal(t, j, v)
		}
	}
	require.Zero(t, m.len())
}
