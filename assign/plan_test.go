package assign

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func retailTeam(caps ...int) []Officer {
	var os []Officer
	for k, c := range caps {
		os = append(os, Officer{ID: fmt.Sprintf("r%d", k), Branch: "b", Regions: []string{"pudong"},
			Kinds: []CustomerKind{Individual}, Authority: amount("1e7"), SeniorityYears: 3 * k, Capacity: c,
			Rating: Rating{Overall: float64(50 + 10*k)}})
	}
	return os
}

func TestPlanPrefersPriorityWhenCapacityIsShort(t *testing.T) {
	m := newTestMatcher(t, retailTeam(1), Config{})
	a, b := retail("normal"), retail("urgent")
	b.Priority = true
	p, err := m.Plan([]Case{a, b}, PlanOptions{})
	require.NoError(t, err)
	require.Len(t, p.Assignments, 1)
	assert.Equal(t, "urgent", p.Assignments[0].Case)
	require.Len(t, p.Unassigned, 1)
	assert.Equal(t, "normal", p.Unassigned[0].Case)
	assert.Equal(t, "all 1 eligible officers are full with cases of higher priority or better fit", p.Unassigned[0].Reason)
	assert.Equal(t, map[string]int{"r0": 1}, p.Loads)
	// the plan itself leaves the matcher's loads alone until committed
	assert.Equal(t, 0, m.Officers()[0].Load)
	require.NoError(t, m.Commit(p))
	assert.Equal(t, 1, m.Officers()[0].Load)
}

func TestPlanListsUnassignableCasesWithReasons(t *testing.T) {
	m := newTestMatcher(t, retailTeam(5), Config{})
	c := retail("pledge")
	c.Product, c.Kind = EquityPledge, Enterprise
	p, err := m.Plan([]Case{retail("ok"), c}, PlanOptions{})
	require.NoError(t, err)
	require.Len(t, p.Unassigned, 1)
	assert.Equal(t, "no eligible officer: 1 does not serve enterprise customers, 1 lacks the equity_pledge skill", p.Unassigned[0].Reason)
	require.Len(t, p.Unassigned[0].Excluded, 2)
}

func TestPlanIsOptimalNotGreedy(t *testing.T) {
	// Greedy by case order gives the first case the best officer; the optimum gives it the
	// other one because the second case can only go to the best.
	os := retailTeam(1, 1)
	os[0].Regions = []string{"pudong", "huangpu"}
	m := newTestMatcher(t, os, Config{})
	a, b := retail("a"), retail("b")
	b.Region = "huangpu"
	p, err := m.Plan([]Case{a, b}, PlanOptions{})
	require.NoError(t, err)
	require.Len(t, p.Assignments, 2)
	assert.Equal(t, "r1", p.Assignments[0].Officer)
	assert.Equal(t, "r0", p.Assignments[1].Officer)
}

func TestPlanMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for trial := range 150 {
		nOff, nCase := 1+r.IntN(3), 1+r.IntN(5)
		var os []Officer
		for j := range nOff {
			o := Officer{ID: fmt.Sprintf("o%d", j), Kinds: []CustomerKind{Individual}, Authority: amount("1e7"),
				SeniorityYears: r.IntN(12), Capacity: r.IntN(3), Rating: Rating{Overall: float64(r.IntN(101))}}
			for _, reg := range []string{"a", "b", "c"} {
				if r.IntN(2) == 0 {
					o.Regions = append(o.Regions, reg)
				}
			}
			os = append(os, o)
		}
		m := newTestMatcher(t, os, Config{})
		var cases []Case
		for k := range nCase {
			c := retail(fmt.Sprintf("c%d", k))
			c.Region = []string{"a", "b", "c"}[r.IntN(3)]
			c.TermMonths = r.IntN(200)
			c.Priority = r.IntN(3) == 0
			cases = append(cases, c)
		}
		p, err := m.Plan(cases, PlanOptions{})
		require.NoError(t, err)
		got := objective(p, cases)
		want := bruteForcePlan(t, m, cases)
		require.InDelta(t, want, got, 0.01, "trial %d", trial) // scores are planned in thousandths
	}
}

// objective values a plan lexicographically: 10⁶ per priority case, 10⁴ per case, plus
// the total score (≤ 500 here).
func objective(p Plan, cases []Case) float64 {
	prio := map[string]bool{}
	for _, c := range cases {
		prio[c.ApplicationID] = c.Priority
	}
	v := 0.0
	for _, a := range p.Assignments {
		v += 1e4 + a.Candidate.Score
		if prio[a.Case] {
			v += 1e6
		}
	}
	return v
}

