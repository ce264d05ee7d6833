package fit

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/creditkit/creditkit/credit"
)

// Config sets up Fit. Only Target is required; every other zero value means the default
// stated on the field.
type Config struct {
	// Target names the outcome column.
	Target string
	// BadValues and GoodValues are the target values meaning bad and good, compared without
	// regard to case. nil means {"bad", "1"} and {"good", "0"}.
	BadValues, GoodValues []string
	// Characteristics names the candidate columns, in the order the card will list them.
	// nil means every column except the target.
	Characteristics []string
	// MaxBins caps the fine classes of a numeric characteristic and the groups of a
	// categorical one. 0 means 20; allowed 2..100.
	MaxBins int
	// MinBinShare is the least share of rows in any coarse bin (missing and special bins
	// excepted). 0 means 0.05; allowed (0, 0.5].
	MinBinShare float64
	// Trends forces the bad-rate direction of numeric characteristics; the rest choose from
	// the data.
	Trends map[string]Trend
	// Special lists values of numeric characteristics scored in a bin of their own (for
	// example −1 meaning "not reported").
	Special map[string][]float64
	// Categorical forces named numeric columns to be classed as categories.
	Categorical []string
	// MinIV drops characteristics whose information value is below it. 0 means 0.02; a
	// negative value keeps all.
	MinIV float64
	// MaxCorrelation drops a characteristic whose WoE correlates (Pearson, absolute) above
	// it with a characteristic of higher IV already kept. 0 means 0.7; 1 or more keeps all.
	MaxCorrelation float64
	// L2 is the ridge penalty on the regression slopes (not the intercept). 0 means none.
	L2 float64
	// MaxPValue, when above 0, drops the least significant characteristic and refits until
	// every slope has a p-value at most MaxPValue.
	MaxPValue float64
	// Scaling turns log-odds into points. The zero value means 600 points at 50:1 good:bad
	// odds with 20 points to double the odds.
	Scaling credit.Scaling
	// Decimals rounds every bin's points to this many decimals (half away from zero). 0
	// means whole points; allowed 0..6.
	Decimals int
	// ModelID and Version label the card; empty means "fit" and "1".
	ModelID, Version string
	// Reasons names the reason code (and its English and Chinese text) of characteristics;
	// a characteristic not listed gets ReasonCode(j) and a generated text. Codes must be
	// unique and non-empty.
	Reasons map[string]credit.ReasonText
}

// DropReason says why Fit left a characteristic out of the card.
type DropReason int

// Drop reasons.
const (
	DropLowIV         DropReason = iota + 1 // information value below Config.MinIV
	DropCorrelated                          // WoE correlated with a stronger characteristic
	DropWrongSign                           // coefficient sign contradicts the WoE (β ≥ 0)
	DropInsignificant                       // p-value above Config.MaxPValue
)

var dropNames = []string{"", "low_iv", "correlated", "wrong_sign", "insignificant"}

// String returns the reason's snake_case name ("" for the zero value).
func (r DropReason) String() string {
	if r < 0 || int(r) >= len(dropNames) {
		return "DropReason(" + strconv.Itoa(int(r)) + ")"
	}
	return dropNames[r]
}

// MarshalText encodes a set reason; the zero value is an error.
func (r DropReason) MarshalText() ([]byte, error) {
	if r < DropLowIV || r > DropInsignificant {
		return nil, fmt.Errorf("%w: drop reason %d", ErrConfig, int(r))
	}
	return []byte(r.String()), nil
}

// UnmarshalText decodes a reason name.
func (r *DropReason) UnmarshalText(b []byte) error {
	i := slices.Index(dropNames, string(b))
	if i <= 0 {
		return fmt.Errorf("%w: drop reason %q", ErrConfig, b)
	}
	*r = DropReason(i)
	return nil
}

// Drop records a characteristic left out of the card and why. For DropCorrelated, With names
// the stronger characteristic it correlated with.
type Drop struct {
	Name   string
	Reason DropReason
	With   string
}

