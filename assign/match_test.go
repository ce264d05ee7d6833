package assign

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEvaluateRanksEligibleOfficers(t *testing.T) {
	m := newTestMatcher(t, team(), Config{})
	d, err := m.Evaluate(retail("a1"))
	require.NoError(t, err)
	require.Len(t, d.Candidates, 2)
	assert.Equal(t, "o1", d.Officer)
	assert.Equal(t, []string{"o1", "o2"}, []string{d.Candidates[0].Officer, d.Candidates[1].Officer})
	// o1: 0.35·70 + 0.2·90 (junior for a small case) + 0.15·70 + 0.1·100
	assert.InDelta(t, 63.0, d.Candidates[0].Score, 1e-9)
	assert.InDelta(t, 53.25, d.Candidates[1].Score, 1e-9)
	for _, c := range d.Candidates {
		b := c.Breakdown
		assert.InDelta(t, c.Score, b.Rating.Points+b.SeniorityFit.Points+b.Continuity.Points+b.LoadBalance.Points+b.Region.Points, 1e-9)
	}
	assert.Equal(t, "1 does not cover region pudong, 2 do not serve individual customers, 1 is at capacity, 1 is on leave", d.Summary())
	assert.Contains(t, d.Reasons, "covers region pudong")
}

func TestEvaluateHardRules(t *testing.T) {
	tests := []struct {
		name     string
		give     func(c *Case)
		wantErr  bool
		wantPick string
		want     []Rule
	}{
		{"retail", func(c *Case) {}, false, "o1", []Rule{RuleRegion, RuleCustomerKind, RuleCapacity, RuleAvailability}},
		{"above authority of o1", func(c *Case) { c.Amount = amount("1000000.01") }, false, "o2", []Rule{RuleRegion, RuleCustomerKind, RuleAuthority, RuleCapacity, RuleAvailability}},
		{"long term needs 3 years", func(c *Case) { c.TermMonths = 60 }, false, "o2", []Rule{RuleRegion, RuleCustomerKind, RuleSeniority, RuleCapacity, RuleAvailability}},
		{"conflict of interest", func(c *Case) { c.CustomerID = "linked" }, false, "o1", []Rule{RuleRegion, RuleCustomerKind, RuleCapacity, RuleAvailability, RuleConflict}},
		{"equity pledge in huangpu", func(c *Case) {
			c.Kind, c.Product, c.Region = Enterprise, EquityPledge, "huangpu"
		}, true, "", []Rule{RuleRegion, RuleCustomerKind, RuleSkill, RuleCapacity, RuleAvailability}},
		{"equity pledge in pudong: specialist on leave", func(c *Case) {
			c.Kind, c.Product = Enterprise, EquityPledge
		}, true, "", []Rule{RuleRegion, RuleCustomerKind, RuleSkill, RuleCapacity, RuleAvailability}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			officers := team()
			officers[1].Linked = []string{"linked"}
			m := newTestMatcher(t, officers, Config{})
			c := retail("a")
			tt.give(&c)
			d, err := m.Evaluate(c)
			var rules []Rule
			for _, e := range d.Excluded {
				rules = append(rules, e.Rule)
			}
			assert.Equal(t, tt.want, rules)
			assert.Equal(t, tt.wantPick, d.Officer)
			if tt.wantErr {
				require.ErrorIs(t, err, ErrNoEligibleOfficer)
				var ne *NoEligibleError
				require.ErrorAs(t, err, &ne)
				assert.Equal(t, d.Excluded, ne.Excluded)
				return
			}
			require.NoError(t, err)
		})
	}
}

func TestNoEligibleSummary(t *testing.T) {
	m := newTestMatcher(t, team(), Config{})
	c := retail("a")
	c.Kind, c.Product, c.Region = Enterprise, EquityPledge, "huangpu"
	d, err := m.Evaluate(c)
	require.ErrorIs(t, err, ErrNoEligibleOfficer)
	assert.Equal(t, "2 do not cover region huangpu, 1 does not serve enterprise customers, 2 lack the equity_pledge skill, 1 is at capacity, 1 is on leave", d.Summary())
}

func TestNeighbouringRegion(t *testing.T) {
	rules := DefaultRules()
	rules.AllowNeighbours = true
	rules.Neighbours = map[string][]string{"xuhui": {"huangpu"}}
	m, err := NewMatcher(team(), rules, Config{Now: fixedNow})
	require.NoError(t, err)
	c := retail("a")
	c.Region = "xuhui"
	d, err := m.Evaluate(c)
	require.NoError(t, err)
	require.Len(t, d.Candidates, 1)
	assert.Equal(t, "o2", d.Officer)
	assert.InDelta(t, 50.0, d.Candidates[0].Breakdown.Region.Value, 1e-9)
	assert.Contains(t, d.Reasons, "covers a region neighbouring xuhui")
}

