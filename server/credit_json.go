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
	w.key(`{"model_id":`)
	w.str(r.ModelID)
	w.key(`,"model_version":`)
	w.str(r.ModelVersion)
	w.key(`,"model_sha256":`)
	w.str(r.ModelSHA256)
	w.key(`,"assessed_at":`)
	w.time(r.AssessedAt)
	w.key(`,"facts":`)
	putFacts(&w, &r.Facts, parts)
	w.key(`,"points":`)
	putList(&w, r.Points, putPoints)
	w.key(`,"score":`)
	w.float(r.Score)
	w.key(`,"pd":`)
	w.float(r.PD)
	w.key(`,"grade":`)
	w.text(r.Grade)
	w.key(`,"limit":`)
	w.decimal(r.Limit)
	w.key(`,"limit_derivation":`)
	putDerivation(&w, &r.Derivation)
	w.key(`,"price":`)
	putPrice(&w, &r.Price)
	w.key(`,"schedule":`)
	putSchedule(&w, &r.Schedule)
	w.key(`,"risk":`)
	putRisk(&w, &r.Risk)
	w.key(`,"reasons":`)
	putList(&w, r.Reasons, putReason)
	w.key(`,"hint":`)
	putHint(&w, &r.Hint)
	w.key(`,"rule_hits":`)
	putList(&w, r.RuleHits, putRuleHit)
	w.key(`,"decision":`)
	w.text(r.Decision)
	w.key(`}`)
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
	w.key(`{"bureau":`)
	putBureau(w, &f.Bureau)
	w.key(`,"income":{"monthly":`)
	optional(w, f.Income.Monthly, putDecimal)
	w.key(`,"verified":`)
	optional(w, f.Income.Verified, putBool)
	w.key(`,"growth_yoy":`)
	optional(w, f.Income.GrowthYoY, putFloat)
	w.key(`,"employment":`)
	optional(w, f.Income.Employment, putText)
	w.key(`,"years_with_employer":`)
	optional(w, f.Income.YearsWithEmployer, putFloat)
	w.key(`,"occupation_class":`)
	optional(w, f.Income.OccupationClass, putInt)
	w.key(`},"capacity":{"monthly_debt_payments":`)
	optional(w, f.Capacity.MonthlyDebtPayments, putDecimal)
	w.key(`,"monthly_living_costs":`)
	optional(w, f.Capacity.MonthlyLivingCosts, putDecimal)
	w.key(`,"liquid_assets":`)
	optional(w, f.Capacity.LiquidAssets, putDecimal)
	w.key(`,"property_value":`)
	optional(w, f.Capacity.PropertyValue, putDecimal)
	w.key(`,"housing":`)
	optional(w, f.Capacity.Housing, putText)
	w.key(`},"profile":{"age":`)
	optional(w, f.Profile.Age, putInt)
	w.key(`,"marital":`)
	optional(w, f.Profile.Marital, putText)
	w.key(`,"education":`)
	optional(w, f.Profile.Education, putText)
	w.key(`,"years_as_customer":`)
	optional(w, f.Profile.YearsAsCustomer, putFloat)
	w.key(`,"products_held":`)
	optional(w, f.Profile.ProductsHeld, putInt)
	w.key(`,"security":`)
	optional(w, f.Profile.Security, putText)
	e := &f.Enterprise
	w.key(`},"enterprise":{"revenue":`)
	optional(w, e.Revenue, putDecimal)
	w.key(`,"revenue_growth":`)
	optional(w, e.RevenueGrowth, putFloat)
	w.key(`,"net_margin":`)
	optional(w, e.NetMargin, putFloat)
	w.key(`,"debt_to_assets":`)
	optional(w, e.DebtToAssets, putFloat)
	w.key(`,"current_ratio":`)
	optional(w, e.CurrentRatio, putFloat)
	w.key(`,"interest_cover":`)
	optional(w, e.InterestCover, putFloat)
	w.key(`,"years_in_business":`)
	optional(w, e.YearsInBusiness, putFloat)
	w.key(`,"industry_risk":`)
	optional(w, e.IndustryRisk, putInt)
	w.key(`,"bureau":`)
	putBureau(w, &e.Bureau)
	w.key(`},"request":`)
	request := len(w.b)
	w.key(`{"amount":`)
	optional(w, f.Request.Amount, putDecimal)
	w.key(`,"term_months":`)
	optional(w, f.Request.TermMonths, putInt)
	w.key(`,"product":`)
	optional(w, f.Request.Product, putText)
	w.key(`,"method":`)
	optional(w, f.Request.Method, putText)
	w.key(`}`)
	end := len(w.b)
	w.key(`,"blacklisted":`)
	optional(w, f.Blacklisted, putBool)
	w.key(`}`)
	if parts != nil {
		parts.facts, parts.request = span{from, len(w.b)}, span{request, end}
	}
}

func putBureau(w *jsonOut, b *credit.Bureau) {
	w.key(`{"no_file":`)
	optional(w, b.NoFile, putBool)
	w.key(`,"history_months":`)
	optional(w, b.HistoryMonths, putInt)
	w.key(`,"open_accounts":`)
	optional(w, b.OpenAccounts, putInt)
	w.key(`,"delinquencies_24m":`)
	optional(w, b.Delinquencies24m, putInt)
	w.key(`,"worst_dpd_24m":`)
	optional(w, b.WorstDPD24m, putInt)
	w.key(`,"amount_overdue":`)
	optional(w, b.AmountOverdue, putDecimal)
	w.key(`,"defaults_or_write_offs":`)
	optional(w, b.DefaultsOrWriteOffs, putInt)
	w.key(`,"late_fees":`)
	optional(w, b.LateFees, putInt)
	w.key(`,"utilisation":`)
	optional(w, b.Utilisation, putFloat)
	w.key(`,"hard_inquiries_6m":`)
	optional(w, b.HardInquiries6m, putInt)
	w.key(`}`)
}

