package fit

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/creditkit/creditkit/credit"
)

// Score direction: every metric here takes scores where higher means safer (fewer bads),
// as scorecard points are; pass −PD to use probabilities.

// ranked is a score with its outcome.
type ranked struct {
	s   float64
	bad bool
}

// rank pairs and sorts the inputs by ascending score, checking lengths, finiteness and that
// both classes occur.
func rank(scores []float64, bad []bool) ([]ranked, int, int, error) {
	if len(scores) != len(bad) || len(scores) == 0 {
		return nil, 0, 0, fmt.Errorf("%w: %d scores, %d outcomes", ErrLength, len(scores), len(bad))
	}
	r := make([]ranked, len(scores))
	var nBad int
	for i, s := range scores {
		if math.IsNaN(s) {
			return nil, 0, 0, fmt.Errorf("%w: score %d is NaN", ErrConfig, i)
		}
		r[i] = ranked{s, bad[i]}
		if bad[i] {
			nBad++
		}
	}
	if nBad == 0 || nBad == len(r) {
		return nil, 0, 0, ErrOneClass
	}
	slices.SortFunc(r, func(a, b ranked) int { return cmpFloat(a.s, b.s) }) // NaN rejected above
	return r, len(r) - nBad, nBad, nil
}

// AUC returns the area under the ROC curve: the probability that a random bad scores below a
// random good, ties counting one half. Errors: ErrLength, ErrOneClass, ErrConfig (NaN score).
func AUC(scores []float64, bad []bool) (float64, error) {
	r, goods, bads, err := rank(scores, bad)
	if err != nil {
		return 0, err
	}
	var below, sum float64 // bads strictly below the current tie group
	for i := 0; i < len(r); {
		j := i
		var g, b float64
		for ; j < len(r) && r[j].s == r[i].s; j++ {
			if r[j].bad {
				b++
			} else {
				g++
			}
		}
		sum += g * (below + b/2)
		below += b
		i = j
	}
	return sum / (float64(goods) * float64(bads)), nil
}

// Gini returns 2·AUC − 1 (the accuracy ratio).
func Gini(scores []float64, bad []bool) (float64, error) {
	a, err := AUC(scores, bad)
	return 2*a - 1, err
}

// KS returns the Kolmogorov–Smirnov statistic, max over thresholds of |F_bad − F_good|, and
// the score at which it is reached (the top of the tie group).
func KS(scores []float64, bad []bool) (ks, at float64, err error) {
	r, goods, bads, err := rank(scores, bad)
	if err != nil {
		return 0, 0, err
	}
	var cb, cg float64
	for i := 0; i < len(r); {
		j := i
		for ; j < len(r) && r[j].s == r[i].s; j++ {
			if r[j].bad {
				cb++
			} else {
				cg++
			}
		}
		if d := math.Abs(cb/float64(bads) - cg/float64(goods)); d > ks {
			ks, at = d, r[i].s
		}
		i = j
	}
	return ks, at, nil
}

// GainsRow is one score band of a gains table, riskiest band first.
type GainsRow struct {
	MinScore, MaxScore float64
	Count, Bads, Goods int
	BadRate            float64
	CumBadShare        float64 // share of all bads in this band and the riskier ones
	CumGoodShare       float64
	KS                 float64 // CumBadShare − CumGoodShare
	Lift               float64 // BadRate / overall bad rate
}

