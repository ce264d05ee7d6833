package server

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/loan"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store/loandb"
	"github.com/creditkit/creditkit/tree"
)

// topGroups is how many groups the portfolio lists by exposure.
const topGroups = 10

// portfolioView is the answer of GET /v1/analytics/portfolio. Every figure is computed
// from the database when asked, with plain SQL aggregates over the tables of each domain
// (customers and tree, assessments and scorecards, officers and assignments,
// applications); decimals are summed exactly.
type portfolioView struct {
	AsOf           time.Time        `json:"as_of"`
	Customers      customerStats    `json:"customers"`
	Grades         gradeStats       `json:"grades"`
	Exposure       exposureStats    `json:"exposure"`
	Applications   applicationStats `json:"applications"`
	Officers       []officerStats   `json:"officers"`
	ScoreStability []stabilityStats `json:"score_stability"`
}

// customerStats counts active customers by kind and by branch.
type customerStats struct {
	Total    int            `json:"total"`
	ByKind   map[string]int `json:"by_kind"`
	ByBranch []branchCount  `json:"by_branch"`
}

type branchCount struct {
	Branch     string `json:"branch"`
	Individual int    `json:"individual"`
	Enterprise int    `json:"enterprise"`
	Total      int    `json:"total"`
}

// gradeStats is the grade distribution of the latest assessment of each customer.
type gradeStats struct {
	Assessed     int          `json:"assessed_customers"`
	Distribution []gradeCount `json:"distribution"`
}

type gradeCount struct {
	Grade      string  `json:"grade"`
	Individual int     `json:"individual"`
	Enterprise int     `json:"enterprise"`
	Total      int     `json:"total"`
	Share      float64 `json:"share"`
}

// exposureStats is the exposure of the customer tree by branch, and the groups with the
// largest exposure with their limits and headroom.
type exposureStats struct {
	Total     decimal.Decimal  `json:"total"`
	ByBranch  []branchExposure `json:"by_branch"`
	TopGroups []groupExposure  `json:"top_groups"`
}

type branchExposure struct {
	Branch    string          `json:"branch"`
	Customers int             `json:"customers"` // with exposure
	Exposure  decimal.Decimal `json:"exposure"`
}

type groupExposure struct {
	Node     int64            `json:"node"`
	Name     string           `json:"name"`
	Exposure decimal.Decimal  `json:"exposure"`
	Limit    *decimal.Decimal `json:"limit,omitempty"`    // the group's own limit, if any
	Headroom *decimal.Decimal `json:"headroom,omitempty"` // limit − exposure (negative when over)
	Usage    *float64         `json:"usage,omitempty"`    // exposure / limit
}

// applicationStats are the application counts and the decision figures.
type applicationStats struct {
	Total    int            `json:"total"`
	ByStatus map[string]int `json:"by_status"`
	Decided  int            `json:"decided"`
	Approved int            `json:"approved"`
	Rejected int            `json:"rejected"`
	// ApprovalRate is approved / (approved + rejected); null before the first decision.
	ApprovalRate *float64 `json:"approval_rate"`
	// ApprovedAmount is the sum of the approved amounts.
	ApprovedAmount decimal.Decimal `json:"approved_amount"`
	// MedianHoursToDecision runs from the first submission to the final decision; null
	// before the first decision.
	MedianHoursToDecision *float64 `json:"median_hours_to_decision"`
}

// officerStats is one officer's workload (open assignments against capacity) and results
// (the outcomes of the applications assigned to them).
type officerStats struct {
	Officer        string          `json:"officer"`
	Name           string          `json:"name,omitempty"`
	Rating         *float64        `json:"rating,omitempty"` // overall rating, 0-100
	Capacity       int             `json:"capacity"`
	OpenCases      int             `json:"open_cases"` // open assignments
	Utilisation    *float64        `json:"utilisation,omitempty"`
	Approved       int             `json:"approved"`
	Rejected       int             `json:"rejected"`
	Returned       int             `json:"returned"`
	Withdrawn      int             `json:"withdrawn"`
	ApprovedAmount decimal.Decimal `json:"approved_amount"`
	ApprovalRate   *float64        `json:"approval_rate"`
}

