package credit

import (
	"math"
	"runtime"
	"sync"
)

// Columns holds applicants column by column, the fast path for scoring millions of rows:
// Numeric[v][i] is variable v of row i (NaN = missing) and Categorical[v][i] is the code of
// a categorical value (the enum's value, 1 = false and 2 = true for booleans, 0 = missing).
// Every column a model uses must be present and as long as the scores slice.
type Columns struct {
	Numeric     map[string][]float64
	Categorical map[string][]uint8
}

// Columns extracts, from facts, the columns this model uses.
func (m *Model) Columns(facts []Facts) Columns {
	cols := Columns{Numeric: map[string][]float64{}, Categorical: map[string][]uint8{}}
	for ci := range m.chars {
		c := &m.chars[ci]
		name := m.card.Characteristics[ci].Variable
		if c.cat != nil {
			col := make([]uint8, len(facts))
			for i := range facts {
				col[i], _ = c.cat(&facts[i])
			}
			cols.Categorical[name] = col
			continue
		}
		col := make([]float64, len(facts))
		for i := range facts {
			x, ok := c.num(&facts[i])
			if !ok {
				x = math.NaN()
			}
			col[i] = x
		}
		cols.Numeric[name] = col
	}
	return cols
}

// ScoreColumns scores every row of cols into scores, characteristic by characteristic. It
// does not allocate. A column that is absent or of the wrong length is a *ValidationError
// naming it.
func (m *Model) ScoreColumns(cols Columns, scores []float64) error {
	if err := m.checkColumns(cols, len(scores)); err != nil {
		return err
	}
	m.scoreRange(cols, scores, 0, len(scores))
	return nil
}

// ScoreColumnsParallel is ScoreColumns with the rows split over workers goroutines
// (runtime.GOMAXPROCS(0) when workers ≤ 0).
func (m *Model) ScoreColumnsParallel(cols Columns, scores []float64, workers int) error {
	if err := m.checkColumns(cols, len(scores)); err != nil {
		return err
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	chunk := max((len(scores)+workers-1)/workers, 1)
	var wg sync.WaitGroup
	for lo := 0; lo < len(scores); lo += chunk {
		hi := min(lo+chunk, len(scores))
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.scoreRange(cols, scores, lo, hi)
		}()
	}
	wg.Wait()
	return nil
}

func (m *Model) checkColumns(cols Columns, n int) error {
	var p problems
	for ci := range m.chars {
		name := m.card.Characteristics[ci].Variable
		var have int
		var ok bool
		if m.chars[ci].cat != nil {
			var col []uint8
			col, ok = cols.Categorical[name]
			have = len(col)
		} else {
			var col []float64
			col, ok = cols.Numeric[name]
			have = len(col)
		}
		switch {
		case !ok:
			p.add(name, "required", "column is missing", "缺少该列")
		case have != n:
			p.add(name, "length", "column has %d rows, want %d", "该列有 %d 行，应为 %d 行", have, n)
		}
	}
	return p.err()
}

func (m *Model) scoreRange(cols Columns, scores []float64, lo, hi int) {
	out := scores[lo:hi]
	clear(out)
	for ci := range m.chars {
		c := &m.chars[ci]
		name := m.card.Characteristics[ci].Variable
		missing := c.points[len(c.points)-1]
		if c.cat != nil {
			col := cols.Categorical[name][lo:hi]
			for i, v := range col {
				pt := missing
				if int(v) < len(c.catBin) && c.catBin[v] >= 0 {
					pt = c.points[c.catBin[v]]
				}
				out[i] += pt
			}
			continue
		}
		col := cols.Numeric[name][lo:hi]
		for i, x := range col {
			out[i] += c.points[c.numOutcome(x)]
		}
	}
}

// ScoreColumnsReasons is ScoreColumns that also ranks every row's reasons the way Assess does:
// the reason codes of the characteristics whose points fall furthest below their maximum,
// largest gap first and ties in card order, at most n per row. Row i's codes go to
// reasons[i·n : i·n+n], "" after its last one. reasons must hold exactly len(scores)·n codes
// and n must be at least 1 (ErrLength otherwise); an absent or short column is a
// *ValidationError naming it, as for ScoreColumns. The scores are bit-identical to
// ScoreColumns's. It does not allocate for cards of up to 32 characteristics and n ≤ 32.
func (m *Model) ScoreColumnsReasons(cols Columns, scores []float64, reasons []string, n int) error {
	if n < 1 || len(reasons) != len(scores)*n {
		return ErrLength
	}
	if err := m.checkColumns(cols, len(scores)); err != nil {
		return err
	}
	var numStack [32][]float64
	var catStack [32][]uint8
	num, cat := numStack[:0], catStack[:0]
	if len(m.chars) > len(numStack) {
		num, cat = make([][]float64, 0, len(m.chars)), make([][]uint8, 0, len(m.chars))
	}
	for ci := range m.chars {
		name := m.card.Characteristics[ci].Variable
		if m.chars[ci].cat != nil {
			num, cat = append(num, nil), append(cat, cols.Categorical[name])
			continue
		}
		num, cat = append(num, cols.Numeric[name]), append(cat, nil)
	}
	var gapStack [32]float64
	gaps := gapStack[:0]
	if n > len(gapStack) {
		gaps = make([]float64, 0, n)
	}
	gaps = gaps[:n]
	for i := range scores {
		top := reasons[i*n : i*n+n]
		clear(top)
		kept := 0
		s := 0.0
		for ci := range m.chars {
			c := &m.chars[ci]
			k := len(c.points) - 1 // missing
			if c.cat != nil {
				if v := cat[ci][i]; int(v) < len(c.catBin) && c.catBin[v] >= 0 {
					k = int(c.catBin[v])
				}
			} else {
				k = c.numOutcome(num[ci][i])
			}
			pt := c.points[k]
			s += pt
			g := c.points[c.best] - pt
			if !(g > 0) {
				continue
			}
			// insert after every kept gap at least as large: ties stay in card order
			at := kept
			for at > 0 && gaps[at-1] < g {
				at--
			}
			if at >= n {
				continue
			}
			if kept < n {
				kept++
			}
			copy(gaps[at+1:kept], gaps[at:kept-1])
			copy(top[at+1:kept], top[at:kept-1])
			gaps[at], top[at] = g, c.codes[k]
		}
		scores[i] = s
	}
	return nil
}
