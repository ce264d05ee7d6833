package server

import (
	"github.com/creditkit/creditkit/credit"
)

// appendReport appends the JSON of r exactly as encoding/json's Marshal writes it, member
// for member in the order of the struct fields. It is written out by hand because an
// assessment's answer is mostly this document: goccy/go-json took ~15 µs for it under load
// (9% of the request's server CPU), two thirds of that in decimal.Decimal.MarshalJSON;
// this takes a fraction (BenchmarkReportJSON). TestEncodeAssessmentIsEncodingJSON,
// TestReportJSONEveryField (which sets every field of every nested struct by reflection,
// so a field added to credit's types and not here fails it) and FuzzReportJSON compare
// it with encoding/json.
//
// parts, when not nil, is set to where the facts and their request are in the result.
func appendReport(dst []byte, r *credit.Report, parts *reportParts) ([]byte, error) {
	w := jsonOut{b: dst}
	w.raw(`{"model_id":`)
	w.str(r.ModelID)
	w.raw(`,"model_version":`)
	w.str(r.ModelVersion)
	w.raw(`,"model_sha256":`)
	w.str(r.ModelSHA256)
	w.raw(`,"assessed_at":`)
	w.time(r.AssessedAt)
	w.raw(`,"facts":`)
	putFacts(&w, &r.Facts, parts)
	w.raw(`,"points":`)
	putList(&w, r.Points, putPoints)
	w.raw(`,"score":`)
	w.float(r.Score)
	w.raw(`,"pd":`)
	w.float(r.PD)
	w.raw(`,"grade":`)
	w.text(r.Grade)
	w.raw(`,"limit":`)
	w.decimal(r.Limit)
	w.raw(`,"limit_derivation":`)
	putDerivation(&w, &r.Derivation)
	w.raw(`,"price":`)
	putPrice(&w, &r.Price)
	w.raw(`,"schedule":`)
	putSchedule(&w, &r.Schedule)
	w.raw(`,"risk":`)
	putRisk(&w, &r.Risk)
	w.raw(`,"reasons":`)
	putList(&w, r.Reasons, putReason)
	w.raw(`,"hint":`)
	putHint(&w, &r.Hint)
	w.raw(`,"rule_hits":`)
	putList(&w, r.RuleHits, putRuleHit)
	w.raw(`,"decision":`)
	w.text(r.Decision)
	w.raw(`}`)
	return w.result()
}

// putList appends a slice as an array, or null for a nil one, as encoding/json does.
func putList[T any](w *jsonOut, list []T, put func(*jsonOut, *T)) {
	if list == nil {
		w.null()
		return
	}
	w.b = append(w.b, '[')
	for i := range list {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		put(w, &list[i])
	}
	w.b = append(w.b, ']')
}

// reportParts are where a report's facts, and their request, are in its JSON.
type reportParts struct{ facts, request span }

// span is a run of bytes, from and to offsets of a buffer.
type span struct{ from, to int }

// of returns the bytes of s in b, which cannot be appended to.
func (s span) of(b []byte) []byte { return b[s.from:s.to:s.to] }

