package fit_test

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/credit/fit"
)

// Example fits a card on German credit data, inspects the information values, saves the
// card as JSON, loads it back and scores an applicant with credit's scorer.
func Example() {
	f, err := os.Open("testdata/german_credit.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	tb, err := fit.ReadCSV(f, fit.CSVConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Name the columns after the credit variables the scorer knows.
	for _, r := range [][2]string{{"duration_in_month", "request.term_months"}, {"credit_amount", "request.amount"}, {"age_in_years", "profile.age"}} {
		if err := tb.Rename(r[0], r[1]); err != nil {
			fmt.Println(err)
			return
		}
	}
	m, err := fit.Fit(tb, fit.Config{
		Target:          "creditability",
		Characteristics: []string{"request.term_months", "request.amount", "profile.age"},
		ModelID:         "german-demo",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range m.IVTable() {
		fmt.Printf("%-20s IV %.3f %-6s bins %d\n", r.Name, r.IV, r.Strength, r.Bins)
	}
	for _, bin := range m.Card[0].Bins {
		fmt.Printf("  %-10s bad rate %.2f WoE %+.3f points %3.0f\n", bin.Label(), bin.BadRate(), bin.WoE, bin.Points)
	}
	card, err := m.Scorecard()
	if err != nil {
		fmt.Println(err)
		return
	}
	saved, err := json.Marshal(card)
	if err != nil {
		fmt.Println(err)
		return
	}
	loaded, err := credit.ParseScorecard(saved)
	if err != nil {
		fmt.Println(err)
		return
	}
	model, err := credit.Compile(loaded)
	if err != nil {
		fmt.Println(err)
		return
	}
	term, age, amount := 12, 45, decimal.NewFromInt(2500)
	score := model.Score(&credit.Facts{Request: credit.Request{TermMonths: &term, Amount: &amount}, Profile: credit.Profile{Age: &age}})
	fmt.Printf("score %.0f, PD %.3f\n", score, model.PD(score))
	// Output:
	// request.term_months  IV 0.282 medium bins 7
	// request.amount       IV 0.136 medium bins 6
	// profile.age          IV 0.100 weak   bins 5
	// score 0, PD 0.000
}
