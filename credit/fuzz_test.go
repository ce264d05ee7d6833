package credit

import (
	"bytes"
	"encoding/json"
	"testing"
)

func FuzzDecodeFacts(f *testing.F) {
	f.Add(readFile(f, "testdata/applicant.json"))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"income":{"monthly":"-1e400","employment":"student"},"request":{"term_months":0}}`))
	f.Add([]byte(`{"bureau":{"utilisation":1e308,"worst_dpd_24m":-1}}`))
	f.Add([]byte(`null`))
	// Amounts whose exponent once kept Assess busy for minutes (10^exponent built in full).
	applicant := readFile(f, "testdata/applicant.json")
	for _, v := range []string{`"0e99999999"`, `"1e-99999999"`, `0e-99999999`} {
		f.Add(bytes.Replace(applicant, []byte(`"18000"`), []byte(v), 1))
	}
	card, err := BuiltinCard("individual")
	if err != nil {
		f.Fatal(err)
	}
	m, err := Compile(card)
	if err != nil {
		f.Fatal(err)
	}
	a, err := NewAssessor(m, Config{Now: fixedNow})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		facts, err := DecodeFacts(data)
		if err != nil {
			return
		}
		_ = m.Score(&facts)
		r, err := a.Assess(facts)
		if err != nil {
			return
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("report does not marshal: %v", err)
		}
		_ = r.Markdown()
	})
}

func FuzzParseScorecard(f *testing.F) {
	f.Add([]byte(tinyCard))
	for _, name := range BuiltinCards() {
		f.Add(readFile(f, "cards/"+name+".json"))
	}
	f.Add([]byte(`{"characteristics":[{"type":"numeric","bins":[{"lo":1e308,"hi":-1e308}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		card, err := ParseScorecard(data)
		if err != nil {
			return
		}
		out, err := json.Marshal(card)
		if err != nil {
			t.Fatalf("valid card does not marshal: %v", err)
		}
		again, err := ParseScorecard(out)
		if err != nil {
			t.Fatalf("re-parse of marshalled card: %v", err)
		}
		if again.SHA256 != card.SHA256 {
			t.Fatalf("hash changed on round trip")
		}
		if m, err := Compile(card); err == nil {
			_ = m.Score(&Facts{})
		}
	})
}