// Gains returns a gains table in at most bands score bands of about equal size (a tie group
// is never split, so bands may be fewer). Errors as AUC, and ErrConfig for bands < 1.
func Gains(scores []float64, bad []bool, bands int) ([]GainsRow, error) {
	if bands < 1 {
		return nil, fmt.Errorf("%w: bands %d", ErrConfig, bands)
	}
	r, goods, bads, err := rank(scores, bad)
	if err != nil {
		return nil, err
	}
	overall := float64(bads) / float64(len(r))
	var out []GainsRow
	var cb, cg int
	for i := 0; i < len(r); {
		end := max(i+1, (len(out)+1)*len(r)/bands)
		for end < len(r) && r[end].s == r[end-1].s {
			end++
		}
		row := GainsRow{MinScore: r[i].s, MaxScore: r[end-1].s, Count: end - i}
		for _, x := range r[i:end] {
			if x.bad {
				row.Bads++
			} else {
				row.Goods++
			}
		}
		cb += row.Bads
		cg += row.Goods
		row.BadRate = float64(row.Bads) / float64(row.Count)
		row.CumBadShare = float64(cb) / float64(bads)
		row.CumGoodShare = float64(cg) / float64(goods)
		row.KS = row.CumBadShare - row.CumGoodShare
		row.Lift = row.BadRate / overall
		out = append(out, row)
		i = end
	}
	return out, nil
}

// CalibrationRow compares the predicted and observed bad rates of one group (a grade).
type CalibrationRow struct {
	Group     string
	Count     int
	Bads      int
	Predicted float64 // mean predicted PD
	Observed  float64 // Bads / Count
	// PValue is the two-sided exact binomial test of Bads against Count trials at the
	// Predicted rate (the sum of the probabilities of outcomes no likelier than Bads).
	PValue float64
}

// Calibration groups rows by groups[i] (for example a grade's String) and compares the mean
// predicted PD with the observed bad rate in each, ordered by ascending predicted PD.
// Errors: ErrLength when the slices differ or are empty; ErrConfig for a PD outside [0, 1].
func Calibration(groups []string, pd []float64, bad []bool) ([]CalibrationRow, error) {
	if len(groups) != len(pd) || len(pd) != len(bad) || len(pd) == 0 {
		return nil, fmt.Errorf("%w: %d groups, %d PDs, %d outcomes", ErrLength, len(groups), len(pd), len(bad))
	}
	idx := map[string]int{}
	var rows []CalibrationRow
	for i, g := range groups {
		if !(pd[i] >= 0 && pd[i] <= 1) {
			return nil, fmt.Errorf("%w: PD %v at row %d", ErrConfig, pd[i], i)
		}
		k, ok := idx[g]
		if !ok {
			k = len(rows)
			idx[g] = k
			rows = append(rows, CalibrationRow{Group: g})
		}
		rows[k].Count++
		rows[k].Predicted += pd[i]
		if bad[i] {
			rows[k].Bads++
		}
	}
	for k := range rows {
		r := &rows[k]
		r.Predicted /= float64(r.Count)
		r.Observed = float64(r.Bads) / float64(r.Count)
		r.PValue = BinomialTest(r.Bads, r.Count, r.Predicted)
	}
	slices.SortStableFunc(rows, func(a, b CalibrationRow) int { return cmp.Compare(a.Predicted, b.Predicted) })
	return rows, nil
}

// BinomialTest returns the two-sided exact binomial p-value of k successes in n trials at
// success probability p: the total probability of outcomes no likelier than k. It returns
// NaN for n < 1, k outside [0, n] or p outside [0, 1].
func BinomialTest(k, n int, p float64) float64 {
	if n < 1 || k < 0 || k > n || !(p >= 0 && p <= 1) {
		return math.NaN()
	}
	switch p {
	case 0:
		return boolP(k == 0)
	case 1:
		return boolP(k == n)
	}
	logPMF := func(i int) float64 {
		a, _ := math.Lgamma(float64(n + 1))
		b, _ := math.Lgamma(float64(i + 1))
		c, _ := math.Lgamma(float64(n - i + 1))
		return a - b - c + float64(i)*math.Log(p) + float64(n-i)*math.Log1p(-p)
	}
	at := logPMF(k)
	const rel = 1 + 1e-7
	var sum float64
	for i := 0; i <= n; i++ {
		if l := logPMF(i); l <= at+math.Log(rel) {
			sum += math.Exp(l)
		}
	}
	return min(sum, 1)
}

