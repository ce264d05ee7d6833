package credit

import (
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// Model is a scorecard compiled against Facts. Scoring does not allocate, and a Model is safe
// for concurrent use: it is never modified after Compile.
type Model struct {
	card   Scorecard
	chars  []compiledChar
	factor float64
	offset float64
}

// compiledChar is one characteristic ready to score. Outcome indices run over the ordinary
// bins, then the special values, then missing (the last).
type compiledChar struct {
	num     func(*Facts) (float64, bool)
	cat     func(*Facts) (uint8, bool)
	his     []float64 // upper bounds of all bins but the last
	special []float64
	catBin  []int8    // enum value → bin index
	points  []float64 // per outcome
	labels  []string  // per outcome
	codes   []string  // per outcome
	best    int       // outcome index with the most points
}

// Compile validates the card, binds each characteristic to its Facts variable (see
// Variables) and returns a Model. Unknown variables, a type that does not match the variable,
// and categorical bins that name unknown values or leave a value uncovered are reported with
// the card's structural problems in one *ValidationError.
func Compile(card *Scorecard) (*Model, error) {
	if err := card.Validate(); err != nil {
		return nil, err
	}
	vars := map[string]variable{}
	for _, v := range factVariables() {
		vars[v.name] = v
	}
	m := &Model{card: *card, factor: card.Scaling.Factor(), offset: card.Scaling.Offset()}
	if m.card.SHA256 == "" {
		sum, err := card.ContentHash()
		if err != nil {
			return nil, err
		}
		m.card.SHA256 = sum
	}
	var p problems
	for i := range card.Characteristics {
		ch := &card.Characteristics[i]
		path := fmt.Sprintf("characteristics[%d]", i)
		v, ok := vars[ch.Variable]
		if !ok {
			p.add(path+".variable", "variable", "unknown variable %q", "未知变量 %q", ch.Variable)
			continue
		}
		if v.typ != ch.Type {
			p.add(path+".type", "type", "variable %q is %s", "变量 %q 的类型是 %s", ch.Variable, v.typ)
			continue
		}
		m.chars = append(m.chars, compileChar(&p, path, ch, v))
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return m, nil
}

func compileChar(p *problems, path string, ch *Characteristic, v variable) compiledChar {
	c := compiledChar{num: v.num, cat: v.cat}
	for k, b := range ch.Bins {
		c.points = append(c.points, b.Points)
		c.codes = append(c.codes, b.ReasonCode)
		if ch.Type == Numeric {
			if k < len(ch.Bins)-1 {
				c.his = append(c.his, *b.Hi)
			}
			c.labels = append(c.labels, intervalLabel(b.Lo, b.Hi))
			continue
		}
		c.labels = append(c.labels, "{"+strings.Join(b.Values, ", ")+"}")
	}
	if ch.Type == Categorical {
		c.catBin = make([]int8, len(v.names))
		for i := range c.catBin {
			c.catBin[i] = -1
		}
		for k, b := range ch.Bins {
			for _, s := range b.Values {
				idx := indexOf(v.names, s)
				if idx < 1 {
					p.add(fmt.Sprintf("%s.bins[%d].values", path, k), "enum", "unknown value %q for %s",
						"%s 不接受取值 %q", s, ch.Variable)
					continue
				}
				c.catBin[idx] = int8(k)
			}
		}
		for idx := 1; idx < len(v.names); idx++ {
			if c.catBin[idx] < 0 {
				p.add(path+".bins", "gap", "value %q is in no bin", "取值 %q 不在任何分箱中", v.names[idx])
			}
		}
	}
	for _, s := range ch.Special {
		for _, x := range s.Values {
			c.special = append(c.special, x)
			c.points = append(c.points, s.Points)
			c.codes = append(c.codes, s.ReasonCode)
			c.labels = append(c.labels, "special "+strconv.FormatFloat(x, 'g', -1, 64))
		}
	}
	c.points = append(c.points, ch.Missing.Points)
	c.codes = append(c.codes, ch.Missing.ReasonCode)
	c.labels = append(c.labels, "missing")
	for k, pt := range c.points {
		if pt > c.points[c.best] {
			c.best = k
		}
	}
	return c
}

func indexOf(names []string, s string) int {
	for i, n := range names {
		if n == s && i > 0 {
			return i
		}
	}
	return -1
}

func intervalLabel(lo, hi *float64) string {
	l, h := "(-∞", "+∞"
	if lo != nil {
		l = "[" + strconv.FormatFloat(*lo, 'g', -1, 64)
	}
	if hi != nil {
		h = strconv.FormatFloat(*hi, 'g', -1, 64)
	}
	return l + ", " + h + ")"
}

// outcome returns the index of the outcome the facts fall into.
func (c *compiledChar) outcome(f *Facts) int {
	missing := len(c.points) - 1
	if c.cat != nil {
		v, ok := c.cat(f)
		if !ok || int(v) >= len(c.catBin) || c.catBin[v] < 0 {
			return missing
		}
		return int(c.catBin[v])
	}
	x, ok := c.num(f)
	if !ok {
		return missing
	}
	return c.numOutcome(x)
}

// numOutcome returns the outcome of a numeric value; NaN is missing.
func (c *compiledChar) numOutcome(x float64) int {
	if math.IsNaN(x) {
		return len(c.points) - 1
	}
	for k, s := range c.special {
		if x == s {
			return len(c.his) + 1 + k
		}
	}
	for k, hi := range c.his {
		if x < hi {
			return k
		}
	}
	return len(c.his)
}

// Score returns the applicant's score: the sum of the points of every characteristic. It does
// not allocate. A nil f scores every characteristic as missing.
func (m *Model) Score(f *Facts) float64 {
	if f == nil {
		f = &Facts{}
	}
	s := 0.0
	for i := range m.chars {
		c := &m.chars[i]
		s += c.points[c.outcome(f)]
	}
	return s
}

// PD returns the probability of default at a score, by the card's scaling.
func (m *Model) PD(score float64) float64 {
	return 1 / (1 + math.Exp((score-m.offset)/m.factor))
}

// Points returns what each characteristic contributed, in card order, appending to dst.
func (m *Model) Points(f *Facts, dst []Points) []Points {
	if f == nil {
		f = &Facts{}
	}
	var outcomes [32]int
	return m.points(m.outcomes(f, outcomes[:0]), dst)
}

// outcomes appends the outcome of every characteristic, in card order, to dst.
func (m *Model) outcomes(f *Facts, dst []int) []int {
	for i := range m.chars {
		dst = append(dst, m.chars[i].outcome(f))
	}
	return dst
}

// points appends the Points of the outcomes ks to dst.
func (m *Model) points(ks []int, dst []Points) []Points {
	for i, k := range ks {
		c := &m.chars[i]
		dst = append(dst, Points{
			Variable:   m.card.Characteristics[i].Variable,
			Bin:        c.labels[k],
			Points:     c.points[k],
			MaxPoints:  c.points[c.best],
			ReasonCode: c.codes[k],
		})
	}
	return dst
}

// ScoreBatch scores facts[i] into scores[i] on the calling goroutine. It returns ErrLength if
// the slices differ in length. It does not allocate.
func (m *Model) ScoreBatch(facts []Facts, scores []float64) error {
	if len(facts) != len(scores) {
		return ErrLength
	}
	for i := range facts {
		scores[i] = m.Score(&facts[i])
	}
	return nil
}

// ScoreBatchParallel is ScoreBatch split over workers goroutines (runtime.GOMAXPROCS(0) when
// workers ≤ 0). It returns when every score is written.
func (m *Model) ScoreBatchParallel(facts []Facts, scores []float64, workers int) error {
	if len(facts) != len(scores) {
		return ErrLength
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	chunk := (len(facts) + workers - 1) / max(workers, 1)
	var wg sync.WaitGroup
	for lo := 0; lo < len(facts); lo += chunk {
		hi := min(lo+chunk, len(facts))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				scores[i] = m.Score(&facts[i])
			}
		}()
	}
	wg.Wait()
	return nil
}

// Card returns a copy of the compiled scorecard's identity: model id, version and SHA-256.
func (m *Model) Card() (modelID, version, sha256 string) {
	return m.card.ModelID, m.card.Version, m.card.SHA256
}

// Scaling returns the card's scaling.
func (m *Model) Scaling() Scaling { return m.card.Scaling }
