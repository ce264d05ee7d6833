package fit_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/credit/fit"
)

// FuzzReadCSV feeds arbitrary bytes to ReadCSV and, when a table comes out, to Fit: neither
// may panic, and every failure must be one of the package's errors or a CSV parse error.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("a,b,y\n1,x,good\n2,y,bad\nNA,x,good\n3,,bad\n"))
	f.Add([]byte("a,y\n1,good\n2\n"))
	f.Add([]byte("a,a,y\n1,2,1\n"))
	f.Add([]byte("\ufeffa,y\n\"1\",0\n1e308,1\n-1e308,0\n"))
	f.Add([]byte("a,y\nInf,good\nNaN,bad\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := fit.ReadCSV(bytes.NewReader(data), fit.CSVConfig{})
		if err != nil {
			return
		}
		if tb.Rows == 0 || len(tb.Columns) == 0 {
			t.Fatalf("table with %d rows and %d columns and no error", tb.Rows, len(tb.Columns))
		}
		target := tb.Columns[len(tb.Columns)-1].Name
		m, err := fit.Fit(tb, fit.Config{Target: target, MinIV: -1})
		if err != nil {
			var te *fit.TableError
			if !errors.As(err, &te) && !errors.Is(err, fit.ErrNotConverged) && !errors.Is(err, fit.ErrNoCharacteristics) && !errors.Is(err, fit.ErrConfig) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			return
		}
		card, err := m.Scorecard()
		if err != nil {
			t.Fatalf("fitted model gives an invalid card: %v", err)
		}
		js, err := json.Marshal(card)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := credit.ParseScorecard(js); err != nil {
			t.Fatalf("card does not survive JSON: %v", err)
		}
		if _, err := m.Score(tb); err != nil {
			t.Fatal(err)
		}
	})
}
