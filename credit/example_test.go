package credit_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/creditkit/creditkit/credit"
	"github.com/shopspring/decimal"
)

func Example_scoreApplicant() {
	card, err := credit.BuiltinCard("individual")
	if err != nil {
		panic(err)
	}
	model, err := credit.Compile(card)
	if err != nil {
		panic(err)
	}
	facts, err := credit.DecodeFacts([]byte(`{"bureau":{"worst_dpd_24m":0,"delinquencies_24m":0,
		"history_months":96,"utilisation":0.2,"hard_inquiries_6m":1},
		"income":{"monthly":"25000","employment":"civil_servant","years_with_employer":6},
		"capacity":{"monthly_debt_payments":"3000","housing":"own"},"profile":{"age":41}}`))
	if err != nil {
		panic(err)
	}
	score := model.Score(&facts)
	pd := model.PD(score)
	fmt.Printf("score %.0f, PD %.3f%%, grade %s\n", score, pd*100, credit.DefaultMasterScale().Grade(pd))
	// Output: score 680, PD 0.044%, grade AAA
}

func ExampleAssessor_Assess() {
	card, _ := credit.BuiltinCard("individual")
	model, _ := credit.Compile(card)
	assessor, err := credit.NewAssessor(model, credit.Config{
		Now: func() time.Time { return time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		panic(err)
	}
	data, _ := os.ReadFile("testdata/applicant.json")
	facts, err := credit.DecodeFacts(data)
	if err != nil {
		panic(err)
	}
	r, err := assessor.Assess(facts)
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Decision, r.Grade, r.Limit, r.Price.RateBP, "bp")
	fmt.Println(r.Derivation.Binding, r.Derivation.MaxInstalment)
	for _, reason := range r.Reasons {
		fmt.Println(reason.Code, reason.EN)
	}
	// Output:
	// approve B 150000 708 bp
	// requested 7400
	// DPD Serious past-due payments in the last 24 months
	// DLQ Number of delinquent months in the last 24 months
	// HOU Housing status
	// UTIL Revolving credit utilisation is high
}

func ExampleNewSchedule() {
	for _, m := range []credit.Method{credit.EqualInstalments, credit.EqualPrincipal, credit.InterestOnly} {
		s, err := credit.NewSchedule(decimal.NewFromInt(100000), 1200, 12, m)
		if err != nil {
			panic(err)
		}
		last := s.Instalments[len(s.Instalments)-1]
		fmt.Printf("%-17s first %s last %s interest %s\n", m, s.Instalments[0].Payment.StringFixed(2),
			last.Payment.StringFixed(2), s.TotalInterest.StringFixed(2))
	}
	// Output:
	// equal_instalments first 8884.88 last 8884.85 interest 6618.53
	// equal_principal   first 9333.33 last 8416.70 interest 6500.00
	// interest_only     first 1000.00 last 101000.00 interest 12000.00
}

func ExampleSchedule_APR() {
	s, _ := credit.NewSchedule(decimal.NewFromInt(100000), 1200, 12, credit.EqualInstalments)
	apr, err := s.APR(decimal.NewFromInt(1000))
	if err != nil {
		panic(err)
	}
	fmt.Println(apr.Shift(2).StringFixed(4) + "%")
	// Output: 13.9131%
}

func ExampleParseScorecard() {
	card, err := credit.ParseScorecard([]byte(`{"model_id":"my-card","version":"2","target":"90+ dpd in 12m",
	"scaling":{"base_score":600,"base_odds":50,"pdo":20},
	"characteristics":[{"variable":"profile.age","type":"numeric","bins":[
	  {"hi":30,"points":20,"reason_code":"AGE"},{"lo":30,"points":45,"reason_code":"AGE"}],
	 "missing":{"points":25,"reason_code":"AGE"}}]}`))
	if err != nil {
		panic(err)
	}
	model, err := credit.Compile(card)
	if err != nil {
		panic(err)
	}
	age := 35
	fmt.Println(card.ModelID, card.Version, len(card.SHA256), model.Score(&credit.Facts{Profile: credit.Profile{Age: &age}}))
	// Output: my-card 2 64 45
}

func ExampleCapitalK() {
	k, err := credit.CapitalK(credit.Corporate, 0.01, 0.45, 2.5)
	if err != nil {
		panic(err)
	}
	fmt.Printf("K %.4f, RWA per 1m %s\n", k, credit.RWA(k, decimal.NewFromInt(1000000)))
	// Output: K 0.0739, RWA per 1m 923168.01
}

func ExampleClassify() {
	c := credit.Classify(120)
	fmt.Println(c, c.ZH(), c.ProvisionRate())
	// Output: substandard 次级 0.25
}

func ExampleMasterScale_Grade() {
	fmt.Println(credit.DefaultMasterScale().Grade(0.004))
	// Output: BBB
}

func ExampleReport_Markdown() {
	card, _ := credit.BuiltinCard("individual")
	model, _ := credit.Compile(card)
	a, _ := credit.NewAssessor(model, credit.Config{Now: func() time.Time { return time.Unix(0, 0) }})
	data, _ := os.ReadFile("testdata/applicant.json")
	facts, _ := credit.DecodeFacts(data)
	r, _ := a.Assess(facts)
	md := r.Markdown()
	fmt.Println(md[:len("# Credit risk assessment 信用风险评估报告")])
	// Output: # Credit risk assessment 信用风险评估报告
}

func ExampleDecodeFacts() {
	_, err := credit.DecodeFacts([]byte(`{"income":{"monthly":"-100"},"request":{"term_months":0}}`))
	var ve *credit.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			fmt.Println(p.Path, p.Rule, "—", p.MessageZH)
		}
	}
	// Output:
	// income.monthly non_negative — 不能为负数
	// request.term_months range — 必须在 1 与 600 之间
}

