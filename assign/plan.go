package assign

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// PlanOptions tune a batch plan. The zero value plans with plain capacities.
type PlanOptions struct {
	// MaxLoadSpread, when positive, caps every officer's load after the plan at
	// ceil(average load after the plan over the available officers) + MaxLoadSpread, on top of
	// their capacity, to keep the team's loads close together.
	MaxLoadSpread int
}

// Assignment places one case with one officer, with the soft score that placement earned.
type Assignment struct {
	Case      string    `json:"case"`
	Officer   string    `json:"officer"`
	Candidate Candidate `json:"candidate"`
}

// Unassigned is a case a plan could not place, with why.
type Unassigned struct {
	Case     string      `json:"case"`
	Reason   string      `json:"reason"`
	Excluded []RuleCount `json:"excluded,omitempty"` // per rule, when nobody was eligible
}

// Plan is the outcome of a batch: the placements in the order the cases were given, the
// cases left out, the total soft score and the officers' loads after the plan.
type Plan struct {
	Assignments []Assignment   `json:"assignments"`
	Unassigned  []Unassigned   `json:"unassigned"`
	TotalScore  float64        `json:"total_score"`
	Loads       map[string]int `json:"loads"`
}

// Plan places a batch of cases optimally under the hard rules and the officers' free
// capacity (capacity − load), without changing the Matcher's loads.
//
// The objective is lexicographic: first serve as many priority cases as possible, then as
// many cases as possible, then maximise the total soft score. It is solved exactly as one
// integer min-cost flow — case → eligible officer arcs costing −(score in thousandths of a
// point + B + B·priority) with B = n·(best arc score) + 1 large enough that no score gain can
// outweigh one more (priority) case — by successive shortest paths with officer nodes and
// capacities (see the solver notes in flow.go). Scores are those Evaluate shows, with the
// loads before the plan. Errors: *ValidationError (ErrInvalid) listing every bad or duplicate
// case; ErrInvalid for options out of range.
func (m *Matcher) Plan(cases []Case, opts PlanOptions) (Plan, error) {
	return m.plan(cases, opts, -1, "", 0, "")
}

// ReassignOptions tune Reassign. The zero value gives a same-branch bonus of 10 points.
type ReassignOptions struct {
	// SameBranchBonus is added to the soft score (0–100) of officers in the leaver's branch;
	// 0 means the default 10, a negative value means no bonus.
	SameBranchBonus float64
	PlanOptions
}

// Reassign redistributes the open cases of officer leaverID, who leaves or goes on leave,
// under the same rules as Plan, among every other officer, preferring officers of the
// leaver's branch by ReassignOptions.SameBranchBonus. It does not change loads; record the
// result with History.Record. Errors: ErrUnknownOfficer, and those of Plan.
func (m *Matcher) Reassign(leaverID string, cases []Case, opts ReassignOptions) (Plan, error) {
	i, ok := m.index[leaverID]
	if !ok {
		return Plan{}, fmt.Errorf("%w: %q", ErrUnknownOfficer, leaverID)
	}
	bonus := opts.SameBranchBonus
	switch {
	case bonus == 0:
		bonus = 10
	case bonus < 0:
		bonus = 0
	case math.IsNaN(bonus) || math.IsInf(bonus, 0) || bonus > 100:
		return Plan{}, fmt.Errorf("%w: same-branch bonus %v out of range", ErrInvalid, opts.SameBranchBonus)
	}
	return m.plan(cases, opts.PlanOptions, i, m.officers[i].Branch, bonus, leaverID)
}

