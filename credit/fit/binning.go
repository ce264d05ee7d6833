package fit

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
)

// Trend is the direction of a numeric characteristic's bad rate as its value grows.
type Trend int

// Trends. The zero Trend means "choose from the data": both directions are tried and the
// one with the higher information value wins.
const (
	Ascending  Trend = iota + 1 // bad rate rises with the value
	Descending                  // bad rate falls as the value grows
)

var trendNames = []string{"", "ascending", "descending"}

// String returns "ascending" or "descending" ("" for the zero Trend).
func (t Trend) String() string {
	if t < 0 || int(t) >= len(trendNames) {
		return "Trend(" + strconv.Itoa(int(t)) + ")"
	}
	return trendNames[t]
}

// MarshalText encodes a set Trend; the zero Trend is an error.
func (t Trend) MarshalText() ([]byte, error) {
	if t != Ascending && t != Descending {
		return nil, fmt.Errorf("%w: trend %d", ErrConfig, int(t))
	}
	return []byte(t.String()), nil
}

// UnmarshalText decodes "ascending" or "descending".
func (t *Trend) UnmarshalText(b []byte) error {
	switch string(b) {
	case "ascending":
		*t = Ascending
	case "descending":
		*t = Descending
	default:
		return fmt.Errorf("%w: trend %q", ErrConfig, b)
	}
	return nil
}

// Bin is one attribute of a characteristic with its training counts, weight of evidence and
// (once a model is fitted) points.
//
// WoE sign convention: WoE = ln(good share / bad share), so a positive WoE marks a bin with
// fewer bads than average. A bin with no goods or no bads gets 0.5 added to both counts
// before the shares are taken, so WoE is always finite. A bin with no training rows at all
// (the missing bin when nothing was missing) gets the lowest WoE of its characteristic: an
// unseen condition is scored as the riskiest seen one.
type Bin struct {
	// Lo and Hi bound a numeric range bin, left-closed: Lo <= x < Hi. Lo is -Inf for the
	// first range and Hi is +Inf for the last; both are NaN in other bins.
	Lo, Hi float64
	// Categories lists the categories of a categorical group bin, sorted.
	Categories []string
	// Special lists the special values of the special-values bin (numeric only), sorted.
	Special []float64
	// Missing marks the missing-value bin. A categorical characteristic also sends
	// categories not seen in training to its missing bin.
	Missing bool

	Goods, Bads int
	WoE         float64
	IV          float64 // this bin's share of the characteristic's information value
	Points      float64 // set by Fit for selected characteristics
}

// BadRate returns Bads / (Goods + Bads), or NaN for an empty bin.
func (b Bin) BadRate() float64 {
	n := b.Goods + b.Bads
	if n == 0 {
		return math.NaN()
	}
	return float64(b.Bads) / float64(n)
}

// Label renders the bin: "[1.5, 3)", "{A, B}", "special {-1}" or "missing".
func (b Bin) Label() string {
	switch {
	case b.Missing:
		return "missing"
	case b.Special != nil:
		s := "special {"
		for i, v := range b.Special {
			if i > 0 {
				s += ", "
			}
			s += strconv.FormatFloat(v, 'g', -1, 64)
		}
		return s + "}"
	case b.Categories != nil:
		s := "{"
		for i, c := range b.Categories {
			if i > 0 {
				s += ", "
			}
			s += c
		}
		return s + "}"
	default:
		return "[" + fmtBound(b.Lo) + ", " + fmtBound(b.Hi) + ")"
	}
}