// Model is a fitted scorecard: every candidate's binning (with WoE and IV), the selected
// characteristics with their points, the regression coefficients and what was dropped. A
// Model is read-only after Fit and safe for concurrent use.
type Model struct {
	Target  string
	ModelID string
	Version string
	Scaling credit.Scaling
	// Binnings holds every candidate characteristic in Config order.
	Binnings []*Binning
	// Card holds the selected characteristics in Config order; their bins carry Points.
	Card []*Binning
	// Coefficients: the intercept first, then one per Card entry in the same order.
	Coefficients []Coefficient
	Drops        []Drop
	// Reference is the score distribution of the training rows in ten quantile bands, the
	// baseline of the card's population stability index; Scorecard writes it into the card.
	Reference *credit.Reference

	reasons map[string]credit.ReasonText
}

// defaults fills zero values and validates the configuration.
func (cfg Config) defaults() (Config, error) {
	if cfg.BadValues == nil {
		cfg.BadValues = []string{"bad", "1"}
	}
	if cfg.GoodValues == nil {
		cfg.GoodValues = []string{"good", "0"}
	}
	if cfg.MaxBins == 0 {
		cfg.MaxBins = 20
	}
	if cfg.MinBinShare == 0 {
		cfg.MinBinShare = 0.05
	}
	if cfg.MinIV == 0 {
		cfg.MinIV = 0.02
	}
	if cfg.MaxCorrelation == 0 {
		cfg.MaxCorrelation = 0.7
	}
	if cfg.Scaling == (credit.Scaling{}) {
		cfg.Scaling = credit.Scaling{BaseScore: 600, BaseOdds: 50, PDO: 20}
	}
	if cfg.ModelID == "" {
		cfg.ModelID = "fit"
	}
	if cfg.Version == "" {
		cfg.Version = "1"
	}
	var bad []string
	if cfg.Target == "" {
		bad = append(bad, "target is required")
	}
	if cfg.MaxBins < 2 || cfg.MaxBins > 100 {
		bad = append(bad, "max bins must be 2..100")
	}
	if !(cfg.MinBinShare > 0 && cfg.MinBinShare <= 0.5) {
		bad = append(bad, "min bin share must be in (0, 0.5]")
	}
	if math.IsNaN(cfg.MinIV) || math.IsNaN(cfg.MaxCorrelation) || cfg.MaxCorrelation < 0 {
		bad = append(bad, "min IV and max correlation must be numbers, max correlation ≥ 0")
	}
	if !(cfg.L2 >= 0) || math.IsInf(cfg.L2, 0) {
		bad = append(bad, "L2 must be finite and ≥ 0")
	}
	if !(cfg.MaxPValue >= 0 && cfg.MaxPValue <= 1) {
		bad = append(bad, "max p-value must be in [0, 1]")
	}
	s := cfg.Scaling
	if !(s.PDO > 0) || !(s.BaseOdds > 0) || math.IsInf(s.PDO, 0) || math.IsInf(s.BaseOdds, 0) || math.IsNaN(s.BaseScore) || math.IsInf(s.BaseScore, 0) {
		bad = append(bad, "scaling needs finite base score and positive PDO and base odds")
	}
	codes := map[string]bool{}
	for name, r := range cfg.Reasons {
		if r.Code == "" || codes[r.Code] {
			bad = append(bad, fmt.Sprintf("reason code of %q must be non-empty and unique", name))
		}
		codes[r.Code] = true
	}
	if cfg.Decimals < 0 || cfg.Decimals > 6 {
		bad = append(bad, "decimals must be 0..6")
	}
	for name, tr := range cfg.Trends {
		if tr != Ascending && tr != Descending {
			bad = append(bad, fmt.Sprintf("trend of %q must be ascending or descending", name))
		}
	}
	for name, vs := range cfg.Special {
		for _, v := range vs {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				bad = append(bad, fmt.Sprintf("special values of %q must be finite", name))
			}
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		return cfg, fmt.Errorf("%w: %s", ErrConfig, strings.Join(bad, "; "))
	}
	return cfg, nil
}

