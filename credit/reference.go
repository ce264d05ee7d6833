package credit

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Reference is the score distribution of the population a scorecard was developed on:
// the baseline a population stability index (PSI) compares today's applicants with. Its
// n score bands are cut at Edges (n−1 ascending scores; band k is [Edges[k−1], Edges[k]),
// the first open below, the last open above) and Shares gives the share of the
// development sample in each. A scorecard fitted by credit/fit carries one; the built-in
// cards do not (they were not developed on data).
type Reference struct {
	// Source describes the sample, such as "development sample, 1,000 rows".
	Source string    `json:"source,omitempty"`
	Edges  []float64 `json:"edges"`
	Shares []float64 `json:"shares"`
}

// MaxReferenceBands bounds the bands of a Reference.
const MaxReferenceBands = 100

// referenceFloor replaces an empty share in PSI so that the index stays finite.
const referenceFloor = 1e-4

// ErrNoScores reports a PSI asked of no scores.
var ErrNoScores = errors.New("credit: no scores")

// NewReference returns the reference distribution of scores over at most bands quantile
// bands (ties never split, so there may be fewer), described by source. It fails for no
// scores, a NaN or infinite score, or bands outside 2..MaxReferenceBands.
func NewReference(scores []float64, bands int, source string) (*Reference, error) {
	switch {
	case len(scores) == 0:
		return nil, ErrNoScores
	case bands < 2 || bands > MaxReferenceBands:
		return nil, fmt.Errorf("credit: reference bands %d outside 2..%d", bands, MaxReferenceBands)
	}
	s := slices.Clone(scores)
	for _, v := range s {
		if !finite(v) {
			return nil, fmt.Errorf("credit: reference score %v is not finite", v)
		}
	}
	slices.Sort(s)
	r := &Reference{Source: source, Edges: QuantileEdges(s, bands)}
	r.Shares = make([]float64, len(r.Edges)+1)
	for _, v := range s {
		r.Shares[r.band(v)]++
	}
	for k := range r.Shares {
		r.Shares[k] /= float64(len(s))
	}
	return r, nil
}

// QuantileEdges returns the cut points of at most bands quantile bands of sorted (ascending,
// not empty): the q/bands quantiles, skipping any that equals the smallest value or the cut
// before it, so ties are never split and no band is empty of the sample.
func QuantileEdges(sorted []float64, bands int) []float64 {
	var cuts []float64
	for q := 1; q < bands; q++ {
		v := sorted[q*len(sorted)/bands]
		if v > sorted[0] && (len(cuts) == 0 || v > cuts[len(cuts)-1]) {
			cuts = append(cuts, v)
		}
	}
	return cuts
}

// band returns the band of score v.
func (r *Reference) band(v float64) int {
	k, found := slices.BinarySearch(r.Edges, v)
	if found {
		k++
	}
	return k
}

// PSI returns the population stability index of scores against the reference:
// Σ (actual − expected)·ln(actual / expected) over the bands, an empty share counting as
// 0.0001. Below 0.1 the population is stable, up to 0.25 worth watching, above that
// shifted. NaN scores are skipped; it fails with ErrNoScores when none is left.
func (r *Reference) PSI(scores []float64) (float64, error) {
	counts := make([]float64, len(r.Shares))
	n := 0
	for _, v := range scores {
		if math.IsNaN(v) {
			continue
		}
		counts[r.band(v)]++
		n++
	}
	if n == 0 {
		return 0, ErrNoScores
	}
	var psi float64
	for k, e := range r.Shares {
		e = max(e, referenceFloor)
		a := max(counts[k]/float64(n), referenceFloor)
		psi += (a - e) * math.Log(a/e)
	}
	return psi, nil
}

// Stability reads a population (or characteristic) stability index: "stable" below 0.1,
// "watch" up to 0.25, "shifted" above.
func Stability(index float64) string {
	switch {
	case index < 0.1:
		return "stable"
	case index <= 0.25:
		return "watch"
	}
	return "shifted"
}

// validate adds the reference's problems to p: 2 to MaxReferenceBands bands, edges finite
// and strictly ascending, one share per band, each in [0, 1], summing to 1.
func (r *Reference) validate(p *problems) {
	const path = "reference"
	n := len(r.Shares)
	switch {
	case n < 2 || n > MaxReferenceBands:
		p.add(path+".shares", "bands", "a reference needs 2 to %d bands", "参考分布需要 2 到 %d 个分段", MaxReferenceBands)
		return
	case len(r.Edges) != n-1:
		p.add(path+".edges", "bands", "%d shares need %d edges", "%d 个占比需要 %d 个分界点", n, n-1)
		return
	}
	for i, e := range r.Edges {
		if !finite(e) || i > 0 && !(e > r.Edges[i-1]) {
			p.add(fmt.Sprintf("%s.edges[%d]", path, i), "ascending", "edges must be finite and strictly ascending", "分界点必须是严格递增的有限数")
		}
	}
	var sum float64
	for i, s := range r.Shares {
		if !(s >= 0 && s <= 1) {
			p.add(fmt.Sprintf("%s.shares[%d]", path, i), "share", "a share must be between 0 and 1", "占比必须在 0 到 1 之间")
		}
		sum += s
	}
	if math.Abs(sum-1) > 1e-6 {
		p.add(path+".shares", "sum", "shares must sum to 1", "占比之和必须为 1")
	}
}
