package credit

import (
	"math"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScoreColumnsMatchesScore(t *testing.T) {
	card, err := BuiltinCard("individual")
	require.NoError(t, err)
	m, err := Compile(card)
	require.NoError(t, err)
	base := applicant(t)
	facts := make([]Facts, 257)
	for i := range facts {
		f := base
		f.Bureau.WorstDPD24m = ptr(i % 100)
		f.Income.Monthly = ptr(decimal.NewFromInt(int64(1000 * (i % 30))))
		if i%7 == 0 {
			f.Capacity.Housing = nil
			f.Bureau.Utilisation = nil
		}
		facts[i] = f
	}
	want := make([]float64, len(facts))
	require.NoError(t, m.ScoreBatch(facts, want))
	cols := m.Columns(facts)
	assert.True(t, math.IsNaN(cols.Numeric["bureau.utilisation"][0]))
	got := make([]float64, len(facts))
	require.NoError(t, m.ScoreColumns(cols, got))
	assert.Equal(t, want, got)
	par := make([]float64, len(facts))
	require.NoError(t, m.ScoreColumnsParallel(cols, par, 4))
	assert.Equal(t, want, par)
	assert.Zero(t, testing.AllocsPerRun(10, func() { _ = m.ScoreColumns(cols, got) }))
}

func TestScoreColumnsRejects(t *testing.T) {
	m := tinyModel(t)
	cols := Columns{Numeric: map[string][]float64{"profile.age": {1, 2}}}
	err := m.ScoreColumns(cols, make([]float64, 3))
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, []string{"length", "required"}, rules(ve))
	require.Error(t, m.ScoreColumnsParallel(cols, make([]float64, 3), 0))
}
