// Package assign matches customers' cases to credit officers (分配客户给信贷人员): it rates
// officers on five dimensions, checks hard eligibility rules loaded as data, ranks the
// eligible officers with an explainable soft score, plans whole batches optimally under
// capacities, redistributes a leaver's portfolio and keeps a dated ownership history.
//
// It is a domain leaf: it imports no other package of this module and refers to customers,
// applications, branches and grades by plain string IDs.
//
// Usage:
//
//	rules, err := assign.ParseRules(rulesJSON) // or assign.DefaultRules()
//	m, err := assign.NewMatcher(officers, rules, assign.Config{Now: clock})
//	d, err := m.Assign(assign.Case{ApplicationID: "A-1", Region: "pudong", Kind: assign.Individual,
//		Amount: decimal.RequireFromString("300000"), TermMonths: 36, Product: assign.Consumer})
//	// d.Officer, d.Reasons, d.Candidates (ranked, with breakdowns), d.Summary()
//	plan, err := m.Plan(cases, assign.PlanOptions{})
//	moved, err := m.Reassign("O-7", openCases, assign.ReassignOptions{})
//
// Hard rules (Rule): region coverage (optionally neighbouring regions), customer kind, the
// skill a non-standard product needs, authority ≥ amount, minimum seniority above amount or
// term thresholds, capacity, availability (leave on the Config.Now date) and no conflict of
// interest. The soft score (0–100) weighs the overall rating, the fit of seniority to the
// case's size, continuity with the existing relationship officer, free capacity and exact
// versus neighbouring region; Breakdown shows every component.
//
// Batch plans and reassignment solve one integer min-cost flow exactly (priority cases,
// then the number of cases, then total score). MinCostAssignment is the general dense
// solver (Jonker–Volgenant) for rectangular cost matrices, usable on its own.
//
// A Matcher is safe for concurrent use; Rater and Rules values are immutable once built.
package assign
