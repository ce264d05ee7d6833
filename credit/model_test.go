package credit

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ptr[T any](v T) *T { return &v }

func tinyModel(t testing.TB) *Model {
	t.Helper()
	card, err := ParseScorecard([]byte(tinyCard))
	require.NoError(t, err)
	m, err := Compile(card)
	require.NoError(t, err)
	return m
}

func TestModelScoreBins(t *testing.T) {
	m := tinyModel(t)
	tests := []struct {
		name    string
		age     *int
		housing *Housing
		want    float64
	}{
		{"both missing", nil, nil, 5 + 20},
		{"below first edge", ptr(24), ptr(OwnHome), 10 + 40},
		{"left-closed: 25 is in [25, 40)", ptr(25), ptr(Renting), 20 + 25},
		{"39 stays in [25, 40)", ptr(39), ptr(WithFamily), 20 + 25},
		{"left-closed: 40 is in [40, ∞)", ptr(40), ptr(Mortgaged), 30 + 40},
		{"special value 0", ptr(0), nil, 1 + 20},
		{"unknown enum scores as missing", ptr(50), ptr(Housing(99)), 30 + 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Facts{Profile: Profile{Age: tt.age}, Capacity: Capacity{Housing: tt.housing}}
			assert.InDelta(t, tt.want, m.Score(&f), 1e-12)
		})
	}
	assert.InDelta(t, 25.0, m.Score(nil), 1e-12)
}

func TestModelPoints(t *testing.T) {
	m := tinyModel(t)
	f := Facts{Profile: Profile{Age: ptr(30)}}
	got := m.Points(&f, nil)
	require.Len(t, got, 2)
	assert.Equal(t, Points{Variable: "profile.age", Bin: "[25, 40)", Points: 20, MaxPoints: 30, ReasonCode: "AGE"}, got[0])
	assert.Equal(t, Points{Variable: "capacity.housing", Bin: "missing", Points: 20, MaxPoints: 40, ReasonCode: "HOU"}, got[1])
}

func TestCompileRejects(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		wantRule string
	}{
		{"unknown variable", `"profile.age"`, `"profile.shoe_size"`, "variable"},
		{"type does not match", `"profile.age"`, `"profile.marital"`, "type"},
		{"uncovered category", `["rent","family"]`, `["rent"]`, "gap"},
		{"unknown category", `["rent","family"]`, `["rent","family","tent"]`, "enum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			card := &Scorecard{}
			require.NoError(t, decodeStrict([]byte(strings.Replace(tinyCard, tt.old, tt.new, 1)), card))
			_, err := Compile(card)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Contains(t, rules(ve), tt.wantRule)
		})
	}
}

func TestMoneyVariableAndDTI(t *testing.T) {
	card, err := BuiltinCard("individual")
	require.NoError(t, err)
	m, err := Compile(card)
	require.NoError(t, err)
	tests := []struct {
		name   string
		income string
		debt   string
		want   string // bin of capacity.dti
	}{
		{"dti 0.2 is in [0.2, 0.35)", "10000", "2000", "[0.2, 0.35)"},
		{"dti just below 0.2", "10000.00", "1999.99", "(-∞, 0.2)"},
		{"zero income is missing", "0", "100", "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Facts{Income: Income{Monthly: ptr(decimal.RequireFromString(tt.income))},
				Capacity: Capacity{MonthlyDebtPayments: ptr(decimal.RequireFromString(tt.debt))}}
			for _, p := range m.Points(&f, nil) {
				if p.Variable == "capacity.dti" {
					assert.Equal(t, tt.want, p.Bin)
				}
			}
		})
	}
}

func TestDecFloat(t *testing.T) {
	tests := []struct {
		give string
		want float64
	}{
		{"0", 0}, {"18000", 18000}, {"1999.99", 1999.99}, {"-3.5", -3.5}, {"1e3", 1000},
		{"12345678901234567890.5", 12345678901234567890.5},
	}
	for _, tt := range tests {
		assert.InDelta(t, tt.want, decFloat(decimal.RequireFromString(tt.give)), 1e-9*max(1, tt.want), tt.give)
	}
}

func TestScoreDoesNotAllocate(t *testing.T) {
	card, err := BuiltinCard("individual")
	require.NoError(t, err)
	m, err := Compile(card)
	require.NoError(t, err)
	f, err := DecodeFacts(readFile(t, "testdata/applicant.json"))
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(100, func() { _ = m.Score(&f) })
	assert.Zero(t, allocs)
}

func TestScoreBatch(t *testing.T) {
	m := tinyModel(t)
	facts := make([]Facts, 101)
	for i := range facts {
		facts[i].Profile.Age = ptr(i)
	}
	want := make([]float64, len(facts))
	for i := range facts {
		want[i] = m.Score(&facts[i])
	}
	got := make([]float64, len(facts))
	require.NoError(t, m.ScoreBatch(facts, got))
	assert.Equal(t, want, got)
	par := make([]float64, len(facts))
	require.NoError(t, m.ScoreBatchParallel(facts, par, 3))
	assert.Equal(t, want, par)
	require.ErrorIs(t, m.ScoreBatch(facts, got[:3]), ErrLength)
	require.ErrorIs(t, m.ScoreBatchParallel(facts, got[:3], 0), ErrLength)
	require.NoError(t, m.ScoreBatchParallel(nil, nil, 0))
}