func TestAssignStrategies(t *testing.T) {
	tests := []struct {
		name string
		give Strategy
		want []string
	}{
		{"best score keeps the best while loads allow", BestScore, []string{"o1", "o1", "o1"}},
		{"least loaded", LeastLoaded, []string{"o1", "o1", "o1"}},
		{"round robin", RoundRobin, []string{"o1", "o2", "o1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestMatcher(t, team(), Config{Strategy: tt.give})
			var got []string
			for _, id := range []string{"a1", "a2", "a3"} {
				d, err := m.Assign(retail(id))
				require.NoError(t, err)
				got = append(got, d.Officer)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestAssignRaisesLoadUntilCapacity(t *testing.T) {
	officers := []Officer{{ID: "x", Regions: []string{"pudong"}, Kinds: []CustomerKind{Individual},
		Authority: amount("1e7"), Capacity: 2, Rating: Rating{Overall: 50}}}
	m := newTestMatcher(t, officers, Config{})
	for range 2 {
		_, err := m.Assign(retail("a"))
		require.NoError(t, err)
	}
	d, err := m.Assign(retail("a"))
	require.ErrorIs(t, err, ErrNoEligibleOfficer)
	assert.Equal(t, "1 is at capacity", d.Summary())
	assert.Equal(t, 2, m.Officers()[0].Load)
}

func TestTiesBreakByLoadThenID(t *testing.T) {
	base := Officer{Regions: []string{"pudong"}, Kinds: []CustomerKind{Individual}, Authority: amount("1e7"),
		Capacity: 0, Rating: Rating{Overall: 50}}
	a, b, c := base, base, base
	a.ID, b.ID, c.ID = "b", "a", "c"
	// equal load shares of zero free capacity would give equal scores; use capacity so that the
	// load-balance component ties while loads differ
	a.Capacity, a.Load = 10, 5
	b.Capacity, b.Load = 10, 5
	c.Capacity, c.Load = 4, 2
	rules := DefaultRules()
	m, err := NewMatcher([]Officer{a, b, c}, rules, Config{Now: fixedNow})
	require.NoError(t, err)
	d, err := m.Evaluate(retail("t"))
	require.NoError(t, err)
	assert.Equal(t, []string{"c", "a", "b"}, []string{d.Candidates[0].Officer, d.Candidates[1].Officer, d.Candidates[2].Officer})
}

func TestContinuityPrefersExistingOfficer(t *testing.T) {
	m := newTestMatcher(t, team(), Config{})
	c := retail("a")
	c.Officer = "o1"
	d, err := m.Evaluate(c)
	require.NoError(t, err)
	assert.Equal(t, "o1", d.Officer)
	assert.Contains(t, d.Reasons, "existing relationship officer")
}

func TestCheckExplainsOneOfficer(t *testing.T) {
	m := newTestMatcher(t, team(), Config{})
	got, err := m.Check(retail("a"), "o3")
	require.NoError(t, err)
	assert.False(t, got.Eligible)
	assert.Equal(t, []Rule{RuleRegion, RuleCustomerKind, RuleCapacity}, got.Failed)
	_, err = m.Check(retail("a"), "nobody")
	require.ErrorIs(t, err, ErrUnknownOfficer)
}

func TestNewMatcherBadInput(t *testing.T) {
	tests := []struct {
		name      string
		give      func(os []Officer, r *Rules)
		wantPaths []string
	}{
		{"negative capacity", func(os []Officer, r *Rules) { os[0].Capacity = -1 }, []string{"officers[0].capacity"}},
		{"duplicate IDs", func(os []Officer, r *Rules) { os[2].ID = "o1" }, []string{"officers[2].id"}},
		{"NaN soft weight", func(os []Officer, r *Rules) { r.Soft.Rating = nanValue() }, []string{"rules.soft.rating"}},
		{"unknown product in a rule", func(os []Officer, r *Rules) { r.SkilledProducts = []Product{99} }, []string{"rules.skilled_products[0]"}},
		{"many at once", func(os []Officer, r *Rules) {
			os[0].Load, os[1].Authority, os[3].Kinds = -2, amount("-1"), []CustomerKind{0}
		}, []string{"officers[0].load", "officers[1].authority", "officers[3].kinds[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os, r := team(), DefaultRules()
			tt.give(os, &r)
			_, err := NewMatcher(os, r, Config{})
			require.ErrorIs(t, err, ErrInvalid)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			var paths []string
			for _, p := range ve.Problems {
				paths = append(paths, p.Path)
			}
			assert.Equal(t, tt.wantPaths, paths)
		})
	}
}

func TestEvaluateRejectsBadCase(t *testing.T) {
	m := newTestMatcher(t, team(), Config{})
	_, err := m.Evaluate(Case{Amount: amount("-1")})
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Len(t, ve.Problems, 4)
}
