package cards_test

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/credit/fit"
	"github.com/creditkit/creditkit/credit/fit/cards"
)

func ExampleReadScorecardpy() {
	src := `variable,bin,points
basepoints,,500
duration,"[-inf,12.0)",38
duration,"[12.0,inf)",-10
duration,missing,0
purpose,"car%,%missing",12
purpose,education,-8
`
	card, err := cards.ReadScorecardpy(strings.NewReader(src), cards.Options{ModelID: "py", Version: "1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ch := range card.Characteristics {
		fmt.Println(ch.Variable, ch.Type, len(ch.Bins), "bins, missing scores", ch.Missing.Points)
	}
	tb, _ := fit.ReadCSV(strings.NewReader("duration,purpose\n6,car\n24,education\nNA,NA\n"), fit.CSVConfig{})
	scores, err := fit.ScoreTable(card, tb)
	fmt.Println(scores, err)
	// Output:
	// duration numeric 2 bins, missing scores 500
	// purpose categorical 2 bins, missing scores 12
	// [550 482 512] <nil>
}

func ExampleReadOptbinning() {
	src := `Variable,Bin,Points
age,"(-inf, 30.00)",40.5
age,"[30.00, inf)",62.0
age,Special,35.0
age,Missing,38.0
`
	card, err := cards.ReadOptbinning(strings.NewReader(src), cards.Options{Special: map[string][]float64{"age": {-1}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	ch := card.Characteristics[0]
	fmt.Println(ch.Variable, len(ch.Bins), ch.Special[0].Values, ch.Missing.Points, card.Scaling)
	// Output:
	// age 2 [-1] 38 {600 50 20}
}

func ExampleReadPMML() {
	f, err := os.Open("testdata/r_card.pmml")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	card, err := cards.ReadPMML(f, cards.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ch := range card.Characteristics {
		fmt.Println(ch.Variable, ch.Type, len(ch.Bins), "bins, missing", ch.Missing.Points, ch.Missing.ReasonCode)
	}
	// Output:
	// duration numeric 3 bins, missing 105 RC_DUR_NA
	// purpose categorical 3 bins, missing 0 RC_PUR
}

func ExampleWritePMML() {
	lo := 30.0
	card := &credit.Scorecard{
		ModelID: "age-card", Version: "1", Target: "bad",
		Scaling: credit.Scaling{BaseScore: 600, BaseOdds: 50, PDO: 20},
		Characteristics: []credit.Characteristic{{
			Variable: "profile.age", Type: credit.Numeric,
			Bins:    []credit.Bin{{Hi: &lo, Points: 40, ReasonCode: "AGE"}, {Lo: &lo, Points: 62, ReasonCode: "AGE"}},
			Missing: &credit.Outcome{Points: 38, ReasonCode: "AGE"},
		}},
	}
	var buf bytes.Buffer
	if err := cards.WritePMML(&buf, card); err != nil {
		fmt.Println(err)
		return
	}
	back, err := cards.ReadPMML(&buf, cards.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(back.ModelID, back.Scaling, *back.Characteristics[0].Bins[1].Lo, back.Characteristics[0].Missing.Points)
	// Output:
	// age-card {600 50 20} 30 38
}
