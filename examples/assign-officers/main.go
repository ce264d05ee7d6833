// Command assign-officers shows how a branch gives its cases to credit officers with package
// assign: officers rated from their track record, one case matched with the reasons for the
// choice and for every officer left out, a whole morning's batch planned optimally under the
// officers' capacities, and the portfolio of an officer going on leave handed over, with the
// dated ownership history that answers "who had this case on that day".
//
//	go run ./examples/assign-officers
//
// The batch step on files: creditkit assign --cases cases.csv --officers officers.csv --out plan.csv
package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/assign"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "assign-officers:", err)
		os.Exit(1)
	}
}

// today is the fixed date of the walk-through, so its output never changes.
var today = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

func amount(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// team is the branch's officers with their track records.
func team(r *assign.Rater) ([]assign.Officer, error) {
	type member struct {
		officer assign.Officer
		record  assign.Performance
	}
	members := []member{
		{assign.Officer{ID: "O-1", Name: "Wang Fang", Branch: "pudong-east", Regions: []string{"pudong", "huangpu"},
			Kinds: []assign.CustomerKind{assign.Individual}, Authority: amount("1000000"), SeniorityYears: 3, Capacity: 8, Load: 3},
			assign.Performance{YearsOfService: 3, CasesHandled: 140, Recommendations: 60, Upheld: 51, DecisionDays: []float64{2, 3, 4},
				Surveys: []float64{4.5, 4, 5}, Loans: 90, BadLoans: 2, BranchLoans: 2400, BranchBadLoans: 60}},
		{assign.Officer{ID: "O-2", Name: "Li Wei", Branch: "pudong-east", Regions: []string{"pudong"},
			Kinds: []assign.CustomerKind{assign.Individual, assign.Enterprise}, Skills: []assign.Product{assign.EquityPledge},
			Authority: amount("20000000"), SeniorityYears: 12, Capacity: 10, Load: 7, Linked: []string{"C-ACME"}},
			assign.Performance{YearsOfService: 12, CasesHandled: 900, Recommendations: 400, Upheld: 372, DecisionDays: []float64{3, 5, 6},
				Surveys: []float64{4, 4.5}, Loans: 520, BadLoans: 9, BranchLoans: 2400, BranchBadLoans: 60}},
		{assign.Officer{ID: "O-3", Name: "Zhao Min", Branch: "pudong-west", Regions: []string{"pudong", "xuhui"},
			Kinds: []assign.CustomerKind{assign.Enterprise}, Authority: amount("50000000"), SeniorityYears: 8, Capacity: 6, Load: 2},
			assign.Performance{YearsOfService: 8, CasesHandled: 420, Recommendations: 150, Upheld: 120, DecisionDays: []float64{4, 8, 9},
				Surveys: []float64{3.5, 4}, Loans: 210, BadLoans: 8, BranchLoans: 1800, BranchBadLoans: 45}},
		{assign.Officer{ID: "O-4", Name: "Chen Jie", Branch: "pudong-west", Regions: []string{"pudong"},
			Kinds: []assign.CustomerKind{assign.Individual}, Authority: amount("500000"), SeniorityYears: 1, Capacity: 6, Load: 0,
			Leave: []assign.Leave{{From: today, To: today.AddDate(0, 0, 4)}}},
			assign.Performance{YearsOfService: 1, CasesHandled: 30}},
		{assign.Officer{ID: "O-5", Name: "Liu Yang", Branch: "pudong-east", Regions: []string{"pudong"},
			Kinds: []assign.CustomerKind{assign.Individual}, Authority: amount("5000000"), SeniorityYears: 6, Capacity: 5, Load: 4},
			assign.Performance{YearsOfService: 6, CasesHandled: 310, Recommendations: 120, Upheld: 100, DecisionDays: []float64{3, 4},
				Surveys: []float64{4}, Loans: 150, BadLoans: 4, BranchLoans: 2400, BranchBadLoans: 60}},
	}
	var out []assign.Officer
	for _, m := range members {
		rt, err := r.Rate(m.record)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.officer.ID, err)
		}
		m.officer.Rating = rt
		out = append(out, m.officer)
	}
	return out, nil
}

