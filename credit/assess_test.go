package credit

import (
	"encoding/json"
	"flag"
	"os"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

var fixedNow = func() time.Time { return time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC) }

func assessor(t testing.TB, card string, cfg Config) *Assessor {
	t.Helper()
	c, err := BuiltinCard(card)
	require.NoError(t, err)
	m, err := Compile(c)
	require.NoError(t, err)
	if cfg.Now == nil {
		cfg.Now = fixedNow
	}
	a, err := NewAssessor(m, cfg)
	require.NoError(t, err)
	return a
}

func applicant(t testing.TB) Facts {
	t.Helper()
	f, err := DecodeFacts(readFile(t, "testdata/applicant.json"))
	require.NoError(t, err)
	return f
}

func TestAssessApplicant(t *testing.T) {
	r, err := assessor(t, "individual", Config{}).Assess(applicant(t))
	require.NoError(t, err)
	assert.InDelta(t, 540.0, r.Score, 1e-9)
	assert.Equal(t, B, r.Grade)
	assert.Equal(t, Approve, r.Decision)
	assert.Empty(t, r.RuleHits)
	assert.Equal(t, "150000", r.Limit.String())
	assert.Equal(t, "requested", r.Derivation.Binding)
	// Max instalment = min(0.55·18000 − 2500, 0.7·(18000 − 4000 − 2500)) = min(7400, 8050).
	assert.Equal(t, "7400", r.Derivation.MaxInstalment.String())
	p := r.Price
	assert.Equal(t, p.BaseRateBP+p.ELPremiumBP+p.CapitalChargeBP+p.OperatingCostBP, p.UnclampedBP)
	assert.LessOrEqual(t, p.RateBP, int64(1200), "legal cap 4 × 300 bp")
	require.Len(t, r.Reasons, 4)
	assert.Equal(t, "DPD", r.Reasons[0].Code)
	assert.Equal(t, "bureau.worst_dpd_24m", r.Hint.Variable)
	assert.Equal(t, "creditkit-individual", r.ModelID)
	assert.Equal(t, fixedNow(), r.AssessedAt)
}

func TestAssessRules(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*Facts)
		code   string
		action RuleAction
		want   Decision
	}{
		{"under age", func(f *Facts) { f.Profile.Age = ptr(17) }, RuleUnderAge, KnockOut, Decline},
		{"too old at maturity", func(f *Facts) { f.Profile.Age = ptr(63) }, RuleAgeAtMaturity, KnockOut, Decline},
		{"age unknown", func(f *Facts) { f.Profile.Age = nil }, RuleAgeUnknown, Referral, Refer},
		{"active default", func(f *Facts) { f.Bureau.DefaultsOrWriteOffs = ptr(1) }, RuleActiveDefault, KnockOut, Decline},
		{"90 dpd", func(f *Facts) { f.Bureau.WorstDPD24m = ptr(90) }, RuleDPD90, KnockOut, Decline},
		{"blacklisted", func(f *Facts) { f.Blacklisted = ptr(true) }, RuleBlacklisted, KnockOut, Decline},
		{"existing DTI over cap", func(f *Facts) { f.Capacity.MonthlyDebtPayments = ptr(dec("10000")) }, RuleExistingDTI, KnockOut, Decline},
		{"loan takes DTI over cap", func(f *Facts) { f.Request.Amount = ptr(dec("300000")) }, RuleDTIAfterLoan, Referral, Refer},
		{"unverified high income", func(f *Facts) {
			f.Income.Verified = ptr(false)
			f.Income.Monthly = ptr(dec("40000"))
		}, RuleUnverifiedIncome, Referral, Refer},
		{"income missing", func(f *Facts) { f.Income.Monthly = nil }, RuleIncomeMissing, Referral, Decline},
		{"no credit file", func(f *Facts) { f.Bureau.NoFile = ptr(true) }, RuleNoCreditFile, Referral, Refer},
		{"overdue now", func(f *Facts) { f.Bureau.AmountOverdue = ptr(dec("10")) }, RuleOverdueNow, Referral, Refer},
	}
	a := assessor(t, "individual", Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := applicant(t)
			tt.edit(&f)
			r, err := a.Assess(f)
			require.NoError(t, err)
			assert.Contains(t, r.RuleHits, hitOf(r.RuleHits, tt.code))
			assert.Equal(t, tt.action, hitOf(r.RuleHits, tt.code).Action)
			assert.Equal(t, tt.want, r.Decision)
		})
	}
}

func hitOf(hits []RuleHit, code string) RuleHit {
	for _, h := range hits {
		if h.Code == code {
			return h
		}
	}
	return RuleHit{Code: "absent " + code}
}

func TestAssessDefaultIsGradeD(t *testing.T) {
	f := applicant(t)
	f.Bureau.DefaultsOrWriteOffs = ptr(2)
	r, err := assessor(t, "individual", Config{}).Assess(f)
	require.NoError(t, err)
	assert.Equal(t, D, r.Grade)
	assert.Equal(t, 1.0, r.PD)
	assert.Equal(t, Decline, r.Decision)
	assert.True(t, r.Limit.IsZero())
}

