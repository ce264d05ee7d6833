package credit

import (
	"fmt"
	"math"
	"slices"

	"github.com/shopspring/decimal"
)

// Assessor turns Facts into a Report with one compiled Model and one policy. It is safe for
// concurrent use.
type Assessor struct {
	model   *Model
	cfg     Config
	reasons map[string]ReasonText
	terms   termsCache
	hints   [][][2]string // hints[i][k]: the hint texts (EN, ZH) for characteristic i in outcome k
	// oneYearName and fiveYearName are the names of the base rates ("LPR 1Y 2025-05-20")
	oneYearName, fiveYearName string
}

// NewAssessor returns an Assessor for the model under cfg (zero fields take their defaults).
// An invalid policy is a *ValidationError.
func NewAssessor(model *Model, cfg Config) (*Assessor, error) {
	if model == nil {
		return nil, fmt.Errorf("%w: nil model", ErrInvalid)
	}
	cfg = cfg.resolved()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	rs := make(map[string]ReasonText, len(model.card.Reasons))
	for _, r := range model.card.Reasons {
		rs[r.Code] = r
	}
	a := &Assessor{model: model, cfg: cfg, reasons: rs, hints: make([][][2]string, len(model.chars)),
		oneYearName: "LPR 1Y " + cfg.Rates.AsOf, fiveYearName: "LPR 5Y+ " + cfg.Rates.AsOf}
	for i := range model.chars {
		c := &model.chars[i]
		ch := &model.card.Characteristics[i]
		a.hints[i] = make([][2]string, len(c.points))
		for k := range c.points {
			if gap := c.points[c.best] - c.points[k]; gap > 0 {
				a.hints[i][k] = hintText(ch, c.labels[k], c.labels[c.best], gap)
			}
		}
	}
	return a, nil
}

// hintText is the text of the hint to move a characteristic from one bin to another.
func hintText(ch *Characteristic, from, to string, gain float64) [2]string {
	return [2]string{
		fmt.Sprintf("Moving %s from %s to %s would add up to %g points", orText(ch.LabelEN, ch.Variable), from, to, gain),
		fmt.Sprintf("将%s从 %s 改善到 %s 最多可加 %g 分", orText(ch.LabelZH, ch.Variable), from, to, gain),
	}
}

// Assess scores the facts and derives grade, limit, price, schedule, risk figures, reasons,
// rule hits and decision. The request's term, product and method are required; invalid or
// incomplete facts are a *ValidationError.
func (a *Assessor) Assess(f Facts) (Report, error) {
	if err := f.Validate(); err != nil {
		return Report{}, err
	}
	var p problems
	if f.Request.TermMonths == nil {
		p.add("request.term_months", "required", "term is required", "期限必填")
	}
	if f.Request.Product == nil {
		p.add("request.product", "required", "product is required", "产品必填")
	}
	if f.Request.Method == nil {
		p.add("request.method", "required", "repayment method is required", "还款方式必填")
	}
	if err := p.err(); err != nil {
		return Report{}, err
	}
	m, cfg := a.model, &a.cfg
	r := Report{ModelID: m.card.ModelID, ModelVersion: m.card.Version, ModelSHA256: m.card.SHA256,
		AssessedAt: cfg.Now().UTC(), Facts: f}
	var outcomes [32]int
	ks := m.outcomes(&f, outcomes[:0])
	r.Points = m.points(ks, make([]Points, 0, len(m.chars)))
	for _, pt := range r.Points {
		r.Score += pt.Points
	}
	r.PD = m.PD(r.Score)
	r.Grade = cfg.Scale.Grade(r.PD)
	if inDefault(&f) {
		r.Grade, r.PD = D, 1
	}
	term, product, method := *f.Request.TermMonths, *f.Request.Product, *f.Request.Method

	class := assetClass(product)
	lgd := cfg.LGD[product]
	if lgd == 0 {
		lgd = 0.45
	}
	pdFloored := math.Max(r.PD, PDFloor(class))
	k, err := CapitalK(class, pdFloored, lgd, float64(term)/12)
	if err != nil {
		return Report{}, err
	}
	r.Price = a.price(r.Grade, pdFloored, lgd, k, product, term)

	tm := *a.terms.get(r.Price.RateBP, term)
	r.Derivation = a.limit(&f, r.Grade, tm, product, method)
	r.Limit = r.Derivation.Limit
	if r.Limit.IsPositive() && withinMaxPrincipal(r.Limit) {
		fees, ok := fixedOf(r.Limit).Mul(fixedOf(cfg.UpfrontFeeRate)).Round(2).decimal()
		if !ok {
			fees = r.Limit.Mul(cfg.UpfrontFeeRate).Round(2)
		}
		sum, apr, err := tm.summary(r.Limit, r.Price.RateBP, method, fees)
		if err != nil {
			return Report{}, err
		}
		r.Schedule, r.Price.APR = sum, apr
	}
	r.Schedule.Method, r.Schedule.TermMonths = method, term
	r.Risk = RiskFigures{PD: pdFloored, LGD: lgd, EAD: r.Limit, K: k, RWA: RWA(k, r.Limit)}
	r.Risk.ExpectedLoss, _ = ExpectedLoss(pdFloored, lgd, r.Limit) // pd and lgd checked above

	r.RuleHits = a.rules(&f, &r, tm)
	r.Decision = a.decide(&r)
	r.Reasons, r.Hint = a.explain(r.Points, ks)
	return r, nil
}

