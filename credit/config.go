package credit

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// RateTable is the loan prime rate (LPR) table prices are built on, in basis points.
type RateTable struct {
	AsOf       string `json:"as_of"` // the date the rates took effect, YYYY-MM-DD
	OneYearBP  int64  `json:"one_year_bp"`
	FiveYearBP int64  `json:"five_year_bp"` // over five years; used for mortgages and terms over 60 months
}

// DefaultRates returns the LPR in force from 2025-05-20: 1-year 3.00%, over-5-year 3.50%.
// Rates move: configure the table a bank actually uses.
func DefaultRates() RateTable { return RateTable{AsOf: "2025-05-20", OneYearBP: 300, FiveYearBP: 350} }

// PriceBand is the floor and cap of the rate offered to one grade, in basis points.
type PriceBand struct {
	FloorBP int64 `json:"floor_bp"`
	CapBP   int64 `json:"cap_bp"`
}

// Config holds the assessment policy. Its zero value means every documented default; set only
// what differs. Ratios are decimals (0.55 = 55%).
type Config struct {
	Scale MasterScale // default DefaultMasterScale
	Rates RateTable   // default DefaultRates

	DTICap          decimal.Decimal // all debt payments / income; default 0.55
	DisposableShare decimal.Decimal // α of income − living costs − debt; default 0.70
	// IncomeMultiples caps the limit at multiple × annual income, per grade (index Grade);
	// default AAA 5, AA 5, A 4, BBB 3, BB 2, B 1.5, CCC 1, CC 0.5, C 0, D 0.
	IncomeMultiples map[Grade]decimal.Decimal
	// ProductMaximum caps the limit per product; default consumer 200 000, mortgage
	// 10 000 000, working capital 5 000 000, equity pledge 5 000 000, revolving 500 000,
	// business term 10 000 000.
	ProductMaximum map[Product]decimal.Decimal
	Step           decimal.Decimal // the limit is rounded down to a multiple; default 100

	LGD              map[Product]float64 // default 0.45, mortgage 0.25
	HurdleRate       float64             // return on capital above the risk-free rate; default 0.10
	OperatingCostBP  int64               // default 100
	FundingMarginBP  int64               // default 0
	GradeBands       map[Grade]PriceBand // default floor = 1-year LPR, cap = legal cap
	LegalCapMultiple int64               // legal cap = multiple × 1-year LPR; default 4
	UpfrontFeeRate   decimal.Decimal     // fee as a share of the limit, counted in the APR; default 0

	ApproveScore float64 // approve at or above (absent rule hits); default 540
	ReferScore   float64 // refer at or above, decline below; default 510

	MinAge              int             // default 18
	MaxAgeAtMaturity    int             // default 65
	UnverifiedIncomeMax decimal.Decimal // monthly income above this needs verification; default 30 000
	Reasons             int             // reasons reported; default 4

	Now func() time.Time // default time.Now
}

// resolved returns the config with every default filled in.
func (c Config) resolved() Config {
	c.IncomeMultiples = maps.Clone(c.IncomeMultiples)
	c.ProductMaximum = maps.Clone(c.ProductMaximum)
	c.LGD = maps.Clone(c.LGD)
	c.GradeBands = maps.Clone(c.GradeBands)
	c.Scale.Bands = slices.Clone(c.Scale.Bands)
	if len(c.Scale.Bands) == 0 {
		c.Scale = DefaultMasterScale()
	}
	if c.Rates == (RateTable{}) {
		c.Rates = DefaultRates()
	}
	c.DTICap = orDecimal(c.DTICap, decimal.New(55, -2))
	c.DisposableShare = orDecimal(c.DisposableShare, decimal.New(70, -2))
	if c.IncomeMultiples == nil {
		c.IncomeMultiples = map[Grade]decimal.Decimal{AAA: decimal.New(5, 0), AA: decimal.New(5, 0),
			A: decimal.New(4, 0), BBB: decimal.New(3, 0), BB: decimal.New(2, 0), B: decimal.New(15, -1),
			CCC: decimal.New(1, 0), CC: decimal.New(5, -1)}
	}
	if c.ProductMaximum == nil {
		c.ProductMaximum = map[Product]decimal.Decimal{Consumer: decimal.New(200000, 0),
			Mortgage: decimal.New(10000000, 0), WorkingCapital: decimal.New(5000000, 0),
			EquityPledgeLoan: decimal.New(5000000, 0), Revolving: decimal.New(500000, 0),
			BusinessTerm: decimal.New(10000000, 0)}
	}
	c.Step = orDecimal(c.Step, decimal.New(100, 0))
	if c.LGD == nil {
		c.LGD = map[Product]float64{Consumer: 0.45, Mortgage: 0.25, WorkingCapital: 0.45,
			EquityPledgeLoan: 0.45, Revolving: 0.45, BusinessTerm: 0.45}
	}
	if c.HurdleRate == 0 {
		c.HurdleRate = 0.10
	}
	if c.OperatingCostBP == 0 {
		c.OperatingCostBP = 100
	}
	if c.LegalCapMultiple == 0 {
		c.LegalCapMultiple = 4
	}
	if c.ApproveScore == 0 {
		c.ApproveScore = 540
	}
	if c.ReferScore == 0 {
		c.ReferScore = 510
	}
	if c.MinAge == 0 {
		c.MinAge = 18
	}
	if c.MaxAgeAtMaturity == 0 {
		c.MaxAgeAtMaturity = 65
	}
	c.UnverifiedIncomeMax = orDecimal(c.UnverifiedIncomeMax, decimal.New(30000, 0))
	if c.Reasons == 0 {
		c.Reasons = 4
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

func orDecimal(d, def decimal.Decimal) decimal.Decimal {
	if d.IsZero() {
		return def
	}
	return d
}

// validate checks a resolved config.
func (c Config) validate() error {
	var p problems
	if err := c.Scale.Validate(); err != nil {
		p.add("scale", "valid", "%v", "%v", err)
	}
	if c.Rates.OneYearBP <= 0 || c.Rates.FiveYearBP <= 0 {
		p.add("rates", "positive", "LPR rates must be above zero", "LPR 必须大于零")
	}
	if c.DTICap.IsNegative() || c.DTICap.GreaterThan(one) {
		p.add("dti_cap", "range", "must be between 0 and 1", "必须在 0 与 1 之间")
	}
	if c.DisposableShare.IsNegative() || c.DisposableShare.GreaterThan(one) {
		p.add("disposable_share", "range", "must be between 0 and 1", "必须在 0 与 1 之间")
	}
	if !c.Step.IsPositive() {
		p.add("step", "positive", "must be above zero", "必须大于零")
	}
	for prod, l := range c.LGD {
		if !(l >= 0 && l <= 1) {
			p.add(fmt.Sprintf("lgd.%s", prod), "range", "must be between 0 and 1", "必须在 0 与 1 之间")
		}
	}
	if !(c.HurdleRate >= 0 && c.HurdleRate < 1) {
		p.add("hurdle_rate", "range", "must be in [0, 1)", "必须在 [0, 1) 之内")
	}
	if c.ReferScore > c.ApproveScore || !finite(c.ReferScore) || !finite(c.ApproveScore) {
		p.add("refer_score", "order", "must be finite and not above approve_score", "必须是有限数且不高于 approve_score")
	}
	if c.UpfrontFeeRate.IsNegative() || !c.UpfrontFeeRate.LessThan(one) {
		p.add("upfront_fee_rate", "range", "must be in [0, 1)", "必须在 [0, 1) 之内")
	}
	return p.err()
}