// run walks through rating, matching, planning and handing over, writing what happens to w.
func run(w io.Writer) error {
	rater, err := assign.NewRater(assign.RatingConfig{})
	if err != nil {
		return err
	}
	officers, err := team(rater)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "== The team, rated on five dimensions (0–100)")
	fmt.Fprintln(w, "officer          experience  credit  efficiency  satisfaction  results  overall")
	for _, o := range officers {
		r := o.Rating
		fmt.Fprintf(w, "%-4s %-11s %10.1f %7.1f %11.1f %13.1f %8.1f %8.1f\n", o.ID, o.Name, r.Experience, r.CreditAbility,
			r.Efficiency, r.Satisfaction, r.Results, r.Overall)
	}

	m, err := assign.NewMatcher(officers, assign.DefaultRules(), assign.Config{Now: func() time.Time { return today }})
	if err != nil {
		return err
	}
	pledge := assign.Case{ApplicationID: "A-201", CustomerID: "C-NOVA", Region: "pudong", Kind: assign.Enterprise,
		Amount: amount("8000000"), TermMonths: 36, Product: assign.EquityPledge}
	fmt.Fprintln(w, "\n== One case: an 8,000,000 equity pledge loan for an enterprise in pudong")
	d, err := m.Evaluate(pledge)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "chosen: %s\n", d.Officer)
	for _, r := range d.Reasons {
		fmt.Fprintf(w, "  because %s\n", r)
	}
	fmt.Fprintf(w, "left out: %s\n", d.Summary())
	for _, o := range []string{"O-1", "O-3", "O-4"} {
		c, err := m.Check(pledge, o)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %s fails %v\n", o, c.Failed)
	}

	fmt.Fprintln(w, "\n== The morning's batch, planned at once")
	batch := []assign.Case{
		pledge,
		{ApplicationID: "A-202", CustomerID: "C-11", Region: "pudong", Kind: assign.Individual, Amount: amount("300000"),
			TermMonths: 36, Product: assign.Consumer, Officer: "O-1"},
		{ApplicationID: "A-203", CustomerID: "C-12", Region: "pudong", Kind: assign.Individual, Amount: amount("2500000"),
			TermMonths: 240, Product: assign.Mortgage, Priority: true},
		{ApplicationID: "A-204", CustomerID: "C-ACME", Region: "pudong", Kind: assign.Enterprise, Amount: amount("3000000"),
			TermMonths: 24, Product: assign.WorkingCapital},
		{ApplicationID: "A-205", CustomerID: "C-13", Region: "huangpu", Kind: assign.Individual, Amount: amount("80000"),
			TermMonths: 12, Product: assign.Consumer},
		{ApplicationID: "A-206", CustomerID: "C-14", Region: "jingan", Kind: assign.Individual, Amount: amount("50000"),
			TermMonths: 12, Product: assign.Consumer},
	}
	plan, err := m.Plan(batch, assign.PlanOptions{})
	if err != nil {
		return err
	}
	for _, a := range plan.Assignments {
		b := a.Candidate.Breakdown
		fmt.Fprintf(w, "%s → %s  score %.1f = rating %.1f + seniority fit %.1f + continuity %.1f + load %.1f + region %.1f\n",
			a.Case, a.Officer, a.Candidate.Score, b.Rating.Points, b.SeniorityFit.Points, b.Continuity.Points,
			b.LoadBalance.Points, b.Region.Points)
	}
	for _, u := range plan.Unassigned {
		fmt.Fprintf(w, "%s unassigned: %s\n", u.Case, u.Reason)
	}
	fmt.Fprintf(w, "total score %.1f; loads after the plan:", plan.TotalScore)
	for _, o := range officers {
		fmt.Fprintf(w, " %s %d/%d", o.ID, plan.Loads[o.ID], o.Capacity)
	}
	fmt.Fprintln(w)
	if err := m.Commit(plan); err != nil {
		return err
	}

	fmt.Fprintln(w, "\n== Li Wei (O-2) goes on leave: her open cases are handed over")
	// Her book: two cases from last month and what the plan gave her this morning.
	book := map[string]assign.Case{
		"A-150": {ApplicationID: "A-150", CustomerID: "C-21", Region: "pudong", Kind: assign.Individual, Amount: amount("1200000"),
			TermMonths: 120, Product: assign.Mortgage},
		"A-151": {ApplicationID: "A-151", CustomerID: "C-22", Region: "pudong", Kind: assign.Enterprise, Amount: amount("3000000"),
			TermMonths: 24, Product: assign.WorkingCapital},
	}
	for _, c := range batch {
		book[c.ApplicationID] = c
	}
	var history assign.History
	for _, id := range []string{"A-150", "A-151"} {
		if err := history.Record(id, "O-2", today.AddDate(0, -1, 0), "intake"); err != nil {
			return err
		}
	}
	if err := history.RecordPlan(plan, today, "morning batch"); err != nil {
		return err
	}
	var open []assign.Case
	for _, id := range history.Portfolio("O-2", today) {
		if c, ok := book[id]; ok {
			c.Officer = "O-2"
			open = append(open, c)
		}
	}
	handover, err := m.Reassign("O-2", open, assign.ReassignOptions{})
	if err != nil {
		return err
	}
	for _, a := range handover.Assignments {
		fmt.Fprintf(w, "%s → %s (score %.1f)\n", a.Case, a.Officer, a.Candidate.Score)
	}
	for _, u := range handover.Unassigned {
		fmt.Fprintf(w, "%s stays with O-2 for escalation: %s\n", u.Case, u.Reason)
	}
	later := today.Add(4 * time.Hour)
	if err := history.RecordPlan(handover, later, "O-2 on leave"); err != nil {
		return err
	}
	for _, c := range open {
		fmt.Fprintf(w, "who had %s:", c.ApplicationID)
		for _, e := range history.Entries(c.ApplicationID) {
			to := "now"
			if !e.To.IsZero() {
				to = e.To.Format("01-02 15:04")
			}
			fmt.Fprintf(w, " %s from %s to %s (%s);", e.Officer, e.From.Format("01-02 15:04"), to, e.Reason)
		}
		fmt.Fprintln(w)
	}
	return nil
}
