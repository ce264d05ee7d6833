package credit

import (
	"math"
	"sort"
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

// TestScoreColumnsReasons: the columnar scores equal ScoreColumns's, and each row's reasons
// are the top reasons Assess ranks from the row's points (largest gap first, ties in card
// order), for several n.
func TestScoreColumnsReasons(t *testing.T) {
	for _, name := range BuiltinCards() {
		card, err := BuiltinCard(name)
		require.NoError(t, err)
		m, err := Compile(card)
		require.NoError(t, err)
		base := applicant(t)
		facts := make([]Facts, 300)
		for i := range facts {
			f := base
			f.Bureau.WorstDPD24m = ptr(i % 100)
			f.Bureau.Utilisation = ptr(float64(i%130) / 100)
			f.Income.Monthly = ptr(decimal.NewFromInt(int64(1000 * (i % 30))))
			f.Profile.Age = ptr(18 + i%60)
			if i%7 == 0 {
				f.Capacity.Housing = nil
				f.Bureau.Utilisation = nil
			}
			if i%11 == 0 {
				f.Income.Employment = nil
			}
			facts[i] = f
		}
		cols := m.Columns(facts)
		want := make([]float64, len(facts))
		require.NoError(t, m.ScoreColumns(cols, want))
		for _, n := range []int{1, 3, 4, 40} {
			got := make([]float64, len(facts))
			reasons := make([]string, len(facts)*n)
			require.NoError(t, m.ScoreColumnsReasons(cols, got, reasons, n))
			assert.Equal(t, want, got, "%s n=%d", name, n)
			for i := range facts {
				pts := m.Points(&facts[i], nil)
				type gap struct {
					code string
					gap  float64
				}
				var gaps []gap
				for _, p := range pts {
					if g := p.MaxPoints - p.Points; g > 0 {
						gaps = append(gaps, gap{p.ReasonCode, g})
					}
				}
				sort.SliceStable(gaps, func(a, b int) bool { return gaps[a].gap > gaps[b].gap })
				wantCodes := make([]string, n)
				for k := range min(n, len(gaps)) {
					wantCodes[k] = gaps[k].code
				}
				require.Equal(t, wantCodes, reasons[i*n:i*n+n], "%s row %d n=%d", name, i, n)
			}
		}
		reasons := make([]string, len(facts)*4)
		got := make([]float64, len(facts))
		assert.Zero(t, testing.AllocsPerRun(10, func() { _ = m.ScoreColumnsReasons(cols, got, reasons, 4) }))
		require.ErrorIs(t, m.ScoreColumnsReasons(cols, got, reasons[:3], 4), ErrLength)
		require.ErrorIs(t, m.ScoreColumnsReasons(cols, got, nil, 0), ErrLength)
		var ve *ValidationError
		require.ErrorAs(t, m.ScoreColumnsReasons(Columns{}, got, reasons, 4), &ve)
	}
}
