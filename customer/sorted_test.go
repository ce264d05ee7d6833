package customer

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/btree"
	"github.com/stretchr/testify/require"
)

// TestSortedIndexMatchesBTree runs random get-or-inserts and ascents on a sortedIndex and
// on google/btree side by side; both must always hold the same entries in the same order,
// and a text already held must give back the names it was inserted with.
func TestSortedIndexMatchesBTree(t *testing.T) {
	for _, tc := range []struct {
		seed  uint64
		ops   int
		texts int    // distinct texts: few gives long runs of equal heads
		head  string // a common start: past 32 bytes, texts differ only beyond the inline head
	}{{1, 20000, 50, ""}, {2, 60000, 100000, ""}, {3, 30000, 5, ""}, {4, 200000, 1000000, ""},
		{5, 60000, 40, "zhangzixuanming\x00\x96\x97X\x96\x9f\xb4\x96\x83\xbd\x96O\xf4\x00\x00\x00 \x00"}, {6, 60000, 100000, "customer a19\x00\x16\x1d\x186\x17\xf3\x18\x16\x17q\x17A\x16L\x17\xbd\x01\t"}} {
		t.Run(fmt.Sprint(tc.seed), func(t *testing.T) {
			if testing.Short() && tc.ops > 100000 {
				t.Skip("long")
			}
			rng := rand.New(rand.NewPCG(tc.seed, 99))
			ref := btree.NewG(4, entryLess)
			got := newSortedIndex()
			texts := make([]string, 0, 64)
			for len(texts) < 64 {
				texts = append(texts, tc.head+fmt.Sprintf("%0*d", rng.IntN(24), rng.IntN(tc.texts)))
			}
			random := func() entry {
				text := texts[rng.IntN(len(texts))]
				if tc.texts > 1000 {
					text = tc.head + fmt.Sprintf("%x", rng.Uint64()%uint64(tc.texts))
				}
				return newEntry(text, Number{}, nil) // an index holds entries with number 0

			}
			for op := range tc.ops {
				e := random()
				e.names = &textNames{}
				held, found := ref.Get(e)
				if found {
					require.Same(t, held.names, got.GetOrInsert(e), "a held text keeps its names")
				} else {
					ref.ReplaceOrInsert(e)
					require.Same(t, e.names, got.GetOrInsert(e))
				}
				require.Equal(t, ref.Len(), got.Len())
				if op%997 == 0 || op == tc.ops-1 {
					pivot := random()
					var want, have []entry
					ref.AscendGreaterOrEqual(pivot, func(e entry) bool { want = append(want, e); return len(want) < 500 })
					got.AscendGreaterOrEqual(pivot, func(e entry) bool { have = append(have, e); return len(have) < 500 })
					require.Equal(t, want, have)
				}
			}
			var all []entry
			got.AscendGreaterOrEqual(entry{}, func(e entry) bool { all = append(all, e); return true })
			require.Len(t, all, got.Len())
			require.True(t, slices.IsSortedFunc(all, func(a, b entry) int {
				if entryLess(a, b) {
					return -1
				}
				return 1
			}))
		})
	}
}

// BenchmarkIndexInsert fills a sortedIndex and a google/btree with a million entries.
func BenchmarkIndexInsert(b *testing.B) {
	const n = 1 << 20
	rng := rand.New(rand.NewPCG(1, 2))
	es := make([]entry, n)
	for i := range es {
		es[i] = newEntry(fmt.Sprintf("%x\x00%x", rng.Uint64()%300000, rng.Uint64()), Number{}, nil)
	}
	b.Run("btree", func(b *testing.B) {
		for b.Loop() {
			t := btree.NewG(32, entryLess)
			for _, e := range es {
				t.ReplaceOrInsert(e)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/insert")
	})
	b.Run("sorted", func(b *testing.B) {
		for b.Loop() {
			t := newSortedIndex()
			for _, e := range es {
				t.GetOrInsert(e)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/insert")
	})
}
