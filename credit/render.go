package credit

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Markdown renders the report for a loan officer: decision and headline figures, the points
// table, reasons, rule hits, the limit derivation, the price build-up, the schedule summary
// and risk figures, in English with Chinese labels. The output is deterministic.
func (r *Report) Markdown() string {
	var b strings.Builder
	r.writeMarkdown(&b)
	return b.String()
}

// WriteMarkdown writes Markdown() to w.
func (r *Report) WriteMarkdown(w io.Writer) error {
	_, err := io.WriteString(w, r.Markdown())
	return err
}

func (r *Report) writeMarkdown(b *strings.Builder) {
	pf := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	pf("# Credit risk assessment 信用风险评估报告\n\n")
	pf("- Decision 决定: **%s**\n", strings.ToUpper(r.Decision.String()))
	pf("- Score 评分: %.0f · PD 违约概率: %.2f%% · Grade 等级: %s\n", r.Score, r.PD*100, r.Grade)
	pf("- Limit 额度: %s · Rate 利率: %s%% (%d bp) · APR: %s%%\n", r.Limit.StringFixed(2),
		bpPercent(r.Price.RateBP), r.Price.RateBP, r.Price.APR.Shift(2).StringFixed(4))
	pf("- Model 模型: %s %s (sha256 %.12s) · Assessed 评估时间: %s\n\n", r.ModelID, r.ModelVersion,
		r.ModelSHA256, r.AssessedAt.Format(time.RFC3339))

	pf("## Points 评分明细\n\n| Characteristic | Bin | Points | Max |\n|---|---|---:|---:|\n")
	for _, p := range r.Points {
		pf("| %s | %s | %g | %g |\n", p.Variable, p.Bin, p.Points, p.MaxPoints)
	}
	pf("| **Total** | | **%g** | |\n\n", r.Score)

	pf("## Reasons 主要原因\n\n")
	if len(r.Reasons) == 0 {
		pf("None: every characteristic is at its maximum. 无\n")
	}
	for i, x := range r.Reasons {
		pf("%d. %s — %s / %s (−%g)\n", i+1, x.Code, x.EN, x.ZH, x.Gap)
	}
	if r.Hint.EN != "" {
		pf("\nTo raise the score 提分建议: %s. %s。\n", r.Hint.EN, r.Hint.ZH)
	}

	pf("\n## Policy rules 政策规则\n\n")
	if len(r.RuleHits) == 0 {
		pf("No rule hit. 未触发规则。\n")
	}
	for _, h := range r.RuleHits {
		pf("- %s (%s): %s / %s\n", h.Code, h.Action, h.EN, h.ZH)
	}

	d := r.Derivation
	pf("\n## Limit 额度测算\n\n| Step 步骤 | Amount 金额 |\n|---|---:|\n")
	rows := [][2]string{
		{"Monthly income 月收入", d.MonthlyIncome.StringFixed(2)},
		{"Existing payments 现有月供", d.ExistingPayments.StringFixed(2)},
		{"Living costs 生活支出", d.LivingCosts.StringFixed(2)},
		{"DTI cap − existing 负债比上限余量", d.DTICapInstalment.StringFixed(2)},
		{"Share of disposable income 可支配收入份额", d.DisposableShare.StringFixed(2)},
		{"Max instalment 最高月供", d.MaxInstalment.StringFixed(2)},
		{"Capacity limit 还款能力额度", d.CapacityLimit.StringFixed(2)},
		{"Income multiple cap 收入倍数上限", d.IncomeMultipleCap.StringFixed(2)},
		{"Product maximum 产品上限", d.ProductMaximum.StringFixed(2)},
		{"Requested 申请金额", d.Requested.StringFixed(2)},
		{"Before rounding (" + d.Binding + ") 取整前", d.BeforeRounding.StringFixed(2)},
		{"Limit, step " + d.Step.String() + " 核定额度", d.Limit.StringFixed(2)},
	}
	for _, row := range rows {
		pf("| %s | %s |\n", row[0], row[1])
	}

	p := r.Price
	pf("\n## Price 定价 (bp)\n\n| Part 组成 | bp |\n|---|---:|\n")
	pf("| Base 基准 (%s) | %d |\n| Expected-loss premium 预期损失溢价 | %d |\n", p.BaseName, p.BaseRateBP, p.ELPremiumBP)
	pf("| Capital charge 资本成本 | %d |\n| Operating cost 运营成本 | %d |\n", p.CapitalChargeBP, p.OperatingCostBP)
	pf("| Unclamped 调整前 | %d |\n| Grade floor / cap 等级下限/上限 | %d / %d |\n", p.UnclampedBP, p.FloorBP, p.CapBP)
	pf("| Legal cap 法定上限 | %d |\n| **Rate 利率** | **%d** |\n", p.LegalCapBP, p.RateBP)

	s := r.Schedule
	pf("\n## Schedule 还款计划\n\n%s, %d months 期: first 首期 %s, last 末期 %s, interest 总利息 %s, total 总还款 %s\n",
		s.Method, s.TermMonths, s.FirstInstalment.StringFixed(2), s.LastInstalment.StringFixed(2),
		s.TotalInterest.StringFixed(2), s.TotalRepaid.StringFixed(2))

	k := r.Risk
	pf("\n## Risk 风险\n\nPD (floored) %.4f%% · LGD %.0f%% · EAD %s · EL 预期损失 %s · K %.6f · RWA 风险加权资产 %s\n",
		k.PD*100, k.LGD*100, k.EAD.StringFixed(2), k.ExpectedLoss.StringFixed(2), k.K, k.RWA.StringFixed(2))
}

// bpPercent formats basis points as a percentage with two decimals: 435 → "4.35".
func bpPercent(bp int64) string {
	sign := ""
	if bp < 0 {
		sign, bp = "-", -bp
	}
	return fmt.Sprintf("%s%d.%02d", sign, bp/100, bp%100)
}
