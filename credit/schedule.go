package credit

import (
	"fmt"
	"math"
	"math/bits"
	"sync"

	"github.com/shopspring/decimal"
)

// Rounding: every amount in a schedule is a whole number of cents, rounded half up (amounts
// are never negative, so this is also half away from zero); intermediate rates carry 20
// decimal places. The last instalment takes
// whatever principal remains, so the principal repaid equals the loan to the cent.
const ratePlaces = 20

var (
	bpPerUnit = decimal.NewFromInt(10000)
	twelve    = decimal.NewFromInt(12)
	one       = decimal.NewFromInt(1)
)

// maxPrincipal is the largest principal NewSchedule takes (1e13), so that cents times basis
// points stay within 128-bit intermediate arithmetic and every cent amount fits in int64.
var maxPrincipal = decimal.New(1, 13)

// cents returns a whole-cent amount as an int64 number of cents: d.Shift(2).IntPart(), in
// int64 when d has at most two places and fits a fixed.
func cents(d decimal.Decimal) int64 {
	if x := fixedOf(d); x.ok && x.e >= -2 && x.e <= 0 {
		return x.c * pow10[x.e+2] // |c| < 10^15: no overflow
	}
	return d.Shift(2).IntPart()
}

// fromCents returns an amount of cents as a decimal with two places.
func fromCents(c int64) decimal.Decimal { return decimal.New(c, -2) }

// mulDivHalfUp returns a·b/d rounded half up, for a, b ≥ 0 and d > 0 even, computed in 128 bits.
func mulDivHalfUp(a, b, d int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	lo, carry := bits.Add64(lo, uint64(d/2), 0)
	q, _ := bits.Div64(hi+carry, lo, uint64(d))
	return int64(q)
}

// MonthlyRate returns the monthly rate of an annual rate in basis points: bp / 10000 / 12.
func MonthlyRate(annualBP int64) decimal.Decimal {
	return decimal.NewFromInt(annualBP).DivRound(bpPerUnit.Mul(twelve), ratePlaces)
}

// compound returns (1 + i)^n, rounded to ratePlaces at each step.
func compound(i decimal.Decimal, n int) decimal.Decimal {
	base, acc := one.Add(i), one
	for ; n > 0; n >>= 1 {
		if n&1 == 1 {
			acc = acc.Mul(base).Round(ratePlaces)
		}
		base = base.Mul(base).Round(ratePlaces)
	}
	return acc
}

// AnnuityPayment returns the level monthly payment (等额本息) that repays principal over n
// months at monthly rate i: principal·i / (1 − (1+i)^−n), or principal/n when i is 0. It is
// not rounded. n must be at least 1.
func AnnuityPayment(principal, i decimal.Decimal, n int) decimal.Decimal {
	return newTerms(i, n).annuity(principal)
}

// terms is a monthly rate i, a number of months n and the growth factor g = (1 + i)^n, with
// g − 1 and i·g (exact products, so using them changes no result), computed once and shared
// by the limit, the rules and the schedule of an assessment — and by every assessment at the
// same rate and term (see termsCache).
type terms struct {
	i, g    decimal.Decimal
	gm1, ig decimal.Decimal // g − 1 and i·g
	nd      decimal.Decimal // n
	perN    decimal.Decimal // 1/n (to ratePlaces) + i: the first payment per unit of principal
	n       int
}

func newTerms(i decimal.Decimal, n int) terms {
	g := compound(i, n)
	nd := decimal.NewFromInt(int64(n))
	return terms{i: i, n: n, g: g, gm1: g.Sub(one), ig: i.Mul(g), nd: nd, perN: one.DivRound(nd, ratePlaces).Add(i)}
}

func (t terms) annuity(principal decimal.Decimal) decimal.Decimal {
	if t.i.IsZero() {
		return principal.DivRound(t.nd, ratePlaces)
	}
	// principal·i·g / (g − 1)
	return principal.Mul(t.ig).DivRound(t.gm1, ratePlaces)
}

// termsCache holds the terms of the (rate, term) pairs an Assessor has met: rates are whole
// basis points inside a narrow band and terms are few, so a handful of entries serve every
// assessment. It is safe for concurrent use and bounded (it starts afresh when full).
type termsCache struct {
	mu sync.RWMutex
	m  map[termsKey]*terms
}

type termsKey struct {
	bp int64
	n  int
}

// maxCachedTerms bounds a termsCache.
const maxCachedTerms = 4096

// get returns the terms of an annual rate in basis points over n months.
func (c *termsCache) get(bp int64, n int) *terms {
	k := termsKey{bp, n}
	c.mu.RLock()
	t, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return t
	}
	nt := newTerms(MonthlyRate(bp), n)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedTerms {
		c.m = make(map[termsKey]*terms)
	}
	c.m[k] = &nt
	return &nt
}

