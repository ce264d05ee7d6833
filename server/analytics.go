package server

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/loan"
	"github.com/creditkit/creditkit/server/perm"
)

// portfolioView is the answer of GET /v1/analytics/portfolio.
type portfolioView struct {
	AsOf         time.Time        `json:"as_of"`
	Applications applicationStats `json:"applications"`
	Officers     []officerStats   `json:"officers"`
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

// officerStats is one officer's workload and results, from the applications assigned to
// them.
type officerStats struct {
	Officer        string          `json:"officer"`
	OpenCases      int             `json:"open_cases"` // assigned or under review
	Approved       int             `json:"approved"`
	Rejected       int             `json:"rejected"`
	Returned       int             `json:"returned"`
	Withdrawn      int             `json:"withdrawn"`
	ApprovedAmount decimal.Decimal `json:"approved_amount"`
	ApprovalRate   *float64        `json:"approval_rate"`
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

// portfolio computes the portfolio analytics; it is the one read path of analytics, where
// the data scope of issue 9 joins.
func (s *Server) portfolio(ctx context.Context, _ perm.Actor) (portfolioView, error) {
	v := portfolioView{AsOf: s.now()}
	var err error
	if v.Applications, v.Officers, err = s.applicationAnalytics(ctx); err != nil {
		return portfolioView{}, err
	}
	return v, nil
}

// applicationAnalytics counts applications by status, and per officer, in SQL; the
// decision times and the approved amounts (exact decimals) are read row by row.
func (s *Server) applicationAnalytics(ctx context.Context) (applicationStats, []officerStats, error) {
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
	rows, err := s.cfg.Store.Query(ctx, `SELECT status, officer, COUNT(*) FROM applications GROUP BY status, officer`)
	if err != nil {
		return st, nil, fmt.Errorf("server: analytics: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			status, off string
			n           int
		)
		if err := rows.Scan(&status, &off, &n); err != nil {
			return st, nil, fmt.Errorf("server: analytics: %w", err)
		}
		st.ByStatus[status] += n
		st.Total += n
		if off == "" {
			continue
		}
		o := officer(off)
		switch status {
		case "assigned", "under_review":
			o.OpenCases += n
		case "approved":
			o.Approved += n
		case "rejected":
			o.Rejected += n
		case "returned":
			o.Returned += n
		case "withdrawn":
			o.Withdrawn += n
		}
	}
	if err := rows.Err(); err != nil {
		return st, nil, fmt.Errorf("server: analytics: %w", err)
	}
	rows.Close()

	st.Approved, st.Rejected = st.ByStatus["approved"], st.ByStatus["rejected"]
	st.Decided = st.Approved + st.Rejected
	st.ApprovalRate = rate(st.Approved, st.Decided)

	rows, err = s.cfg.Store.Query(ctx, `SELECT status, officer, approved_amount, submitted_at, decided_at
		FROM applications WHERE decided_at IS NOT NULL`)
	if err != nil {
		return st, nil, fmt.Errorf("server: analytics: %w", err)
	}
	defer rows.Close()
	var hours []float64
	for rows.Next() {
		var (
			status, off, amount string
			submitted, decided  *int64
		)
		if err := rows.Scan(&status, &off, &amount, &submitted, &decided); err != nil {
			return st, nil, fmt.Errorf("server: analytics: %w", err)
		}
		if submitted != nil && decided != nil && *decided >= *submitted {
			hours = append(hours, time.Duration(*decided-*submitted).Hours())
		}
		if status != "approved" {
			continue
		}
		a, err := decimal.NewFromString(amount)
		if err != nil {
			return st, nil, fmt.Errorf("server: analytics: approved amount %q: %w", amount, err)
		}
		st.ApprovedAmount = st.ApprovedAmount.Add(a)
		if off != "" {
			officer(off).ApprovedAmount = officer(off).ApprovedAmount.Add(a)
		}
	}
	if err := rows.Err(); err != nil {
		return st, nil, fmt.Errorf("server: analytics: %w", err)
	}
	if m, ok := median(hours); ok {
		st.MedianHoursToDecision = &m
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
		if a.Officer < b.Officer {
			return -1
		}
		if a.Officer > b.Officer {
			return 1
		}
		return 0
	})
	return st, out, nil
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