func (m *Matcher) plan(cases []Case, opts PlanOptions, exclude int, branch string, bonus float64, leaver string) (Plan, error) {
	var ps problems
	seen := make(map[string]int, len(cases))
	for k := range cases {
		if !cases[k].valid() {
			cases[k].validate(&ps, fmt.Sprintf("cases[%d]", k))
		}
		if j, dup := seen[cases[k].ApplicationID]; dup && cases[k].ApplicationID != "" {
			ps.add(fmt.Sprintf("cases[%d].application_id", k), "unique", "application %q repeats cases[%d]", cases[k].ApplicationID, j)
		}
		seen[cases[k].ApplicationID] = k
	}
	if opts.MaxLoadSpread < 0 {
		ps.add("options.max_load_spread", "non_negative", "must not be negative, got %d", opts.MaxLoadSpread)
	}
	if err := ps.err(); err != nil {
		return Plan{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	nOff := len(m.officers)
	date := m.now()
	// Free capacity per officer, with the optional spread cap.
	capLeft := make([]int, nOff)
	available, total := 0, 0
	for j := range m.officers {
		if j == exclude || (m.enforced[RuleAvailability] && m.officers[j].OnLeave(date)) {
			continue
		}
		available++
		total += m.load[j]
	}
	ceiling := math.MaxInt
	if opts.MaxLoadSpread > 0 && available > 0 {
		ceiling = (total+len(cases)+available-1)/available + opts.MaxLoadSpread
	}
	for j := range m.officers {
		c := math.MaxInt
		if m.enforced[RuleCapacity] {
			c = m.officers[j].Capacity - m.load[j]
		}
		c = min(c, ceiling-m.load[j], len(cases))
		capLeft[j] = max(c, 0)
	}
	// Arcs: each case to its eligible officers (capacity left to the flow).
	start := make([]int, len(cases)+1)
	to := make([]int32, 0, 16*len(cases))
	cost := make([]int64, 0, 16*len(cases)) // the score in thousandths of a point for now
	noneEligible := map[int][]RuleCount{}
	var best int64 // the best score in thousandths (rounding keeps the order of scores)
	// eligible is scratch that failures (below, for cases nobody can take) overwrites too;
	// eligibleSet fills it afresh for every case.
	onLeave, eligible := m.scratch.onLeave, m.scratch.eligible
	if m.enforced[RuleAvailability] {
		f := caseFacts{date: date}
		m.leaveSet(&f, onLeave)
	}
	for k := range cases {
		c := &cases[k]
		f := m.facts(c, date)
		m.eligibleSet(c, &f, onLeave, eligible)
		if exclude >= 0 {
			eligible[exclude>>6] &^= 1 << (exclude & 63)
		}
		for w, word := range eligible {
			for word != 0 {
				j := w<<6 + bits.TrailingZeros64(word)
				word &= word - 1
				s := m.score(c, &f, j, m.load[j]).Score
				if branch != "" && m.officers[j].Branch == branch {
					s += bonus
				}
				ms := int64(math.Round(s * 1000))
				best = max(best, ms)
				to = append(to, int32(j))
				cost = append(cost, ms)
			}
		}
		start[k+1] = len(to)
		if start[k+1] == start[k] {
			_, full := m.failures(c, &f, true)
			ex := m.excluded(full, c)
			if exclude >= 0 {
				ex = append(ex, RuleCount{Officers: 1, Message: "1 is the officer leaving (" + leaver + ")"})
			}
			noneEligible[k] = ex
		}
	}
	milli := best + 1
	if milli > math.MaxInt64/4/int64(len(cases)+1)/2 {
		return Plan{}, fmt.Errorf("%w: batch of %d cases too large to plan exactly", ErrInvalid, len(cases))
	}
	big := milli*int64(len(cases)) + 1
	unCost := make([]int64, len(cases))
	for k := range cases {
		bonusK := big
		if cases[k].Priority {
			bonusK += big
		}
		for a := start[k]; a < start[k+1]; a++ {
			cost[a] = -(cost[a] + bonusK)
		}
	}
	t, err := newTransport(len(cases), nOff, start, to, cost, unCost, capLeft)
	if err != nil {
		return Plan{}, err
	}
	// Any order gives the optimum; placing priority cases and then the cases with the best
	// arcs first settles prices early and shortens later searches.
	order := make([]int, len(cases))
	top := make([]int64, len(cases))
	for k := range cases {
		order[k] = k
		for a := start[k]; a < start[k+1]; a++ {
			top[k] = max(top[k], -cost[a])
		}
	}
	slices.SortFunc(order, func(x, y int) int { return cmp.Or(cmp.Compare(top[y], top[x]), cmp.Compare(x, y)) })
	for _, k := range order {
		t.place(k)
	}
	p := Plan{Loads: make(map[string]int, nOff)}
	for j := range m.officers {
		if j != exclude {
			p.Loads[m.officers[j].ID] = m.load[j] + len(t.members[j])
		}
	}
	for k := range cases {
		c := &cases[k]
		if a := t.at[k]; a >= 0 {
			f := m.facts(c, date)
			j := int(to[a])
			cd := m.score(c, &f, j, m.load[j])
			p.Assignments = append(p.Assignments, Assignment{Case: c.ApplicationID, Officer: cd.Officer, Candidate: cd})
			p.TotalScore += cd.Score
			continue
		}
		u := Unassigned{Case: c.ApplicationID}
		if ex, none := noneEligible[k]; none {
			u.Excluded = ex
			u.Reason = "no eligible officer: " + (&Decision{Excluded: ex}).Summary()
		} else {
			u.Reason = fmt.Sprintf("all %d eligible officers are full with cases of higher priority or better fit", start[k+1]-start[k])
		}
		p.Unassigned = append(p.Unassigned, u)
	}
	return p, nil
}

// Commit raises the Matcher's loads by the plan's assignments, so later Assign calls and plans
// see them. Errors: ErrUnknownOfficer when the plan names an officer of another team (nothing
// changes then).
func (m *Matcher) Commit(p Plan) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range p.Assignments {
		if _, ok := m.index[a.Officer]; !ok {
			return fmt.Errorf("%w: %q", ErrUnknownOfficer, a.Officer)
		}
	}
	for _, a := range p.Assignments {
		m.addLoad(m.index[a.Officer], 1)
	}
	return nil
}
