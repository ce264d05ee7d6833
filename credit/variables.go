package credit

import (
	"math"

	"github.com/shopspring/decimal"
)

// variable reads one scoreable value out of Facts without allocating.
type variable struct {
	name  string
	typ   VariableType
	num   func(*Facts) (float64, bool)
	cat   func(*Facts) (uint8, bool)
	names []string // categorical: names[v] for v ≥ 1
}

var boolNames = []string{"", "false", "true"}

func intVar(name string, get func(*Facts) *int) variable {
	return variable{name: name, typ: Numeric, num: func(f *Facts) (float64, bool) {
		if p := get(f); p != nil {
			return float64(*p), true
		}
		return 0, false
	}}
}

func floatVar(name string, get func(*Facts) *float64) variable {
	return variable{name: name, typ: Numeric, num: func(f *Facts) (float64, bool) {
		if p := get(f); p != nil && finite(*p) {
			return *p, true
		}
		return 0, false
	}}
}

func moneyVar(name string, get func(*Facts) *decimal.Decimal) variable {
	return variable{name: name, typ: Numeric, num: func(f *Facts) (float64, bool) {
		if p := get(f); p != nil {
			return decFloat(*p), true
		}
		return 0, false
	}}
}

func boolVar(name string, get func(*Facts) *bool) variable {
	return variable{name: name, typ: Categorical, names: boolNames, cat: func(f *Facts) (uint8, bool) {
		p := get(f)
		switch {
		case p == nil:
			return 0, false
		case *p:
			return 2, true
		}
		return 1, true
	}}
}

func enumVar[E ~uint8](name string, names []string, get func(*Facts) *E) variable {
	return variable{name: name, typ: Categorical, names: names, cat: func(f *Facts) (uint8, bool) {
		if p := get(f); p != nil && enumValid(names, *p) {
			return uint8(*p), true
		}
		return 0, false
	}}
}

// decFloat converts a decimal to float64 without allocating for ordinary amounts (at most 15
// significant digits); longer values take decimal's exact, allocating path.
func decFloat(d decimal.Decimal) float64 {
	// NumDigits costs a logarithm; most amounts are settled by comparing the coefficient
	// with ±(10^15 − 10^6) at the amount's own exponent (no rescaling, no allocation), and
	// NumDigits decides only the rest, exactly as before.
	if e := int(d.Exponent()) - minDecFloatExp; e >= 0 && e < len(decFloatBounds) {
		if b := &decFloatBounds[e]; d.Cmp(b[0]) > 0 && d.Cmp(b[1]) < 0 {
			c := float64(d.CoefficientInt64())
			if e := int(d.Exponent()); e < 0 {
				return c / math.Pow10(-e)
			}
			return c * math.Pow10(int(d.Exponent()))
		}
	}
	if d.NumDigits() <= 15 {
		c, e := float64(d.CoefficientInt64()), int(d.Exponent())
		if e >= 0 {
			return c * math.Pow10(e)
		}
		return c / math.Pow10(-e)
	}
	return d.InexactFloat64()
}

// minDecFloatExp is the smallest exponent decFloatBounds covers.
const minDecFloatExp = -12

// decFloatBounds[e−minDecFloatExp] holds −(10^15 − 10^6) and 10^15 − 10^6 at exponent e: a
// coefficient strictly between them has at most 15 digits however NumDigits's logarithm
// rounds.
var decFloatBounds = func() (b [25][2]decimal.Decimal) {
	const bound = 1e15 - 1e6
	for i := range b {
		b[i] = [2]decimal.Decimal{decimal.New(-bound, int32(i+minDecFloatExp)), decimal.New(bound, int32(i+minDecFloatExp))}
	}
	return b
}()

// ratio returns a/b as float64 when both are present and b > 0.
func ratio(a, b *decimal.Decimal) (float64, bool) {
	if a == nil || b == nil {
		return 0, false
	}
	den := decFloat(*b)
	if !(den > 0) {
		return 0, false
	}
	return decFloat(*a) / den, true
}