// putFacts appends f, and records where it and its request are in parts (if not nil).
func putFacts(w *jsonOut, f *credit.Facts, parts *reportParts) {
	from := len(w.b)
	w.raw(`{"bureau":`)
	putBureau(w, &f.Bureau)
	w.raw(`,"income":{"monthly":`)
	optional(w, f.Income.Monthly, putDecimal)
	w.raw(`,"verified":`)
	optional(w, f.Income.Verified, putBool)
	w.raw(`,"growth_yoy":`)
	optional(w, f.Income.GrowthYoY, putFloat)
	w.raw(`,"employment":`)
	optional(w, f.Income.Employment, putText)
	w.raw(`,"years_with_employer":`)
	optional(w, f.Income.YearsWithEmployer, putFloat)
	w.raw(`,"occupation_class":`)
	optional(w, f.Income.OccupationClass, putInt)
	w.raw(`},"capacity":{"monthly_debt_payments":`)
	optional(w, f.Capacity.MonthlyDebtPayments, putDecimal)
	w.raw(`,"monthly_living_costs":`)
	optional(w, f.Capacity.MonthlyLivingCosts, putDecimal)
	w.raw(`,"liquid_assets":`)
	optional(w, f.Capacity.LiquidAssets, putDecimal)
	w.raw(`,"property_value":`)
	optional(w, f.Capacity.PropertyValue, putDecimal)
	w.raw(`,"housing":`)
	optional(w, f.Capacity.Housing, putText)
	w.raw(`},"profile":{"age":`)
	optional(w, f.Profile.Age, putInt)
	w.raw(`,"marital":`)
	optional(w, f.Profile.Marital, putText)
	w.raw(`,"education":`)
	optional(w, f.Profile.Education, putText)
	w.raw(`,"years_as_customer":`)
	optional(w, f.Profile.YearsAsCustomer, putFloat)
	w.raw(`,"products_held":`)
	optional(w, f.Profile.ProductsHeld, putInt)
	w.raw(`,"security":`)
	optional(w, f.Profile.Security, putText)
	e := &f.Enterprise
	w.raw(`},"enterprise":{"revenue":`)
	optional(w, e.Revenue, putDecimal)
	w.raw(`,"revenue_growth":`)
	optional(w, e.RevenueGrowth, putFloat)
	w.raw(`,"net_margin":`)
	optional(w, e.NetMargin, putFloat)
	w.raw(`,"debt_to_assets":`)
	optional(w, e.DebtToAssets, putFloat)
	w.raw(`,"current_ratio":`)
	optional(w, e.CurrentRatio, putFloat)
	w.raw(`,"interest_cover":`)
	optional(w, e.InterestCover, putFloat)
	w.raw(`,"years_in_business":`)
	optional(w, e.YearsInBusiness, putFloat)
	w.raw(`,"industry_risk":`)
	optional(w, e.IndustryRisk, putInt)
	w.raw(`,"bureau":`)
	putBureau(w, &e.Bureau)
	w.raw(`},"request":`)
	request := len(w.b)
	w.raw(`{"amount":`)
	optional(w, f.Request.Amount, putDecimal)
	w.raw(`,"term_months":`)
	optional(w, f.Request.TermMonths, putInt)
	w.raw(`,"product":`)
	optional(w, f.Request.Product, putText)
	w.raw(`,"method":`)
	optional(w, f.Request.Method, putText)
	w.raw(`}`)
	end := len(w.b)
	w.raw(`,"blacklisted":`)
	optional(w, f.Blacklisted, putBool)
	w.raw(`}`)
	if parts != nil {
		parts.facts, parts.request = span{from, len(w.b)}, span{request, end}
	}
}

func putBureau(w *jsonOut, b *credit.Bureau) {
	w.raw(`{"no_file":`)
	optional(w, b.NoFile, putBool)
	w.raw(`,"history_months":`)
	optional(w, b.HistoryMonths, putInt)
	w.raw(`,"open_accounts":`)
	optional(w, b.OpenAccounts, putInt)
	w.raw(`,"delinquencies_24m":`)
	optional(w, b.Delinquencies24m, putInt)
	w.raw(`,"worst_dpd_24m":`)
	optional(w, b.WorstDPD24m, putInt)
	w.raw(`,"amount_overdue":`)
	optional(w, b.AmountOverdue, putDecimal)
	w.raw(`,"defaults_or_write_offs":`)
	optional(w, b.DefaultsOrWriteOffs, putInt)
	w.raw(`,"late_fees":`)
	optional(w, b.LateFees, putInt)
	w.raw(`,"utilisation":`)
	optional(w, b.Utilisation, putFloat)
	w.raw(`,"hard_inquiries_6m":`)
	optional(w, b.HardInquiries6m, putInt)
	w.raw(`}`)
}

func putPoints(w *jsonOut, p *credit.Points) {
	w.raw(`{"variable":`)
	w.str(p.Variable)
	w.raw(`,"bin":`)
	w.str(p.Bin)
	w.raw(`,"points":`)
	w.float(p.Points)
	w.raw(`,"max_points":`)
	w.float(p.MaxPoints)
	w.raw(`,"reason_code":`)
	w.str(p.ReasonCode)
	w.raw(`}`)
}