func boolP(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// PSIRow is one band of a population stability index.
type PSIRow struct {
	Lo, Hi       float64 // the band [Lo, Hi) of the expected scores; the ends are ±Inf
	Expected     float64 // share of the expected sample in the band
	Actual       float64 // share of the actual sample in the band
	Contribution float64 // (Actual − Expected)·ln(Actual / Expected)
}

// psiFloor replaces an empty share so that the index stays finite.
const psiFloor = 1e-4

// PSI returns the population stability index of actual against expected scores over at most
// bands quantile bands of expected (ties never split), and the bands. Empty shares count as
// 0.0001. Read it with Stability. Errors: ErrLength for an empty sample, ErrConfig for
// bands < 1 or a NaN score.
func PSI(expected, actual []float64, bands int) (float64, []PSIRow, error) {
	if len(expected) == 0 || len(actual) == 0 {
		return 0, nil, fmt.Errorf("%w: %d expected, %d actual", ErrLength, len(expected), len(actual))
	}
	if bands < 1 {
		return 0, nil, fmt.Errorf("%w: bands %d", ErrConfig, bands)
	}
	for _, s := range slices.Concat(expected, actual) {
		if math.IsNaN(s) {
			return 0, nil, fmt.Errorf("%w: NaN score", ErrConfig)
		}
	}
	cuts := credit.QuantileEdges(slices.Sorted(slices.Values(expected)), bands)
	band := func(x float64) int {
		k, _ := slices.BinarySearch(cuts, x)
		if k < len(cuts) && cuts[k] == x {
			k++
		}
		return k
	}
	ec := make([]float64, len(cuts)+1)
	ac := make([]float64, len(cuts)+1)
	for _, x := range expected {
		ec[band(x)]++
	}
	for _, x := range actual {
		ac[band(x)]++
	}
	rows := make([]PSIRow, len(ec))
	var psi float64
	for k := range rows {
		lo, hi := math.Inf(-1), math.Inf(1)
		if k > 0 {
			lo = cuts[k-1]
		}
		if k < len(cuts) {
			hi = cuts[k]
		}
		es := max(ec[k]/float64(len(expected)), psiFloor)
		as := max(ac[k]/float64(len(actual)), psiFloor)
		c := (as - es) * math.Log(as/es)
		rows[k] = PSIRow{Lo: lo, Hi: hi, Expected: es, Actual: as, Contribution: c}
		psi += c
	}
	return psi, rows, nil
}

// Stability reads a PSI or CSI: "stable" below 0.1, "watch" up to 0.25, "shifted" above
// (credit.Stability).
func Stability(index float64) string { return credit.Stability(index) }

// CSIRow is the characteristic stability index of one card characteristic.
type CSIRow struct {
	Name     string
	CSI      float64
	Expected []float64 // share of the expected table in each bin, in bin order
	Actual   []float64
}

// CSI returns, for every characteristic on the card, the stability index of its bin
// distribution in actual against expected (typically the training table against recent
// applicants), with empty shares counted as 0.0001. Errors as Score, and ErrLength for an
// empty table.
func (m *Model) CSI(expected, actual *Table) ([]CSIRow, error) {
	if expected.Rows == 0 || actual.Rows == 0 {
		return nil, fmt.Errorf("%w: %d expected rows, %d actual", ErrLength, expected.Rows, actual.Rows)
	}
	ecols, err := m.columns(expected)
	if err != nil {
		return nil, err
	}
	acols, err := m.columns(actual)
	if err != nil {
		return nil, err
	}
	out := make([]CSIRow, len(m.Card))
	for j, b := range m.Card {
		row := CSIRow{Name: b.Name, Expected: binShares(b, ecols[j], expected.Rows), Actual: binShares(b, acols[j], actual.Rows)}
		for k := range row.Expected {
			es, as := max(row.Expected[k], psiFloor), max(row.Actual[k], psiFloor)
			row.CSI += (as - es) * math.Log(as/es)
		}
		out[j] = row
	}
	return out, nil
}

func binShares(b *Binning, c *Column, rows int) []float64 {
	s := make([]float64, len(b.Bins))
	for i := range rows {
		s[b.binOf(c, i)]++
	}
	for k := range s {
		s[k] /= float64(rows)
	}
	return s
}