func inDefault(f *Facts) bool {
	pos := func(x *int) bool { return x != nil && *x > 0 }
	return pos(f.Bureau.DefaultsOrWriteOffs) || pos(f.Enterprise.Bureau.DefaultsOrWriteOffs)
}

func assetClass(p Product) AssetClass {
	switch p {
	case Mortgage:
		return ResidentialMortgage
	case Revolving:
		return QualifyingRevolving
	case Consumer:
		return OtherRetail
	}
	return Corporate
}

// price builds the rate: base + funding margin + EL premium PD·LGD/(1−PD) + K·hurdle +
// operating cost, each rounded half away from zero to a basis point, then clamped to the
// grade's band and to the legal cap.
func (a *Assessor) price(g Grade, pd, lgd, k float64, product Product, term int) Price {
	cfg := &a.cfg
	p := Price{BaseRateBP: cfg.Rates.OneYearBP, BaseName: a.oneYearName}
	if product == Mortgage || term > 60 {
		p.BaseRateBP, p.BaseName = cfg.Rates.FiveYearBP, a.fiveYearName
	}
	p.LegalCapBP = cfg.LegalCapMultiple * cfg.Rates.OneYearBP
	p.FloorBP, p.CapBP = cfg.Rates.OneYearBP, p.LegalCapBP
	if b, ok := cfg.GradeBands[g]; ok {
		p.FloorBP, p.CapBP = b.FloorBP, b.CapBP
	}
	if pd >= 1 {
		p.ELPremiumBP = p.LegalCapBP
	} else {
		p.ELPremiumBP = int64(math.Round(pd * lgd / (1 - pd) * 10000))
	}
	p.CapitalChargeBP = int64(math.Round(k * cfg.HurdleRate * 10000))
	p.OperatingCostBP = cfg.OperatingCostBP + cfg.FundingMarginBP
	p.UnclampedBP = p.BaseRateBP + p.ELPremiumBP + p.CapitalChargeBP + p.OperatingCostBP
	p.RateBP = min(max(p.UnclampedBP, p.FloorBP), p.CapBP, p.LegalCapBP)
	return p
}

// limit derives the limit step by step (see LimitDerivation).
func (a *Assessor) limit(f *Facts, g Grade, tm terms, product Product, method Method) LimitDerivation {
	cfg := &a.cfg
	zero := decimal.Zero
	val := func(d *decimal.Decimal) decimal.Decimal {
		if d == nil {
			return zero
		}
		return *d
	}
	d := LimitDerivation{MonthlyIncome: monthlyIncome(f), ExistingPayments: val(f.Capacity.MonthlyDebtPayments),
		LivingCosts: val(f.Capacity.MonthlyLivingCosts), Step: cfg.Step}
	// Each figure is computed in int64 (see fixed) when its amounts fit, and by the decimal
	// expression after it otherwise: the same coefficient and exponent either way.
	income, existing := fixedOf(d.MonthlyIncome), fixedOf(d.ExistingPayments)
	var ok bool
	if d.DTICapInstalment, ok = fixedOf(cfg.DTICap).Mul(income).Sub(existing).Round(2).decimal(); !ok {
		d.DTICapInstalment = cfg.DTICap.Mul(d.MonthlyIncome).Sub(d.ExistingPayments).Round(2)
	}
	disposable := income.Sub(fixedOf(d.LivingCosts)).Sub(existing)
	if d.DisposableShare, ok = fixedOf(cfg.DisposableShare).Mul(disposable).Round(2).decimal(); !ok {
		d.DisposableShare = cfg.DisposableShare.Mul(d.MonthlyIncome.Sub(d.LivingCosts).Sub(d.ExistingPayments)).Round(2)
	}
	// decimal.Max(m, zero) without rescaling either: m unless m is below zero
	m := decimal.Min(d.DTICapInstalment, d.DisposableShare)
	if m.Sign() < 0 {
		m = zero
	}
	d.MaxInstalment = m.RoundDown(2)
	d.CapacityLimit = tm.maxPrincipal(method, d.MaxInstalment)
	mult := cfg.IncomeMultiples[g]
	if d.IncomeMultipleCap, ok = fixedOf(mult).Mul(income).Mul(fixedInt(12)).Round(2).decimal(); !ok {
		d.IncomeMultipleCap = mult.Mul(d.MonthlyIncome).Mul(twelve).Round(2)
	}
	d.ProductMaximum = cfg.ProductMaximum[product]
	d.Binding, d.BeforeRounding = "capacity", d.CapacityLimit
	caps := []struct {
		name string
		v    decimal.Decimal
		ok   bool
	}{
		{"income_multiple", d.IncomeMultipleCap, true},
		{"product_maximum", d.ProductMaximum, true},
		{"requested", val(f.Request.Amount), f.Request.Amount != nil},
	}
	for _, c := range caps {
		if c.ok && lessThan(c.v, d.BeforeRounding) {
			d.Binding, d.BeforeRounding = c.name, c.v
		}
	}
	if f.Request.Amount != nil {
		d.Requested = *f.Request.Amount
	}
	d.Limit = roundDownToStep(d.BeforeRounding, d.Step)
	if d.Limit.IsNegative() {
		d.Limit = zero
	}
	return d
}

