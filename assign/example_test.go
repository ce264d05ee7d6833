package assign_test

import (
	"fmt"
	"math"
	"time"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/assign"
)

var today = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

func clock() time.Time { return today }

func officers() []assign.Officer {
	return []assign.Officer{
		{ID: "O-1", Name: "Wang", Branch: "east", Regions: []string{"pudong"}, Kinds: []assign.CustomerKind{assign.Individual},
			Authority: decimal.RequireFromString("1000000"), SeniorityYears: 2, Capacity: 10, Load: 3, Rating: assign.Rating{Overall: 70}},
		{ID: "O-2", Name: "Li", Branch: "east", Regions: []string{"pudong"}, Kinds: []assign.CustomerKind{assign.Individual, assign.Enterprise},
			Skills: []assign.Product{assign.EquityPledge}, Authority: decimal.RequireFromString("20000000"), SeniorityYears: 12,
			Capacity: 10, Load: 5, Rating: assign.Rating{Overall: 85}},
		{ID: "O-3", Name: "Zhao", Branch: "west", Regions: []string{"pudong"}, Kinds: []assign.CustomerKind{assign.Enterprise},
			Authority: decimal.RequireFromString("50000000"), SeniorityYears: 8, Capacity: 5, Load: 5, Rating: assign.Rating{Overall: 90}},
	}
}

