package assign

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRate(t *testing.T) {
	r, err := NewRater(RatingConfig{})
	require.NoError(t, err)
	tests := []struct {
		name string
		give Performance
		want Rating
	}{
		{"no history is neutral", Performance{}, Rating{Experience: 0, CreditAbility: 50, Efficiency: 50, Satisfaction: 50, Results: 50, Overall: 42.5}},
		{"veteran", Performance{YearsOfService: 20, CasesHandled: 800, Recommendations: 100, Upheld: 90,
			DecisionDays: []float64{2, 3, 1}, Surveys: []float64{5, 5, 4},
			Loans: 180, BadLoans: 0, BranchLoans: 2000, BranchBadLoans: 40},
			// results: raw 100 shrunk by 180/200 → 95
			Rating{Experience: 100, CreditAbility: 90, Efficiency: 100, Satisfaction: 100 * (14.0/3 - 1) / 4, Results: 95,
				Overall: 0.15*100 + 0.25*90 + 0.15*100 + 0.15*(100*(14.0/3-1)/4) + 0.30*95}},
		{"slow, twice the branch's bad rate", Performance{YearsOfService: 7.5, CasesHandled: 250,
			DecisionDays: []float64{16.5, 10, 30, 23}, Loans: 20, BadLoans: 2, BranchLoans: 100, BranchBadLoans: 5},
			// efficiency: median 19.75 → 100·(30−19.75)/27; results: raw 0, credibility 1/2 → 25
			Rating{Experience: 50, CreditAbility: 50, Efficiency: 100 * (30 - 19.75) / 27, Satisfaction: 50, Results: 25,
				Overall: 0.15*50 + 0.25*50 + 0.15*(100*(30-19.75)/27) + 0.15*50 + 0.30*25}},
		{"branch without bad loans", Performance{Loans: 20, BadLoans: 1, BranchLoans: 50},
			Rating{Experience: 0, CreditAbility: 50, Efficiency: 50, Satisfaction: 50, Results: 25, Overall: 0.25*50 + 0.15*50 + 0.15*50 + 0.3*25}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Rate(tt.give)
			require.NoError(t, err)
			assert.InDelta(t, tt.want.Experience, got.Experience, 1e-9)
			assert.InDelta(t, tt.want.CreditAbility, got.CreditAbility, 1e-9)
			assert.InDelta(t, tt.want.Efficiency, got.Efficiency, 1e-9)
			assert.InDelta(t, tt.want.Satisfaction, got.Satisfaction, 1e-9)
			assert.InDelta(t, tt.want.Results, got.Results, 1e-9)
			assert.InDelta(t, tt.want.Overall, got.Overall, 1e-9)
		})
	}
}

func TestRateBadInput(t *testing.T) {
	r, err := NewRater(RatingConfig{})
	require.NoError(t, err)
	_, err = r.Rate(Performance{YearsOfService: nanValue(), CasesHandled: -1, Recommendations: 1, Upheld: 2,
		Surveys: []float64{6}, DecisionDays: []float64{-1}, Loans: 1, BadLoans: 2})
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	var paths []string
	for _, p := range ve.Problems {
		paths = append(paths, p.Path)
	}
	assert.Equal(t, []string{"years_of_service", "cases_handled", "upheld", "bad_loans", "decision_days[0]", "surveys[0]"}, paths)
}

func TestNewRaterBadWeights(t *testing.T) {
	tests := []struct {
		name string
		give RatingConfig
		want []string
	}{
		{"NaN weight", RatingConfig{Weights: Weights{Experience: nanValue(), Results: 1}}, []string{"weights.experience"}},
		{"negative weight", RatingConfig{Weights: Weights{Results: -1, Efficiency: 1}}, []string{"weights.results"}},
		{"zero sum after bad", RatingConfig{Weights: Weights{Results: -1}}, []string{"weights.results", "weights"}},
		{"max below target", RatingConfig{TargetDays: 10, MaxDays: 5}, []string{"max_days"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewRater(tt.give)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			var paths []string
			for _, p := range ve.Problems {
				paths = append(paths, p.Path)
			}
			assert.Equal(t, tt.want, paths)
		})
	}
}