func putDerivation(w *jsonOut, d *credit.LimitDerivation) {
	w.raw(`{"monthly_income":`)
	w.decimal(d.MonthlyIncome)
	w.raw(`,"existing_payments":`)
	w.decimal(d.ExistingPayments)
	w.raw(`,"living_costs":`)
	w.decimal(d.LivingCosts)
	w.raw(`,"dti_cap_instalment":`)
	w.decimal(d.DTICapInstalment)
	w.raw(`,"disposable_share":`)
	w.decimal(d.DisposableShare)
	w.raw(`,"max_instalment":`)
	w.decimal(d.MaxInstalment)
	w.raw(`,"capacity_limit":`)
	w.decimal(d.CapacityLimit)
	w.raw(`,"income_multiple_cap":`)
	w.decimal(d.IncomeMultipleCap)
	w.raw(`,"product_maximum":`)
	w.decimal(d.ProductMaximum)
	w.raw(`,"requested":`)
	w.decimal(d.Requested)
	w.raw(`,"binding":`)
	w.str(d.Binding)
	w.raw(`,"before_rounding":`)
	w.decimal(d.BeforeRounding)
	w.raw(`,"step":`)
	w.decimal(d.Step)
	w.raw(`,"limit":`)
	w.decimal(d.Limit)
	w.raw(`}`)
}

func putPrice(w *jsonOut, p *credit.Price) {
	w.raw(`{"base_rate_bp":`)
	w.int(p.BaseRateBP)
	w.raw(`,"base_name":`)
	w.str(p.BaseName)
	w.raw(`,"el_premium_bp":`)
	w.int(p.ELPremiumBP)
	w.raw(`,"capital_charge_bp":`)
	w.int(p.CapitalChargeBP)
	w.raw(`,"operating_cost_bp":`)
	w.int(p.OperatingCostBP)
	w.raw(`,"unclamped_bp":`)
	w.int(p.UnclampedBP)
	w.raw(`,"floor_bp":`)
	w.int(p.FloorBP)
	w.raw(`,"cap_bp":`)
	w.int(p.CapBP)
	w.raw(`,"legal_cap_bp":`)
	w.int(p.LegalCapBP)
	w.raw(`,"rate_bp":`)
	w.int(p.RateBP)
	w.raw(`,"apr":`)
	w.decimal(p.APR)
	w.raw(`}`)
}

func putSchedule(w *jsonOut, s *credit.ScheduleSummary) {
	w.raw(`{"method":`)
	w.text(s.Method)
	w.raw(`,"term_months":`)
	w.int(int64(s.TermMonths))
	w.raw(`,"first_instalment":`)
	w.decimal(s.FirstInstalment)
	w.raw(`,"last_instalment":`)
	w.decimal(s.LastInstalment)
	w.raw(`,"total_interest":`)
	w.decimal(s.TotalInterest)
	w.raw(`,"total_repaid":`)
	w.decimal(s.TotalRepaid)
	w.raw(`}`)
}

func putRisk(w *jsonOut, r *credit.RiskFigures) {
	w.raw(`{"pd":`)
	w.float(r.PD)
	w.raw(`,"lgd":`)
	w.float(r.LGD)
	w.raw(`,"ead":`)
	w.decimal(r.EAD)
	w.raw(`,"expected_loss":`)
	w.decimal(r.ExpectedLoss)
	w.raw(`,"k":`)
	w.float(r.K)
	w.raw(`,"rwa":`)
	w.decimal(r.RWA)
	w.raw(`}`)
}

func putReason(w *jsonOut, r *credit.Reason) {
	w.raw(`{"code":`)
	w.str(r.Code)
	w.raw(`,"variable":`)
	w.str(r.Variable)
	w.raw(`,"gap":`)
	w.float(r.Gap)
	w.raw(`,"en":`)
	w.str(r.EN)
	w.raw(`,"zh":`)
	w.str(r.ZH)
	w.raw(`}`)
}

// putHint appends the hint, whose text members are omitted when empty (omitempty).
func putHint(w *jsonOut, h *credit.Hint) {
	w.b = append(w.b, '{')
	if h.Variable != "" {
		w.raw(`"variable":`)
		w.str(h.Variable)
		w.b = append(w.b, ',')
	}
	if h.Target != "" {
		w.raw(`"target":`)
		w.str(h.Target)
		w.b = append(w.b, ',')
	}
	w.raw(`"gain":`)
	w.float(h.Gain)
	if h.EN != "" {
		w.raw(`,"en":`)
		w.str(h.EN)
	}
	if h.ZH != "" {
		w.raw(`,"zh":`)
		w.str(h.ZH)
	}
	w.b = append(w.b, '}')
}

func putRuleHit(w *jsonOut, h *credit.RuleHit) {
	w.raw(`{"code":`)
	w.str(h.Code)
	w.raw(`,"action":`)
	w.text(h.Action)
	w.raw(`,"en":`)
	w.str(h.EN)
	w.raw(`,"zh":`)
	w.str(h.ZH)
	w.raw(`}`)
}
