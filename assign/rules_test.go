package assign

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRulesRoundTrip(t *testing.T) {
	want := DefaultRules()
	want.Hard = []Rule{RuleRegion, RuleSkill}
	want.AllowNeighbours = true
	want.Neighbours = map[string][]string{"pudong": {"huangpu"}}
	data, err := json.Marshal(want)
	require.NoError(t, err)
	got, err := ParseRules(data)
	require.NoError(t, err)
	assert.Equal(t, want.Hard, got.Hard)
	assert.Equal(t, want.SkilledProducts, got.SkilledProducts)
	assert.Equal(t, want.Soft, got.Soft)
	assert.True(t, want.LargeAmount.Equal(got.LargeAmount))
	require.Len(t, got.Seniority, 2)
	assert.True(t, want.Seniority[0].MinAmount.Equal(got.Seniority[0].MinAmount))
	assert.Equal(t, want.Neighbours, got.Neighbours)
}

func TestParseRulesReportsEveryProblem(t *testing.T) {
	tests := []struct {
		name string
		give string
		want []string // paths
	}{
		{"unknown product and rule", `{"hard":["region","telepathy"],"skilled_products":["equity_pledge","crypto"],
			"soft":{"rating":1},"neighbour_score":50,"large_amount":"1000","long_term_months":60,"senior_years":5}`,
			[]string{"hard[1]", "skilled_products[1]"}},
		{"negative thresholds", `{"seniority":[{"min_amount":"-5","min_years":-1}],
			"soft":{"rating":1},"neighbour_score":50,"large_amount":"1000","long_term_months":60,"senior_years":5}`,
			[]string{"seniority[0].min_amount", "seniority[0].min_years", "seniority[0]"}},
		{"bad weights and scales", `{"soft":{"rating":-1},"neighbour_score":150,"large_amount":"0"}`,
			[]string{"soft.rating", "soft", "neighbour_score", "large_amount", "long_term_months", "senior_years"}},
		{"unknown field", `{"softness":{}}`, []string{"softness"}},
		{"wrong type", `{"long_term_months":"sixty"}`, []string{"long_term_months"}},
		{"malformed", `{"hard":[`, []string{""}},
		{"trailing data", `{} {}`, []string{""}},
		{"empty", ``, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRules([]byte(tt.give))
			require.ErrorIs(t, err, ErrInvalid)
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

func TestEnumsText(t *testing.T) {
	for _, p := range []Product{Consumer, Mortgage, WorkingCapital, EquityPledge, AssetAllocation} {
		b, err := p.MarshalText()
		require.NoError(t, err)
		var back Product
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, p, back)
	}
	for _, r := range AllRules() {
		b, err := r.MarshalText()
		require.NoError(t, err)
		var back Rule
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, r, back)
	}
	_, err := Product(0).MarshalText()
	require.ErrorIs(t, err, ErrInvalid)
	var k CustomerKind
	require.ErrorIs(t, k.UnmarshalText([]byte("alien")), ErrInvalid)
	require.NoError(t, k.UnmarshalText([]byte("enterprise")))
	assert.Equal(t, Enterprise, k)
	var s Strategy
	require.NoError(t, s.UnmarshalText([]byte("round_robin")))
	assert.Equal(t, "round_robin", s.String())
	assert.Equal(t, "Strategy(9)", Strategy(9).String())
}

func FuzzParseRules(f *testing.F) {
	good, err := json.Marshal(DefaultRules())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"hard":["region","capacity"],"skilled_products":["equity_pledge"],"soft":{"rating":1}}`))
	f.Add([]byte(`{"seniority":[{"min_amount":"1e400","min_term_months":-1}]}`))
	f.Add([]byte(`{"neighbours":{"":[""]}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRules(data)
		if err != nil {
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			require.NotEmpty(t, ve.Problems)
			return
		}
		require.NoError(t, r.Validate())
		// what loads must build a matcher and survive a round trip
		_, err = NewMatcher(nil, r, Config{})
		require.NoError(t, err)
		out, err := json.Marshal(r)
		require.NoError(t, err)
		_, err = ParseRules(out)
		require.NoError(t, err)
	})
}
