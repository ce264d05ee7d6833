package assign

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// refTransport is the flow solver as first written, with the plain scan of every member's
// arcs. TestTransportMatchesPlainScan checks that the solver's rows make exactly the same
// relaxations: the same placement, ties included, on instances full of ties.
type refTransport struct {
	n, m   int
	start  []int   // arcs of case i are start[i]:start[i+1]
	to     []int32 // officer of each arc
	cost   []int64 // cost of each arc
	unCost []int64 // cost of leaving case i unassigned
	cap    []int

	v       []int64       // officer prices; v[m] (unassigned) stays 0
	at      []int         // arc index of each case's officer, or -1 when unassigned
	members [][]refMember // cases placed with each officer
	pos     []int         // index of each case in its officer's members

	dist    []int64
	pred    []int // case that reaches each officer on the shortest path
	done    []bool
	touched []int
	scanned []int // officers finalised before the end of the current search
	heap    []refHeapItem
}

// refMember is a case placed with an officer, with the cost of that placement and of leaving
// the case unassigned kept alongside for cache-friendly scans.
type refMember struct {
	i      int32
	c, unc int64
}

type refHeapItem struct {
	d int64
	j int32
}

func newRefTransport(n, m int, start []int, to []int32, cost, unCost []int64, cap []int) *refTransport {
	t := &refTransport{n: n, m: m, start: start, to: to, cost: cost, unCost: unCost, cap: cap,
		v: make([]int64, m+1), at: make([]int, n), members: make([][]refMember, m+1), pos: make([]int, n),
		dist: make([]int64, m+1), pred: make([]int, m+1), done: make([]bool, m+1)}
	for i := range t.dist {
		t.dist[i] = math.MaxInt64
	}
	for i := range t.at {
		t.at[i] = -2 // not yet placed
	}
	return t
}

// officerOf returns the officer of case i (m when unassigned).
func (t *refTransport) officerOf(i int) int {
	if t.at[i] < 0 {
		return t.m
	}
	return int(t.to[t.at[i]])
}

func (t *refTransport) relax(j int, d int64, from int) {
	if d < t.dist[j] {
		if t.dist[j] == math.MaxInt64 {
			t.touched = append(t.touched, j)
		}
		t.dist[j] = d
		t.pred[j] = from
		t.push(refHeapItem{d, int32(j)})
	}
}

// place adds case i0 along a shortest augmenting path.
func (t *refTransport) place(i0 int) {
	m := t.m
	t.heap = t.heap[:0]
	for a := t.start[i0]; a < t.start[i0+1]; a++ {
		j := int(t.to[a])
		t.relax(j, t.cost[a]-t.v[j], i0)
	}
	t.relax(m, t.unCost[i0]-t.v[m], i0)
	end := -1
	var D int64
	scanned := t.scanned[:0]
	for len(t.heap) > 0 {
		it := t.pop()
		j := int(it.j)
		if t.done[j] || it.d != t.dist[j] {
			continue
		}
		t.done[j] = true
		if j == m || len(t.members[j]) < t.cap[j] {
			end, D = j, it.d
			break
		}
		scanned = append(scanned, j)
		vj := t.v[j]
		dist, v, done := t.dist, t.v, t.done
		for _, mb := range t.members[j] {
			i := int(mb.i)
			base := it.d - (mb.c - vj)
			to, cost := t.to[t.start[i]:t.start[i+1]], t.cost[t.start[i]:t.start[i+1]]
			for a, k32 := range to {
				k := int(k32)
				if d := base + cost[a] - v[k]; d < dist[k] && !done[k] {
					t.relax(k, d, i)
				}
			}
			if d := base + mb.unc - v[m]; d < dist[m] {
				t.relax(m, d, i)
			}
		}
	}
	// Prices: officers finalised before the end lose D − dist (they were all full).
	for _, j := range scanned {
		t.v[j] -= D - t.dist[j]
	}
	// Walk the path back, moving each case to the officer it reached.
	for j := end; ; {
		i := t.pred[j]
		prev := -1
		if t.at[i] != -2 {
			prev = t.officerOf(i)
			t.remove(i, prev)
		}
		t.put(i, j)
		if i == i0 {
			break
		}
		j = prev
	}
	for _, j := range t.touched {
		t.dist[j] = math.MaxInt64
		t.done[j] = false
	}
	t.touched = t.touched[:0]
	t.scanned = scanned
}

func (t *refTransport) remove(i, j int) {
	ms := t.members[j]
	p := t.pos[i]
	last := ms[len(ms)-1]
	ms[p] = last
	t.pos[last.i] = p
	t.members[j] = ms[:len(ms)-1]
}

func (t *refTransport) put(i, j int) {
	t.pos[i] = len(t.members[j])
	mb := refMember{i: int32(i), c: t.unCost[i], unc: t.unCost[i]}
	t.at[i] = -1
	if j != t.m {
		for a := t.start[i]; a < t.start[i+1]; a++ {
			if int(t.to[a]) == j {
				t.at[i] = a
				mb.c = t.cost[a]
				break
			}
		}
	}
	t.members[j] = append(t.members[j], mb)
}

func (t *refTransport) push(it refHeapItem) {
	h := append(t.heap, it)
	k := len(h) - 1
	for k > 0 {
		p := (k - 1) / 2
		if h[p].d <= h[k].d {
			break
		}
		h[p], h[k] = h[k], h[p]
		k = p
	}
	t.heap = h
}

func (t *refTransport) pop() refHeapItem {
	h := t.heap
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	k := 0
	for {
		l := 2*k + 1
		if l >= len(h) {
			break
		}
		if r := l + 1; r < len(h) && h[r].d < h[l].d {
			l = r
		}
		if h[k].d <= h[l].d {
			break
		}
		h[k], h[l] = h[l], h[k]
		k = l
	}
	t.heap = h
	return top
}

func TestTransportMatchesPlainScan(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	trials := 400
	if testing.Short() {
		trials = 60
	}
	for trial := range trials {
		n := 1 + r.IntN(300)
		m := 1 + r.IntN(12)
		spread := 1 + r.IntN(6) // small cost ranges: many ties
		caps := make([]int, m)
		for j := range caps {
			caps[j] = r.IntN(1 + 2*n/m)
		}
		start := []int{0}
		var to []int32
		var cost []int64
		unCost := make([]int64, n)
		for i := range n {
			unCost[i] = int64(r.IntN(spread)) * int64(trial%2)
			bonus := int64(r.IntN(3)) * 100
			for j := range m {
				if r.IntN(3) == 0 {
					to = append(to, int32(j))
					cost = append(cost, -int64(r.IntN(spread))-bonus)
				}
			}
			start = append(start, len(to))
		}
		tr, err := newTransport(n, m, start, to, cost, unCost, caps)
		require.NoError(t, err)
		ref := newRefTransport(n, m, start, to, cost, unCost, caps)
		order := r.Perm(n)
		for step, i := range order {
			tr.place(i)
			ref.place(i)
			if !slices.Equal(ref.at, tr.at) {
				require.Equal(t, ref.at, tr.at, "trial %d step %d: placements differ", trial, step)
			}
		}
		require.Equal(t, ref.v, tr.v, "trial %d: prices differ", trial)
		for j := range m + 1 {
			got, want := make([]int32, 0), make([]int32, 0)
			for _, mb := range tr.members[j] {
				got = append(got, mb.i)
			}
			for _, mb := range ref.members[j] {
				want = append(want, mb.i)
			}
			require.Equal(t, want, got, "trial %d officer %d: member order differs", trial, j)
		}
	}

}
