package report

import (
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/creditkit/creditkit/credit"
)

//go:embed page.gohtml
var pageSource string

// page is parsed once; a parsed html/template is safe for concurrent use.
var page = template.Must(template.New("page").Parse(pageSource))

// ErrNilReport is returned by WriteHTML for a nil report.
var ErrNilReport = errors.New("report: nil report")

// WriteHTML writes r to w as a complete HTML5 document with inline CSS and inline SVG (no
// scripts, no external resources). Every value of r is escaped. It returns ErrNilReport for
// a nil r, and w's error if writing fails. It is safe for concurrent use.
func WriteHTML(w io.Writer, r *credit.Report) error {
	if r == nil {
		return ErrNilReport
	}
	return page.Execute(w, newView(r))
}

// view is what the template shows, every figure already formatted.
type view struct {
	Decision      string // APPROVE
	DecisionClass string // approve, refer, decline: the CSS class
	Score         string
	MaxScore      string
	PD            string
	Grade         string
	Limit         string
	Rate          string
	RateBP        int64
	APR           string
	ModelID       string
	ModelVersion  string
	ModelSHA      string
	AssessedAt    string
	Gauge         gauge
	Chart         chart
	Points        []pointsRow
	Total         string
	Reasons       []reasonRow
	Hint          credit.Hint
	RuleHits      []ruleRow
	Limits        [][2]string
	Price         [][2]string
	Schedule      scheduleView
	Risk          [][2]string
}

type pointsRow struct {
	Variable, Bin, Points, Max string
}

type reasonRow struct {
	Code, EN, ZH, Gap string
}

type ruleRow struct {
	Code, Action, EN, ZH string
	KnockOut             bool
}

type scheduleView struct {
	Method, Term, First, Last, Interest, Total string
}

// gauge is a half-circle dial from 0 to the best score the card can give.
type gauge struct {
	Track string // path of the whole arc
	Value string // path of the arc up to the score
	Label string // accessible description
}

// chart is the points bar chart: one row per characteristic.
type chart struct {
	Width, Height int
	LabelWidth    int
	ZeroX         string
	Bars          []barRow
	Label         string
}

type barRow struct {
	Y, TextY     string
	Label, Title string
	MaxX, MaxW   string // the bar of the characteristic's best points
	X, W         string // the bar of the points earned
	ValueX       string
	Value        string
	Class        string // full, part, low, negative
}

// Geometry of the SVG pictures, in user units.
const (
	gaugeCX, gaugeCY, gaugeR = 120.0, 120.0, 100.0
	chartWidth               = 720
	chartLabelWidth          = 300
	chartBarWidth            = 320
	chartRowHeight           = 30
	chartLabelRunes          = 44
)

