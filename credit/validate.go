package credit

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"
)

// DecodeFacts decodes untrusted JSON into Facts and validates them. Decoding is strict:
// unknown fields, trailing data, wrong types and unknown enum values are errors; null or an
// absent field is missing. A decoding error names the offending field where encoding/json
// reports it; validation problems come back together as a *ValidationError.
func DecodeFacts(data []byte) (Facts, error) {
	var f Facts
	if err := decodeStrict(data, &f); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return Facts{}, &ValidationError{Problems: []Problem{{Path: te.Field, Rule: "type",
				Message: "expected " + te.Type.String(), MessageZH: "类型应为 " + te.Type.String()}}}
		}
		return Facts{}, fmt.Errorf("credit: decode facts: %w", err)
	}
	return f, f.Validate()
}

// Validate checks every present field — counts and money not negative, ratios finite,
// classes and enums in range, term at least one month — and returns every problem as a
// *ValidationError whose paths are JSON paths ("income.monthly"). Missing fields are fine.
func (f *Facts) Validate() error {
	var p problems
	validateBureau(&p, "bureau.", &f.Bureau)
	validateBureau(&p, "enterprise.bureau.", &f.Enterprise.Bureau)

	in := &f.Income
	money(&p, "income.monthly", in.Monthly)
	ratioField(&p, "income.growth_yoy", in.GrowthYoY, false)
	enumField(&p, "income.employment", employmentNames, in.Employment)
	ratioField(&p, "income.years_with_employer", in.YearsWithEmployer, true)
	intRange(&p, "income.occupation_class", in.OccupationClass, 1, 5)

	c := &f.Capacity
	money(&p, "capacity.monthly_debt_payments", c.MonthlyDebtPayments)
	money(&p, "capacity.monthly_living_costs", c.MonthlyLivingCosts)
	money(&p, "capacity.liquid_assets", c.LiquidAssets)
	money(&p, "capacity.property_value", c.PropertyValue)
	enumField(&p, "capacity.housing", housingNames, c.Housing)

	pr := &f.Profile
	intRange(&p, "profile.age", pr.Age, 0, 130)
	enumField(&p, "profile.marital", maritalNames, pr.Marital)
	enumField(&p, "profile.education", educationNames, pr.Education)
	ratioField(&p, "profile.years_as_customer", pr.YearsAsCustomer, true)
	intRange(&p, "profile.products_held", pr.ProductsHeld, 0, 1000)
	enumField(&p, "profile.security", securityNames, pr.Security)

	e := &f.Enterprise
	money(&p, "enterprise.revenue", e.Revenue)
	ratioField(&p, "enterprise.revenue_growth", e.RevenueGrowth, false)
	ratioField(&p, "enterprise.net_margin", e.NetMargin, false)
	ratioField(&p, "enterprise.debt_to_assets", e.DebtToAssets, true)
	ratioField(&p, "enterprise.current_ratio", e.CurrentRatio, true)
	ratioField(&p, "enterprise.interest_cover", e.InterestCover, false)
	ratioField(&p, "enterprise.years_in_business", e.YearsInBusiness, true)
	intRange(&p, "enterprise.industry_risk", e.IndustryRisk, 1, 5)

	r := &f.Request
	if r.Amount != nil && !r.Amount.IsPositive() {
		p.add("request.amount", "positive", "must be above zero", "必须大于零")
	} else if r.Amount != nil && r.Amount.GreaterThan(maxFactAmount) {
		p.add("request.amount", "max", "must be at most %s", "不能超过 %s", maxFactAmount.String())
	}
	intRange(&p, "request.term_months", r.TermMonths, 1, 600)
	enumField(&p, "request.product", productNames, r.Product)
	enumField(&p, "request.method", methodNames, r.Method)
	return p.err()
}

// validateBureau checks a credit report; paths are built only for the problems found.
func validateBureau(p *problems, prefix string, b *Bureau) {
	path := func(name string) string { return prefix + name }
	if badInt(b.HistoryMonths, 0, 1200) {
		intRange(p, path("history_months"), b.HistoryMonths, 0, 1200)
	}
	if badInt(b.OpenAccounts, 0, 10000) {
		intRange(p, path("open_accounts"), b.OpenAccounts, 0, 10000)
	}
	if badInt(b.Delinquencies24m, 0, 24) {
		intRange(p, path("delinquencies_24m"), b.Delinquencies24m, 0, 24)
	}
	if badInt(b.WorstDPD24m, 0, 10000) {
		intRange(p, path("worst_dpd_24m"), b.WorstDPD24m, 0, 10000)
	}
	if b.AmountOverdue != nil && (b.AmountOverdue.IsNegative() || b.AmountOverdue.GreaterThan(maxFactAmount)) {
		money(p, path("amount_overdue"), b.AmountOverdue)
	}
	if badInt(b.DefaultsOrWriteOffs, 0, 10000) {
		intRange(p, path("defaults_or_write_offs"), b.DefaultsOrWriteOffs, 0, 10000)
	}
	if badInt(b.LateFees, 0, 10000) {
		intRange(p, path("late_fees"), b.LateFees, 0, 10000)
	}
	if x := b.Utilisation; x != nil && (!finite(*x) || *x < 0) {
		ratioField(p, path("utilisation"), b.Utilisation, true)
	}
	if badInt(b.HardInquiries6m, 0, 10000) {
		intRange(p, path("hard_inquiries_6m"), b.HardInquiries6m, 0, 10000)
	}
}

func badInt(x *int, lo, hi int) bool { return x != nil && (*x < lo || *x > hi) }

// maxFactAmount bounds every amount of Facts (10¹⁵, a thousand trillion): far above any
// real figure, and low enough that no arithmetic on it grows without bound — an amount such
// as 1e999999 would otherwise make an assessment take seconds.
var maxFactAmount = decimal.New(1, 15)

func money(p *problems, path string, d *decimal.Decimal) {
	switch {
	case d == nil:
	case d.IsNegative():
		p.add(path, "non_negative", "must not be negative", "不能为负数")
	case d.GreaterThan(maxFactAmount):
		p.add(path, "max", "must be at most %s", "不能超过 %s", maxFactAmount.String())
	}
}

func ratioField(p *problems, path string, x *float64, nonNegative bool) {
	switch {
	case x == nil:
	case !finite(*x):
		p.add(path, "finite", "must be a finite number", "必须是有限数")
	case nonNegative && *x < 0:
		p.add(path, "non_negative", "must not be negative", "不能为负数")
	}
}

func intRange(p *problems, path string, x *int, lo, hi int) {
	if x != nil && (*x < lo || *x > hi) {
		p.add(path, "range", "must be between %d and %d", "必须在 %d 与 %d 之间", lo, hi)
	}
}

func enumField[E ~uint8](p *problems, path string, names []string, x *E) {
	if x != nil && !enumValid(names, *x) {
		p.add(path, "enum", "unknown value %d", "未知取值 %d", uint8(*x))
	}
}