// MaxPrincipal inverts a repayment method: the largest principal whose largest monthly
// payment does not exceed payment, at monthly rate i over n months, rounded down to the cent.
//   - EqualInstalments: payment·(1 − (1+i)^−n)/i (payment·n when i is 0);
//   - EqualPrincipal (first instalment largest): payment / (1/n + i);
//   - InterestOnly: payment / i — the monthly interest only; the bullet is not tested
//     against income (payment·n when i is 0).
//
// A zero or negative payment gives 0.
func MaxPrincipal(method Method, payment, i decimal.Decimal, n int) decimal.Decimal {
	if n < 1 {
		return decimal.Zero
	}
	return newTerms(i, n).maxPrincipal(method, payment)
}

func (t terms) maxPrincipal(method Method, payment decimal.Decimal) decimal.Decimal {
	if !payment.IsPositive() || t.n < 1 {
		return decimal.Zero
	}
	i, nd := t.i, t.nd
	var l decimal.Decimal
	switch {
	case i.IsZero() || method == 0:
		l = payment.Mul(nd)
	case method == EqualInstalments:
		l = payment.Mul(t.gm1).DivRound(t.ig, ratePlaces)
	case method == EqualPrincipal:
		l = payment.DivRound(t.perN, ratePlaces)
	default:
		l = payment.DivRound(i, ratePlaces)
	}
	return l.RoundDown(2)
}

// Instalment is one month of a schedule.
type Instalment struct {
	Period    int             `json:"period"`
	Payment   decimal.Decimal `json:"payment"`
	Interest  decimal.Decimal `json:"interest"`
	Principal decimal.Decimal `json:"principal"`
	Balance   decimal.Decimal `json:"balance"` // after this payment
}

// Schedule is a monthly repayment schedule.
type Schedule struct {
	Method        Method          `json:"method"`
	Principal     decimal.Decimal `json:"principal"`
	AnnualRateBP  int64           `json:"annual_rate_bp"`
	Instalments   []Instalment    `json:"instalments"`
	TotalInterest decimal.Decimal `json:"total_interest"`
	TotalPaid     decimal.Decimal `json:"total_paid"`
}

// NewSchedule builds the schedule of a loan: principal (above zero, at most 1e13, whole cents), an annual
// rate in basis points (not negative), a term of 1–600 months and a method. Interest each
// month is balance × bp / 120000, rounded to the cent half up; an equal instalment is rounded
// the same way; the last instalment repays the remaining balance.
// Bad input is a *ValidationError.
func NewSchedule(principal decimal.Decimal, annualBP int64, months int, method Method) (Schedule, error) {
	var p problems
	if !principal.IsPositive() || !principal.Equal(principal.Round(2)) || principal.GreaterThan(maxPrincipal) {
		p.add("principal", "range", "must be above zero, at most 1e13 and in whole cents", "必须大于零、不超过 1e13 且精确到分")
	}
	if annualBP < 0 || annualBP > 1_000_000 {
		p.add("annual_rate_bp", "range", "must be between 0 and 1000000", "必须在 0 与 1000000 之间")
	}
	if months < 1 || months > 600 {
		p.add("term_months", "range", "must be between 1 and 600", "必须在 1 与 600 之间")
	}
	if !enumValid(methodNames, method) {
		p.add("method", "enum", "unknown repayment method", "未知还款方式")
	}
	if err := p.err(); err != nil {
		return Schedule{}, err
	}
	return newTerms(MonthlyRate(annualBP), months).schedule(principal, annualBP, method), nil
}

// schedule builds a schedule from checked input.
func (t terms) schedule(principal decimal.Decimal, annualBP int64, method Method) Schedule {
	s := Schedule{Method: method, Principal: principal, AnnualRateBP: annualBP,
		Instalments: make([]Instalment, 0, t.n)}
	total := cents(principal)
	sumInterest := t.run(principal, annualBP, method, func(k int, interest, prin, bal int64) {
		s.Instalments = append(s.Instalments, Instalment{Period: k, Payment: fromCents(prin + interest),
			Interest: fromCents(interest), Principal: fromCents(prin), Balance: fromCents(bal)})
	})
	s.TotalInterest = fromCents(sumInterest)
	s.TotalPaid = fromCents(total + sumInterest)
	return s
}

