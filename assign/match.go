package assign

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// Config holds a Matcher's optional settings; the zero value is the documented default.
type Config struct {
	// Now gives the date availability is checked against. Default: time.Now.
	Now func() time.Time
	// Strategy is how Assign picks among eligible officers. Default: BestScore.
	Strategy Strategy
}

// Matcher matches cases to a team of officers under one set of rules. It holds the team's
// loads, which Assign raises; every method is safe for concurrent use. Build it with
// NewMatcher.
type Matcher struct {
	rules    Rules
	now      func() time.Time
	strategy Strategy

	officers []Officer // sorted by ID
	index    map[string]int
	words    int

	enforced   [RuleConflict + 1]bool
	exact      map[string][]uint64 // region → officers covering it
	near       map[string][]uint64 // region → officers covering a neighbour of it
	kinds      [Enterprise + 1][]uint64
	skills     [AssetAllocation + 1][]uint64
	skilled    [AssetAllocation + 1]bool
	linked     map[string][]uint64 // customer → officers linked to it
	authority  []int64             // authority in 1/10,000 units, or -1 when it does not fit
	senior     []float64
	large      float64 // rules.LargeAmount as a float, for the seniority fit only
	weightSum  float64 // the soft weights' sum
	allOfficer []uint64

	idx            ruleIndex
	seniorityRules []seniorityRule

	mu      sync.Mutex
	load    []int
	full    []uint64 // officers at capacity with their current load
	lastRR  string
	scratch struct { // per-call sets, used under mu
		fail     [RuleConflict + 1][]uint64
		buf      [RuleConflict + 1][]uint64
		eligible []uint64
		onLeave  []uint64
		cands    []Candidate
		order    []int32
	}
}

const authorityScale = 4