// Fit fits a scorecard to table t: it classes each candidate characteristic, computes WoE
// and IV, selects characteristics by IV and WoE correlation, fits logistic regression of the
// bad flag on the WoE values, drops characteristics with a wrong-signed (and, if asked,
// insignificant) coefficient, and scales the result to points.
//
// Errors: ErrConfig for a bad configuration; a *TableError holding every data problem
// (ErrUnknownColumn, ErrBadTarget with its rows, ErrOneClass, ErrAllMissing, ErrConstant,
// ErrTooFewRows) at once; ErrNoCharacteristics when selection leaves nothing;
// ErrNotConverged when the regression fails. Fit is deterministic: the same table and
// configuration give the same model.
func Fit(t *Table, cfg Config) (*Model, error) {
	cfg, err := cfg.defaults()
	if err != nil {
		return nil, err
	}
	bad, err := targetFlags(t, cfg)
	if err != nil {
		return nil, err
	}
	names, err := candidates(t, cfg)
	if err != nil {
		return nil, err
	}
	var probs problems
	m := &Model{Target: cfg.Target, ModelID: cfg.ModelID, Version: cfg.Version, Scaling: cfg.Scaling, reasons: cfg.Reasons}
	for _, name := range names {
		c, _ := t.Column(name)
		if slices.Contains(cfg.Categorical, name) && c.Kind == Numeric {
			cc := *c
			cc.Kind = Categorical
			cc.Cat = make([]string, len(c.Num))
			for i, v := range c.Num {
				if !c.Missing[i] {
					cc.Cat[i] = strconv.FormatFloat(v, 'g', -1, 64)
				}
			}
			c = &cc
		}
		b, err := binColumn(c, bad, binParams{maxBins: cfg.MaxBins, minShare: cfg.MinBinShare, trend: cfg.Trends[name], special: cfg.Special[name]})
		if err != nil {
			de := err.(*DataError)
			probs.add(de.Column, de.Row, de.Value, de.Err)
			continue
		}
		m.Binnings = append(m.Binnings, b)
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	cols := make([]*Column, len(m.Binnings))
	for j, b := range m.Binnings {
		cols[j], _ = t.Column(b.Name)
	}

	// Selection by IV, then by WoE correlation in descending IV order.
	woes := make(map[string][]float64, len(m.Binnings))
	var byIV []int
	for j, b := range m.Binnings {
		if cfg.MinIV > 0 && b.IV < cfg.MinIV {
			m.Drops = append(m.Drops, Drop{Name: b.Name, Reason: DropLowIV})
			continue
		}
		w := make([]float64, t.Rows)
		constant := true
		for i := range w {
			w[i] = b.Bins[b.binOf(cols[j], i)].WoE
			constant = constant && w[i] == w[0]
		}
		if constant { // one populated bin: nothing to model
			m.Drops = append(m.Drops, Drop{Name: b.Name, Reason: DropLowIV})
			continue
		}
		byIV = append(byIV, j)
		woes[b.Name] = w
	}
	slices.SortStableFunc(byIV, func(a, b int) int { return -cmpFloat(m.Binnings[a].IV, m.Binnings[b].IV) })
	keep := map[string]bool{}
	var kept []string
	for _, j := range byIV {
		name := m.Binnings[j].Name
		dropped := false
		if cfg.MaxCorrelation < 1 {
			for _, k := range kept {
				if math.Abs(pearson(woes[name], woes[k])) > cfg.MaxCorrelation {
					m.Drops = append(m.Drops, Drop{Name: name, Reason: DropCorrelated, With: k})
					dropped = true
					break
				}
			}
		}
		if !dropped {
			keep[name] = true
			kept = append(kept, name)
		}
	}

	// Regression, dropping wrong-signed and (optionally) insignificant slopes one at a time.
	var sel []*Binning
	for _, b := range m.Binnings {
		if keep[b.Name] {
			sel = append(sel, b)
		}
	}
	var coefs []Coefficient
	for {
		if len(sel) == 0 {
			return nil, ErrNoCharacteristics
		}
		p := len(sel)
		x := make([]float64, t.Rows*p)
		for j, b := range sel {
			w := woes[b.Name]
			for i := range t.Rows {
				x[i*p+j] = w[i]
			}
		}
		coefs, err = logit(x, t.Rows, p, bad, cfg.L2)
		if err != nil {
			return nil, err
		}
		worst, reason := -1, DropReason(0)
		for j := 1; j <= p; j++ {
			if coefs[j].Estimate >= 0 && (worst < 0 || coefs[j].Z > coefs[worst].Z) {
				worst, reason = j, DropWrongSign
			}
		}
		if worst < 0 && cfg.MaxPValue > 0 {
			for j := 1; j <= p; j++ {
				if coefs[j].PValue > cfg.MaxPValue && (worst < 0 || coefs[j].PValue > coefs[worst].PValue) {
					worst, reason = j, DropInsignificant
				}
			}
		}
		if worst < 0 {
			break
		}
		m.Drops = append(m.Drops, Drop{Name: sel[worst-1].Name, Reason: reason})
		sel = slices.Delete(sel, worst-1, worst)
	}
	for j, b := range sel {
		coefs[j+1].Name = b.Name
	}
	m.Coefficients = coefs

	// Points: points_jk = −(βj·WoE_jk + β0/n)·factor + offset/n.
	factor, offset := cfg.Scaling.Factor(), cfg.Scaling.Offset()
	n := float64(len(sel))
	scale := math.Pow(10, float64(cfg.Decimals))
	for j, b := range sel {
		beta := coefs[j+1].Estimate
		for k := range b.Bins {
			pts := -(beta*b.Bins[k].WoE+coefs[0].Estimate/n)*factor + offset/n
			b.Bins[k].Points = math.Round(pts*scale) / scale
		}
	}
	m.Card = sel
	if err := m.setReference(t); err != nil {
		return nil, err
	}
	return m, nil
}

// referenceBands is the number of quantile bands of a fitted card's reference.
const referenceBands = 10

// setReference scores the training rows with the fitted card and keeps their
// distribution as the card's reference.
func (m *Model) setReference(t *Table) error {
	card, err := m.Scorecard()
	if err != nil {
		return err
	}
	scores, err := ScoreTable(card, t)
	if err != nil {
		return err
	}
	m.Reference, err = credit.NewReference(scores, referenceBands, fmt.Sprintf("training sample, %d rows", len(scores)))
	return err
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// targetFlags reads the target column as bad flags.
func targetFlags(t *Table, cfg Config) ([]bool, error) {
	c, ok := t.Column(cfg.Target)
	if !ok {
		return nil, &TableError{Problems: []*DataError{{Column: cfg.Target, Err: ErrUnknownColumn}}}
	}
	var probs problems
	bad := make([]bool, t.Rows)
	var nBad int
	for i := range t.Rows {
		v := ""
		switch {
		case c.Missing[i]:
		case c.Kind == Numeric:
			v = strconv.FormatFloat(c.Num[i], 'g', -1, 64)
		default:
			v = c.Cat[i]
		}
		switch {
		case v != "" && containsFold(cfg.BadValues, v):
			bad[i] = true
			nBad++
		case v != "" && containsFold(cfg.GoodValues, v):
		default:
			probs.add(cfg.Target, i+1, v, ErrBadTarget)
		}
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	if nBad == 0 || nBad == t.Rows {
		return nil, &TableError{Problems: []*DataError{{Column: cfg.Target, Err: ErrOneClass}}}
	}
	return bad, nil
}

func containsFold(list []string, v string) bool {
	for _, s := range list {
		if strings.EqualFold(s, v) {
			return true
		}
	}
	return false
}

// candidates returns the candidate characteristic names, checking they exist and that
// there are fewer of them than rows.
func candidates(t *Table, cfg Config) ([]string, error) {
	names := cfg.Characteristics
	if names == nil {
		for _, c := range t.Columns {
			if c.Name != cfg.Target {
				names = append(names, c.Name)
			}
		}
	}
	var probs problems
	seen := map[string]bool{}
	for _, name := range names {
		if _, ok := t.Column(name); !ok || name == cfg.Target {
			probs.add(name, 0, "", ErrUnknownColumn)
		}
		if seen[name] {
			probs.add(name, 0, "", ErrDuplicateColumn)
		}
		seen[name] = true
	}
	if len(names) == 0 {
		probs.add("", 0, "", ErrNoCharacteristics)
	}
	if len(names) >= t.Rows {
		probs.add("", 0, fmt.Sprintf("%d characteristics, %d rows", len(names), t.Rows), ErrTooFewRows)
	}
	return names, probs.err()
}

// pearson returns the correlation of a and b (0 when either is constant).
func pearson(a, b []float64) float64 {
	n := float64(len(a))
	var sa, sb float64
	for i := range a {
		sa += a[i]
		sb += b[i]
	}
	ma, mb := sa/n, sb/n
	var cov, va, vb float64
	for i := range a {
		da, db := a[i]-ma, b[i]-mb
		cov += da * db
		va += da * da
		vb += db * db
	}
	if va == 0 || vb == 0 {
		return 0
	}
	return cov / math.Sqrt(va*vb)
}

// Score returns the score (sum of points) of every row of t. The table must hold every
// characteristic of the card (ErrUnknownColumn otherwise, as a *TableError). Missing values
// score the missing bin; categories not seen in training score the missing bin too.
func (m *Model) Score(t *Table) ([]float64, error) {
	cols, err := m.columns(t)
	if err != nil {
		return nil, err
	}
	out := make([]float64, t.Rows)
	for j, b := range m.Card {
		for i := range out {
			out[i] += b.Bins[b.binOf(cols[j], i)].Points
		}
	}
	return out, nil
}

func (m *Model) columns(t *Table) ([]*Column, error) {
	var probs problems
	cols := make([]*Column, len(m.Card))
	for j, b := range m.Card {
		c, ok := t.Column(b.Name)
		if !ok {
			probs.add(b.Name, 0, "", ErrUnknownColumn)
			continue
		}
		if b.Kind == Numeric && c.Kind != Numeric {
			probs.add(b.Name, 0, "", ErrNotNumeric)
		}
		cols[j] = c
	}
	return cols, probs.err()
}

// PD returns the probability of default at a score, by the model's scaling.
func (m *Model) PD(score float64) float64 { return m.Scaling.PD(score) }

// IVRow is one line of the information-value table.
type IVRow struct {
	Name     string
	IV       float64
	Strength string // "useless" < 0.02 ≤ "weak" < 0.1 ≤ "medium" < 0.3 ≤ "strong" < 0.5 ≤ "suspicious"
	Bins     int
	Selected bool
}

// IVTable returns every candidate's information value, highest first (ties in Config order).
func (m *Model) IVTable() []IVRow {
	sel := map[string]bool{}
	for _, b := range m.Card {
		sel[b.Name] = true
	}
	out := make([]IVRow, len(m.Binnings))
	for j, b := range m.Binnings {
		out[j] = IVRow{Name: b.Name, IV: b.IV, Strength: Strength(b.IV), Bins: len(b.Bins), Selected: sel[b.Name]}
	}
	slices.SortStableFunc(out, func(a, b IVRow) int { return -cmpFloat(a.IV, b.IV) })
	return out
}

// Strength names an information value by the usual rule of thumb: < 0.02 useless,
// 0.02–0.1 weak, 0.1–0.3 medium, 0.3–0.5 strong, above that suspicious (check for leakage).
func Strength(iv float64) string {
	switch {
	case iv < 0.02:
		return "useless"
	case iv < 0.1:
		return "weak"
	case iv < 0.3:
		return "medium"
	case iv < 0.5:
		return "strong"
	}
	return "suspicious"
}