func bruteForcePlan(t *testing.T, m *Matcher, cases []Case) float64 {
	os := m.Officers()
	scores := make([]map[int]float64, len(cases))
	for k, c := range cases {
		scores[k] = map[int]float64{}
		for j := range os {
			ch, err := m.Check(c, os[j].ID)
			require.NoError(t, err)
			failed := false
			for _, r := range ch.Failed {
				failed = failed || r != RuleCapacity
			}
			if !failed {
				scores[k][j] = ch.Candidate.Score
			}
		}
	}
	left := make([]int, len(os))
	for j := range os {
		left[j] = os[j].Capacity - os[j].Load
	}
	best := math.Inf(-1)
	var rec func(k int, v float64)
	rec = func(k int, v float64) {
		if k == len(cases) {
			best = math.Max(best, v)
			return
		}
		rec(k+1, v)
		for j, s := range scores[k] {
			if left[j] > 0 {
				left[j]--
				bonus := 1e4
				if cases[k].Priority {
					bonus += 1e6
				}
				rec(k+1, v+bonus+math.Round(s*1000)/1000)
				left[j]++
			}
		}
	}
	rec(0, 0)
	return best
}

func TestPlanLoadSpread(t *testing.T) {
	os := retailTeam(10, 10)
	os[1].Rating.Overall = 100 // everyone prefers r1
	m := newTestMatcher(t, os, Config{})
	var cases []Case
	for k := range 6 {
		cases = append(cases, retail(fmt.Sprintf("c%d", k)))
	}
	p, err := m.Plan(cases, PlanOptions{})
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"r0": 0, "r1": 6}, p.Loads)
	p, err = m.Plan(cases, PlanOptions{MaxLoadSpread: 1})
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"r0": 2, "r1": 4}, p.Loads)
}

func TestPlanBadInput(t *testing.T) {
	m := newTestMatcher(t, retailTeam(1), Config{})
	_, err := m.Plan([]Case{retail("a"), retail("a"), {ApplicationID: "b"}}, PlanOptions{MaxLoadSpread: -1})
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	var paths []string
	for _, p := range ve.Problems {
		paths = append(paths, p.Path)
	}
	assert.Equal(t, []string{"cases[1].application_id", "cases[2].kind", "cases[2].product", "options.max_load_spread"}, paths)
}

func TestReassignPrefersSameBranch(t *testing.T) {
	os := retailTeam(10, 10, 10)
	os[0].Branch, os[1].Branch, os[2].Branch = "east", "west", "east"
	os[1].Rating.Overall = 70 // r1 a little better than r2 (70) on rating but in another branch
	os[2].SeniorityYears = os[1].SeniorityYears
	os[2].Rating.Overall = 66
	m := newTestMatcher(t, os, Config{})
	cases := []Case{retail("a"), retail("b")}
	for k := range cases {
		cases[k].Officer = "r0"
	}
	p, err := m.Reassign("r0", cases, ReassignOptions{})
	require.NoError(t, err)
	for _, a := range p.Assignments {
		assert.Equal(t, "r2", a.Officer)
	}
	p, err = m.Reassign("r0", cases, ReassignOptions{SameBranchBonus: -1})
	require.NoError(t, err)
	for _, a := range p.Assignments {
		assert.Equal(t, "r1", a.Officer)
	}
	_, err = m.Reassign("nobody", cases, ReassignOptions{})
	require.ErrorIs(t, err, ErrUnknownOfficer)
	_, err = m.Reassign("r0", cases, ReassignOptions{SameBranchBonus: 500})
	require.ErrorIs(t, err, ErrInvalid)
}

func TestReassignWithNobodyLeft(t *testing.T) {
	m := newTestMatcher(t, retailTeam(10), Config{})
	p, err := m.Reassign("r0", []Case{retail("a")}, ReassignOptions{})
	require.NoError(t, err)
	require.Len(t, p.Unassigned, 1)
	assert.Equal(t, "no eligible officer: 1 is the officer leaving (r0)", p.Unassigned[0].Reason)
}

// TestReassignPlanMarshals checks that a reassignment leaving a case without an eligible
// officer still encodes as JSON: the entry counting the leaver has no rule.
func TestReassignPlanMarshals(t *testing.T) {
	officers := []Officer{
		{ID: "O-1", Name: "Li", Branch: "B1", Regions: []string{"r1"}, Kinds: []CustomerKind{Individual},
			Authority: amount("1000000"), SeniorityYears: 5, Capacity: 10},
	}
	m, err := NewMatcher(officers, DefaultRules(), Config{})
	require.NoError(t, err)
	plan, err := m.Reassign("O-1", []Case{{ApplicationID: "A-1", Region: "r1", Kind: Individual,
		Amount: amount("1000"), TermMonths: 12, Product: Consumer}}, ReassignOptions{})
	require.NoError(t, err)
	b, err := json.Marshal(plan)
	require.NoError(t, err)
	assert.Contains(t, string(b), "is the officer leaving (O-1)")
}