// NewMatcher validates officers and rules and returns a Matcher over a copy of the officers.
// Errors: *ValidationError (ErrInvalid) listing every problem — duplicate or empty officer
// IDs, negative capacity, load or seniority, unknown kinds or products, bad ratings, and every
// problem of the rules (paths prefixed "rules.").
func NewMatcher(officers []Officer, rules Rules, cfg Config) (*Matcher, error) {
	var ps problems
	seen := make(map[string]int, len(officers))
	for i := range officers {
		path := fmt.Sprintf("officers[%d]", i)
		officers[i].validate(&ps, path)
		if j, dup := seen[officers[i].ID]; dup && officers[i].ID != "" {
			ps.add(path+".id", "unique", "officer ID %q repeats officers[%d]", officers[i].ID, j)
		}
		seen[officers[i].ID] = i
	}
	var rp problems
	rules.validate(&rp)
	for _, p := range rp {
		p.Path = strings.TrimSuffix("rules."+p.Path, ".")
		ps = append(ps, p)
	}
	if cfg.Strategy != 0 && (cfg.Strategy < BestScore || cfg.Strategy > RoundRobin) {
		ps.add("config.strategy", "enum", "unknown strategy %d", int(cfg.Strategy))
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	m := &Matcher{rules: rules, now: cfg.Now, strategy: cmp.Or(cfg.Strategy, BestScore)}
	if m.now == nil {
		m.now = time.Now
	}
	m.large = rules.LargeAmount.InexactFloat64()
	w := rules.Soft
	m.weightSum = w.Rating + w.SeniorityFit + w.Continuity + w.LoadBalance + w.Region
	m.officers = slices.Clone(officers)
	slices.SortFunc(m.officers, func(a, b Officer) int { return strings.Compare(a.ID, b.ID) })
	n := len(m.officers)
	m.words = (n + 63) / 64
	m.index = make(map[string]int, n)
	m.load = make([]int, n)
	m.authority = make([]int64, n)
	m.senior = make([]float64, n)
	m.exact = map[string][]uint64{}
	m.near = map[string][]uint64{}
	m.linked = map[string][]uint64{}
	m.allOfficer = m.newSet()
	for k := range m.kinds {
		m.kinds[k] = m.newSet()
	}
	for p := range m.skills {
		m.skills[p] = m.newSet()
	}
	if len(rules.Hard) == 0 {
		for _, r := range AllRules() {
			m.enforced[r] = true
		}
	}
	for _, r := range rules.Hard {
		m.enforced[r] = true
	}
	for _, p := range rules.SkilledProducts {
		m.skilled[p] = true
	}
	neighbours := map[string][]string{}
	for a, bs := range rules.Neighbours {
		for _, b := range bs {
			neighbours[a] = append(neighbours[a], b)
			neighbours[b] = append(neighbours[b], a)
		}
	}
	for i := range m.officers {
		o := &m.officers[i]
		m.index[o.ID] = i
		m.load[i] = o.Load
		m.senior[i] = float64(o.SeniorityYears)
		if a, ok := scaled(o.Authority); ok {
			m.authority[i] = a
		} else {
			m.authority[i] = -1
		}
		setBit(m.allOfficer, i)
		for _, r := range o.Regions {
			setBit(m.set(m.exact, r), i)
			for _, nb := range neighbours[r] {
				setBit(m.set(m.near, nb), i)
			}
		}
		for _, k := range o.Kinds {
			setBit(m.kinds[k], i)
		}
		for _, p := range o.Skills {
			setBit(m.skills[p], i)
		}
		for _, c := range o.Linked {
			setBit(m.set(m.linked, c), i)
		}
	}
	m.buildIndex()
	return m, nil
}

func (m *Matcher) newSet() []uint64 { return make([]uint64, m.words) }

func (m *Matcher) set(sets map[string][]uint64, key string) []uint64 {
	s, ok := sets[key]
	if !ok {
		s = m.newSet()
		sets[key] = s
	}
	return s
}

func setBit(s []uint64, i int)      { s[i>>6] |= 1 << (i & 63) }
func hasBit(s []uint64, i int) bool { return s != nil && s[i>>6]&(1<<(i&63)) != 0 }

// Officers returns a copy of the team, sorted by ID, with current loads.
func (m *Matcher) Officers() []Officer {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := slices.Clone(m.officers)
	for i := range out {
		out[i].Load = m.load[i]
	}
	return out
}

// Component is one part of a soft score: its value (0–100), its weight and the points it
// adds to the score (weight·value / Σ weights).
type Component struct {
	Value  float64 `json:"value"`
	Weight float64 `json:"weight"`
	Points float64 `json:"points"`
}

// Breakdown explains a soft score component by component; the points add up to the score.
type Breakdown struct {
	Rating       Component `json:"rating"`
	SeniorityFit Component `json:"seniority_fit"`
	Continuity   Component `json:"continuity"`
	LoadBalance  Component `json:"load_balance"`
	Region       Component `json:"region"`
}

// Candidate is an eligible officer with the soft score and its breakdown.
type Candidate struct {
	Officer   string    `json:"officer"`
	Score     float64   `json:"score"` // 0–100
	Load      int       `json:"load"`
	Capacity  int       `json:"capacity"`
	Breakdown Breakdown `json:"breakdown"`
}

// RuleCount says how many officers fail one hard rule for a case. An officer failing
// several rules is counted under each. In a reassignment plan, the entry counting the
// leaving officer has no rule (0), and its "rule" is absent from the JSON.
type RuleCount struct {
	Rule     Rule   `json:"rule,omitempty"`
	Officers int    `json:"officers"`
	Message  string `json:"message"` // e.g. "3 lack the equity_pledge skill"
}

// Decision is the outcome of matching one case: the eligible officers ranked, the choice
// with its reasons, and per rule how many officers were excluded.
type Decision struct {
	Case       string      `json:"case"`
	Officer    string      `json:"officer"` // the choice; empty when nobody is eligible
	Strategy   Strategy    `json:"strategy"`
	Reasons    []string    `json:"reasons"`
	Candidates []Candidate `json:"candidates"` // eligible officers, best first
	Excluded   []RuleCount `json:"excluded"`   // per failed rule, in rule order
}

// Summary returns why officers were excluded, e.g. "3 lack the equity_pledge skill, 2 are at
// capacity", or "" when nobody was.
func (d *Decision) Summary() string {
	parts := make([]string, len(d.Excluded))
	for i, e := range d.Excluded {
		parts[i] = e.Message
	}
	return strings.Join(parts, ", ")
}

// NoEligibleError says nobody passes the hard rules for a case, with the per-rule summary.
// It matches ErrNoEligibleOfficer.
type NoEligibleError struct {
	Case     string
	Excluded []RuleCount
}

func (e *NoEligibleError) Error() string {
	d := Decision{Excluded: e.Excluded}
	return fmt.Sprintf("assign: no eligible officer for case %q: %s", e.Case, d.Summary())
}

// Unwrap returns ErrNoEligibleOfficer.
func (e *NoEligibleError) Unwrap() error { return ErrNoEligibleOfficer }

// caseFacts are the per-case values every officer is checked against.
type caseFacts struct {
	amount      decimal.Decimal
	amountScale int64
	amountOK    bool
	minYears    float64
	demand      float64 // 0–1: how demanding the case is, for the seniority fit
	date        time.Time
	exact, near []uint64 // officers covering the case's region, or a neighbour of it
}

func (m *Matcher) facts(c *Case, date time.Time) caseFacts {
	f := caseFacts{amount: c.Amount, date: date, exact: m.exact[c.Region], near: m.near[c.Region]}
	f.amountScale, f.amountOK = scaled(c.Amount)
	for k := range m.seniorityRules {
		s := &m.seniorityRules[k]
		if (s.byAmount && f.atLeast(s)) || (s.minTerm > 0 && c.TermMonths >= s.minTerm) {
			f.minYears = math.Max(f.minYears, s.years)
		}
	}
	amt := math.Min(toFloat(c.Amount)/m.large, 1)
	term := math.Min(float64(c.TermMonths)/float64(m.rules.LongTermMonths), 1)
	f.demand = math.Max(0, math.Max(amt, term))
	return f
}

func (m *Matcher) excluded(fail *[RuleConflict + 1][]uint64, c *Case) []RuleCount {
	var out []RuleCount
	for r := RuleRegion; r <= RuleConflict; r++ {
		n := 0
		for _, w := range fail[r] {
			n += bits.OnesCount64(w)
		}
		if n > 0 {
			out = append(out, RuleCount{Rule: r, Officers: n, Message: ruleMessage(r, n, c)})
		}
	}
	return out
}

func ruleMessage(r Rule, n int, c *Case) string {
	num := strconv.Itoa(n)
	pick := func(one, many string) string {
		if n == 1 {
			return one
		}
		return many
	}
	switch r {
	case RuleRegion:
		return num + pick(" does not cover region ", " do not cover region ") + c.Region
	case RuleCustomerKind:
		return num + pick(" does not serve ", " do not serve ") + c.Kind.String() + " customers"
	case RuleSkill:
		return num + pick(" lacks the ", " lack the ") + c.Product.String() + " skill"
	case RuleAuthority:
		return num + pick(" has authority below ", " have authority below ") + c.Amount.String()
	case RuleSeniority:
		return num + pick(" is not senior enough", " are not senior enough")
	case RuleCapacity:
		return num + pick(" is at capacity", " are at capacity")
	case RuleAvailability:
		return num + pick(" is on leave", " are on leave")
	default:
		return num + pick(" is linked to the customer", " are linked to the customer")
	}
}

// score computes officer i's soft score for the case with the given load.
func (m *Matcher) score(c *Case, f *caseFacts, i, load int) Candidate {
	o := &m.officers[i]
	w, sum := m.rules.Soft, m.weightSum
	comp := func(v, weight float64) Component {
		return Component{Value: v, Weight: weight, Points: weight * v / sum}
	}
	level := math.Min(m.senior[i]/float64(m.rules.SeniorYears), 1)
	var cont, lb, region float64
	if c.Officer != "" && c.Officer == o.ID {
		cont = 100
	}
	if o.Capacity > 0 {
		lb = clamp100(100 * (1 - float64(load)/float64(o.Capacity)))
	}
	switch {
	case hasBit(f.exact, i):
		region = 100
	case hasBit(f.near, i):
		region = m.rules.NeighbourScore
	}
	b := Breakdown{
		Rating:       comp(o.Rating.Overall, w.Rating),
		SeniorityFit: comp(100*(1-math.Abs(f.demand-level)), w.SeniorityFit),
		Continuity:   comp(cont, w.Continuity),
		LoadBalance:  comp(lb, w.LoadBalance),
		Region:       comp(region, w.Region),
	}
	total := b.Rating.Points + b.SeniorityFit.Points + b.Continuity.Points + b.LoadBalance.Points + b.Region.Points
	return Candidate{Officer: o.ID, Score: total, Load: load, Capacity: o.Capacity, Breakdown: b}
}

// rank writes the candidates of from into to (of the same length) by score (higher first),
// then lower load, then ID — a total order, as IDs are unique. It sorts indices into order
// (scratch, grown as needed and returned) rather than moving the large Candidate values.
func rank(from, to []Candidate, order []int32) []int32 {
	order = order[:0]
	for k := range from {
		order = append(order, int32(k))
	}
	slices.SortFunc(order, func(x, y int32) int {
		a, b := &from[x], &from[y]
		if a.Score != b.Score {
			return cmp.Compare(b.Score, a.Score)
		}
		if a.Load != b.Load {
			return cmp.Compare(a.Load, b.Load)
		}
		return strings.Compare(a.Officer, b.Officer)
	})
	for k, x := range order {
		to[k] = from[x]
	}
	return order
}

// Evaluate ranks the eligible officers for c without assigning it: the candidates best
// first, and per rule how many officers fail it. Decision.Officer is the one Assign would
// pick now. Errors: *ValidationError (ErrInvalid) for a bad case; *NoEligibleError
// (ErrNoEligibleOfficer) when nobody is eligible, returned with the filled Decision.
func (m *Matcher) Evaluate(c Case) (Decision, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, _, err := m.evaluate(&c)
	return d, err
}

// Assign picks an officer for c by the Matcher's strategy, raises that officer's load by one
// and returns the decision with its reasons. Errors as Evaluate; nothing changes on error.
func (m *Matcher) Assign(c Case) (Decision, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, i, err := m.evaluate(&c)
	if err != nil {
		return d, err
	}
	m.addLoad(i, 1)
	if m.strategy == RoundRobin {
		m.lastRR = d.Officer
	}
	return d, nil
}

func (m *Matcher) evaluate(c *Case) (Decision, int, error) {
	if err := c.Validate(); err != nil {
		return Decision{}, -1, err
	}
	f := m.facts(c, m.now())
	eligible, fail := m.failures(c, &f, false)
	d := Decision{Case: c.ApplicationID, Strategy: m.strategy, Excluded: m.excluded(fail, c)}
	n := 0
	for _, w := range eligible {
		n += bits.OnesCount64(w)
	}
	if n == 0 {
		return d, -1, &NoEligibleError{Case: c.ApplicationID, Excluded: d.Excluded}
	}
	cands := m.scratch.cands[:0]
	for w, word := range eligible {
		for word != 0 {
			i := w<<6 + bits.TrailingZeros64(word)
			word &= word - 1
			cands = append(cands, m.score(c, &f, i, m.load[i]))
		}
	}
	d.Candidates = make([]Candidate, n)
	m.scratch.order = rank(cands, d.Candidates, m.scratch.order)
	m.scratch.cands = cands
	pick := 0
	switch m.strategy {
	case LeastLoaded:
		for k, cd := range d.Candidates {
			if share(cd) < share(d.Candidates[pick]) {
				pick = k
			}
		}
	case RoundRobin:
		// the next eligible ID after the last one picked, wrapping around
		best := -1
		for k, cd := range d.Candidates {
			if cd.Officer > m.lastRR && (best < 0 || cd.Officer < d.Candidates[best].Officer) {
				best = k
			}
		}
		if best < 0 {
			for k, cd := range d.Candidates {
				if best < 0 || cd.Officer < d.Candidates[best].Officer {
					best = k
				}
			}
		}
		pick = best
	}
	chosen := d.Candidates[pick]
	d.Officer = chosen.Officer
	d.Reasons = m.reasons(c, chosen, len(d.Candidates))
	return d, m.index[chosen.Officer], nil
}

func share(c Candidate) float64 {
	if c.Capacity == 0 {
		return math.Inf(1)
	}
	return float64(c.Load) / float64(c.Capacity)
}

func (m *Matcher) reasons(c *Case, cd Candidate, eligible int) []string {
	// strconv gives the same text as fmt's %d and %.1f, without fmt's reflection.
	one := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	out := make([]string, 0, 7)
	switch m.strategy {
	case LeastLoaded:
		out = append(out, "least loaded of "+strconv.Itoa(eligible)+" eligible officers ("+strconv.Itoa(cd.Load)+
			" of "+strconv.Itoa(cd.Capacity)+" open cases)")
	case RoundRobin:
		out = append(out, "next in turn among "+strconv.Itoa(eligible)+" eligible officers")
	default:
		out = append(out, "highest score "+one(cd.Score)+" of "+strconv.Itoa(eligible)+" eligible officers")
	}
	b := cd.Breakdown
	if b.Region.Value == 100 {
		out = append(out, "covers region "+c.Region)
	} else if b.Region.Value > 0 {
		out = append(out, "covers a region neighbouring "+c.Region)
	}
	if m.skilled[c.Product] {
		out = append(out, "qualified for "+c.Product.String())
	}
	if b.Continuity.Value == 100 {
		out = append(out, "existing relationship officer")
	}
	out = append(out, "overall rating "+one(b.Rating.Value))
	out = append(out, "seniority fit "+one(b.SeniorityFit.Value)+" for amount "+c.Amount.String()+" over "+
		strconv.Itoa(c.TermMonths)+" months")
	out = append(out, "load "+strconv.Itoa(cd.Load)+" of "+strconv.Itoa(cd.Capacity))
	return out
}

// Check is the full verdict on one officer for one case: the hard rules failed, and the
// soft score breakdown (computed even for an ineligible officer, for explanation).
type Check struct {
	Officer   string    `json:"officer"`
	Eligible  bool      `json:"eligible"`
	Failed    []Rule    `json:"failed"`
	Candidate Candidate `json:"candidate"`
}

// Check explains how officerID fares for c. Errors: ErrUnknownOfficer, or a
// *ValidationError for a bad case.
func (m *Matcher) Check(c Case, officerID string) (Check, error) {
	if err := c.Validate(); err != nil {
		return Check{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	i, ok := m.index[officerID]
	if !ok {
		return Check{}, fmt.Errorf("%w: %q", ErrUnknownOfficer, officerID)
	}
	f := m.facts(&c, m.now())
	eligible, fail := m.failures(&c, &f, false)
	out := Check{Officer: officerID, Eligible: hasBit(eligible, i), Candidate: m.score(&c, &f, i, m.load[i])}
	for r := RuleRegion; r <= RuleConflict; r++ {
		if hasBit(fail[r], i) {
			out.Failed = append(out.Failed, r)
		}
	}
	return out, nil
}