// factVariables lists every variable a scorecard compiled against Facts may name.
func factVariables() []variable {
	bureau := func(prefix string, get func(*Facts) *Bureau) []variable {
		return []variable{
			boolVar(prefix+"no_file", func(f *Facts) *bool { return get(f).NoFile }),
			intVar(prefix+"history_months", func(f *Facts) *int { return get(f).HistoryMonths }),
			intVar(prefix+"open_accounts", func(f *Facts) *int { return get(f).OpenAccounts }),
			intVar(prefix+"delinquencies_24m", func(f *Facts) *int { return get(f).Delinquencies24m }),
			intVar(prefix+"worst_dpd_24m", func(f *Facts) *int { return get(f).WorstDPD24m }),
			moneyVar(prefix+"amount_overdue", func(f *Facts) *decimal.Decimal { return get(f).AmountOverdue }),
			intVar(prefix+"defaults_or_write_offs", func(f *Facts) *int { return get(f).DefaultsOrWriteOffs }),
			intVar(prefix+"late_fees", func(f *Facts) *int { return get(f).LateFees }),
			floatVar(prefix+"utilisation", func(f *Facts) *float64 { return get(f).Utilisation }),
			intVar(prefix+"hard_inquiries_6m", func(f *Facts) *int { return get(f).HardInquiries6m }),
		}
	}
	vs := bureau("bureau.", func(f *Facts) *Bureau { return &f.Bureau })
	vs = append(vs, bureau("enterprise.bureau.", func(f *Facts) *Bureau { return &f.Enterprise.Bureau })...)
	vs = append(vs,
		moneyVar("income.monthly", func(f *Facts) *decimal.Decimal { return f.Income.Monthly }),
		boolVar("income.verified", func(f *Facts) *bool { return f.Income.Verified }),
		floatVar("income.growth_yoy", func(f *Facts) *float64 { return f.Income.GrowthYoY }),
		enumVar("income.employment", employmentNames, func(f *Facts) *Employment { return f.Income.Employment }),
		floatVar("income.years_with_employer", func(f *Facts) *float64 { return f.Income.YearsWithEmployer }),
		intVar("income.occupation_class", func(f *Facts) *int { return f.Income.OccupationClass }),
		moneyVar("capacity.monthly_debt_payments", func(f *Facts) *decimal.Decimal { return f.Capacity.MonthlyDebtPayments }),
		moneyVar("capacity.monthly_living_costs", func(f *Facts) *decimal.Decimal { return f.Capacity.MonthlyLivingCosts }),
		moneyVar("capacity.liquid_assets", func(f *Facts) *decimal.Decimal { return f.Capacity.LiquidAssets }),
		moneyVar("capacity.property_value", func(f *Facts) *decimal.Decimal { return f.Capacity.PropertyValue }),
		enumVar("capacity.housing", housingNames, func(f *Facts) *Housing { return f.Capacity.Housing }),
		variable{name: "capacity.dti", typ: Numeric, num: func(f *Facts) (float64, bool) {
			return ratio(f.Capacity.MonthlyDebtPayments, f.Income.Monthly)
		}},
		intVar("profile.age", func(f *Facts) *int { return f.Profile.Age }),
		enumVar("profile.marital", maritalNames, func(f *Facts) *Marital { return f.Profile.Marital }),
		enumVar("profile.education", educationNames, func(f *Facts) *Education { return f.Profile.Education }),
		floatVar("profile.years_as_customer", func(f *Facts) *float64 { return f.Profile.YearsAsCustomer }),
		intVar("profile.products_held", func(f *Facts) *int { return f.Profile.ProductsHeld }),
		enumVar("profile.security", securityNames, func(f *Facts) *Security { return f.Profile.Security }),
		moneyVar("enterprise.revenue", func(f *Facts) *decimal.Decimal { return f.Enterprise.Revenue }),
		floatVar("enterprise.revenue_growth", func(f *Facts) *float64 { return f.Enterprise.RevenueGrowth }),
		floatVar("enterprise.net_margin", func(f *Facts) *float64 { return f.Enterprise.NetMargin }),
		floatVar("enterprise.debt_to_assets", func(f *Facts) *float64 { return f.Enterprise.DebtToAssets }),
		floatVar("enterprise.current_ratio", func(f *Facts) *float64 { return f.Enterprise.CurrentRatio }),
		floatVar("enterprise.interest_cover", func(f *Facts) *float64 { return f.Enterprise.InterestCover }),
		floatVar("enterprise.years_in_business", func(f *Facts) *float64 { return f.Enterprise.YearsInBusiness }),
		intVar("enterprise.industry_risk", func(f *Facts) *int { return f.Enterprise.IndustryRisk }),
		moneyVar("request.amount", func(f *Facts) *decimal.Decimal { return f.Request.Amount }),
		intVar("request.term_months", func(f *Facts) *int { return f.Request.TermMonths }),
		enumVar("request.product", productNames, func(f *Facts) *Product { return f.Request.Product }),
	)
	return vs
}

// Variables returns the names of the variables a scorecard compiled with Compile may use, in
// a fixed order. Besides the Facts fields (by JSON path), "capacity.dti" is existing monthly
// debt payments divided by monthly income.
func Variables() []string {
	vs := factVariables()
	names := make([]string, len(vs))
	for i, v := range vs {
		names[i] = v.name
	}
	return names
}