func newView(r *credit.Report) view {
	v := view{
		Decision:      strings.ToUpper(r.Decision.String()),
		DecisionClass: r.Decision.String(),
		Score:         num(r.Score),
		PD:            strconv.FormatFloat(r.PD*100, 'f', 2, 64) + "%",
		Grade:         r.Grade.String(),
		Limit:         r.Limit.StringFixed(2),
		Rate:          bpPercent(r.Price.RateBP) + "%",
		RateBP:        r.Price.RateBP,
		APR:           r.Price.APR.Shift(2).StringFixed(4) + "%",
		ModelID:       r.ModelID,
		ModelVersion:  r.ModelVersion,
		ModelSHA:      r.ModelSHA256,
		AssessedAt:    r.AssessedAt.UTC().Format(time.RFC3339),
		Hint:          r.Hint,
		Total:         num(r.Score),
	}
	if v.Decision == "" {
		v.Decision, v.DecisionClass = "NO DECISION", "none"
	}
	maxScore := 0.0
	for _, p := range r.Points {
		maxScore += p.MaxPoints
		v.Points = append(v.Points, pointsRow{Variable: p.Variable, Bin: p.Bin, Points: num(p.Points), Max: num(p.MaxPoints)})
	}
	v.MaxScore = num(maxScore)
	v.Gauge = newGauge(r.Score, maxScore, v)
	v.Chart = newChart(r.Points)
	for _, x := range r.Reasons {
		v.Reasons = append(v.Reasons, reasonRow{Code: x.Code, EN: x.EN, ZH: x.ZH, Gap: num(x.Gap)})
	}
	for _, h := range r.RuleHits {
		v.RuleHits = append(v.RuleHits, ruleRow{Code: h.Code, Action: strings.ReplaceAll(h.Action.String(), "_", "-"),
			EN: h.EN, ZH: h.ZH, KnockOut: h.Action == credit.KnockOut})
	}
	d := r.Derivation
	v.Limits = [][2]string{
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
	p := r.Price
	bp := func(x int64) string { return strconv.FormatInt(x, 10) }
	v.Price = [][2]string{
		{"Base 基准 (" + p.BaseName + ")", bp(p.BaseRateBP)},
		{"Expected-loss premium 预期损失溢价", bp(p.ELPremiumBP)},
		{"Capital charge 资本成本", bp(p.CapitalChargeBP)},
		{"Operating cost 运营成本", bp(p.OperatingCostBP)},
		{"Unclamped 调整前", bp(p.UnclampedBP)},
		{"Grade floor / cap 等级下限/上限", bp(p.FloorBP) + " / " + bp(p.CapBP)},
		{"Legal cap 法定上限", bp(p.LegalCapBP)},
	}
	s := r.Schedule
	v.Schedule = scheduleView{Method: s.Method.String(), Term: strconv.Itoa(s.TermMonths),
		First: s.FirstInstalment.StringFixed(2), Last: s.LastInstalment.StringFixed(2),
		Interest: s.TotalInterest.StringFixed(2), Total: s.TotalRepaid.StringFixed(2)}
	k := r.Risk
	v.Risk = [][2]string{
		{"PD, floored 违约概率（含下限）", strconv.FormatFloat(k.PD*100, 'f', 4, 64) + "%"},
		{"LGD 违约损失率", strconv.FormatFloat(k.LGD*100, 'f', 0, 64) + "%"},
		{"EAD 违约风险暴露", k.EAD.StringFixed(2)},
		{"Expected loss 预期损失", k.ExpectedLoss.StringFixed(2)},
		{"Capital K 资本要求", strconv.FormatFloat(k.K, 'f', 6, 64)},
		{"RWA 风险加权资产", k.RWA.StringFixed(2)},
	}
	return v
}

// newGauge draws the dial: a half circle from the left (0 points) to the right (the best
// score), filled up to the score (clamped to the dial).
func newGauge(score, maxScore float64, v view) gauge {
	share := 0.0
	if maxScore > 0 && !math.IsNaN(score) {
		share = math.Min(math.Max(score/maxScore, 0), 1)
	}
	left := fmt.Sprintf("M %s %s", coord(gaugeCX-gaugeR), coord(gaugeCY))
	arc := func(s float64) string {
		a := math.Pi * (1 - s)
		return fmt.Sprintf("%s A %s %s 0 0 1 %s %s", left, coord(gaugeR), coord(gaugeR),
			coord(gaugeCX+gaugeR*math.Cos(a)), coord(gaugeCY-gaugeR*math.Sin(a)))
	}
	g := gauge{Track: arc(1),
		Label: fmt.Sprintf("Score %s of a best possible %s; grade %s, PD %s; decision %s", v.Score, v.MaxScore, v.Grade, v.PD, strings.ToLower(v.Decision))}
	if share > 0 {
		g.Value = arc(share)
	}
	return g
}

// newChart lays out one bar per characteristic on a common axis from the lowest to the
// highest points, so negative points (possible on fitted cards) show left of zero.
func newChart(points []credit.Points) chart {
	lo, hi := 0.0, 0.0
	for _, p := range points {
		lo = math.Min(lo, math.Min(p.Points, p.MaxPoints))
		hi = math.Max(hi, math.Max(p.Points, p.MaxPoints))
	}
	if hi-lo <= 0 || math.IsNaN(hi-lo) || math.IsInf(hi-lo, 0) {
		lo, hi = 0, 1
	}
	x := func(p float64) float64 {
		if math.IsNaN(p) {
			p = 0
		}
		p = math.Min(math.Max(p, lo), hi)
		return chartLabelWidth + (p-lo)/(hi-lo)*chartBarWidth
	}
	span := func(a, b float64) (string, string) {
		l, r := math.Min(x(a), x(b)), math.Max(x(a), x(b))
		return coord(l), coord(r - l)
	}
	c := chart{Width: chartWidth, LabelWidth: chartLabelWidth, ZeroX: coord(x(0)),
		Height: max(len(points), 1)*chartRowHeight + 10,
		Label:  fmt.Sprintf("Points per characteristic: %d bars of points earned against the best points", len(points))}
	for i, p := range points {
		y := float64(i*chartRowHeight + 6)
		b := barRow{Y: coord(y), TextY: coord(y + 13), Title: p.Variable + " " + p.Bin + ": " + num(p.Points) + " of " + num(p.MaxPoints),
			Label: shorten(p.Variable+" "+p.Bin, chartLabelRunes), ValueX: coord(chartLabelWidth + chartBarWidth + 8),
			Value: num(p.Points) + " / " + num(p.MaxPoints)}
		b.MaxX, b.MaxW = span(0, p.MaxPoints)
		b.X, b.W = span(0, p.Points)
		switch {
		case p.Points < 0:
			b.Class = "negative"
		case p.Points >= p.MaxPoints:
			b.Class = "full"
		case p.MaxPoints > 0 && p.Points >= p.MaxPoints/2:
			b.Class = "part"
		default:
			b.Class = "low"
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}

// shorten cuts s to at most n runes, ending with "…" when cut.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// num formats points and scores in their shortest form, at most 6 decimals.
func num(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	r := math.Round(x*1e6) / 1e6
	if r == 0 {
		r = 0
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// coord formats an SVG coordinate with at most 2 decimals.
func coord(x float64) string {
	return num(math.Round(x*100) / 100)
}

// bpPercent formats basis points as a percentage with two decimals: 435 → "4.35".
func bpPercent(bp int64) string {
	sign := ""
	if bp < 0 {
		sign, bp = "-", -bp
	}
	return fmt.Sprintf("%s%d.%02d", sign, bp/100, bp%100)
}
