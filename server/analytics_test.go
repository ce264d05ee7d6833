package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// portfolioJSON is the part of the portfolio the tests read.
type portfolioJSON struct {
	Customers struct {
		Total    int            `json:"total"`
		ByKind   map[string]int `json:"by_kind"`
		ByBranch []struct {
			Branch     string `json:"branch"`
			Individual int    `json:"individual"`
			Enterprise int    `json:"enterprise"`
			Total      int    `json:"total"`
		} `json:"by_branch"`
	} `json:"customers"`
	Grades struct {
		Assessed     int `json:"assessed_customers"`
		Distribution []struct {
			Grade string  `json:"grade"`
			Total int     `json:"total"`
			Share float64 `json:"share"`
		} `json:"distribution"`
	} `json:"grades"`
	Exposure struct {
		Total    string `json:"total"`
		ByBranch []struct {
			Branch   string `json:"branch"`
			Exposure string `json:"exposure"`
		} `json:"by_branch"`
		TopGroups []struct {
			Node     int64   `json:"node"`
			Name     string  `json:"name"`
			Exposure string  `json:"exposure"`
			Limit    *string `json:"limit"`
			Headroom *string `json:"headroom"`
		} `json:"top_groups"`
	} `json:"exposure"`
	Applications struct {
		Total                 int            `json:"total"`
		ByStatus              map[string]int `json:"by_status"`
		Approved              int            `json:"approved"`
		Rejected              int            `json:"rejected"`
		ApprovalRate          *float64       `json:"approval_rate"`
		ApprovedAmount        string         `json:"approved_amount"`
		MedianHoursToDecision *float64       `json:"median_hours_to_decision"`
	} `json:"applications"`
	Officers []struct {
		Officer   string `json:"officer"`
		OpenCases int    `json:"open_cases"`
		Capacity  int    `json:"capacity"`
		Approved  int    `json:"approved"`
	} `json:"officers"`
	ScoreStability []struct {
		Kind        string   `json:"kind"`
		Scorecard   string   `json:"scorecard"`
		Assessments int      `json:"assessments"`
		Reference   string   `json:"reference"`
		PSI         *float64 `json:"psi"`
	} `json:"score_stability"`
}

func (c caller) portfolio(t *testing.T) portfolioJSON {
	t.Helper()
	r := c.get(t, "/v1/analytics/portfolio")
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var p portfolioJSON
	require.NoError(t, json.Unmarshal(r.body, &p), string(r.body))
	return p
}

func TestPortfolioOfAnEmptyBank(t *testing.T) {
	for name, h := range harnesses(t, Config{Authenticator: headerAuth{}}) {
		t.Run(name, func(t *testing.T) { emptyPortfolio(t, h) })
	}
}

func emptyPortfolio(t *testing.T, h *harness) {
	p := h.as("a1/analyst").portfolio(t)
	assert.Zero(t, p.Customers.Total)
	assert.Equal(t, map[string]int{"individual": 0, "enterprise": 0}, p.Customers.ByKind)
	require.Len(t, p.Grades.Distribution, 10, "every grade of the master scale, AAA to D")
	assert.Equal(t, "AAA", p.Grades.Distribution[0].Grade)
	assert.Equal(t, "D", p.Grades.Distribution[9].Grade)
	assert.Equal(t, "0", p.Exposure.Total)
	assert.Empty(t, p.Exposure.TopGroups)
	assert.Len(t, p.Applications.ByStatus, 9)
	assert.Nil(t, p.Applications.ApprovalRate, "no decision yet")
	assert.Nil(t, p.Applications.MedianHoursToDecision)
	for _, s := range p.ScoreStability {
		assert.Equal(t, "absent", s.Reference)
		assert.Nil(t, s.PSI)
	}
}

// TestGradesCountEachCustomersLatestAssessment: a customer assessed again counts once,
// in the grade of its latest assessment, whatever grades came before.
func TestGradesCountEachCustomersLatestAssessment(t *testing.T) {
	for name, h := range harnesses(t, Config{}) {
		t.Run(name, func(t *testing.T) {
			good := applicantJSON(t)
			bad := strings.NewReplacer(`"delinquencies_24m": 1`, `"delinquencies_24m": 6`,
				`"worst_dpd_24m": 15`, `"worst_dpd_24m": 90`, `"amount_overdue": "0"`, `"amount_overdue": "8000"`).Replace(good)
			require.NotEqual(t, good, bad)
			assess := func(number, facts string) string { return assessFacts(t, h, number, facts).Grade }
			first, second := registerPerson(t, h, 1), registerPerson(t, h, 2)
			goodGrade := assess(first, good)
			badGrade := assess(first, bad)
			require.NotEqual(t, goodGrade, badGrade, "the worse bureau record changes the grade")
			assess(first, bad)
			assert.Equal(t, goodGrade, assess(second, good))
			assert.Equal(t, badGrade, assess(second, bad))
			assert.Equal(t, goodGrade, assess(second, good))

			r := h.get(t, "/v1/analytics/portfolio")
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			var p portfolioJSON
			require.NoError(t, json.Unmarshal(r.body, &p), string(r.body))
			assert.Equal(t, 2, p.Grades.Assessed)
			totals := map[string]int{}
			for _, g := range p.Grades.Distribution {
				totals[g.Grade] += g.Total
			}
			assert.Equal(t, 1, totals[goodGrade], "the second customer, latest assessed with the good facts")
			assert.Equal(t, 1, totals[badGrade], "the first customer, latest assessed with the bad facts")
			for _, s := range p.ScoreStability {
				if s.Kind == "individual" {
					assert.Equal(t, 2, s.Assessments, "one score per customer")
				}
			}
		})
	}
}
