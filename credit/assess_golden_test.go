package credit

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	mrand "math/rand"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

// The golden digests pin every figure of many assessments and schedules, so that faster
// arithmetic inside Assess and NewSchedule (int64 cents, cached rate terms) is checked
// against what the all-decimal code computed: testdata/assess.golden was written by the
// decimal implementation (go test -run Golden -update) and must not change.

// randomFacts draws an applicant with every field sometimes missing, amounts in cents, and
// every product, method and a wide range of terms.
func randomFacts(rng *rand.Rand) Facts {
	maybe := func() bool { return rng.IntN(6) != 0 }
	money := func(max int) *decimal.Decimal {
		if !maybe() {
			return nil
		}
		d := decimal.New(int64(rng.IntN(max*100)), -2)
		if rng.IntN(3) == 0 {
			d = d.Truncate(0)
		}
		return &d
	}
	intp := func(lo, hi int) *int {
		if !maybe() {
			return nil
		}
		return ptr(lo + rng.IntN(hi-lo+1))
	}
	flt := func(lo, hi float64) *float64 {
		if !maybe() {
			return nil
		}
		return ptr(lo + rng.Float64()*(hi-lo))
	}
	boolp := func() *bool {
		if !maybe() {
			return nil
		}
		return ptr(rng.IntN(2) == 0)
	}
	bureau := func() Bureau {
		return Bureau{NoFile: boolp(), HistoryMonths: intp(0, 300), OpenAccounts: intp(0, 20),
			Delinquencies24m: intp(0, 24), WorstDPD24m: intp(0, 150), AmountOverdue: money(5000),
			DefaultsOrWriteOffs: intp(0, 1), LateFees: intp(0, 10), Utilisation: flt(0, 1.2), HardInquiries6m: intp(0, 12)}
	}
	var f Facts
	f.Bureau = bureau()
	f.Income = Income{Monthly: money(80000), Verified: boolp(), GrowthYoY: flt(-0.5, 0.8),
		Employment: ptr(Employment(1 + rng.IntN(len(employmentNames)-1))), YearsWithEmployer: flt(0, 30), OccupationClass: intp(1, 5)}
	f.Capacity = Capacity{MonthlyDebtPayments: money(20000), MonthlyLivingCosts: money(15000), LiquidAssets: money(2000000),
		PropertyValue: money(9000000), Housing: ptr(Housing(1 + rng.IntN(len(housingNames)-1)))}
	f.Profile = Profile{Age: intp(16, 75), Marital: ptr(Marital(1 + rng.IntN(len(maritalNames)-1))),
		Education: ptr(Education(1 + rng.IntN(len(educationNames)-1))), YearsAsCustomer: flt(0, 20), ProductsHeld: intp(0, 8),
		Security: ptr(Security(1 + rng.IntN(len(securityNames)-1)))}
	if rng.IntN(3) == 0 {
		f.Enterprise = Enterprise{Revenue: money(50000000), RevenueGrowth: flt(-0.4, 0.6), NetMargin: flt(-0.2, 0.3),
			DebtToAssets: flt(0, 1), CurrentRatio: flt(0, 4), InterestCover: flt(-2, 20), YearsInBusiness: flt(0, 40),
			IndustryRisk: intp(1, 5), Bureau: bureau()}
	}
	terms := []int{1, 3, 6, 12, 24, 36, 48, 60, 61, 84, 120, 240, 360, 600}
	f.Request = Request{Amount: money(3000000), TermMonths: ptr(terms[rng.IntN(len(terms))]),
		Product: ptr(Product(1 + rng.IntN(len(productNames)-1))), Method: ptr(Method(1 + rng.IntN(len(methodNames)-1)))}
	if rng.IntN(10) == 0 {
		f.Blacklisted = ptr(true)
	}
	return f
}

