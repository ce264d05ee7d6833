package credit

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"

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
	} else if r.Amount != nil && badFactExp(*r.Amount) {
		factScale(&p, "request.amount")
	} else if r.Amount != nil && exceedsFactMax(*r.Amount) {
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
	if d := b.AmountOverdue; d != nil && (d.IsNegative() || badFactExp(*d) || exceedsFactMax(*d)) {
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

// factMaxAt[e−minFactExp] is maxFactAmount written with exponent e, for the exponents amounts
// usually have: comparing at equal exponents needs no rescaling.
var factMaxAt = func() (b [16 - minFactExp]decimal.Decimal) {
	for i := range b {
		e := i + minFactExp
		b[i] = decimal.NewFromBigInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(15-e)), nil), int32(e))
	}
	return b
}()

const minFactExp = -12

// exceedsFactMax reports d > maxFactAmount as d.GreaterThan(maxFactAmount) does, without
// rescaling either number to the other's exponent: that costs a big-number power of ten,
// tens of milliseconds for a hostile exponent such as 1e999999 and a sizable part of
// Validate for ordinary amounts.
func exceedsFactMax(d decimal.Decimal) bool {
	if d.Sign() <= 0 {
		return false
	}
	e := int(d.Exponent())
	switch {
	case e > 15: // a coefficient of at least 1 times 10^16 or more
		return true
	case e >= minFactExp:
		return d.Cmp(factMaxAt[e-minFactExp]) > 0
	}
	// d = c·10^e exceeds 10^15 when c > 10^(15−e), that is when c has more than 16−e digits
	// (at least 29 here, where NumDigits counts exactly), and not when it has fewer.
	switch digits := d.NumDigits(); {
	case digits < 16-e:
		return false
	case digits > 16-e:
		return true
	}
	return d.GreaterThan(maxFactAmount) // 16−e digits: as long as the input itself
}

// badFactExp reports whether d, an amount of Facts, is written with more than 12 decimal
// places (an exponent below minFactExp) or an exponent above 15, which only zero can have
// without exceeding maxFactAmount. Such an amount is refused before any arithmetic: even
// comparing 0e999999999 or 1e-999999999 with another amount builds a power of ten with as
// many digits as the exponent says, which would keep an assessment busy for minutes.
func badFactExp(d decimal.Decimal) bool {
	e := d.Exponent()
	return e < minFactExp || e > 15
}

// factScale records the problem badFactExp finds.
func factScale(p *problems, path string) {
	p.add(path, "scale", "must have at most %d decimal places and an exponent of at most 15",
		"最多 %d 位小数，指数不能超过 15", -minFactExp)
}

func money(p *problems, path string, d *decimal.Decimal) {
	switch {
	case d == nil:
	case d.IsNegative():
		p.add(path, "non_negative", "must not be negative", "不能为负数")
	case badFactExp(*d):
		factScale(p, path)
	case exceedsFactMax(*d):
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
