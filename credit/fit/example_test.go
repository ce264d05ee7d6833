package fit_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

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
	// profile.age          IV 0.100 medium bins 5
	//   [-inf, 9)  bad rate 0.11 WoE +1.281 points 201
	//   [9, 12)    bad rate 0.20 WoE +0.554 points 184
	//   [12, 18)   bad rate 0.25 WoE +0.257 points 177
	//   [18, 36)   bad rate 0.32 WoE -0.105 points 168
	//   [36, 48)   bad rate 0.43 WoE -0.582 points 157
	//   [48, inf)  bad rate 0.56 WoE -1.099 points 144
	//   missing    bad rate NaN WoE -1.099 points 144
	// score 530, PD 0.185
}

const tiny = `income,home,y
1200,rent,bad
1500,rent,bad
1800,own,bad
2100,rent,good
2500,own,bad
2600,rent,good
3000,own,good
3200,own,good
NA,rent,bad
4000,own,good
4500,rent,good
5000,own,good
`

func tinyTable() *fit.Table {
	tb, err := fit.ReadCSV(strings.NewReader(tiny), fit.CSVConfig{})
	if err != nil {
		panic(err) // the example data is fixed
	}
	return tb
}

func ExampleReadCSV() {
	tb, err := fit.ReadCSV(strings.NewReader("age,home,y\n35,own,good\nNA,rent,bad\n"), fit.CSVConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range tb.Columns {
		fmt.Println(c.Name, c.Kind, c.Missing)
	}
	_, err = fit.ReadCSV(strings.NewReader("age,y\n35,good\nforty,bad\n12,good\n"), fit.CSVConfig{})
	fmt.Println(err)
	// Output:
	// age numeric [false true]
	// home categorical [false false]
	// y categorical [false false]
	// fit: text in a numeric column: column "age", row 2, value "forty"
}

func ExampleTable_Rename() {
	tb := tinyTable()
	fmt.Println(tb.Rename("income", "income.monthly"))
	_, ok := tb.Column("income.monthly")
	fmt.Println(ok)
	// Output:
	// <nil>
	// true
}

func ExampleFit() {
	m, err := fit.Fit(tinyTable(), fit.Config{Target: "y", MinBinShare: 0.25})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, b := range m.Card {
		fmt.Println(b.Name)
		for _, bin := range b.Bins {
			fmt.Printf("  %-14s goods %d bads %d WoE %+.3f points %.0f\n", bin.Label(), bin.Goods, bin.Bads, bin.WoE, bin.Points)
		}
	}
	fmt.Println(m.Drops)
	// Output:
	// income
	//   [-inf, 2600)   goods 1 bads 4 WoE -1.723 points 438
	//   [2600, inf)    goods 6 bads 0 WoE +2.228 points 655
	//   missing        goods 0 bads 1 WoE -1.435 points 454
	// [{home wrong_sign }]
}

func ExampleModel_IVTable() {
	m, err := fit.Fit(tinyTable(), fit.Config{Target: "y", MinBinShare: 0.25})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range m.IVTable() {
		fmt.Printf("%s %.3f %s selected=%v\n", r.Name, r.IV, r.Strength, r.Selected)
	}
	// Output:
	// income 3.307 suspicious selected=true
	// home 0.119 medium selected=false
}

func ExampleModel_Scorecard() {
	m, err := fit.Fit(tinyTable(), fit.Config{Target: "y", MinBinShare: 0.25, ModelID: "tiny", Version: "2"})
	if err != nil {
		fmt.Println(err)
		return
	}
	card, err := m.Scorecard()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(card.ModelID, card.Version, len(card.Characteristics), card.Reasons[0].Code, card.Reasons[0].EN)
	// Output:
	// tiny 2 1 RC01 income: points below the maximum for this characteristic
}

func ExampleModel_Score() {
	tb := tinyTable()
	m, err := fit.Fit(tb, fit.Config{Target: "y", MinBinShare: 0.25})
	if err != nil {
		fmt.Println(err)
		return
	}
	scores, err := m.Score(tb)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(scores[:4], fmt.Sprintf("%.3f", m.PD(scores[0])))
	// Output:
	// [438 438 438 438] 0.846
}

func ExampleScoreTable() {
	lo := 3000.0
	card := &credit.Scorecard{
		ModelID: "hand", Version: "1", Target: "y",
		Scaling: credit.Scaling{BaseScore: 600, BaseOdds: 50, PDO: 20},
		Characteristics: []credit.Characteristic{{
			Variable: "income", Type: credit.Numeric,
			Bins:    []credit.Bin{{Hi: &lo, Points: 40, ReasonCode: "R1"}, {Lo: &lo, Points: 90, ReasonCode: "R1"}},
			Missing: &credit.Outcome{Points: 30, ReasonCode: "R1"},
		}},
	}
	scores, err := fit.ScoreTable(card, tinyTable())
	fmt.Println(scores, err)
	// Output:
	// [40 40 40 40 40 40 90 90 30 90 90 90] <nil>
}

func ExampleCrossValidate() {
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
	res, err := fit.CrossValidate(tb, fit.Config{Target: "creditability"}, 5, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("5-fold AUC %.3f, Gini %.3f, KS %.3f\n", res.MeanAUC, res.MeanGini, res.MeanKS)
	// Output:
	// 5-fold AUC 0.791, Gini 0.583, KS 0.481
}

func ExampleAUC() {
	scores := []float64{480, 510, 530, 530, 560, 600}
	bad := []bool{true, true, false, true, false, false}
	auc, _ := fit.AUC(scores, bad)
	gini, _ := fit.Gini(scores, bad)
	ks, at, _ := fit.KS(scores, bad)
	fmt.Printf("AUC %.4f Gini %.4f KS %.4f at %v\n", auc, gini, ks, at)
	// Output:
	// AUC 0.9444 Gini 0.8889 KS 0.6667 at 530
}

func ExampleGini() {
	g, err := fit.Gini([]float64{1, 2, 3, 4}, []bool{true, false, true, false})
	fmt.Printf("%.2f %v\n", g, err)
	// Output:
	// 0.50 <nil>
}

func ExampleKS() {
	ks, at, err := fit.KS([]float64{1, 2, 3, 4}, []bool{true, true, false, false})
	fmt.Println(ks, at, err)
	// Output:
	// 1 2 <nil>
}

func ExampleGains() {
	scores := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	bad := []bool{true, true, true, false, true, false, false, false, false, false}
	rows, _ := fit.Gains(scores, bad, 5)
	for _, r := range rows {
		fmt.Printf("[%v, %v] n=%d bads=%d cum bads %.2f KS %.2f lift %.1f\n", r.MinScore, r.MaxScore, r.Count, r.Bads, r.CumBadShare, r.KS, r.Lift)
	}
	// Output:
	// [1, 2] n=2 bads=2 cum bads 0.50 KS 0.50 lift 2.5
	// [3, 4] n=2 bads=1 cum bads 0.75 KS 0.58 lift 1.2
	// [5, 6] n=2 bads=1 cum bads 1.00 KS 0.67 lift 1.2
	// [7, 8] n=2 bads=0 cum bads 1.00 KS 0.33 lift 0.0
	// [9, 10] n=2 bads=0 cum bads 1.00 KS 0.00 lift 0.0
}

func ExampleCalibration() {
	grades := []string{"BB", "BB", "BB", "BB", "CCC", "CCC", "CCC", "CCC"}
	pd := []float64{0.02, 0.02, 0.02, 0.02, 0.15, 0.15, 0.15, 0.15}
	bad := []bool{false, false, false, true, true, false, true, true}
	rows, _ := fit.Calibration(grades, pd, bad)
	for _, r := range rows {
		fmt.Printf("%s n=%d predicted %.3f observed %.3f p=%.4f\n", r.Group, r.Count, r.Predicted, r.Observed, r.PValue)
	}
	// Output:
	// BB n=4 predicted 0.020 observed 0.250 p=0.0776
	// CCC n=4 predicted 0.150 observed 0.750 p=0.0120
}

func ExampleBinomialTest() {
	fmt.Printf("%.4f\n", fit.BinomialTest(1, 10, 0.5))
	// Output:
	// 0.0215
}

func ExamplePSI() {
	expected := []float64{500, 520, 540, 560, 580, 600, 620, 640, 660, 680}
	actual := []float64{480, 490, 500, 520, 540, 550, 560, 580, 600, 620}
	psi, rows, _ := fit.PSI(expected, actual, 5)
	fmt.Printf("PSI %.3f (%s) over %d bands\n", psi, fit.Stability(psi), len(rows))
	// Output:
	// PSI 1.768 (shifted) over 5 bands
}

func ExampleStability() {
	fmt.Println(fit.Stability(0.05), fit.Stability(0.2), fit.Stability(0.4))
	// Output:
	// stable watch shifted
}

func ExampleStrength() {
	fmt.Println(fit.Strength(0.01), fit.Strength(0.15), fit.Strength(0.6))
	// Output:
	// useless medium suspicious
}

func ExampleModel_CSI() {
	tb := tinyTable()
	m, err := fit.Fit(tb, fit.Config{Target: "y", MinBinShare: 0.25})
	if err != nil {
		fmt.Println(err)
		return
	}
	later, _ := fit.ReadCSV(strings.NewReader("income,home,y\n1000,rent,good\n1100,rent,bad\n1300,own,good\n5200,own,good\n"), fit.CSVConfig{})
	rows, err := m.CSI(tb, later)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range rows {
		fmt.Printf("%s CSI %.3f %s\n", r.Name, r.CSI, fit.Stability(r.CSI))
	}
	// Output:
	// income CSI 0.929 shifted
}

func ExampleReasonCode() {
	fmt.Println(fit.ReasonCode(0), fit.ReasonCode(11))
	// Output:
	// RC01 RC12
}

func ExampleTable_Subset() {
	tb := tinyTable()
	train, err := tb.Subset([]int{0, 1, 2, 3, 4, 5, 6, 7})
	if err != nil {
		fmt.Println(err)
		return
	}
	test, _ := tb.Subset([]int{8, 9, 10, 11})
	fmt.Println(train.Rows, test.Rows)
	// Output:
	// 8 4
}