func digest(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "marshal error: " + err.Error()
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// goldenAssessments calls each with the assessments the golden files pin: 700 facts for each of
// three policies and both builtin cards, two in three of them a good applicant asking for
// varied loans (so that most have limits and schedules).
func goldenAssessments(t *testing.T, each func(label string, r Report, err error)) {
	configs := []Config{{}, {UpfrontFeeRate: dec("0.015"), Step: dec("1"), DTICap: dec("0.6"), DisposableShare: dec("0.55")},
		{Step: dec("0.01"), UpfrontFeeRate: dec("0.0333")}}
	for ci, cfg := range configs {
		for _, card := range []string{"individual", "enterprise"} {
			a := assessor(t, card, cfg)
			rng := rand.New(rand.NewPCG(uint64(ci), uint64(len(card))))
			base := applicant(t)
			for i := range 700 {
				f := randomFacts(rng)
				if i%3 != 0 { // a good applicant asking for varied loans: limits and schedules
					g := base
					g.Income.Monthly, g.Request = f.Income.Monthly, f.Request
					if g.Income.Monthly == nil || rng.IntN(2) == 0 {
						g.Income.Monthly = ptr(decimal.New(int64(300000+rng.IntN(9000000)), -2))
					}
					g.Capacity.MonthlyDebtPayments = ptr(decimal.New(int64(rng.IntN(300000)), -2))
					if card == "enterprise" {
						g.Enterprise = f.Enterprise
					}
					f = g
				}
				r, err := a.Assess(f)
				each(fmt.Sprintf("%d %s %d", ci, card, i), r, err)
			}
		}
	}
}

func goldenLines(t *testing.T) []string {
	var lines []string
	goldenAssessments(t, func(label string, r Report, err error) {
		if err != nil {
			lines = append(lines, fmt.Sprintf("assess %s error %v", label, err))
			return
		}
		lines = append(lines, fmt.Sprintf("assess %s %s limit=%s apr=%s", label, digest(r), r.Limit, r.Price.APR))
	})
	rng := rand.New(rand.NewPCG(42, 43))
	for i := range 1500 {
		p := decimal.New(int64(1+rng.IntN(1e9)), -2)
		if i%7 == 0 {
			p = decimal.New(int64(1+rng.IntN(1e6)), int32(rng.IntN(8))) // up to 1e13
		}
		bp, n := int64(rng.IntN(4000)), 1+rng.IntN(600)
		if i%11 == 0 {
			bp = 0
		}
		m := Method(1 + rng.IntN(3))
		s, err := NewSchedule(p, bp, n, m)
		if err != nil {
			lines = append(lines, fmt.Sprintf("schedule %d error %v", i, err))
			continue
		}
		apr, err := s.APR(p.Mul(dec("0.01")).Round(2))
		lines = append(lines, fmt.Sprintf("schedule %d %s apr=%s %v max=%s annuity=%s", i, digest(s), apr, err,
			MaxPrincipal(m, p, MonthlyRate(bp), n), AnnuityPayment(p, MonthlyRate(bp), n).Round(2)))
	}
	return lines
}

func TestAssessGolden(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	checkGolden(t, "testdata/assess.golden", goldenLines(t))
}

// checkGolden compares got with the lines of the golden file at path, or writes them
// there with -update.
func checkGolden(t *testing.T, path string, got []string) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(strings.Join(got, "\n")+"\n"), 0o644))
		return
	}
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var want []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		want = append(want, sc.Text())
	}
	require.Equal(t, len(want), len(got))
	for i := range want {
		require.Equal(t, want[i], got[i], "line %d", i+1)
	}
}

// TestSummaryMatchesSchedule checks the cents-only path Assess takes (terms.summary) against
// the full schedule and its APR.
func TestSummaryMatchesSchedule(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for i := range 3000 {
		p := decimal.New(int64(1+rng.IntN(1e9)), -2)
		if i%5 == 0 {
			p = decimal.New(int64(1+rng.IntN(1e6)), int32(rng.IntN(8)))
		}
		bp, n, m := int64(rng.IntN(3000)), 1+rng.IntN(600), Method(1+rng.IntN(3))
		fees := p.Mul(decimal.New(int64(rng.IntN(1200)), -4)).Round(2)
		if i%13 == 0 {
			fees = p // refused
		}
		tm := newTerms(MonthlyRate(bp), n)
		s := tm.schedule(p, bp, m)
		wantAPR, wantErr := s.APR(fees)
		sum, apr, err := tm.summary(p, bp, m, fees)
		require.Equal(t, wantErr, err)
		require.Equal(t, wantAPR.String(), apr.String(), "APR %s %d %d %v", p, bp, n, m)
		last := len(s.Instalments) - 1
		want := ScheduleSummary{Method: m, TermMonths: n, FirstInstalment: s.Instalments[0].Payment,
			LastInstalment: s.Instalments[last].Payment, TotalInterest: s.TotalInterest, TotalRepaid: s.TotalPaid}
		require.Equal(t, digest(want), digest(sum))
	}
}

