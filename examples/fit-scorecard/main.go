// Command fit-scorecard fits a credit scorecard to 4,454 past applicants and their outcomes
// (the CreditScoring data, see testdata/ATTRIBUTION.md), measures it honestly with
// cross-validation, and puts it to work: saved as JSON, loaded by package credit and used to
// assess a new applicant, with the decision, the offer and the reasons.
//
//	go run ./examples/fit-scorecard
//
// The same steps on the command line: creditkit fit --in data.csv --target Status --cv 5 ...
package main

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/credit/fit"
)

//go:embed testdata/credit_data.csv
var creditData []byte

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fit-scorecard:", err)
		os.Exit(1)
	}
}

// renames name the data's columns after the credit facts they are, so that the fitted card
// scores credit.Facts directly. The data's Income, Expenses and Assets are in hundreds of
// euros; the card's bins simply carry those units.
var renames = [][2]string{
	{"Seniority", "income.years_with_employer"},
	{"Time", "request.term_months"},
	{"Age", "profile.age"},
	{"Expenses", "capacity.monthly_living_costs"},
	{"Income", "income.monthly"},
	{"Assets", "capacity.liquid_assets"},
	{"Amount", "request.amount"},
}

// run fits, measures and uses the card, writing each step to w.
func run(w io.Writer) error {
	tb, err := fit.ReadCSV(bytes.NewReader(creditData), fit.CSVConfig{})
	if err != nil {
		return err
	}
	var names []string
	for _, r := range renames {
		if err := tb.Rename(r[0], r[1]); err != nil {
			return err
		}
		names = append(names, r[1])
	}
	cfg := fit.Config{Target: "Status", Characteristics: names, ModelID: "creditscoring-demo", Version: "2026.11",
		Reasons: map[string]credit.ReasonText{
			"income.years_with_employer":    {Code: "TENURE", EN: "Short time with the employer", ZH: "现单位工作年限较短"},
			"income.monthly":                {Code: "INCOME", EN: "Income is low", ZH: "收入较低"},
			"capacity.liquid_assets":        {Code: "ASSETS", EN: "Few liquid assets", ZH: "流动资产较少"},
			"request.amount":                {Code: "AMOUNT", EN: "Large amount requested", ZH: "申请金额较大"},
			"request.term_months":           {Code: "TERM", EN: "Long term requested", ZH: "申请期限较长"},
			"profile.age":                   {Code: "AGE", EN: "Age band with more defaults", ZH: "年龄段违约率较高"},
			"capacity.monthly_living_costs": {Code: "COSTS", EN: "High living costs", ZH: "生活支出较高"},
		}}
	m, err := fit.Fit(tb, cfg)
	if err != nil {
		return err
	}

	fmt.Fprintf(w, "== %d applicants; the strength of each characteristic (information value)\n", tb.Rows)
	for _, r := range m.IVTable() {
		on := "dropped"
		if r.Selected {
			on = "on the card"
		}
		fmt.Fprintf(w, "%-31s IV %.3f  %-8s %d bins  %s\n", r.Name, r.IV, r.Strength, r.Bins, on)
	}
	for _, d := range m.Drops {
		with := ""
		if d.With != "" {
			with = " with " + d.With
		}
		fmt.Fprintf(w, "  %s dropped: %s%s\n", d.Name, d.Reason, with)
	}

	fmt.Fprintln(w, "\n== The strongest characteristic's bins")
	strongest := m.IVTable()[0].Name
	for _, b := range m.Card {
		if b.Name != strongest {
			continue
		}
		for _, bin := range b.Bins {
			rate := "     –"
			if n := bin.Goods + bin.Bads; n > 0 {
				rate = fmt.Sprintf("%5.1f%%", 100*bin.BadRate())
			}
			fmt.Fprintf(w, "%-12s %4d rows  bad rate %s  WoE %+.3f  points %3.0f\n", bin.Label(), bin.Goods+bin.Bads,
				rate, bin.WoE, bin.Points)
		}
	}

	scores, err := m.Score(tb)
	if err != nil {
		return err
	}
	bad := make([]bool, tb.Rows)
	status, _ := tb.Column("Status")
	for i, v := range status.Cat {
		bad[i] = v == "bad"
	}
	auc, err := fit.AUC(scores, bad)
	if err != nil {
		return err
	}
	ks, _, err := fit.KS(scores, bad)
	if err != nil {
		return err
	}
	cv, err := fit.CrossValidate(tb, cfg, 5, 2026)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\n== How well it separates goods from bads")
	fmt.Fprintf(w, "on the training rows:   AUC %.3f  Gini %.3f  KS %.3f\n", auc, 2*auc-1, ks)
	fmt.Fprintf(w, "5-fold cross-validated: AUC %.3f ± %.3f  Gini %.3f  KS %.3f  (the honest estimate)\n",
		cv.MeanAUC, cv.StdAUC, cv.MeanGini, cv.MeanKS)
	gains, err := fit.Gains(scores, bad, 5)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "score band     rows  bad rate  share of all bads so far")
	for _, g := range gains {
		fmt.Fprintf(w, "%4.0f – %4.0f  %5d   %5.1f%%   %5.1f%%\n", g.MinScore, g.MaxScore, g.Count, 100*g.BadRate, 100*g.CumBadShare)
	}

	fmt.Fprintln(w, "\n== Saved as creditkit JSON, loaded back, used to assess a new applicant")
	card, err := m.Scorecard()
	if err != nil {
		return err
	}
	saved, err := json.Marshal(card)
	if err != nil {
		return err
	}
	loaded, err := credit.ParseScorecard(saved) // checks the content hash
	if err != nil {
		return err
	}
	model, err := credit.Compile(loaded)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "card %s %s, sha256 %.16s…, %d characteristics, %d bytes of JSON\n",
		loaded.ModelID, loaded.Version, loaded.SHA256, len(loaded.Characteristics), len(saved))
	assessor, err := credit.NewAssessor(model, credit.Config{
		// Thresholds on this card's scale, read off the gains table: approve where about one
		// applicant in ten goes bad, refer the band above one in five.
		ApproveScore: 535, ReferScore: 515,
		Now: func() time.Time { return time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC) },
	})
	if err != nil {
		return err
	}
	facts, err := credit.DecodeFacts([]byte(`{
		"income": {"monthly": "160", "years_with_employer": 9, "employment": "private", "verified": true},
		"capacity": {"monthly_living_costs": "60", "liquid_assets": "2500"},
		"profile": {"age": 27},
		"request": {"amount": "1200", "term_months": 48, "product": "consumer", "method": "equal_instalments"}}`))
	if err != nil {
		return err
	}
	r, err := assessor.Assess(facts)
	if err != nil {
		return err
	}
	nBad := 0
	for _, b := range bad {
		if b {
			nBad++
		}
	}
	fmt.Fprintf(w, "score %.0f, PD %.1f%%, grade %s → %s (%.1f%% of these applicants went bad, so a PD of\n"+
		"%.1f%% is a good risk here, though the default master scale, made for prime retail books, calls it %s)\n",
		r.Score, 100*r.PD, r.Grade, r.Decision, 100*float64(nBad)/float64(len(bad)), 100*r.PD, r.Grade)
	for _, p := range r.Points {
		fmt.Fprintf(w, "  %-31s %-14s %4.0f of %3.0f\n", p.Variable, p.Bin, p.Points, p.MaxPoints)
	}
	for _, x := range r.Reasons {
		fmt.Fprintf(w, "  reason %-6s %s / %s\n", x.Code, x.EN, x.ZH)
	}
	return nil
}