// run runs a schedule in whole cents, exactly: each month's interest is round half
// up(balance·bp / 120000); an equal instalment is the annuity rounded to the cent; the last
// month repays the remaining balance. It calls month for every month with its interest,
// principal and the balance after it, and returns the total interest.
func (t terms) run(principal decimal.Decimal, annualBP int64, method Method, month func(k int, interest, prin, bal int64)) int64 {
	months := t.n
	var level int64
	if method == EqualInstalments {
		level = cents(t.annuity(principal).Round(2))
	}
	total := cents(principal)
	n := int64(months)
	equalPart := (2*total + n) / (2 * n) // principal / n, half up
	bal, sumInterest := total, int64(0)
	for k := 1; k <= months; k++ {
		interest := mulDivHalfUp(bal, annualBP, 120000)
		var prin int64
		switch {
		case k == months:
			prin = bal
		case method == EqualInstalments:
			prin = min(max(level-interest, 0), bal)
		case method == EqualPrincipal:
			prin = min(equalPart, bal)
		}
		bal -= prin
		sumInterest += interest
		month(k, interest, prin, bal)
	}
	return sumInterest
}

// centsFloat is decFloat(fromCents(c)) without building the decimal.
func centsFloat(c int64) float64 {
	if -1e15 < c && c < 1e15 { // at most 15 digits: decFloat's exact path
		return float64(c) / 100
	}
	return fromCents(c).InexactFloat64()
}

// summary runs the schedule of an assessment in cents: its summary and its APR with fees paid
// up front, as summarise(schedule) and Schedule.APR would give, without building the
// instalments.
func (t terms) summary(principal decimal.Decimal, annualBP int64, method Method, fees decimal.Decimal) (ScheduleSummary, decimal.Decimal, error) {
	var stack [64]float64
	pays := stack[:0]
	var first, last int64
	sumInterest := t.run(principal, annualBP, method, func(k int, interest, prin, _ int64) {
		if k == 1 {
			first = prin + interest
		}
		last = prin + interest
		pays = append(pays, centsFloat(prin+interest))
	})
	total := cents(principal)
	sum := ScheduleSummary{Method: method, TermMonths: t.n, FirstInstalment: fromCents(first),
		LastInstalment: fromCents(last), TotalInterest: fromCents(sumInterest), TotalRepaid: fromCents(total + sumInterest)}
	// In cents when the fees have two places, as Assess rounds them, and the principal at
	// most two: principal.Sub(fees) then has exponent −2 and coefficient total − fee cents,
	// which centsFloat converts as decFloat does.
	if p, f := fixedOf(principal), fixedOf(fees); p.ok && f.ok && p.e >= -2 && p.e <= 0 && f.e == -2 {
		feeCents := cents(fees)
		if feeCents < 0 || feeCents >= total {
			return sum, decimal.Zero, feesError()
		}
		apr, err := irr(centsFloat(total-feeCents), pays, annualBP)
		return sum, apr, err
	}
	if fees.IsNegative() || fees.Cmp(principal) >= 0 {
		return sum, decimal.Zero, feesError()
	}
	apr, err := irr(decFloat(principal.Sub(fees)), pays, annualBP)
	return sum, apr, err
}

func feesError() error {
	return &ValidationError{Problems: []Problem{{Path: "fees", Rule: "range",
		Message: "fees must be at least zero and below the principal", MessageZH: "费用必须不小于零且小于本金"}}}
}

// APR returns the annual percentage rate of the schedule when fees are paid up front: the
// monthly internal rate of return r of (principal − fees) received and the instalments paid,
// found by Newton's method, × 12, as a fraction rounded to 6 decimal places (0.123456). Fees
// must be at least zero and below the principal. ErrNoConvergence if Newton fails.
func (s Schedule) APR(fees decimal.Decimal) (decimal.Decimal, error) {
	if fees.IsNegative() || fees.Cmp(s.Principal) >= 0 || len(s.Instalments) == 0 {
		return decimal.Zero, feesError()
	}
	pays := make([]float64, len(s.Instalments))
	for k, in := range s.Instalments {
		pays[k] = decFloat(in.Payment)
	}
	return irr(decFloat(s.Principal.Sub(fees)), pays, s.AnnualRateBP)
}

// irr finds the monthly internal rate of return r of net received and pays paid by Newton's
// method from the schedule's own rate, and returns r × 12 rounded to 6 places.
func irr(net float64, pays []float64, annualBP int64) (decimal.Decimal, error) {
	r := float64(annualBP)/120000 + 0.001
	for iter := 0; iter < 100; iter++ {
		// f(r) = Σ pay_k (1+r)^−k − net; f'(r) = Σ −k pay_k (1+r)^−(k+1)
		f, df, disc := -net, 0.0, 1.0
		for k, pay := range pays {
			disc /= 1 + r
			f += pay * disc
			df -= float64(k+1) * pay * disc / (1 + r)
		}
		if df == 0 || !finite(f) {
			break
		}
		step := f / df
		r -= step
		if r <= -1 {
			r = -0.999
		}
		if math.Abs(step) < 1e-13 {
			if d, ok := floatFixed(r * 12).Round(6).decimal(); ok {
				return d, nil
			}
			return decimal.NewFromFloat(r * 12).Round(6), nil
		}
	}
	return decimal.Zero, fmt.Errorf("%w: APR", ErrNoConvergence)
}
