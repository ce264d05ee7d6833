// Command group-limits shows why a loan the scorecard would grant can still be refused: the
// customer belongs to a conglomerate (集团客户) whose group-wide limit (统一授信) it would breach.
// It builds a small customer tree, assesses a subsidiary's application with the built-in
// enterprise card, checks the offered limit against every limit above the customer, cuts the
// offer to the headroom, and finds related parties outside the group that should be counted
// as one borrower against the large-exposure limit.
//
//	go run ./examples/group-limits
package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/tree"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "group-limits:", err)
		os.Exit(1)
	}
}

func money(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func limit(s string) decimal.NullDecimal { return decimal.NewNullDecimal(money(s)) }

// bank is the customer tree of the walk-through.
func bank() (*tree.Tree, error) {
	return tree.Build([]tree.Row{
		{ID: 1, Kind: tree.KindBank, Name: "示范银行"},
		{ID: 2, Parent: 1, Kind: tree.KindBranch, Name: "上海分行", Attrs: map[string]string{tree.AttrRegion: "上海"}},
		{ID: 3, Parent: 2, Kind: tree.KindGroup, Name: "华东控股集团", Limit: limit("30000000")},
		{ID: 4, Parent: 3, Kind: tree.KindGroup, Name: "华东制造板块", Limit: limit("12000000")},
		{ID: 5, Parent: 4, Kind: tree.KindCustomer, Name: "华东精密机械有限公司", Customer: "E-101", Exposure: money("6500000")},
		{ID: 6, Parent: 4, Kind: tree.KindCustomer, Name: "华东电子元件有限公司", Customer: "E-102", Exposure: money("2300000")},
		{ID: 7, Parent: 3, Kind: tree.KindCustomer, Name: "华东物流有限公司", Customer: "E-103", Exposure: money("9000000")},
		{ID: 8, Parent: 2, Kind: tree.KindCustomer, Name: "申城贸易有限公司", Customer: "E-201", Exposure: money("4000000")},
		{ID: 9, Parent: 2, Kind: tree.KindCustomer, Name: "浦江包装有限公司", Customer: "E-202", Exposure: money("1500000")},
	})
}

// run walks through the assessment and the limit checks, writing each step to w.
func run(w io.Writer) error {
	t, err := bank()
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "== The conglomerate in the customer tree (exposure / limit)")
	for _, id := range []tree.ID{3, 4, 5, 6, 7} {
		n, err := t.Get(id)
		if err != nil {
			return err
		}
		lim := "no own limit"
		if n.Limit.Valid {
			lim = "limit " + n.Limit.Decimal.String()
		}
		fmt.Fprintf(w, "%*s%s: %s, %s\n", 2*(n.Depth-2), "", n.Name, n.Total, lim)
	}

	fmt.Fprintln(w, "\n== 华东电子元件 (E-102) asks for 5,000,000 of working capital")
	card, err := credit.BuiltinCard("enterprise")
	if err != nil {
		return err
	}
	model, err := credit.Compile(card)
	if err != nil {
		return err
	}
	assessor, err := credit.NewAssessor(model, credit.Config{Now: func() time.Time { return time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC) }})
	if err != nil {
		return err
	}
	facts, err := credit.DecodeFacts([]byte(`{
		"enterprise": {"revenue": "180000000", "revenue_growth": 0.06, "net_margin": 0.07, "debt_to_assets": 0.52,
		               "current_ratio": 1.4, "interest_cover": 4.2, "years_in_business": 11, "industry_risk": 2,
		               "bureau": {"history_months": 120, "worst_dpd_24m": 0, "defaults_or_write_offs": 0}},
		"request": {"amount": "5000000", "term_months": 36, "product": "working_capital", "method": "equal_instalments"}}`))
	if err != nil {
		return err
	}
	r, err := assessor.Assess(facts)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "scorecard: score %.0f, PD %.2f%%, grade %s, %s, limit %s at %d bp (binding: %s)\n",
		r.Score, 100*r.PD, r.Grade, r.Decision, r.Limit.StringFixed(2), r.Price.RateBP, r.Derivation.Binding)

	breaches, err := t.CheckIncrease("E-102", r.Limit)
	if err != nil {
		return err
	}
	fit := r.Limit
	for _, b := range breaches {
		fmt.Fprintf(w, "breach: %s has limit %s, exposure %s, headroom %s\n", b.Name, b.Limit, b.Exposure, b.Headroom)
		fit = decimal.Min(fit, b.Headroom)
	}
	customer, err := t.Customer("E-102")
	if err != nil {
		return err
	}
	room, bounded, err := t.Headroom(customer.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "headroom under every limit above E-102: %s (bounded: %t)\n", room, bounded)
	if len(breaches) > 0 {
		fmt.Fprintf(w, "decision: offer %s instead of %s, or take the full amount to the credit committee with a group limit increase\n",
			fit.StringFixed(2), r.Limit.StringFixed(2))
	}
	if err := t.SetExposure("E-102", customer.Exposure.Add(fit)); err != nil {
		return err
	}
	after, err := t.Exposure(4)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "after booking %s: 华东制造板块 exposure %s of 12000000\n", fit.StringFixed(2), after)

	fmt.Fprintln(w, "\n== Related parties outside the group count as one borrower")
	capital := money("80000000") // the bank's tier 1 capital, for the large-exposure limit
	large, err := tree.LargeExposureLimit(capital, money("0.15"))
	if err != nil {
		return err
	}
	links := []tree.Link{
		{From: "E-103", To: "E-201", Kind: tree.LinkControl, Share: money("0.65")}, // the group's logistics arm controls a trader
		{From: "E-201", To: "E-202", Kind: tree.LinkMutualGuarantee},               // which guarantees a packager, and back
	}
	for _, l := range links {
		if err := t.Link(l); err != nil {
			return err
		}
	}
	sets, err := t.Ungrouped(large)
	if err != nil {
		return err
	}
	for _, s := range sets {
		fmt.Fprintf(w, "%v: combined exposure %s against the large-exposure limit %s (15%% of capital): over %t by %s; under one group: %t\n",
			s.Customers, s.Exposure, s.Limit, s.Over, s.Excess, s.UnderOneGroup)
	}
	return nil
}