func fmtBound(v float64) string {
	switch {
	case math.IsInf(v, -1):
		return "-inf"
	case math.IsInf(v, 1):
		return "inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// Binning is the coarse classing of one characteristic. Numeric binnings hold their range
// bins in ascending order, then the special bin (if special values were configured), then
// the missing bin; categorical binnings hold their groups in ascending bad-rate order, then
// the missing bin. Every binning has a missing bin, so every value has a bin.
type Binning struct {
	Name  string
	Kind  Kind
	Trend Trend // numeric only: the monotone direction used
	Bins  []Bin
	IV    float64

	catIndex map[string]int // categorical: category -> bin
	nRanges  int            // numeric: the first nRanges bins are ranges
	special  int            // index of the special bin, or -1
	missing  int            // index of the missing bin
}

// binOf returns the bin index of row i of c.
func (b *Binning) binOf(c *Column, i int) int {
	if c.Missing[i] {
		return b.missing
	}
	if b.Kind == Categorical {
		if c.Kind == Numeric {
			return b.binOfCategory(strconv.FormatFloat(c.Num[i], 'g', -1, 64))
		}
		return b.binOfCategory(c.Cat[i])
	}
	if c.Kind != Numeric {
		return b.missing
	}
	return b.binOfNumber(c.Num[i])
}

func (b *Binning) binOfCategory(v string) int {
	if k, ok := b.catIndex[v]; ok {
		return k
	}
	return b.missing
}

func (b *Binning) binOfNumber(x float64) int {
	if math.IsNaN(x) {
		return b.missing
	}
	if b.special >= 0 {
		if _, ok := slices.BinarySearch(b.Bins[b.special].Special, x); ok {
			return b.special
		}
	}
	ranges := b.Bins[:b.nRanges]
	return sort.Search(len(ranges)-1, func(k int) bool { return x < ranges[k].Hi })
}

// binParams are the classing settings.
type binParams struct {
	maxBins  int
	minShare float64
	trend    Trend
	special  []float64
}

// group is a bin under construction.
type group struct {
	lo, hi      float64
	cats        []string
	goods, bads int
}

func (g group) n() int { return g.goods + g.bads }

func (g group) rate() float64 { return float64(g.bads) / float64(max(g.n(), 1)) }

func (g *group) absorb(o group) {
	g.hi = o.hi
	g.cats = append(g.cats, o.cats...)
	g.goods += o.goods
	g.bads += o.bads
}

// binColumn classes column c against the bad flags (one per row). It reports ErrAllMissing
// and ErrConstant.
func binColumn(c *Column, bad []bool, p binParams) (*Binning, error) {
	n := len(bad)
	var missGood, missBad int
	for i := range n {
		if c.Missing[i] {
			if bad[i] {
				missBad++
			} else {
				missGood++
			}
		}
	}
	if missGood+missBad == n {
		return nil, &DataError{Column: c.Name, Err: ErrAllMissing}
	}
	minCount := max(1, int(math.Ceil(p.minShare*float64(n))))
	var b *Binning
	var distinct int
	if c.Kind == Numeric {
		b, distinct = binNumeric(c, bad, p, minCount)
	} else {
		b, distinct = binCategorical(c, bad, p, minCount)
	}
	levels := distinct
	if missGood+missBad > 0 {
		levels++
	}
	if levels < 2 {
		return nil, &DataError{Column: c.Name, Err: ErrConstant}
	}
	b.missing = len(b.Bins)
	b.Bins = append(b.Bins, Bin{Missing: true, Goods: missGood, Bads: missBad, Lo: math.NaN(), Hi: math.NaN()})
	setWoE(b)
	return b, nil
}

// binNumeric does fine classing into at most p.maxBins quantile bins, then merges to a
// monotone bad rate and to at least minCount rows per bin. It returns the number of distinct
// non-missing values (specials included).
func binNumeric(c *Column, bad []bool, p binParams, minCount int) (*Binning, int) {
	special := slices.Clone(p.special)
	slices.Sort(special)
	special = slices.Compact(special)
	type obs struct {
		x   float64
		bad bool
	}
	var xs []obs
	var spGood, spBad int
	spSeen := map[float64]bool{}
	for i := range bad {
		if c.Missing[i] {
			continue
		}
		x := c.Num[i]
		if _, ok := slices.BinarySearch(special, x); ok {
			spSeen[x] = true
			if bad[i] {
				spBad++
			} else {
				spGood++
			}
			continue
		}
		xs = append(xs, obs{x, bad[i]})
	}
	slices.SortFunc(xs, func(a, b obs) int { return cmpFloat(a.x, b.x) }) // no NaN here

	distinct := len(spSeen)
	for i := range xs {
		if i == 0 || xs[i].x != xs[i-1].x {
			distinct++
		}
	}

	// Fine classing: cut points at quantiles, each an observed value.
	var cuts []float64
	maxBins := max(p.maxBins, 1)
	for q := 1; q < maxBins && len(xs) > 0; q++ {
		v := xs[q*len(xs)/maxBins].x
		if v > xs[0].x && (len(cuts) == 0 || v > cuts[len(cuts)-1]) {
			cuts = append(cuts, v)
		}
	}
	fine := make([]group, len(cuts)+1)
	for k := range fine {
		fine[k].lo, fine[k].hi = math.Inf(-1), math.Inf(1)
		if k > 0 {
			fine[k].lo = cuts[k-1]
		}
		if k < len(cuts) {
			fine[k].hi = cuts[k]
		}
	}
	k := 0
	for _, o := range xs {
		for k < len(cuts) && o.x >= cuts[k] {
			k++
		}
		if o.bad {
			fine[k].bads++
		} else {
			fine[k].goods++
		}
	}
	if len(xs) == 0 {
		fine = fine[:0]
	}

	var groups []group
	trend := p.trend
	if trend == 0 {
		asc := coarse(slices.Clone(fine), Ascending, minCount)
		desc := coarse(slices.Clone(fine), Descending, minCount)
		if ivOf(desc) > ivOf(asc) {
			groups, trend = desc, Descending
		} else {
			groups, trend = asc, Ascending
		}
	} else {
		groups = coarse(fine, trend, minCount)
	}

	b := &Binning{Name: c.Name, Kind: Numeric, Trend: trend, special: -1}
	for _, g := range groups {
		b.Bins = append(b.Bins, Bin{Lo: g.lo, Hi: g.hi, Goods: g.goods, Bads: g.bads})
	}
	if len(b.Bins) == 0 {
		b.Bins = append(b.Bins, Bin{Lo: math.Inf(-1), Hi: math.Inf(1)})
	}
	b.Bins[0].Lo = math.Inf(-1)
	b.Bins[len(b.Bins)-1].Hi = math.Inf(1)
	b.nRanges = len(b.Bins)
	if len(special) > 0 {
		b.special = len(b.Bins)
		b.Bins = append(b.Bins, Bin{Special: special, Goods: spGood, Bads: spBad, Lo: math.NaN(), Hi: math.NaN()})
	}
	return b, distinct
}

// coarse merges adjacent groups until the bad rate is strictly monotone in the given
// direction and every group holds at least minCount rows (or one group is left).
func coarse(gs []group, trend Trend, minCount int) []group {
	// Pool adjacent violators: a stack of groups whose rates respect the trend.
	out := gs[:0]
	for _, g := range gs {
		out = append(out, g)
		for len(out) > 1 && violates(out[len(out)-2], out[len(out)-1], trend) {
			out[len(out)-2].absorb(out[len(out)-1])
			out = out[:len(out)-1]
		}
	}
	return mergeSmall(out, minCount)
}

func violates(a, b group, trend Trend) bool {
	if a.n() == 0 || b.n() == 0 {
		return true
	}
	if trend == Ascending {
		return a.rate() >= b.rate()
	}
	return a.rate() <= b.rate()
}

// mergeSmall merges the smallest group below minCount into the neighbour with the closer
// bad rate, until none is below minCount. Merging neighbours keeps a monotone sequence
// monotone.
func mergeSmall(gs []group, minCount int) []group {
	for len(gs) > 1 {
		small := -1
		for i, g := range gs {
			if g.n() < minCount && (small < 0 || g.n() < gs[small].n()) {
				small = i
			}
		}
		if small < 0 {
			break
		}
		j := small - 1
		if j < 0 || (small+1 < len(gs) && math.Abs(gs[small+1].rate()-gs[small].rate()) < math.Abs(gs[j].rate()-gs[small].rate())) {
			j = small + 1
		}
		lo, hi := min(small, j), max(small, j)
		gs[lo].absorb(gs[hi])
		gs = slices.Delete(gs, hi, hi+1)
	}
	return gs
}

// ivOf returns the information value of groups (smoothed like setWoE).
func ivOf(gs []group) float64 {
	var G, B float64
	for _, g := range gs {
		G += float64(g.goods)
		B += float64(g.bads)
	}
	if G == 0 || B == 0 {
		return 0
	}
	var iv float64
	for _, g := range gs {
		w, gs, bs := woe(float64(g.goods), float64(g.bads), G, B)
		iv += (gs - bs) * w
	}
	return iv
}

// woe returns the smoothed weight of evidence of a bin and its good and bad shares.
func woe(g, b, G, B float64) (w, gShare, bShare float64) {
	if g == 0 || b == 0 {
		g += 0.5
		b += 0.5
	}
	gShare, bShare = g/G, b/B
	return math.Log(gShare / bShare), gShare, bShare
}

// binCategorical pools categories rarer than minCount, orders the groups by bad rate and
// merges neighbours until each holds minCount rows and at most p.maxBins are left.
func binCategorical(c *Column, bad []bool, p binParams, minCount int) (*Binning, int) {
	counts := map[string]*group{}
	for i := range bad {
		if c.Missing[i] {
			continue
		}
		v := c.Cat[i]
		if c.Kind == Numeric {
			v = strconv.FormatFloat(c.Num[i], 'g', -1, 64)
		}
		g := counts[v]
		if g == nil {
			g = &group{cats: []string{v}}
			counts[v] = g
		}
		if bad[i] {
			g.bads++
		} else {
			g.goods++
		}
	}
	var gs []group
	var rare group
	for _, g := range counts {
		if g.n() < minCount {
			rare.cats = append(rare.cats, g.cats...)
			rare.goods += g.goods
			rare.bads += g.bads
			continue
		}
		gs = append(gs, *g)
	}
	if rare.n() > 0 {
		gs = append(gs, rare)
	}
	for i := range gs {
		slices.Sort(gs[i].cats)
	}
	slices.SortFunc(gs, func(a, b group) int {
		if c := cmp.Compare(a.rate(), b.rate()); c != 0 {
			return c
		}
		return cmp.Compare(a.cats[0], b.cats[0])
	})
	gs = mergeSmall(gs, minCount)
	for len(gs) > max(p.maxBins, 1) {
		best := 0
		for i := 1; i+1 < len(gs); i++ {
			if gs[i+1].rate()-gs[i].rate() < gs[best+1].rate()-gs[best].rate() {
				best = i
			}
		}
		gs[best].absorb(gs[best+1])
		gs = slices.Delete(gs, best+1, best+2)
	}
	b := &Binning{Name: c.Name, Kind: Categorical, special: -1, catIndex: map[string]int{}}
	for k, g := range gs {
		slices.Sort(g.cats)
		b.Bins = append(b.Bins, Bin{Categories: g.cats, Goods: g.goods, Bads: g.bads, Lo: math.NaN(), Hi: math.NaN()})
		for _, cat := range g.cats {
			b.catIndex[cat] = k
		}
	}
	return b, len(counts)
}

// setWoE fills WoE and IV of every bin and the binning's IV. Empty bins get the lowest WoE.
func setWoE(b *Binning) {
	var G, B float64
	for _, bin := range b.Bins {
		G += float64(bin.Goods)
		B += float64(bin.Bads)
	}
	lowest := math.Inf(1)
	b.IV = 0
	for k := range b.Bins {
		bin := &b.Bins[k]
		if bin.Goods+bin.Bads == 0 || G == 0 || B == 0 {
			continue
		}
		w, gs, bs := woe(float64(bin.Goods), float64(bin.Bads), G, B)
		bin.WoE, bin.IV = w, (gs-bs)*w
		b.IV += bin.IV
		lowest = min(lowest, w)
	}
	if math.IsInf(lowest, 1) {
		lowest = 0
	}
	for k := range b.Bins {
		if b.Bins[k].Goods+b.Bins[k].Bads == 0 {
			b.Bins[k].WoE, b.Bins[k].IV = lowest, 0
		}
	}
}