func ExampleRater_Rate() {
	r, err := assign.NewRater(assign.RatingConfig{})
	if err != nil {
		panic(err)
	}
	rt, err := r.Rate(assign.Performance{
		YearsOfService: 9, CasesHandled: 300, Recommendations: 80, Upheld: 72,
		DecisionDays: []float64{2, 4, 5}, Surveys: []float64{4, 5, 4.5},
		Loans: 120, BadLoans: 2, BranchLoans: 3000, BranchBadLoans: 90,
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("experience %.1f, credit %.1f, efficiency %.1f, satisfaction %.1f, results %.1f → overall %.1f\n",
		rt.Experience, rt.CreditAbility, rt.Efficiency, rt.Satisfaction, rt.Results, rt.Overall)
	// Output:
	// experience 60.0, credit 90.0, efficiency 96.3, satisfaction 87.5, results 69.0 → overall 79.8
}

func ExampleMatcher_Assign() {
	m, err := assign.NewMatcher(officers(), assign.DefaultRules(), assign.Config{Now: clock})
	if err != nil {
		panic(err)
	}
	d, err := m.Assign(assign.Case{ApplicationID: "A-1", CustomerID: "C-1", Region: "pudong", Kind: assign.Enterprise,
		Amount: decimal.RequireFromString("8000000"), TermMonths: 36, Product: assign.EquityPledge})
	if err != nil {
		panic(err)
	}
	fmt.Println("officer:", d.Officer)
	for _, r := range d.Reasons {
		fmt.Println("  because", r)
	}
	fmt.Println("excluded:", d.Summary())

	_, err = m.Assign(assign.Case{ApplicationID: "A-2", Region: "huangpu", Kind: assign.Enterprise,
		Amount: decimal.RequireFromString("100000"), TermMonths: 12, Product: assign.AssetAllocation})
	fmt.Println(err)
	// Output:
	// officer: O-2
	//   because highest score 63.2 of 1 eligible officers
	//   because covers region pudong
	//   because qualified for equity_pledge
	//   because overall rating 85.0
	//   because seniority fit 80.0 for amount 8000000 over 36 months
	//   because load 5 of 10
	// excluded: 1 does not serve enterprise customers, 2 lack the equity_pledge skill, 1 has authority below 8000000, 1 is not senior enough, 1 is at capacity
	// assign: no eligible officer for case "A-2": 3 do not cover region huangpu, 1 does not serve enterprise customers, 3 lack the asset_allocation skill, 1 is at capacity
}

func ExampleMatcher_Plan() {
	m, err := assign.NewMatcher(officers(), assign.DefaultRules(), assign.Config{Now: clock})
	if err != nil {
		panic(err)
	}
	small := func(id string, prio bool) assign.Case {
		return assign.Case{ApplicationID: id, Region: "pudong", Kind: assign.Individual,
			Amount: decimal.RequireFromString("200000"), TermMonths: 24, Product: assign.Consumer, Priority: prio}
	}
	cases := []assign.Case{small("A-1", false), small("A-2", true), small("A-3", false)}
	p, err := m.Plan(cases, assign.PlanOptions{MaxLoadSpread: 1})
	if err != nil {
		panic(err)
	}
	for _, a := range p.Assignments {
		fmt.Printf("%s → %s (score %.1f)\n", a.Case, a.Officer, a.Candidate.Score)
	}
	fmt.Println("loads:", p.Loads)
	// Output:
	// A-1 → O-1 (score 65.0)
	// A-2 → O-1 (score 65.0)
	// A-3 → O-1 (score 65.0)
	// loads: map[O-1:6 O-2:5 O-3:5]
}

func ExampleMatcher_Reassign() {
	m, err := assign.NewMatcher(officers(), assign.DefaultRules(), assign.Config{Now: clock})
	if err != nil {
		panic(err)
	}
	var h assign.History
	start := today.AddDate(-1, 0, 0)
	book := []assign.Case{
		{ApplicationID: "A-7", Region: "pudong", Kind: assign.Individual, Amount: decimal.RequireFromString("500000"),
			TermMonths: 48, Product: assign.Mortgage, Officer: "O-2"},
		{ApplicationID: "A-8", Region: "pudong", Kind: assign.Enterprise, Amount: decimal.RequireFromString("3000000"),
			TermMonths: 24, Product: assign.WorkingCapital, Officer: "O-2"},
	}
	for _, c := range book {
		if err := h.Record(c.ApplicationID, "O-2", start, "intake"); err != nil {
			panic(err)
		}
	}
	p, err := m.Reassign("O-2", book, assign.ReassignOptions{})
	if err != nil {
		panic(err)
	}
	for _, a := range p.Assignments {
		fmt.Printf("%s → %s\n", a.Case, a.Officer)
	}
	for _, u := range p.Unassigned {
		fmt.Printf("%s unassigned: %s\n", u.Case, u.Reason)
	}
	if err := h.RecordPlan(p, today, "O-2 on leave"); err != nil {
		panic(err)
	}
	before, _ := h.Owner("A-7", today.AddDate(0, -1, 0))
	after, _ := h.Owner("A-7", today)
	fmt.Println("A-7 owner a month ago:", before, "today:", after)
	// Output:
	// A-7 → O-1
	// A-8 unassigned: all 1 eligible officers are full with cases of higher priority or better fit
	// A-7 owner a month ago: O-2 today: O-1
}

func ExampleMinCostAssignment() {
	inf := math.Inf(1)
	cost := [][]float64{
		{4, 1, 3, inf},
		{2, 0, 5, 3},
		{3, 2, 2, 1},
	}
	cols, total, err := assign.MinCostAssignment(cost)
	fmt.Println(cols, total, err)
	_, _, err = assign.MinCostAssignment([][]float64{{inf, inf}})
	fmt.Println(err)
	// Output:
	// [1 0 3] 4 <nil>
	// assign: infeasible assignment: row 0 cannot be matched without a forbidden pair
}

func ExampleParseRules() {
	_, err := assign.ParseRules([]byte(`{"hard":["region","skill"],"skilled_products":["equity_pledge","crypto"],
		"seniority":[{"min_amount":"-1","min_years":5}],"soft":{"rating":1},"neighbour_score":50,
		"large_amount":"10000000","long_term_months":120,"senior_years":10}`))
	fmt.Println(err)
	// Output:
	// assign: invalid input: skilled_products[1]: unknown product "crypto"; seniority[0].min_amount: must not be negative, got -1; seniority[0]: needs a positive min_amount or min_term_months
}

func ExampleHistory_Owner() {
	var h assign.History
	_ = h.Record("A-1", "O-1", today.AddDate(0, -6, 0), "intake")
	_ = h.Record("A-1", "O-3", today.AddDate(0, -1, 0), "O-1 left")
	for _, d := range []time.Time{today.AddDate(0, -3, 0), today} {
		o, _ := h.Owner("A-1", d)
		fmt.Println(d.Format("2006-01-02"), o)
	}
	// Output:
	// 2026-08-30 O-1
	// 2026-11-30 O-3
}