// roundDownToStep is x.Div(step).Floor().Mul(step), the limit rounded down to the step. For
// the usual case — x from 0 up to 10^15 in whole units, tenths or cents, and a whole step of
// at most 10^12 — it works in int64: then x/step is a multiple of 1/(step·100), never within
// the 10^-16 that Div rounds to of the next integer, so the floor is the same.
func roundDownToStep(x, step decimal.Decimal) decimal.Decimal {
	ex := x.Exponent()
	if ex >= -2 && ex <= 0 && step.Exponent() == 0 && x.Sign() >= 0 && x.Cmp(factMaxAt[ex-minFactExp]) < 0 &&
		step.Sign() > 0 && step.Cmp(maxWholeStep) <= 0 {
		c, s := x.CoefficientInt64(), step.CoefficientInt64()
		scale := int64(1)
		for range -ex {
			scale *= 10
		}
		return decimal.New(c/(s*scale)*s, 0)
	}
	return x.Div(step).Floor().Mul(step)
}

// maxWholeStep bounds the steps roundDownToStep takes in int64.
var maxWholeStep = decimal.New(1_000_000_000_000, 0)

// maxPrincipalUnits is maxPrincipal written with exponent 0, as limits usually are.
var maxPrincipalUnits = decimal.New(10_000_000_000_000, 0)

// withinMaxPrincipal is !d.GreaterThan(maxPrincipal), without rescaling for whole amounts.
func withinMaxPrincipal(d decimal.Decimal) bool {
	if d.Exponent() == 0 {
		return d.Cmp(maxPrincipalUnits) <= 0
	}
	return !d.GreaterThan(maxPrincipal)
}

// monthlyIncome is the applicant's monthly income, or for an enterprise without one its
// monthly net profit (revenue × net margin / 12, not below zero).
func monthlyIncome(f *Facts) decimal.Decimal {
	if f.Income.Monthly != nil {
		return *f.Income.Monthly
	}
	e := &f.Enterprise
	if e.Revenue != nil && e.NetMargin != nil && *e.NetMargin > 0 {
		return e.Revenue.Mul(decimal.NewFromFloat(*e.NetMargin)).Div(twelve).RoundDown(2)
	}
	return decimal.Zero
}

// decide: any knock-out, a score below ReferScore or a zero limit declines; any referral or
// a score below ApproveScore refers; otherwise approve.
func (a *Assessor) decide(r *Report) Decision {
	refer := r.Score < a.cfg.ApproveScore
	for _, h := range r.RuleHits {
		if h.Action == KnockOut {
			return Decline
		}
		refer = true
	}
	if r.Score < a.cfg.ReferScore || r.Grade == D || !r.Limit.IsPositive() {
		return Decline
	}
	if refer {
		return Refer
	}
	return Approve
}

// explain returns the top reasons by points below each characteristic's maximum (ties in
// card order) and the hint for the largest gap. ks are the outcomes the points came from.
func (a *Assessor) explain(points []Points, ks []int) ([]Reason, Hint) {
	type gap struct {
		i   int
		gap float64
	}
	var stack [32]gap
	gaps := stack[:0]
	for i, p := range points {
		if g := p.MaxPoints - p.Points; g > 0 {
			gaps = append(gaps, gap{i, g})
		}
	}
	slices.SortStableFunc(gaps, func(x, y gap) int {
		switch {
		case x.gap > y.gap:
			return -1
		case x.gap < y.gap:
			return 1
		}
		return x.i - y.i
	})
	reasons := make([]Reason, 0, a.cfg.Reasons)
	for _, g := range gaps[:min(len(gaps), a.cfg.Reasons)] {
		p := points[g.i]
		ch := &a.model.card.Characteristics[g.i]
		t, ok := a.reasons[p.ReasonCode]
		if !ok {
			t = ReasonText{EN: orText(ch.LabelEN, ch.Variable), ZH: orText(ch.LabelZH, ch.Variable)}
		}
		reasons = append(reasons, Reason{Code: p.ReasonCode, Variable: p.Variable, Gap: g.gap, EN: t.EN, ZH: t.ZH})
	}
	if len(gaps) == 0 {
		return reasons, Hint{}
	}
	g := gaps[0]
	c := &a.model.chars[g.i]
	ch := &a.model.card.Characteristics[g.i]
	text := a.hints[g.i][ks[g.i]]
	return reasons, Hint{Variable: ch.Variable, Target: c.labels[c.best], Gain: g.gap, EN: text[0], ZH: text[1]}
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