// TestTermsCache checks that cached terms equal fresh ones, that the cache stays bounded and
// that concurrent assessments share it safely (run with -race).
func TestTermsCache(t *testing.T) {
	var c termsCache
	for bp := int64(0); bp < 5000; bp += 7 {
		for _, n := range []int{1, 12, 36, 600} {
			require.Equal(t, digest(newTerms(MonthlyRate(bp), n)), digest(*c.get(bp, n)))
			require.Same(t, c.get(bp, n), c.get(bp, n))
		}
	}
	require.LessOrEqual(t, len(c.m), maxCachedTerms)
	a := assessor(t, "individual", Config{})
	want, err := a.Assess(applicant(t))
	require.NoError(t, err)
	errs := make(chan error, 8)
	for w := range 8 {
		go func() {
			f := applicant(t)
			for k := range 50 {
				f.Request.TermMonths = ptr(1 + (w*50+k)%120)
				if _, err := a.Assess(f); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		require.NoError(t, <-errs)
	}
	again, err := a.Assess(applicant(t))
	require.NoError(t, err)
	require.Equal(t, digest(want), digest(again))
}

// refValidateBureau is validateBureau as first written (every path built up front).
func refValidateBureau(p *problems, prefix string, b *Bureau) {
	intRange(p, prefix+"history_months", b.HistoryMonths, 0, 1200)
	intRange(p, prefix+"open_accounts", b.OpenAccounts, 0, 10000)
	intRange(p, prefix+"delinquencies_24m", b.Delinquencies24m, 0, 24)
	intRange(p, prefix+"worst_dpd_24m", b.WorstDPD24m, 0, 10000)
	money(p, prefix+"amount_overdue", b.AmountOverdue)
	intRange(p, prefix+"defaults_or_write_offs", b.DefaultsOrWriteOffs, 0, 10000)
	intRange(p, prefix+"late_fees", b.LateFees, 0, 10000)
	ratioField(p, prefix+"utilisation", b.Utilisation, true)
	intRange(p, prefix+"hard_inquiries_6m", b.HardInquiries6m, 0, 10000)
}

func TestValidateBureauMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 1))
	ints := []*int{nil, ptr(-1), ptr(0), ptr(24), ptr(25), ptr(1200), ptr(1201), ptr(10000), ptr(10001)}
	flts := []*float64{nil, ptr(-0.1), ptr(0.0), ptr(2.0), ptr(math.NaN()), ptr(math.Inf(-1))}
	mons := []*decimal.Decimal{nil, ptr(decimal.Zero), ptr(dec("-0.01")), ptr(dec("5"))}
	pick := func() *int { return ints[rng.IntN(len(ints))] }
	for range 5000 {
		b := Bureau{HistoryMonths: pick(), OpenAccounts: pick(), Delinquencies24m: pick(), WorstDPD24m: pick(),
			AmountOverdue: mons[rng.IntN(len(mons))], DefaultsOrWriteOffs: pick(), LateFees: pick(),
			Utilisation: flts[rng.IntN(len(flts))], HardInquiries6m: pick()}
		for _, prefix := range []string{"bureau.", "enterprise.bureau."} {
			var got, want problems
			validateBureau(&got, prefix, &b)
			refValidateBureau(&want, prefix, &b)
			require.Equal(t, want.list, got.list)
		}
	}
}

// refDecFloat is decFloat as first written.
func refDecFloat(d decimal.Decimal) float64 {
	if d.NumDigits() <= 15 {
		c, e := float64(d.CoefficientInt64()), int(d.Exponent())
		if e >= 0 {
			return c * math.Pow10(e)
		}
		return c / math.Pow10(-e)
	}
	return d.InexactFloat64()
}

