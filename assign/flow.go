package assign

import "math"

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
type transport struct {
	n, m   int
	start  []int   // arcs of case i are start[i]:start[i+1]
	to     []int32 // officer of each arc
	cost   []int64 // cost of each arc
	unCost []int64 // cost of leaving case i unassigned
	cap    []int

	v       []int64    // officer prices; v[m] (unassigned) stays 0
	at      []int      // arc index of each case's officer, or -1 when unassigned
	members [][]member // cases placed with each officer
	pos     []int      // index of each case in its officer's members

	dist    []int64
	pred    []int // case that reaches each officer on the shortest path
	done    []bool
	touched []int
	scanned []int // officers finalised before the end of the current search
	heap    []heapItem
}

// member is a case placed with an officer, with the cost of that placement and of leaving
// the case unassigned kept alongside for cache-friendly scans.
type member struct {
	i      int32
	c, unc int64
}

type heapItem struct {
	d int64
	j int32
}

func newTransport(n, m int, start []int, to []int32, cost, unCost []int64, cap []int) *transport {
	t := &transport{n: n, m: m, start: start, to: to, cost: cost, unCost: unCost, cap: cap,
		v: make([]int64, m+1), at: make([]int, n), members: make([][]member, m+1), pos: make([]int, n),
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

func (t *transport) remove(i, j int) {
	ms := t.members[j]
	p := t.pos[i]
	last := ms[len(ms)-1]
	ms[p] = last
	t.pos[last.i] = p
	t.members[j] = ms[:len(ms)-1]
}

func (t *transport) put(i, j int) {
	t.pos[i] = len(t.members[j])
	mb := member{i: int32(i), c: t.unCost[i], unc: t.unCost[i]}
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
