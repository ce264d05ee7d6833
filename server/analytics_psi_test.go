package server

import (
	"encoding/json"
	"math"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/credit"
)

// assessedReport is the part of a stored assessment's report the analytics tests read.
type assessedReport struct {
	Score float64 `json:"score"`
	Grade string  `json:"grade"`
}

// assessFacts stores an assessment of the customer number from facts (JSON) and returns
// its report's score and grade.
func assessFacts(t *testing.T, h *harness, number, facts string) assessedReport {
	t.Helper()
	r := h.sendWith(t, http.MethodPost, "/v1/assessments", `{"customer":"`+number+`","facts":`+facts+`}`)
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	var a struct {
		Report assessedReport `json:"report"`
	}
	require.NoError(t, json.Unmarshal(r.body, &a))
	return a.Report
}

// TestScoreStabilityAgainstTheCardReference activates a card that carries a reference
// distribution and checks the portfolio's PSI of the latest assessments against it.
func TestScoreStabilityAgainstTheCardReference(t *testing.T) {
	h := newHarness(t, Config{})
	customers := []string{registerPerson(t, h, 1), registerPerson(t, h, 2), registerPerson(t, h, 3)}
	assess := func(number string) float64 { return assessFacts(t, h, number, applicantJSON(t)).Score }
	score := assess(customers[0])
	stabilityOf := func() (string, *float64, string) {
		t.Helper()
		r := h.get(t, "/v1/analytics/portfolio")
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		var p struct {
			ScoreStability []struct {
				Kind, Reference, Stability string
				PSI                        *float64
			} `json:"score_stability"`
		}
		require.NoError(t, json.Unmarshal(r.body, &p))
		for _, s := range p.ScoreStability {
			if s.Kind == "individual" {
				return s.Reference, s.PSI, s.Stability
			}
		}
		t.Fatal("no individual scorecard in the portfolio")
		return "", nil, ""
	}
	ref, psi, _ := stabilityOf()
	assert.Equal(t, "absent", ref, "the built-in card has no reference")
	assert.Nil(t, psi)

	// Version 2: the development sample was half below the applicant's score, half at or
	// above it; everybody assessed scores the same, so the population has shifted.
	r := h.sendWith(t, http.MethodPost, "/v1/scorecards", uploadBody("individual", cardJSON(t, "individual", "2.0.0", func(c *credit.Scorecard) {
		c.Reference = &credit.Reference{Source: "test sample", Edges: []float64{score}, Shares: []float64{0.5, 0.5}}
	})))
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	r = h.sendWith(t, http.MethodPost, "/v1/scorecards/individual-2/activate", "")
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	ref, psi, _ = stabilityOf()
	assert.Equal(t, "present", ref)
	assert.Nil(t, psi, "no assessment with the new card yet")

	for _, n := range customers {
		assert.InDelta(t, score, assess(n), 1e-9)
	}
	ref, psi, stab := stabilityOf()
	assert.Equal(t, "present", ref)
	require.NotNil(t, psi)
	want := (1e-4-0.5)*math.Log(1e-4/0.5) + (1-0.5)*math.Log(1/0.5)
	assert.InDelta(t, want, *psi, 1e-9)
	assert.Equal(t, "shifted", stab)
}