func putPoints(w *jsonOut, p *credit.Points) {
	w.key(`{"variable":`)
	w.str(p.Variable)
	w.key(`,"bin":`)
	w.str(p.Bin)
	w.key(`,"points":`)
	w.float(p.Points)
	w.key(`,"max_points":`)
	w.float(p.MaxPoints)
	w.key(`,"reason_code":`)
	w.str(p.ReasonCode)
	w.key(`}`)
}

func putDerivation(w *jsonOut, d *credit.LimitDerivation) {
	w.key(`{"monthly_income":`)
	w.decimal(d.MonthlyIncome)
	w.key(`,"existing_payments":`)
	w.decimal(d.ExistingPayments)
	w.key(`,"living_costs":`)
	w.decimal(d.LivingCosts)
	w.key(`,"dti_cap_instalment":`)
	w.decimal(d.DTICapInstalment)
	w.key(`,"disposable_share":`)
	w.decimal(d.DisposableShare)
	w.key(`,"max_instalment":`)
	w.decimal(d.MaxInstalment)
	w.key(`,"capacity_limit":`)
	w.decimal(d.CapacityLimit)
	w.key(`,"income_multiple_cap":`)
	w.decimal(d.IncomeMultipleCap)
	w.key(`,"product_maximum":`)
	w.decimal(d.ProductMaximum)
	w.key(`,"requested":`)
	w.decimal(d.Requested)
	w.key(`,"binding":`)
	w.str(d.Binding)
	w.key(`,"before_rounding":`)
	w.decimal(d.BeforeRounding)
	w.key(`,"step":`)
	w.decimal(d.Step)
	w.key(`,"limit":`)
	w.decimal(d.Limit)
	w.key(`}`)
}

func putPrice(w *jsonOut, p *credit.Price) {
	w.key(`{"base_rate_bp":`)
	w.int(p.BaseRateBP)
	w.key(`,"base_name":`)
	w.str(p.BaseName)
	w.key(`,"el_premium_bp":`)
	w.int(p.ELPremiumBP)
	w.key(`,"capital_charge_bp":`)
	w.int(p.CapitalChargeBP)
	w.key(`,"operating_cost_bp":`)
	w.int(p.OperatingCostBP)
	w.key(`,"unclamped_bp":`)
	w.int(p.UnclampedBP)
	w.key(`,"floor_bp":`)
	w.int(p.FloorBP)
	w.key(`,"cap_bp":`)
	w.int(p.CapBP)
	w.key(`,"legal_cap_bp":`)
	w.int(p.LegalCapBP)
	w.key(`,"rate_bp":`)
	w.int(p.RateBP)
	w.key(`,"apr":`)
	w.decimal(p.APR)
	w.key(`}`)
}

func putSchedule(w *jsonOut, s *credit.ScheduleSummary) {
	w.key(`{"method":`)
	w.text(s.Method)
	w.key(`,"term_months":`)
	w.int(int64(s.TermMonths))
	w.key(`,"first_instalment":`)
	w.decimal(s.FirstInstalment)
	w.key(`,"last_instalment":`)
	w.decimal(s.LastInstalment)
	w.key(`,"total_interest":`)
	w.decimal(s.TotalInterest)
	w.key(`,"total_repaid":`)
	w.decimal(s.TotalRepaid)
	w.key(`}`)
}

func putRisk(w *jsonOut, r *credit.RiskFigures) {
	w.key(`{"pd":`)
	w.float(r.PD)
	w.key(`,"lgd":`)
	w.float(r.LGD)
	w.key(`,"ead":`)
	w.decimal(r.EAD)
	w.key(`,"expected_loss":`)
	w.decimal(r.ExpectedLoss)
	w.key(`,"k":`)
	w.float(r.K)
	w.key(`,"rwa":`)
	w.decimal(r.RWA)
	w.key(`}`)
}

func putReason(w *jsonOut, r *credit.Reason) {
	w.key(`{"code":`)
	w.str(r.Code)
	w.key(`,"variable":`)
	w.str(r.Variable)
	w.key(`,"gap":`)
	w.float(r.Gap)
	w.key(`,"en":`)
	w.str(r.EN)
	w.key(`,"zh":`)
	w.str(r.ZH)
	w.key(`}`)
}

// putHint appends the hint, whose text members are omitted when empty (omitempty).
func putHint(w *jsonOut, h *credit.Hint) {
	w.b = append(w.b, '{')
	if h.Variable != "" {
		w.key(`"variable":`)
		w.str(h.Variable)
		w.b = append(w.b, ',')
	}
	if h.Target != "" {
		w.key(`"target":`)
		w.str(h.Target)
		w.b = append(w.b, ',')
	}
	w.key(`"gain":`)
	w.float(h.Gain)
	if h.EN != "" {
		w.key(`,"en":`)
		w.str(h.EN)
	}
	if h.ZH != "" {
		w.key(`,"zh":`)
		w.str(h.ZH)
	}
	w.b = append(w.b, '}')
}

func putRuleHit(w *jsonOut, h *credit.RuleHit) {
	w.key(`{"code":`)
	w.str(h.Code)
	w.key(`,"action":`)
	w.text(h.Action)
	w.key(`,"en":`)
	w.str(h.EN)
	w.key(`,"zh":`)
	w.str(h.ZH)
	w.key(`}`)
}
