package credit

import (
	"github.com/shopspring/decimal"
)

// Facts is what is known about an applicant and the request. Every field is a pointer and nil
// means missing (JSON null or absent): missing is never confused with zero. Money is decimal
// (JSON string or number), ratios are fractions (0.35 = 35%). Decode untrusted JSON with
// DecodeFacts, which rejects unknown fields; check built values with Validate.
type Facts struct {
	Bureau      Bureau     `json:"bureau"`
	Income      Income     `json:"income"`
	Capacity    Capacity   `json:"capacity"`
	Profile     Profile    `json:"profile"`
	Enterprise  Enterprise `json:"enterprise"`
	Request     Request    `json:"request"`
	Blacklisted *bool      `json:"blacklisted"`
}

// Bureau is a credit report (of a person, or of an enterprise in Enterprise.Bureau).
type Bureau struct {
	NoFile              *bool            `json:"no_file"`        // no credit file at all
	HistoryMonths       *int             `json:"history_months"` // months since the first account
	OpenAccounts        *int             `json:"open_accounts"`
	Delinquencies24m    *int             `json:"delinquencies_24m"`      // delinquent months in the last 24
	WorstDPD24m         *int             `json:"worst_dpd_24m"`          // worst days past due in the last 24 months
	AmountOverdue       *decimal.Decimal `json:"amount_overdue"`         // overdue now
	DefaultsOrWriteOffs *int             `json:"defaults_or_write_offs"` // active defaults or write-offs
	LateFees            *int             `json:"late_fees"`
	Utilisation         *float64         `json:"utilisation"` // revolving balance / limit
	HardInquiries6m     *int             `json:"hard_inquiries_6m"`
}

// Income is the applicant's income and occupation.
type Income struct {
	Monthly           *decimal.Decimal `json:"monthly"`
	Verified          *bool            `json:"verified"`
	GrowthYoY         *float64         `json:"growth_yoy"`
	Employment        *Employment      `json:"employment"`
	YearsWithEmployer *float64         `json:"years_with_employer"`
	OccupationClass   *int             `json:"occupation_class"` // 1 (lowest risk) … 5
}

// Capacity is what the applicant already pays and owns.
type Capacity struct {
	MonthlyDebtPayments *decimal.Decimal `json:"monthly_debt_payments"`
	MonthlyLivingCosts  *decimal.Decimal `json:"monthly_living_costs"`
	LiquidAssets        *decimal.Decimal `json:"liquid_assets"`
	PropertyValue       *decimal.Decimal `json:"property_value"`
	Housing             *Housing         `json:"housing"`
}

// Profile is the applicant's personal profile and relationship with the bank.
type Profile struct {
	Age             *int       `json:"age"`
	Marital         *Marital   `json:"marital"`
	Education       *Education `json:"education"`
	YearsAsCustomer *float64   `json:"years_as_customer"`
	ProductsHeld    *int       `json:"products_held"`
	Security        *Security  `json:"security"` // collateral or guarantee
}

// Enterprise is what is known of a business applicant.
type Enterprise struct {
	Revenue         *decimal.Decimal `json:"revenue"` // annual
	RevenueGrowth   *float64         `json:"revenue_growth"`
	NetMargin       *float64         `json:"net_margin"`
	DebtToAssets    *float64         `json:"debt_to_assets"`
	CurrentRatio    *float64         `json:"current_ratio"`
	InterestCover   *float64         `json:"interest_cover"`
	YearsInBusiness *float64         `json:"years_in_business"`
	IndustryRisk    *int             `json:"industry_risk"` // 1 (lowest) … 5
	Bureau          Bureau           `json:"bureau"`
}

// Request is the credit asked for.
type Request struct {
	Amount     *decimal.Decimal `json:"amount"`
	TermMonths *int             `json:"term_months"`
	Product    *Product         `json:"product"`
	Method     *Method          `json:"method"`
}
