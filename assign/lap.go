package assign

import "math"

// MaxCost bounds the magnitude of a finite cost given to MinCostAssignment. Larger values
// are rejected with ErrBadCost so that sums of costs and dual prices cannot overflow.
const MaxCost = 1e100

// MinCostAssignment solves the rectangular linear assignment problem: it assigns every row of
// cost to a distinct column so that the sum of the chosen costs is the least possible, and
// returns the column of each row and that least sum.
//
// The matrix must be non-empty in rows or have no rows at all (an empty matrix gives an empty
// assignment), every row must have the same length, and there must be no more rows than
// columns. math.Inf(1) marks a forbidden pair. Errors: ErrShape (ragged rows or more rows
// than columns) and ErrBadCost (NaN, -Inf or a magnitude above MaxCost), both as *CostError
// with the location; ErrInfeasible (as *InfeasibleError) when a row has every column
// forbidden or no complete assignment avoids the forbidden pairs.
//
// The algorithm is Jonker–Volgenant (1987): column reduction, reduction transfer and two
// rounds of augmenting row reduction on square matrices without forbidden pairs, then
// shortest augmenting paths with a Dijkstra-like scan over dense rows. The result is optimal
// up to floating-point rounding. It runs in O(n²·m) time in the worst case and allocates
// O(m) memory besides the result; cost is only read. It is safe for concurrent use.
func MinCostAssignment(cost [][]float64) (rowToCol []int, total float64, err error) {
	n := len(cost)
	if n == 0 {
		return []int{}, 0, nil
	}
	m := len(cost[0])
	finite := true
	for i, row := range cost {
		if len(row) != m {
			return nil, 0, &CostError{Row: i, Col: -1, Err: ErrShape}
		}
		for j, c := range row {
			switch {
			case math.IsNaN(c) || math.IsInf(c, -1) || (c > MaxCost && !math.IsInf(c, 1)) || c < -MaxCost:
				return nil, 0, &CostError{Row: i, Col: j, Err: ErrBadCost}
			case math.IsInf(c, 1):
				finite = false
			}
		}
	}
	if n > m {
		return nil, 0, &CostError{Row: m, Col: -1, Err: ErrShape}
	}
	s := newLAP(cost, n, m)
	if finite && n == m {
		s.initJV()
	} else {
		for i := range n {
			s.free = append(s.free, i)
		}
	}
	if err := s.augment(); err != nil {
		return nil, 0, err
	}
	for i, j := range s.x {
		total += cost[i][j]
	}
	return s.x, total, nil
}

// lap holds the working state of one MinCostAssignment run.
type lap struct {
	c    [][]float64
	n, m int
	x    []int     // row → column, -1 while free
	y    []int     // column → row, -1 while free
	v    []float64 // column prices: reduced cost is c[i][j] - v[j] - u[i]
	free []int     // rows still to assign
	// scratch for augment, reused for every free row
	d       []float64
	pred    []int
	collist []int
}

func newLAP(c [][]float64, n, m int) *lap {
	s := &lap{c: c, n: n, m: m,
		x: make([]int, n), y: make([]int, m), v: make([]float64, m),
		free: make([]int, 0, n),
		d:    make([]float64, m), pred: make([]int, m), collist: make([]int, m)}
	for i := range s.x {
		s.x[i] = -1
	}
	for j := range s.y {
		s.y[j] = -1
	}
	return s
}

