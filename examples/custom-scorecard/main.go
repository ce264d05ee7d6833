// Command custom-scorecard shows a bank's own scorecard written as JSON: loaded and checked
// (every structural problem of a broken card reported at once), protected by its content
// hash, compiled against credit.Facts, and used to assess applicants under decision
// thresholds on the card's own scale.
//
//	go run ./examples/custom-scorecard
//
// The same card scores files with: creditkit score --card card.json --approve-score 90 --refer-score 60 ...
package main

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/creditkit/creditkit/credit"
)

//go:embed card.json
var cardJSON []byte

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "custom-scorecard:", err)
		os.Exit(1)
	}
}

// run loads, checks and uses the card, writing each step to w.
func run(w io.Writer) error {
	fmt.Fprintln(w, "== A broken card is refused with every problem at once")
	broken := strings.NewReplacer(`{"lo": 1, "hi": 30,`, `{"lo": 2, "hi": 30,`, `"pdo": 20`, `"pdo": -20`,
		`"values": ["rent", "family"]`, `"values": ["rent"]`).Replace(string(cardJSON))
	_, err := credit.ParseScorecard([]byte(broken))
	var invalid *credit.ValidationError
	if !errors.As(err, &invalid) {
		return fmt.Errorf("expected a validation error, got %v", err)
	}
	for _, p := range invalid.Problems {
		fmt.Fprintf(w, "%-36s %-10s %s\n", p.Path, p.Rule, p.Message)
	}
	_, err = credit.Compile(mustParse(strings.Replace(string(cardJSON), `"values": ["rent", "family"]`, `"values": ["rent"]`, 1)))
	fmt.Fprintf(w, "compiling a card whose bins miss a category: %v\n", err)

	fmt.Fprintln(w, "\n== The card, sealed with the SHA-256 of its content")
	card, err := credit.ParseScorecard(cardJSON)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s %s: %s\nsha256 %s\n", card.ModelID, card.Version, card.Description, card.SHA256)
	sealed := strings.Replace(string(cardJSON), `"model_id"`, `"sha256": "`+card.SHA256+`", "model_id"`, 1)
	tampered := strings.Replace(sealed, `"points": 60`, `"points": 90`, 1)
	_, err = credit.ParseScorecard([]byte(tampered))
	fmt.Fprintf(w, "a sealed card edited afterwards: %v (errors.Is ErrHashMismatch: %t)\n", err, errors.Is(err, credit.ErrHashMismatch))

	model, err := credit.Compile(card)
	if err != nil {
		return err
	}
	s := card.Scaling
	fmt.Fprintf(w, "scaling: %g points at %g:1 odds, %g points double the odds → PD at 60 points %.1f%%, at 100 points %.1f%%\n",
		s.BaseScore, s.BaseOdds, s.PDO, 100*model.PD(60), 100*model.PD(100))

	fmt.Fprintln(w, "\n== Applicants assessed with thresholds on the card's scale")
	assessor, err := credit.NewAssessor(model, credit.Config{ApproveScore: 90, ReferScore: 60,
		Now: func() time.Time { return time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC) }})
	if err != nil {
		return err
	}
	applicants := []struct{ name, facts string }{
		{"home owner, never late", `{"bureau":{"worst_dpd_24m":0},"capacity":{"housing":"own"},"income":{"monthly":"20000"}}`},
		{"renter, 20 days late once", `{"bureau":{"worst_dpd_24m":20},"capacity":{"housing":"rent"},"income":{"monthly":"20000"}}`},
		{"nothing known", `{"income":{"monthly":"20000"}}`},
	}
	for _, a := range applicants {
		f, err := credit.DecodeFacts([]byte(strings.TrimSuffix(a.facts, "}") +
			`,"profile":{"age":40},"request":{"amount":"50000","term_months":24,"product":"consumer","method":"equal_instalments"}}`))
		if err != nil {
			return err
		}
		r, err := assessor.Assess(f)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%-26s score %3.0f  PD %5.2f%%  grade %-3s %-8s limit %s\n", a.name, r.Score, 100*r.PD, r.Grade, r.Decision, r.Limit.StringFixed(2))
		for _, p := range r.Points {
			fmt.Fprintf(w, "    %-22s %-16s %3.0f of %3.0f\n", p.Variable, p.Bin, p.Points, p.MaxPoints)
		}
		for _, x := range r.Reasons {
			fmt.Fprintf(w, "    reason %s: %s / %s\n", x.Code, x.EN, x.ZH)
		}
	}
	return nil
}

// mustParse parses a card known to be structurally valid (only Compile finds its problem).
func mustParse(s string) *credit.Scorecard {
	c, err := credit.ParseScorecard([]byte(s))
	if err != nil {
		panic(err)
	}
	return c
}