func ExampleUnknownFieldError() {
	_, err := credit.DecodeFacts([]byte(`{"income":{"salary":"100"}}`))
	var uf *credit.UnknownFieldError
	fmt.Println(errors.As(err, &uf), uf.Field)
	// Output: true salary
}

func ExampleModel_ScoreColumns() {
	card, _ := credit.ParseScorecard([]byte(`{"model_id":"m","version":"1","target":"t",
	"scaling":{"base_score":600,"base_odds":50,"pdo":20},
	"characteristics":[{"variable":"profile.age","type":"numeric","bins":[
	  {"hi":30,"points":20,"reason_code":"AGE"},{"lo":30,"points":45,"reason_code":"AGE"}],
	 "missing":{"points":25,"reason_code":"AGE"}}]}`))
	model, _ := credit.Compile(card)
	cols := credit.Columns{Numeric: map[string][]float64{"profile.age": {22, 30, math.NaN()}}}
	scores := make([]float64, 3)
	if err := model.ScoreColumns(cols, scores); err != nil {
		panic(err)
	}
	fmt.Println(scores)
	// Output: [20 45 25]
}

func ExampleBuiltinCard() {
	for _, name := range credit.BuiltinCards() {
		card, err := credit.BuiltinCard(name)
		if err != nil {
			panic(err)
		}
		fmt.Println(card.ModelID, card.Version, len(card.Characteristics))
	}
	// Output:
	// creditkit-enterprise 1.0.0 10
	// creditkit-individual 1.0.0 11
}

// A scorecard's reference distribution is the baseline of a population stability index:
// here the development sample's scores, then this month's applicants, who score lower.
func ExampleReference_PSI() {
	development := []float64{480, 510, 530, 550, 560, 575, 590, 610, 630, 660}
	ref, err := credit.NewReference(development, 5, "development sample, 10 rows")
	if err != nil {
		fmt.Println(err)
		return
	}
	thisMonth := []float64{470, 500, 515, 540, 555, 565, 585, 600, 625, 640}
	psi, _ := ref.PSI(thisMonth)
	fmt.Println(ref.Edges, ref.Shares)
	fmt.Printf("PSI %.3f\n", psi)
	// Output:
	// [530 560 590 630] [0.2 0.2 0.2 0.2 0.2]
	// PSI 0.110
}

// Quartile cut points of a sorted sample; the tie at 600 is not split.
func ExampleQuantileEdges() {
	fmt.Println(credit.QuantileEdges([]float64{480, 520, 560, 600, 600, 600, 600, 700}, 4))
	// Output: [560 600]
}