func TestAssessLimitSteps(t *testing.T) {
	f := applicant(t)
	f.Request.Amount = nil
	f.Request.Method = ptr(EqualPrincipal)
	cfg := Config{Step: dec("1000"), ProductMaximum: map[Product]decimal.Decimal{Consumer: dec("1000000")}}
	r, err := assessor(t, "individual", cfg).Assess(f)
	require.NoError(t, err)
	d := r.Derivation
	// Income multiple for B is 1.5 × 12 × 18000 = 324 000; capacity at 7400 a month binds lower.
	assert.Equal(t, "324000", d.IncomeMultipleCap.String())
	assert.Equal(t, "capacity", d.Binding)
	want := MaxPrincipal(EqualPrincipal, dec("7400"), MonthlyRate(r.Price.RateBP), 36)
	assert.True(t, d.CapacityLimit.Equal(want))
	assert.True(t, d.Limit.Equal(want.Div(dec("1000")).Floor().Mul(dec("1000"))))
	assert.True(t, r.Schedule.FirstInstalment.LessThanOrEqual(dec("7400")))
}

func TestAssessRejectsBadFacts(t *testing.T) {
	a := assessor(t, "individual", Config{})
	f := applicant(t)
	f.Request.TermMonths = nil
	f.Request.Method = nil
	f.Income.Monthly = ptr(dec("-1"))
	_, err := a.Assess(f)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Len(t, ve.Problems, 1, "facts validation first")
	f.Income.Monthly = nil
	_, err = a.Assess(f)
	require.ErrorAs(t, err, &ve)
	assert.Len(t, ve.Problems, 2)
}

func TestNewAssessorRejects(t *testing.T) {
	m := tinyModel(t)
	_, err := NewAssessor(m, Config{DTICap: dec("1.5"), ReferScore: 700, Step: dec("-1")})
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Len(t, ve.Problems, 3)
	_, err = NewAssessor(nil, Config{})
	require.ErrorIs(t, err, ErrInvalid)
}

func TestAssessEnterprise(t *testing.T) {
	f, err := DecodeFacts([]byte(`{"enterprise":{"revenue":"24000000","revenue_growth":0.08,"net_margin":0.06,
	 "debt_to_assets":0.55,"current_ratio":1.4,"interest_cover":4.2,"years_in_business":9,"industry_risk":3,
	 "bureau":{"worst_dpd_24m":0,"delinquencies_24m":0}},
	 "request":{"amount":"3000000","term_months":12,"product":"working_capital","method":"interest_only"}}`))
	require.NoError(t, err)
	r, err := assessor(t, "enterprise", Config{}).Assess(f)
	require.NoError(t, err)
	assert.Equal(t, "creditkit-enterprise", r.ModelID)
	assert.Equal(t, "120000", r.Derivation.MonthlyIncome.String(), "24m × 6% / 12")
	assert.Equal(t, "corporate", assetClass(WorkingCapital).String())
	assert.Positive(t, r.Risk.K)
	assert.Empty(t, r.RuleHits)
}

func TestReportMarkdownGolden(t *testing.T) {
	r, err := assessor(t, "individual", Config{}).Assess(applicant(t))
	require.NoError(t, err)
	got := r.Markdown()
	const golden = "testdata/report.golden.md"
	if *update {
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	assert.Equal(t, string(readFile(t, golden)), got)
}

func TestReportJSONRoundTrip(t *testing.T) {
	r, err := assessor(t, "individual", Config{}).Assess(applicant(t))
	require.NoError(t, err)
	data, err := json.Marshal(r)
	require.NoError(t, err)
	var back Report
	require.NoError(t, json.Unmarshal(data, &back))
	assert.True(t, back.Limit.Equal(r.Limit))
	assert.Equal(t, r.Grade, back.Grade)
	assert.Equal(t, r.Decision, back.Decision)
	assert.Equal(t, r.Reasons, back.Reasons)
	assert.Contains(t, string(data), `"limit":"150000"`)
}

func TestDecisionCutOffs(t *testing.T) {
	// The applicant scores 540 and hits no rule.
	tests := []struct {
		name           string
		approve, refer float64
		want           Decision
	}{
		{"at the approve cut-off", 540, 500, Approve},
		{"below approve, at refer", 541, 540, Refer},
		{"below refer", 600, 541, Decline},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := assessor(t, "individual", Config{ApproveScore: tt.approve, ReferScore: tt.refer}).Assess(applicant(t))
			require.NoError(t, err)
			assert.Equal(t, tt.want, r.Decision)
		})
	}
}

func TestPriceClampsToTheLegalCap(t *testing.T) {
	f := applicant(t)
	f.Bureau.WorstDPD24m = ptr(60)
	f.Bureau.Delinquencies24m = ptr(8)
	f.Bureau.Utilisation = ptr(0.95)
	r, err := assessor(t, "individual", Config{ApproveScore: 1, ReferScore: 1}).Assess(f)
	require.NoError(t, err)
	assert.Greater(t, r.Price.UnclampedBP, r.Price.LegalCapBP)
	assert.Equal(t, int64(1200), r.Price.RateBP, "4 × the 300 bp 1-year LPR")

	cfg := Config{GradeBands: map[Grade]PriceBand{B: {FloorBP: 900, CapBP: 1000}}}
	r, err = assessor(t, "individual", cfg).Assess(applicant(t))
	require.NoError(t, err)
	assert.Equal(t, int64(900), r.Price.RateBP, "raised to the grade floor")
}

func TestVariablesAreUniqueAndCompile(t *testing.T) {
	names := Variables()
	seen := map[string]bool{}
	for _, n := range names {
		assert.False(t, seen[n], n)
		seen[n] = true
	}
	assert.True(t, seen["capacity.dti"])
	assert.True(t, seen["enterprise.bureau.worst_dpd_24m"])
}