// initJV runs the three initialisation phases of Jonker–Volgenant on a square matrix with
// finite costs, leaving the still-free rows in s.free and valid prices in s.v.
func (s *lap) initJV() {
	n := s.n
	// Column reduction: v[j] = min over rows, scanning rows for cache-friendly access; the
	// lowest row index wins ties.
	argmin := s.pred // scratch: row of each column's minimum
	copy(s.v, s.c[0])
	for j := range argmin {
		argmin[j] = 0
	}
	for i := 1; i < n; i++ {
		row := s.c[i]
		for j, c := range row {
			if c < s.v[j] {
				s.v[j] = c
				argmin[j] = i
			}
		}
	}
	matches := s.collist // scratch: number of columns whose minimum is in each row
	for i := range matches {
		matches[i] = 0
	}
	for j := n - 1; j >= 0; j-- {
		i := argmin[j]
		matches[i]++
		if matches[i] == 1 {
			s.x[i] = j
			s.y[j] = i
		}
		// otherwise the row keeps its first (highest-index) column; column j stays free
	}
	// Reduction transfer from rows matched exactly once.
	for i := range n {
		switch matches[i] {
		case 0:
			s.free = append(s.free, i)
		case 1:
			j1 := s.x[i]
			row := s.c[i]
			min := math.Inf(1)
			for j, c := range row {
				if j != j1 {
					if h := c - s.v[j]; h < min {
						min = h
					}
				}
			}
			if n > 1 {
				s.v[j1] -= min
			}
		}
	}
	// Augmenting row reduction, twice. A step budget guards against float stalls; rows not
	// reached stay free for the shortest-path phase, which is exact on its own.
	budget := 8 * n
	for range 2 {
		prev := s.free
		s.free = make([]int, 0, len(prev))
		k := 0
		for k < len(prev) {
			i := prev[k]
			k++
			if budget == 0 {
				s.free = append(s.free, i)
				continue
			}
			budget--
			row, v := s.c[i][:n], s.v[:n]
			umin, usub := row[0]-v[0], math.Inf(1)
			j1, j2 := 0, -1
			for j := 1; j < n; j++ {
				h := row[j] - v[j]
				if h < usub {
					if h >= umin {
						usub, j2 = h, j
					} else {
						usub, j2 = umin, j1
						umin, j1 = h, j
					}
				}
			}
			i0 := s.y[j1]
			strict := false
			if umin < usub {
				if nv := s.v[j1] - (usub - umin); nv < s.v[j1] {
					s.v[j1] = nv
					strict = true
				}
			}
			if !strict && i0 >= 0 && j2 >= 0 {
				j1, i0 = j2, s.y[j2]
			}
			s.x[i], s.y[j1] = j1, i
			if i0 >= 0 {
				s.x[i0] = -1
				if strict {
					k--
					prev[k] = i0
				} else {
					s.free = append(s.free, i0)
				}
			}
		}
	}
}

// augment assigns every row in s.free along a shortest augmenting path (Dijkstra over the
// columns with reduced costs), updating the prices of the scanned columns.
func (s *lap) augment() error {
	inf := math.Inf(1)
	m := s.m
	d, pred, collist, v := s.d[:m], s.pred[:m], s.collist[:m], s.v[:m]
	for _, freeRow := range s.free {
		row := s.c[freeRow][:m]
		for j := range m {
			d[j] = row[j] - v[j]
			pred[j] = freeRow
			collist[j] = j
		}
		low, up, last := 0, 0, 0
		end := -1
		var min float64
		for end < 0 {
			if up == low {
				// Collect the columns at the new minimum distance into collist[low:up].
				last = low - 1
				min = d[collist[up]]
				up++
				for k := up; k < m; k++ {
					j := collist[k]
					h := d[j]
					if h <= min {
						if h < min {
							up = low
							min = h
						}
						collist[k] = collist[up]
						collist[up] = j
						up++
					}
				}
				if min == inf {
					return &InfeasibleError{Row: freeRow}
				}
				for k := low; k < up; k++ {
					if s.y[collist[k]] < 0 {
						end = collist[k]
						break
					}
				}
				if end >= 0 {
					break
				}
			}
			// Scan one column at the minimum: relax through the row assigned to it.
			j1 := collist[low]
			low++
			i := s.y[j1]
			irow := s.c[i]
			h := irow[j1] - v[j1] - min
			for k := up; k < m; k++ {
				j := collist[k]
				v2 := irow[j] - v[j] - h
				if v2 < d[j] {
					pred[j] = i
					if v2 <= min {
						if s.y[j] < 0 {
							end = j
							break
						}
						collist[k] = collist[up]
						collist[up] = j
						up++
					}
					d[j] = v2
				}
			}
		}
		// Update the prices of the columns scanned before the last minimum set.
		for k := 0; k <= last; k++ {
			j := collist[k]
			v[j] += d[j] - min
		}
		// Augment along the path back to freeRow.
		for {
			i := pred[end]
			s.y[end] = i
			next := s.x[i]
			s.x[i] = end
			if i == freeRow {
				break
			}
			end = next
		}
	}
	return nil
}
