package report_test

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/credit/report"
)

// Example assesses an applicant and renders the assessment as an HTML page; it prints the
// page's title and the description of its score gauge.
func Example() {
	card, _ := credit.BuiltinCard("individual")
	model, _ := credit.Compile(card)
	assessor, _ := credit.NewAssessor(model, credit.Config{Now: func() time.Time { return time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC) }})
	facts, err := credit.DecodeFacts([]byte(`{
		"bureau": {"history_months": 60, "worst_dpd_24m": 0, "utilisation": 0.2},
		"income": {"monthly": "18000", "verified": true, "employment": "civil_servant"},
		"profile": {"age": 41},
		"request": {"amount": "80000", "term_months": 24, "product": "consumer", "method": "equal_instalments"}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := assessor.Assess(facts)
	if err != nil {
		fmt.Println(err)
		return
	}
	var page strings.Builder
	if err := report.WriteHTML(&page, &r); err != nil {
		fmt.Println(err)
		return
	}
	html := page.String()
	fmt.Println(regexp.MustCompile(`<title>[^<]*</title>`).FindString(html))
	fmt.Println(regexp.MustCompile(`aria-label="Score[^"]*"`).FindString(html))
	// Output:
	// <title>Credit risk assessment 信用风险评估报告 — APPROVE · creditkit-individual</title>
	// aria-label="Score 540 of a best possible 680; grade B, PD 5.35%; decision approve"
}
