package credit

import (
	"time"

	"github.com/shopspring/decimal"
)

// Report is a risk assessment: the facts used, the points per characteristic, score, PD,
// grade, limit derivation, price, schedule summary, reasons, rule hits and decision, with the
// model's id, version and hash and the time assessed. It is a plain value, safe to copy and
// to marshal as JSON (money as strings).
type Report struct {
	ModelID      string          `json:"model_id"`
	ModelVersion string          `json:"model_version"`
	ModelSHA256  string          `json:"model_sha256"`
	AssessedAt   time.Time       `json:"assessed_at"`
	Facts        Facts           `json:"facts"`
	Points       []Points        `json:"points"`
	Score        float64         `json:"score"`
	PD           float64         `json:"pd"`
	Grade        Grade           `json:"grade"`
	Limit        decimal.Decimal `json:"limit"`
	Derivation   LimitDerivation `json:"limit_derivation"`
	Price        Price           `json:"price"`
	Schedule     ScheduleSummary `json:"schedule"`
	Risk         RiskFigures     `json:"risk"`
	Reasons      []Reason        `json:"reasons"`
	Hint         Hint            `json:"hint"`
	RuleHits     []RuleHit       `json:"rule_hits"`
	Decision     Decision        `json:"decision"`
}

// Points is what one characteristic contributed to a score.
type Points struct {
	Variable   string  `json:"variable"`
	Bin        string  `json:"bin"` // "[1000, 5000)", "(-∞, 0.2)", "{rent, family}", "missing", "special 0"
	Points     float64 `json:"points"`
	MaxPoints  float64 `json:"max_points"`
	ReasonCode string  `json:"reason_code"`
}

// Reason is one principal reason the score is not higher: a characteristic whose points fall
// below its maximum, with the gap and readable text.
type Reason struct {
	Code     string  `json:"code"`
	Variable string  `json:"variable"`
	Gap      float64 `json:"gap"` // max points − points
	EN       string  `json:"en"`
	ZH       string  `json:"zh"`
}

// Hint says what would raise the score most: move Variable into the bin Target to gain
// Gain points.
type Hint struct {
	Variable string  `json:"variable,omitempty"`
	Target   string  `json:"target,omitempty"`
	Gain     float64 `json:"gain"`
	EN       string  `json:"en,omitempty"`
	ZH       string  `json:"zh,omitempty"`
}

// RuleHit is a policy rule that fired.
type RuleHit struct {
	Code   string     `json:"code"`
	Action RuleAction `json:"action"`
	EN     string     `json:"en"`
	ZH     string     `json:"zh"`
}

// LimitDerivation records every step from income to the limit, in currency units.
type LimitDerivation struct {
	MonthlyIncome     decimal.Decimal `json:"monthly_income"`
	ExistingPayments  decimal.Decimal `json:"existing_payments"`
	LivingCosts       decimal.Decimal `json:"living_costs"`
	DTICapInstalment  decimal.Decimal `json:"dti_cap_instalment"`  // DTI cap × income − existing
	DisposableShare   decimal.Decimal `json:"disposable_share"`    // α × (income − living − existing)
	MaxInstalment     decimal.Decimal `json:"max_instalment"`      // min of the two, at least 0
	CapacityLimit     decimal.Decimal `json:"capacity_limit"`      // instalment formula inverted
	IncomeMultipleCap decimal.Decimal `json:"income_multiple_cap"` // grade multiple × annual income
	ProductMaximum    decimal.Decimal `json:"product_maximum"`
	Requested         decimal.Decimal `json:"requested"`
	Binding           string          `json:"binding"` // which of the caps set the limit
	BeforeRounding    decimal.Decimal `json:"before_rounding"`
	Step              decimal.Decimal `json:"step"`
	Limit             decimal.Decimal `json:"limit"`
}

// Price is the annual rate build-up, each part in basis points.
type Price struct {
	BaseRateBP      int64           `json:"base_rate_bp"`
	BaseName        string          `json:"base_name"` // "LPR 1Y 2025-05-20"
	ELPremiumBP     int64           `json:"el_premium_bp"`
	CapitalChargeBP int64           `json:"capital_charge_bp"`
	OperatingCostBP int64           `json:"operating_cost_bp"`
	UnclampedBP     int64           `json:"unclamped_bp"`
	FloorBP         int64           `json:"floor_bp"`
	CapBP           int64           `json:"cap_bp"`
	LegalCapBP      int64           `json:"legal_cap_bp"`
	RateBP          int64           `json:"rate_bp"`
	APR             decimal.Decimal `json:"apr"` // IRR of the cash flows with fees, annual, 4 dp
}

// ScheduleSummary summarises the repayment schedule of the offered limit.
type ScheduleSummary struct {
	Method          Method          `json:"method"`
	TermMonths      int             `json:"term_months"`
	FirstInstalment decimal.Decimal `json:"first_instalment"`
	LastInstalment  decimal.Decimal `json:"last_instalment"`
	TotalInterest   decimal.Decimal `json:"total_interest"`
	TotalRepaid     decimal.Decimal `json:"total_repaid"`
}

// RiskFigures are the expected loss and Basel IRB capital of the offered limit.
type RiskFigures struct {
	PD           float64         `json:"pd"` // after the floor
	LGD          float64         `json:"lgd"`
	EAD          decimal.Decimal `json:"ead"`
	ExpectedLoss decimal.Decimal `json:"expected_loss"`
	K            float64         `json:"k"`
	RWA          decimal.Decimal `json:"rwa"`
}
