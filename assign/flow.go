package assign

import (
	"fmt"
	"math"
)

// transport solves the capacitated assignment behind batch plans exactly: every case i goes
// to one officer among its arcs or to "unassigned" (a sink of unlimited capacity, officer
// index m), officer j takes at most cap[j] cases, and the total integer cost is least.
//
// It is the successive-shortest-path method on a sparse residual graph, one case at a time:
// officer prices v (≤ 0, and 0 while an officer has room) keep every reduced cost
// c[i][j] − v[j] − u[i] non-negative, so a Dijkstra search with a binary heap over officers
// finds the cheapest way to place the new case, moving already placed cases along the way.
// Officers are nodes with capacities, not expanded slots. Adding one unit of supply along a
// shortest path keeps the flow optimal for the cases placed so far, so the final placement is
// optimal for all of them.
//
// The scan of a full officer j is the hot loop. Plainly it checks, for each member case i in
// turn and each arc (i, k) in turn, whether it.d − (c[i][j] − v[j]) + c[i][k] − v[k] improves
// dist[k], relaxing k when it does. Writing X = it.d + v[j] and w = c[i][k] − c[i][j], the
// check is X + w < key[k] with key[k] = dist[k] + v[k] (MinInt64 once k is finalised), and
// within one scan an arc can only pass when its w is below the w of every earlier arc to the
// same k: an earlier arc with w' ≤ w has either lowered key[k] to X + w' already or failed
// against a key that has not risen since. So each officer keeps its row: the arcs, in scan
// order, whose w is a strict running minimum for their target (the unassigned sink counts as
// one more target per case, with w = unassigned − c[i][j]). A row depends only on the
// officer's member list, and its entries for the members before a changed position stay
// valid, so after a change it is rebuilt from that position on, when the officer is next
// scanned — on the benchmark plans a sixth of the scans; a row holds about 47 entries where
// the members have about 570 arcs. The scan then makes exactly the relaxations, in the same
// order, as the plain scan: the searches, their ties and the placement are the same.
type transport struct {
	n, m   int
	start  []int   // arcs of case i are start[i]:start[i+1]
	to     []int32 // officer of each arc
	cost   []int64 // cost of each arc
	unCost []int64 // cost of leaving case i unassigned
	cap    []int
	arcs   []arc   // to and cost side by side, indexed like to and cost
	off    []int64 // cost of case i's first arc; arcs hold costs relative to it

	v       []int64    // officer prices; v[m] (unassigned) stays 0
	at      []int      // arc index of each case's officer, or -1 when unassigned
	members [][]member // cases placed with each officer
	pos     []int      // index of each case in its officer's members

	rows     [][]record // per officer, the arcs a scan can relax (see above)
	rowStart [][]int32  // per officer, where each member's entries start in its row
	stale    []int32    // per officer, the first member position whose entries are stale
	best     []int64    // scratch of rebuild: least w per target so far, MaxInt64 when none

	dist    []int64
	key     []int64 // dist + v while tentative, MaxInt64 while unreached, MinInt64 once done
	pred    []int   // case that reaches each officer on the shortest path
	done    []bool
	touched []int
	scanned []int // officers finalised before the end of the current search
	heap    []heapItem
}

// member is a case placed with an officer, with its arc range, the cost of that placement
// and of leaving the case unassigned (both relative to the case's off) kept alongside for
// cache-friendly scans.
type member struct {
	i, lo, hi int32
	c, unc    int64
}

// record is an entry of an officer's row: target k, w = c[i][k] − c[i][j] and the case i.
type record struct {
	w  int64
	to int32
	i  int32
}

// arc is one officer a case may go to, with its cost relative to the case's first arc
// (off[i]): the spread of one case's costs is small even when the costs are not.
type arc struct {
	cost int32
	to   int32
}

type heapItem struct {
	d int64
	j int32
}