// TestDecFloatMatchesReference draws coefficients of every length (weighted near 10^15, where
// NumDigits's logarithm rounds, and near 2^53 and 2^64) at exponents inside and outside the
// table of bounds.
func TestDecFloatMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 7))
	pow := func(k int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil) }
	for range 300000 {
		var co *big.Int
		switch rng.IntN(4) {
		case 0:
			co = new(big.Int).Add(pow(15), big.NewInt(rng.Int64N(4_000_000)-2_000_000))
		case 1:
			co = new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), uint(53+11*rng.IntN(2))), big.NewInt(rng.Int64N(2001)-1000))
		case 2:
			co = new(big.Int).Add(pow(rng.IntN(20)), big.NewInt(rng.Int64N(5)-2))
		default:
			co = big.NewInt(rng.Int64N(1 << 62))
			co.Rsh(co, uint(rng.IntN(62)))
		}
		if rng.IntN(2) == 0 {
			co.Neg(co)
		}
		d := decimal.NewFromBigInt(co, int32(rng.IntN(40)-20))
		require.Equal(t, math.Float64bits(refDecFloat(d)), math.Float64bits(decFloat(d)), "%s", d)
	}
	require.Equal(t, refDecFloat(decimal.Decimal{}), decFloat(decimal.Decimal{}))
}

// TestExceedsFactMaxMatchesGreaterThan compares the rescaling-free bound check with
// GreaterThan on amounts around 10^15 at every exponent from -40 to 40, and on amounts with
// exponents in the millions (where GreaterThan is slow but still answers).
func TestExceedsFactMaxMatchesGreaterThan(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	ten := func(k int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil) }
	for range 100000 {
		e := rng.IntN(81) - 40
		var co *big.Int
		if k := 15 - e; k >= 0 && rng.IntN(2) == 0 {
			co = new(big.Int).Add(ten(k), big.NewInt(int64(rng.IntN(5)-2))) // around 10^15
		} else {
			co = new(big.Int).Rand(mrand.New(mrand.NewSource(rng.Int64())), ten(rng.IntN(45)))
		}
		if rng.IntN(8) == 0 {
			co.Neg(co)
		}
		d := decimal.NewFromBigInt(co, int32(e))
		require.Equal(t, d.GreaterThan(maxFactAmount), exceedsFactMax(d), "%s", d)
	}
	for _, tc := range []struct {
		co   *big.Int
		exp  int32
		want bool
	}{
		{big.NewInt(1), 999999, true},
		{big.NewInt(1), -999999, false},
		{big.NewInt(-1), 999999, false},
		{ten(1000015), -1000000, false}, // exactly 10^15
		{new(big.Int).Add(ten(1000015), big.NewInt(1)), -1000000, true},
		{new(big.Int).Sub(ten(1000015), big.NewInt(1)), -1000000, false},
		{ten(1000016), -1000000, true},
		{big.NewInt(0), 999999, false},
	} {
		d := decimal.NewFromBigInt(tc.co, tc.exp)
		require.Equal(t, tc.want, exceedsFactMax(d), "%s·10^%d", tc.co.String()[:1], tc.exp)
	}
}

// TestRoundDownToStepMatchesDecimal compares the int64 path of roundDownToStep (and
// withinMaxPrincipal) with the decimal expressions they replace, representation included.
func TestRoundDownToStepMatchesDecimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	steps := []decimal.Decimal{dec("100"), dec("1"), dec("3"), dec("7"), dec("0.01"), dec("0.03"), decimal.New(1, 2),
		dec("1000000000000"), dec("1000000000001"), dec("999999999999"), dec("100.0")}
	for range 200000 {
		var x decimal.Decimal
		switch rng.IntN(4) {
		case 0:
			x = decimal.New(rng.Int64N(1e17), int32(-rng.IntN(3)))
		case 1:
			x = decimal.New(rng.Int64N(1e18), int32(rng.IntN(7)-4))
		case 2:
			x = decimal.New(int64(rng.IntN(2e6))-1e6, int32(-rng.IntN(3)))
		default:
			x = decimal.New(1e15, int32(-rng.IntN(3))).Add(decimal.New(int64(rng.IntN(5)-2), -2))
		}
		step := steps[rng.IntN(len(steps))]
		want := x.Div(step).Floor().Mul(step)
		got := roundDownToStep(x, step)
		require.Equal(t, want.String(), got.String(), "%s / %s", x, step)
		require.Equal(t, want.Exponent(), got.Exponent(), "%s / %s", x, step)
		require.Equal(t, !x.GreaterThan(maxPrincipal), withinMaxPrincipal(x), "%s", x)
	}
}
