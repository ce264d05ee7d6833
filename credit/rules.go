package credit

import (
	"github.com/shopspring/decimal"
)

// The policy rule codes a Report may carry in RuleHits.
const (
	RuleUnderAge         = "AGE_UNDER_MIN"         // knock-out: younger than MinAge
	RuleAgeAtMaturity    = "AGE_AT_MATURITY"       // knock-out: older than MaxAgeAtMaturity when the loan ends
	RuleAgeUnknown       = "AGE_UNKNOWN"           // referral: an individual without an age
	RuleActiveDefault    = "DEFAULT_ACTIVE"        // knock-out: an active default or write-off
	RuleDPD90            = "DPD90_24M"             // knock-out: worst days past due ≥ 90 in 24 months
	RuleExistingDTI      = "DTI_EXISTING_OVER_CAP" // knock-out: existing payments already above the DTI cap
	RuleDTIAfterLoan     = "DTI_OVER_CAP"          // referral: the requested loan would take DTI above the cap
	RuleUnverifiedIncome = "INCOME_UNVERIFIED"     // referral: unverified income above UnverifiedIncomeMax
	RuleIncomeMissing    = "INCOME_MISSING"        // referral: no income to assess capacity
	RuleBlacklisted      = "BLACKLISTED"           // knock-out
	RuleNoCreditFile     = "NO_CREDIT_FILE"        // referral: thin file, manual review
	RuleOverdueNow       = "OVERDUE_NOW"           // referral: an amount is overdue now
)

// rules evaluates the policy rules in a fixed order.
func (a *Assessor) rules(f *Facts, r *Report, tm terms) []RuleHit {
	cfg := &a.cfg
	hits := []RuleHit{}
	hit := func(code string, act RuleAction, en, zh string) {
		hits = append(hits, RuleHit{Code: code, Action: act, EN: en, ZH: zh})
	}
	enterprise := f.Enterprise.Revenue != nil || f.Enterprise.YearsInBusiness != nil
	if f.Blacklisted != nil && *f.Blacklisted {
		hit(RuleBlacklisted, KnockOut, "Applicant is on a blacklist", "申请人在黑名单中")
	}
	if age := f.Profile.Age; age != nil {
		if *age < cfg.MinAge {
			hit(RuleUnderAge, KnockOut, "Applicant is under the minimum age", "申请人未达到最低年龄")
		}
		if (*age*12+*f.Request.TermMonths+11)/12 > cfg.MaxAgeAtMaturity {
			hit(RuleAgeAtMaturity, KnockOut, "Applicant would be over the maximum age at maturity", "贷款到期时申请人超过最高年龄")
		}
	} else if !enterprise {
		hit(RuleAgeUnknown, Referral, "Applicant's age is unknown", "申请人年龄未知")
	}
	if inDefault(f) {
		hit(RuleActiveDefault, KnockOut, "Active default or write-off on the credit report", "征信报告有未结清的违约或核销")
	}
	for _, b := range []*Bureau{&f.Bureau, &f.Enterprise.Bureau} {
		if b.WorstDPD24m != nil && *b.WorstDPD24m >= 90 {
			hit(RuleDPD90, KnockOut, "90 or more days past due in the last 24 months", "近24个月曾逾期90天以上")
			break
		}
	}
	if f.Bureau.NoFile != nil && *f.Bureau.NoFile {
		hit(RuleNoCreditFile, Referral, "No credit file", "无征信记录")
	}
	for _, b := range []*Bureau{&f.Bureau, &f.Enterprise.Bureau} {
		if b.AmountOverdue != nil && b.AmountOverdue.IsPositive() {
			hit(RuleOverdueNow, Referral, "An amount is overdue now", "当前有逾期金额")
			break
		}
	}
	income := r.Derivation.MonthlyIncome
	switch {
	case !income.IsPositive():
		hit(RuleIncomeMissing, Referral, "No income to assess repayment capacity", "无收入信息，无法评估还款能力")
	case r.Derivation.DTICapInstalment.Sign() <= 0:
		hit(RuleExistingDTI, KnockOut, "Existing debt payments already exceed the DTI cap", "现有月供已超过负债收入比上限")
	case f.Request.Amount != nil && r.Price.RateBP > 0:
		first := tm.firstPayment(*f.Request.Amount, *f.Request.Method)
		if dtiAbove(r.Derivation.ExistingPayments, first, income, cfg.DTICap) {
			hit(RuleDTIAfterLoan, Referral, "The requested loan would take debt payments above the DTI cap",
				"申请金额将使负债收入比超过上限")
		}
	}
	if f.Income.Monthly != nil && (f.Income.Verified == nil || !*f.Income.Verified) &&
		f.Income.Monthly.GreaterThan(cfg.UnverifiedIncomeMax) {
		hit(RuleUnverifiedIncome, Referral, "Unverified income above the verification threshold", "未核实的收入超过核实门槛")
	}
	return hits
}

// dtiAbove reports (existing + first) / income > limit, the quotient rounded as decimal's Div
// rounds it; in int64 when the amounts fit.
func dtiAbove(existing, first, income, limit decimal.Decimal) bool {
	prec := int32(decimal.DivisionPrecision)
	dti := fixedOf(existing).Add(fixedOf(first)).DivRound(fixedOf(income), prec)
	if c, ok := dti.Cmp(fixedOf(limit)); ok {
		return c > 0
	}
	return existing.Add(first).Div(income).GreaterThan(limit)
}

// firstPayment is the largest monthly payment of a loan (the first, for every method).
func (t terms) firstPayment(amount decimal.Decimal, method Method) decimal.Decimal {
	switch method {
	case EqualPrincipal:
		return amount.DivRound(t.nd, 2).Add(amount.Mul(t.i)).Round(2)
	case InterestOnly:
		return amount.Mul(t.i).Round(2)
	}
	return t.annuity(amount).Round(2)
}