// newTransport sets up the problem. Errors: ErrInvalid for more than MaxInt32 arcs, or when
// the costs of one case's arcs spread over more than an int32 (plans keep the spread within a
// few hundred thousand).
func newTransport(n, m int, start []int, to []int32, cost, unCost []int64, cap []int) (*transport, error) {
	if len(to) > math.MaxInt32 {
		return nil, fmt.Errorf("%w: %d eligible pairs, too many to plan at once", ErrInvalid, len(to))
	}
	t := &transport{n: n, m: m, start: start, to: to, cost: cost, unCost: unCost, cap: cap,
		v: make([]int64, m+1), at: make([]int, n), members: make([][]member, m+1), pos: make([]int, n),
		dist: make([]int64, m+1), key: make([]int64, m+1), pred: make([]int, m+1), done: make([]bool, m+1),
		arcs: make([]arc, 0, len(to)), off: make([]int64, n),
		rows: make([][]record, m+1), rowStart: make([][]int32, m+1), stale: make([]int32, m+1),
		best: make([]int64, m+1)}
	for i := range t.dist {
		t.dist[i] = math.MaxInt64
		t.key[i] = math.MaxInt64
		t.best[i] = math.MaxInt64
		t.stale[i] = fresh
	}
	for i := range n {
		if start[i] < start[i+1] {
			t.off[i] = cost[start[i]]
		}
		for a := start[i]; a < start[i+1]; a++ {
			rel := cost[a] - t.off[i]
			if rel < math.MinInt32 || rel > math.MaxInt32 {
				return nil, fmt.Errorf("%w: costs of case %d spread too widely", ErrInvalid, i)
			}
			t.arcs = append(t.arcs, arc{cost: int32(rel), to: to[a]})
		}
	}
	for i := range t.at {
		t.at[i] = -2 // not yet placed
	}
	return t, nil
}

// officerOf returns the officer of case i (m when unassigned).
func (t *transport) officerOf(i int) int {
	if t.at[i] < 0 {
		return t.m
	}
	return int(t.to[t.at[i]])
}

func (t *transport) relax(j int, d int64, from int) {
	if d < t.dist[j] {
		if t.dist[j] == math.MaxInt64 {
			t.touched = append(t.touched, j)
		}
		t.dist[j] = d
		t.key[j] = d + t.v[j]
		t.pred[j] = from
		t.push(heapItem{d, int32(j)})
	}
}

// place adds case i0 along a shortest augmenting path.
func (t *transport) place(i0 int) {
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
		t.key[j] = math.MinInt64
		if j == m || len(t.members[j]) < t.cap[j] {
			end, D = j, it.d
			break
		}
		scanned = append(scanned, j)
		if t.stale[j] != fresh {
			t.rebuild(j)
		}
		x := it.d + t.v[j]
		key, v := t.key, t.v
		for _, r := range t.rows[j] {
			if d := x + r.w; d < key[r.to] {
				t.relax(int(r.to), d-v[r.to], int(r.i))
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
		t.key[j] = math.MaxInt64
		t.done[j] = false
	}
	t.touched = t.touched[:0]
	t.scanned = scanned
}

// fresh marks a row that matches its officer's members.
const fresh = math.MaxInt32

// rebuild brings officer j's row up to date with its members from the first stale position
// on (see transport).
func (t *transport) rebuild(j int) {
	p := int(t.stale[j])
	row, starts := t.rows[j], t.rowStart[j]
	cut := len(row)
	if p < len(starts) {
		cut = int(starts[p])
	}
	row, starts = row[:cut], starts[:p]
	for _, r := range row {
		t.best[r.to] = r.w // running minima: the last entry per target is the least
	}
	m := int32(t.m)
	for _, mb := range t.members[j][p:] {
		starts = append(starts, int32(len(row)))
		for _, a := range t.arcs[mb.lo:mb.hi] {
			if w := int64(a.cost) - mb.c; w < t.best[a.to] {
				t.best[a.to] = w
				row = append(row, record{w: w, to: a.to, i: mb.i})
			}
		}
		if w := mb.unc - mb.c; w < t.best[m] {
			t.best[m] = w
			row = append(row, record{w: w, to: m, i: mb.i})
		}
	}
	for _, r := range row {
		t.best[r.to] = math.MaxInt64
	}
	t.rows[j], t.rowStart[j], t.stale[j] = row, starts, fresh
}

func (t *transport) remove(i, j int) {
	t.stale[j] = min(t.stale[j], int32(t.pos[i]))
	ms := t.members[j]
	p := t.pos[i]
	last := ms[len(ms)-1]
	ms[p] = last
	t.pos[last.i] = p
	t.members[j] = ms[:len(ms)-1]
}

func (t *transport) put(i, j int) {
	t.stale[j] = min(t.stale[j], int32(len(t.members[j])))
	t.pos[i] = len(t.members[j])
	unc := t.unCost[i] - t.off[i]
	mb := member{i: int32(i), lo: int32(t.start[i]), hi: int32(t.start[i+1]), c: unc, unc: unc}
	t.at[i] = -1
	if j != t.m {
		for a := t.start[i]; a < t.start[i+1]; a++ {
			if int(t.to[a]) == j {
				t.at[i] = a
				mb.c = t.cost[a] - t.off[i]
				break
			}
		}
	}
	t.members[j] = append(t.members[j], mb)
}

func (t *transport) push(it heapItem) {
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

func (t *transport) pop() heapItem {
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
