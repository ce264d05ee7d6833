package server

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/creditkit/creditkit/credit"
)

// FuzzAssessmentRequest feeds arbitrary bodies to POST /v1/assessments' parsing and
// assesses what it accepts: refusals, never a panic, and every refusal a field problem.
func FuzzAssessmentRequest(f *testing.F) {
	f.Add([]byte(`{"customer":"P00000000420","facts":` + applicantJSON(f) + `}`))
	f.Add([]byte(`{"customer":"1","facts":{"income":{"monthly":"-1"},"request":{"term_months":0}}}`))
	f.Add([]byte(`{"customer":"1","facts":{"request":{"amount":"1e30","term_months":600,"product":"mortgage","method":"interest_only"}}}`))
	card, err := credit.BuiltinCard("individual")
	if err != nil {
		f.Fatal(err)
	}
	s := &Server{cfg: Config{Now: creditClock}}
	s.credit.policy = credit.Config{Now: creditClock}
	data, err := cardBytes(card)
	if err != nil {
		f.Fatal(err)
	}
	as, err := s.newAssessor(data)
	if err != nil {
		f.Fatal(err)
	}
	active := activeCard{id: "individual-1", assessor: as}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req assessmentRequest
		if decodeJSON("application/json", body, &req) != nil {
			return
		}
		_, facts, err := req.check()
		if err != nil {
			// A field's problem (422), or an unknown field in the facts (400).
			switch err.(type) {
			case *ValidationError, *BadRequestError:
			default:
				t.Fatalf("check: %T %v", err, err)
			}
			return
		}
		row, report, err := s.assessWith(active, individualRef, facts)
		if err != nil {
			if _, ok := err.(*ValidationError); !ok {
				t.Fatalf("assess: %T %v", err, err)
			}
			return
		}
		want, err := json.Marshal(&report)
		if err != nil || string(want) != string(row.Report) {
			t.Fatalf("the report's JSON differs from encoding/json's (%v):\n%s\n%s", err, row.Report, want)
		}
	})
}

// FuzzScorecardRequest feeds arbitrary bodies to POST /v1/scorecards' parsing: what it
// accepts compiles and binds to the policy.
func FuzzScorecardRequest(f *testing.F) {
	card, err := credit.BuiltinCard("enterprise")
	if err != nil {
		f.Fatal(err)
	}
	data, err := cardBytes(card)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(`{"kind":"enterprise","card":` + string(data) + `}`))
	f.Add([]byte(`{"kind":"individual","card":{"model_id":"m","version":"1","target":"t","scaling":{"base_score":600,"base_odds":50,"pdo":20},
		"characteristics":[{"variable":"profile.age","type":"numeric","bins":[{"hi":30,"points":1,"reason_code":"A"},{"lo":30,"points":2,"reason_code":"A"}],
		"missing":{"points":0,"reason_code":"A"}}]}}`))
	s := &Server{cfg: Config{Now: creditClock}}
	s.credit.policy = credit.Config{Now: creditClock}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req scorecardRequest
		if decodeJSON("application/json", body, &req) != nil {
			return
		}
		type result struct {
			card *credit.Scorecard
			err  error
		}
		done := make(chan result, 1)
		go func() {
			_, card, err := req.check()
			done <- result{card, err}
		}()
		var res result
		select {
		case res = <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("checking the card takes more than 10 s")
		}
		card, err := res.card, res.err
		if err != nil {
			// A field's problem (422), or an unknown field in the card (400).
			switch err.(type) {
			case *ValidationError, *BadRequestError:
			default:
				t.Fatalf("check: %T %v", err, err)
			}
			return
		}
		data, err := cardBytes(card)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.newAssessor(data); err != nil {
			t.Fatalf("an accepted card does not load back: %v", err)
		}
	})
}

// cardBytes is a card as creditdb stores it.
func cardBytes(c *credit.Scorecard) ([]byte, error) { return json.Marshal(c) }

// FuzzAssessmentRequestFastPath: decodeAssessmentRequest answers every body as the
// general path (decodeJSON into assessmentRequest, then check) does: the same customer
// and facts, or the same error.
func FuzzAssessmentRequestFastPath(f *testing.F) {
	facts := applicantJSON(f)
	for _, body := range []string{
		`{"customer":"P00000000420","facts":` + facts + `}`,
		` { "facts" : ` + facts + ` , "customer" : " P1 " } ` + "\n",
		`{"customer":"P1","facts":{"request":{"amount":"1"}},"customer":"P2"}`,
		`{"customer":"P1","facts":{},"facts":{"income":{"monthly":"1"}}}`,
		`{"Customer":"P1","facts":{}}`,
		`{"customer":"P\u0031","facts":{}}`,
		`{"customer":"P1","facts":{"bureau":{"history_months":"x"}}}`,
		`{"customer":"P1","facts":{"a":"}"}}`,
		`{"customer":"P1","facts":{"income":{"monthly":"1"}}}}`,
		`{"customer":"","facts":{}}`,
		`{"customer":"P1","facts":{"income":[}}}`,
		`{"customer":"P1","facts":{}} x`,
		`{"customer":"P1","facts":null}`,
	} {
		f.Add([]byte(body))
	}
	// Facts where decoders tend to differ (decodeFacts against credit.DecodeFacts).
	for _, facts := range []string{
		`{"Income":{"MONTHLY":"1"}}`,
		`{"income":{"monthly":"1"},"income":{"verified":true}}`,
		`{"income":null,"profile":{"age":null}}`,
		`{"profile":{"age":1e2}}`, `{"profile":{"age":1.0}}`, `{"profile":{"age":-0}}`,
		`{"profile":{"age":99999999999999999999}}`, `{"bureau":{"utilisation":1e400}}`,
		`{"income":{"employment":"priv\u0061te"}}`, `{"income":{"employment":"\ud800"}}`,
		`{"income":{"monthly":1e3}}`, `{"income":{"monthly":"1e3"}}`, `{"income":{"monthly":" 1"}}`,
		`{"income":{"monthly":"0x10"}}`, `{"income":{"employment":"Private"}}`, `{"income":{"verified":"true"}}`,
		`{"blacklisted":true,"request":{"method":"equal_instalments","amount":"1.50"}}`,
		`{"enterprise":{"bureau":{"open_accounts":3}}}`, `{"income":{"monthly":"1"} }`, `{"income":{}}x`,
	} {
		f.Add([]byte(`{"customer":"P1","facts":` + facts + `}`))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		number, facts, err := decodeAssessmentRequest("application/json", body)
		var req assessmentRequest
		wantErr := decodeJSON("application/json", body, &req)
		var wantNumber string
		var wantFacts credit.Facts
		if wantErr == nil {
			wantNumber, wantFacts, wantErr = req.check()
		}
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("fast path error %v, general path %v", err, wantErr)
		}
		if err != nil {
			if err.Error() != wantErr.Error() {
				t.Fatalf("fast path error %q, general path %q", err, wantErr)
			}
			return
		}
		if number != wantNumber || !reflect.DeepEqual(facts, wantFacts) {
			t.Fatalf("fast path %q %+v, general path %q %+v", number, facts, wantNumber, wantFacts)
		}
	})
}