// stabilityStats is the population stability of the scores of one customer kind's active
// scorecard: the latest assessment of each customer made with it, against the card's
// reference distribution.
type stabilityStats struct {
	Kind        string `json:"kind"`
	Scorecard   string `json:"scorecard"`
	Assessments int    `json:"assessments"`
	// Reference says whether the scorecard carries a reference score distribution:
	// "present" or "absent". PSI is computed only against one.
	Reference string   `json:"reference"`
	PSI       *float64 `json:"psi"`
	Stability string   `json:"stability,omitempty"` // stable, watch or shifted
	Note      string   `json:"note,omitempty"`
	// ScoreQuantiles are the 10th, 25th, 50th, 75th and 90th percentiles of the scores,
	// a reference in the making.
	ScoreQuantiles []float64 `json:"score_quantiles,omitempty"`
}

func (s *Server) getPortfolio(c *fiber.Ctx) error {
	if len(c.Context().QueryArgs().QueryString()) > 0 {
		return &BadRequestError{Detail: "the portfolio takes no query parameters"}
	}
	v, err := s.portfolio(c.UserContext(), actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// portfolio computes the portfolio analytics; it is the one read path of analytics, and
// every figure is computed over the actor's data scope only (issue 9 §3): the customers
// it sees (in its subtree; an officer's own), their assessments and exposure, the groups
// in its subtree, and the applications it sees (see applicationScope). A branch analyst
// gets its branch's portfolio, as if the rest of the bank did not exist:
//
//   - exposure by group counts only visible customers; a group's limit, headroom and usage
//     are shown to actors that see the whole group (its node in their subtree) and not to
//     AssignedOnly actors, whose view of a group is partial (they get the groups holding
//     exposure of their customers, with that exposure only);
//   - officers appear with the outcomes and open cases of visible applications only;
//     an officer with neither is left out of a scoped portfolio (a root-bound actor that
//     sees everything still gets every officer with capacity).
func (s *Server) portfolio(ctx context.Context, actor perm.Actor) (portfolioView, error) {
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return portfolioView{}, err
	}
	if actor.ID == "" {
		return portfolioView{}, fmt.Errorf("server: analytics: no actor: %w", ErrForbidden)
	}
	f := analyticsFilter{sc: sc, q: applicationScope(sc)}
	v := portfolioView{AsOf: s.now()}
	if v.Customers, err = s.customerAnalytics(ctx, f); err != nil {
		return portfolioView{}, err
	}
	if v.Grades, v.ScoreStability, err = s.assessmentAnalytics(ctx, f); err != nil {
		return portfolioView{}, err
	}
	if v.Exposure, err = s.exposureAnalytics(ctx, f); err != nil {
		return portfolioView{}, err
	}
	if v.Applications, v.Officers, err = s.applicationAnalytics(ctx, f); err != nil {
		return portfolioView{}, err
	}
	return v, nil
}

// analyticsFilter is the data scope of one portfolio as SQL conditions.
type analyticsFilter struct {
	sc scope
	q  loandb.Scope
}

// customers returns " AND " and the condition keeping the rows whose customer column
// (customer numbers) names a customer the actor sees, with its arguments; "" when the
// actor sees every customer.
func (f analyticsFilter) customers(column string) (string, []any) {
	cond, args := f.q.Condition(column, "")
	if cond == "" {
		return "", nil
	}
	return " AND " + cond, args
}

// applications is customers for the applications table's rows (customer and officer
// columns prefixed by alias): the applications the actor sees.
func (f analyticsFilter) applications(alias string) (string, []any) {
	cond, args := f.q.Condition(alias+"customer", alias+"officer")
	if cond == "" {
		return "", nil
	}
	return " AND " + cond, args
}

// query runs a read query and calls scan for each row.
func (s *Server) query(ctx context.Context, q string, scan func(*sql.Rows) error, args ...any) error {
	rows, err := s.cfg.Store.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("server: analytics: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("server: analytics: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("server: analytics: %w", err)
	}
	return nil
}

func (s *Server) customerAnalytics(ctx context.Context, f analyticsFilter) (customerStats, error) {
	cond, args := f.customers("number")
	st := customerStats{ByKind: map[string]int{"individual": 0, "enterprise": 0}}
	branches := map[string]*branchCount{}
	err := s.query(ctx, `SELECT branch, kind, COUNT(*) FROM customers WHERE status = 'active'`+cond+` GROUP BY branch, kind`,
		func(rows *sql.Rows) error {
			var (
				branch, kind string
				n            int
			)
			if err := rows.Scan(&branch, &kind, &n); err != nil {
				return err
			}
			b := branches[branch]
			if b == nil {
				b = &branchCount{Branch: branch}
				branches[branch] = b
			}
			switch kind {
			case "individual":
				b.Individual += n
			case "enterprise":
				b.Enterprise += n
			}
			b.Total += n
			st.ByKind[kind] += n
			st.Total += n
			return nil
		}, args...)
	if err != nil {
		return customerStats{}, err
	}
	st.ByBranch = make([]branchCount, 0, len(branches))
	for _, b := range branches {
		st.ByBranch = append(st.ByBranch, *b)
	}
	slices.SortFunc(st.ByBranch, func(a, b branchCount) int { return cmp.Compare(a.Branch, b.Branch) })
	return st, nil
}

// latestAssessments is the FROM clause of the latest assessment (by time, then by ID) of
// each customer that cond (" AND …" on a.customer, or "") selects, as a relation a with
// the columns customer, customer_kind, grade, score and scorecard. One scan and one sort:
// no index by customer is kept, as every assessment would land at a random place in it.
func latestAssessments(cond string) string {
	return `FROM (SELECT a.customer, a.customer_kind, a.grade, a.score, a.scorecard,
		ROW_NUMBER() OVER (PARTITION BY a.customer ORDER BY a.created_at DESC, a.id DESC) AS recency
		FROM assessments a WHERE 1 = 1` + cond + `) a WHERE a.recency = 1`
}

// assessmentAnalytics reads the latest assessment of each customer the actor sees, in one
// scan and one sort, into the grade distribution and the score stability of each active
// scorecard (the scores of the latest assessments made with it).
func (s *Server) assessmentAnalytics(ctx context.Context, f analyticsFilter) (gradeStats, []stabilityStats, error) {
	cards := []stabilityStats{}
	err := s.query(ctx, `SELECT kind, scorecard FROM active_scorecards ORDER BY kind`, func(rows *sql.Rows) error {
		var st stabilityStats
		if err := rows.Scan(&st.Kind, &st.Scorecard); err != nil {
			return err
		}
		cards = append(cards, st)
		return nil
	})
	if err != nil {
		return gradeStats{}, nil, err
	}
	scores := make([][]float64, len(cards)) // scores[i] are those made with cards[i]
	counts := map[string]*gradeCount{}
	st := gradeStats{}
	cond, args := f.customers("a.customer")
	err = s.query(ctx, `SELECT a.grade, a.customer_kind, a.scorecard, a.score `+latestAssessments(cond),
		func(rows *sql.Rows) error {
			var (
				grade, kind, card string
				score             float64
			)
			if err := rows.Scan(&grade, &kind, &card, &score); err != nil {
				return err
			}
			g := counts[grade]
			if g == nil {
				g = &gradeCount{Grade: grade}
				counts[grade] = g
			}
			switch kind {
			case "individual":
				g.Individual++
			case "enterprise":
				g.Enterprise++
			}
			g.Total++
			st.Assessed++
			for i := range cards {
				if cards[i].Scorecard == card && !math.IsNaN(score) {
					scores[i] = append(scores[i], score)
				}
			}
			return nil
		}, args...)
	if err != nil {
		return gradeStats{}, nil, err
	}
	for i := range cards {
		if err := s.stabilityOf(ctx, &cards[i], scores[i]); err != nil {
			return gradeStats{}, nil, err
		}
	}
	return gradeDistribution(st, counts), cards, nil
}

// gradeDistribution completes st, whose Assessed is set, with the distribution of the
// counts by grade.
func gradeDistribution(st gradeStats, counts map[string]*gradeCount) gradeStats {
	// Every grade of the master scale, best first, then anything unexpected.
	for g := credit.AAA; g.String() != "" && g <= credit.D; g++ {
		name := g.String()
		c := counts[name]
		if c == nil {
			c = &gradeCount{Grade: name}
		}
		delete(counts, name)
		st.Distribution = append(st.Distribution, *c)
	}
	for _, c := range counts {
		st.Distribution = append(st.Distribution, *c)
	}
	for i := range st.Distribution {
		if st.Assessed > 0 {
			st.Distribution[i].Share = float64(st.Distribution[i].Total) / float64(st.Assessed)
		}
	}
	return st
}

// cents turns a sum of hundredths, as the database returns it (an integer, or a numeric
// text on PostgreSQL), into a decimal.
func cents(v any) (decimal.Decimal, error) {
	switch x := v.(type) {
	case nil:
		return decimal.Decimal{}, nil
	case int64:
		return decimal.New(x, -2), nil
	case []byte:
		d, err := decimal.NewFromString(string(x))
		return d.Shift(-2), err
	case string:
		d, err := decimal.NewFromString(x)
		return d.Shift(-2), err
	case float64:
		return decimal.NewFromFloat(x).Shift(-2), nil
	}
	return decimal.Decimal{}, fmt.Errorf("unexpected sum %T", v)
}

func (s *Server) exposureAnalytics(ctx context.Context, f analyticsFilter) (exposureStats, error) {
	st := exposureStats{}
	cond, args := f.customers("e.customer")
	err := s.query(ctx, `SELECT c.branch, COUNT(*), SUM(e.cents) FROM tree_exposure e
		JOIN customers c ON c.number = e.customer WHERE e.cents > 0`+cond+` GROUP BY c.branch ORDER BY c.branch`,
		func(rows *sql.Rows) error {
			var (
				b   branchExposure
				sum any
			)
			if err := rows.Scan(&b.Branch, &b.Customers, &sum); err != nil {
				return err
			}
			var err error
			if b.Exposure, err = cents(sum); err != nil {
				return err
			}
			st.Total = st.Total.Add(b.Exposure)
			st.ByBranch = append(st.ByBranch, b)
			return nil
		}, args...)
	if err != nil {
		return exposureStats{}, err
	}
	if st.ByBranch == nil {
		st.ByBranch = []branchExposure{}
	}
	// Each group's subtree, by a recursive walk down from every group node; only the
	// groups in the actor's subtree, with the exposure of the customers it sees.
	var groups []groupExposure
	partial := f.sc.actor.AssignedOnly
	err = s.query(ctx, `WITH RECURSIVE sub (root, id) AS (
			SELECT id, id FROM tree_nodes WHERE kind = 'group'
			UNION ALL
			SELECT sub.root, n.id FROM tree_nodes n JOIN sub ON n.parent = sub.id
		)
		SELECT g.id, g.name, g.credit_limit, SUM(e.cents)
		FROM tree_nodes g JOIN sub ON sub.root = g.id LEFT JOIN tree_exposure e ON e.node = sub.id`+cond+`
		WHERE g.kind = 'group' GROUP BY g.id, g.name, g.credit_limit`,
		func(rows *sql.Rows) error {
			var (
				g     groupExposure
				limit sql.NullString
				sum   any
			)
			if err := rows.Scan(&g.Node, &g.Name, &limit, &sum); err != nil {
				return err
			}
			if !f.sc.seesNode(tree.ID(g.Node)) {
				return nil
			}
			var err error
			if g.Exposure, err = cents(sum); err != nil {
				return err
			}
			if partial && !g.Exposure.IsPositive() {
				return nil
			}
			if limit.Valid && !partial {
				l, err := decimal.NewFromString(limit.String)
				if err != nil {
					return fmt.Errorf("group %d: limit %q: %w", g.Node, limit.String, err)
				}
				h := l.Sub(g.Exposure)
				g.Limit, g.Headroom = &l, &h
				if l.IsPositive() {
					u, _ := g.Exposure.Div(l).Float64()
					g.Usage = &u
				}
			}
			groups = append(groups, g)
			return nil
		}, args...)
	if err != nil {
		return exposureStats{}, err
	}
	slices.SortFunc(groups, func(a, b groupExposure) int {
		if c := b.Exposure.Cmp(a.Exposure); c != 0 {
			return c
		}
		return cmp.Compare(a.Node, b.Node)
	})
	st.TopGroups = groups[:min(len(groups), topGroups)]
	if st.TopGroups == nil {
		st.TopGroups = []groupExposure{}
	}
	return st, nil
}

// applicationAnalytics counts applications by status, and per officer, in SQL; the
// decision times and the approved amounts (exact decimals) are read row by row, for the
// decided applications only. Officers' names, capacity, rating and open assignments come
// from the officers and assignments tables.
func (s *Server) applicationAnalytics(ctx context.Context, f analyticsFilter) (applicationStats, []officerStats, error) {
	cond, args := f.applications("")
	st := applicationStats{ByStatus: map[string]int{}}
	for _, status := range loan.Statuses() {
		st.ByStatus[status.String()] = 0
	}
	officers := map[string]*officerStats{}
	officer := func(id string) *officerStats {
		o := officers[id]
		if o == nil {
			o = &officerStats{Officer: id}
			officers[id] = o
		}
		return o
	}
	err := s.query(ctx, `SELECT status, officer, COUNT(*) FROM applications WHERE 1 = 1`+cond+` GROUP BY status, officer`,
		func(rows *sql.Rows) error {
			var (
				status, off string
				n           int
			)
			if err := rows.Scan(&status, &off, &n); err != nil {
				return err
			}
			st.ByStatus[status] += n
			st.Total += n
			if off == "" {
				return nil
			}
			o := officer(off)
			switch status {
			case "approved":
				o.Approved += n
			case "rejected":
				o.Rejected += n
			case "returned":
				o.Returned += n
			case "withdrawn":
				o.Withdrawn += n
			}
			return nil
		}, args...)
	if err != nil {
		return st, nil, err
	}
	st.Approved, st.Rejected = st.ByStatus["approved"], st.ByStatus["rejected"]
	st.Decided = st.Approved + st.Rejected
	st.ApprovalRate = rate(st.Approved, st.Decided)

	var hours []float64
	err = s.query(ctx, `SELECT status, officer, approved_amount, submitted_at, decided_at
		FROM applications WHERE decided_at IS NOT NULL`+cond,
		func(rows *sql.Rows) error {
			var (
				status, off, amount string
				submitted, decided  *int64
			)
			if err := rows.Scan(&status, &off, &amount, &submitted, &decided); err != nil {
				return err
			}
			if submitted != nil && decided != nil && *decided >= *submitted {
				hours = append(hours, time.Duration(*decided-*submitted).Hours())
			}
			if status != "approved" {
				return nil
			}
			a, err := decimal.NewFromString(amount)
			if err != nil {
				return fmt.Errorf("approved amount %q: %w", amount, err)
			}
			st.ApprovedAmount = st.ApprovedAmount.Add(a)
			if off != "" {
				officer(off).ApprovedAmount = officer(off).ApprovedAmount.Add(a)
			}
			return nil
		}, args...)
	if err != nil {
		return st, nil, err
	}
	if m, ok := median(hours); ok {
		st.MedianHoursToDecision = &m
	}

	// Every officer with capacity, and every officer with results, with open assignments;
	// in a scoped portfolio, only the open assignments of visible applications and only the
	// officers with visible results or open cases.
	scoped := cond != ""
	openCond, openArgs := f.applications("ap.")
	if scoped {
		openCond = ` AND a.application IN (SELECT ap.id FROM applications ap WHERE 1 = 1` + openCond + `)`
	}
	err = s.query(ctx, `SELECT o.id, o.name, o.capacity, o.rating_overall,
			(SELECT COUNT(*) FROM assignments a WHERE a.officer = o.id AND a.to_at IS NULL`+openCond+`)
		FROM officers o`,
		func(rows *sql.Rows) error {
			var (
				id, name       string
				capacity, open int
				rating         float64
			)
			if err := rows.Scan(&id, &name, &capacity, &rating, &open); err != nil {
				return err
			}
			if capacity == 0 && open == 0 && officers[id] == nil {
				return nil // approvers and supervisors take no cases
			}
			if scoped && open == 0 && officers[id] == nil {
				return nil // nothing of theirs in the actor's scope
			}
			o := officer(id)
			o.Name, o.Capacity, o.OpenCases = name, capacity, open
			r := rating
			o.Rating = &r
			if capacity > 0 {
				u := float64(open) / float64(capacity)
				o.Utilisation = &u
			}
			return nil
		}, openArgs...)
	if err != nil {
		return st, nil, err
	}
	out := make([]officerStats, 0, len(officers))
	for _, o := range officers {
		o.ApprovalRate = rate(o.Approved, o.Approved+o.Rejected)
		out = append(out, *o)
	}
	slices.SortFunc(out, func(a, b officerStats) int {
		if a.OpenCases != b.OpenCases {
			return b.OpenCases - a.OpenCases
		}
		return cmp.Compare(a.Officer, b.Officer)
	})
	return st, out, nil
}

// stabilityOf fills in the score stability of st, an active scorecard, from the scores of
// the latest assessments made with it. A population stability index needs the card's
// reference score distribution; a card without one (expert and imported cards) gets none
// rather than an invented baseline.
func (s *Server) stabilityOf(ctx context.Context, st *stabilityStats, scores []float64) error {
	st.Assessments = len(scores)
	ref, err := s.scorecardReference(ctx, st.Scorecard)
	if err != nil {
		return err
	}
	switch {
	case ref == nil:
		st.Reference = "absent"
		st.Note = "the active scorecard carries no reference score distribution (expert and imported cards have none; a card fitted by creditkit fit does), so no PSI is computed"
	case len(scores) == 0:
		st.Reference = "present"
		st.Note = "no assessment was made with the active scorecard yet"
	default:
		st.Reference = "present"
		psi, err := ref.PSI(scores)
		if err != nil {
			return err
		}
		st.PSI, st.Stability = &psi, credit.Stability(psi)
	}
	if len(scores) > 0 {
		slices.Sort(scores)
		for _, q := range []float64{0.1, 0.25, 0.5, 0.75, 0.9} {
			st.ScoreQuantiles = append(st.ScoreQuantiles, scores[int(q*float64(len(scores)-1))])
		}
	}
	return nil
}

// scorecardReference returns the reference score distribution of the stored scorecard id,
// nil when it has none.
func (s *Server) scorecardReference(ctx context.Context, id string) (*credit.Reference, error) {
	sc, err := s.credit.repo.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	card, err := credit.ParseScorecard(sc.Card)
	if err != nil {
		return nil, fmt.Errorf("server: stored scorecard %s does not parse: %w", id, err)
	}
	return card.Reference, nil
}

// rate is n/of, or nil when of is zero.
func rate(n, of int) *float64 {
	if of == 0 {
		return nil
	}
	r := float64(n) / float64(of)
	return &r
}

// median returns the median of v (v is sorted in place), and false when v is empty.
func median(v []float64) (float64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	slices.Sort(v)
	mid := len(v) / 2
	if len(v)%2 == 1 {
		return v[mid], true
	}
	return (v[mid-1] + v[mid]) / 2, true
}
