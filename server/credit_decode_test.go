package server

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The plain shape every client sends takes the fast path; anything else is left to the
// general path (FuzzAssessmentRequestFastPath checks the two agree).
func TestPlainAssessmentRequest(t *testing.T) {
	for _, c := range []struct {
		body, customer, facts string
		ok                    bool
	}{
		{`{"customer":"P1","facts":{"a":[1,{"b":"}"}]}}`, "P1", `{"a":[1,{"b":"}"}]}`, true},
		{" {\n\t\"facts\" : {} ,\r\"customer\":\" P 1 \" }\n", " P 1 ", `{}`, true},
		{`{"customer":"P1","facts":{"s":"\"}"}}`, "P1", `{"s":"\"}"}`, true},
		{`{"customer":"P1"}`, "", "", false},
		{`{"facts":{}}`, "", "", false},
		{`{"customer":"P1","facts":{},"customer":"P2"}`, "", "", false},
		{`{"customer":"P1","facts":{},"x":1}`, "", "", false},
		{`{"customer":"P\u0031","facts":{}}`, "", "", false},
		{`{"customer":1,"facts":{}}`, "", "", false},
		{`{"customer":"P1","facts":null}`, "", "", false},
		{`{"customer":"P1","facts":{}} {}`, "", "", false},
		{`{"customer":"P1","facts":{]}`, "", "", false},
		{`{"customer":"P1","facts":{"a":1}`, "", "", false},
		{`{"customer":"P1" "facts":{}}`, "", "", false},
		{`[]`, "", "", false},
		{``, "", "", false},
	} {
		customer, facts, ok := plainAssessmentRequest([]byte(c.body))
		assert.Equal(t, c.ok, ok, c.body)
		assert.Equal(t, c.customer, customer, c.body)
		assert.Equal(t, c.facts, string(facts), c.body)
	}
}

// BenchmarkAssessmentRequestDecode: the body of POST /v1/assessments through the fast
// path and through the general one.
func BenchmarkAssessmentRequestDecode(b *testing.B) {
	body := []byte(`{"customer":"P00000000420","facts":` + applicantJSON(b) + `}`)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := decodeAssessmentRequest("application/json", body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("general", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var req assessmentRequest
			if err := decodeJSON("application/json", body, &req); err != nil {
				b.Fatal(err)
			}
			if _, _, err := req.check(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
