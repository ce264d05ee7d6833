package loan_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/loan"
)

// matrixJSON routes up to 200,000 at grade BBB or better to one approver; anything larger or
// worse also goes to the credit committee.
const matrixJSON = `{
  "bands": [
    {"above": "0", "up_to": "200000", "routes": [
      {"grades": ["AAA", "AA", "A", "BBB"], "stages": [
        {"name": "branch", "role": "approver", "authority": "50000"}]},
      {"stages": [
        {"name": "branch", "role": "approver", "authority": "50000"},
        {"name": "committee", "role": "committee", "authority": "1000000"}]}]},
    {"above": "200000", "routes": [
      {"stages": [
        {"name": "branch", "role": "approver", "authority": "200000"},
        {"name": "committee", "role": "committee", "authority": "1000000"}]}]}
  ],
  "override": {"role": "committee", "authority": "1000000"}
}`

var (
	maker      = loan.Actor{ID: "wang.li", Roles: []loan.Role{loan.RoleMaker}}
	officer    = loan.Actor{ID: "zhao.min", Roles: []loan.Role{loan.RoleOfficer}}
	supervisor = loan.Actor{ID: "chen.jie", Roles: []loan.Role{loan.RoleSupervisor}}
	approver   = loan.Actor{ID: "liu.yang", Roles: []loan.Role{loan.RoleApprover}, Authority: decimal.RequireFromString("500000")}
	committee  = loan.Actor{ID: "sun.hua", Roles: []loan.Role{loan.RoleCommittee}, Authority: decimal.RequireFromString("5000000")}
)

// groupHeadroom stands in for the customer tree: the customer's group has this much left.
func groupHeadroom(name, left string) loan.Headroom {
	headroom := decimal.RequireFromString(left)
	return loan.HeadroomFunc(func(_ context.Context, _ string, amount decimal.Decimal) ([]loan.Breach, error) {
		if amount.GreaterThan(headroom) {
			return []loan.Breach{{GroupID: "G-7", GroupName: name, Headroom: headroom}}, nil
		}
		return nil, nil
	})
}

func mustReport(gradeName, limit string) credit.Report {
	var g credit.Grade
	if err := g.UnmarshalText([]byte(gradeName)); err != nil {
		panic(err)
	}
	return credit.Report{Grade: g, Limit: decimal.RequireFromString(limit), Decision: credit.Approve,
		Schedule: credit.ScheduleSummary{Method: credit.EqualInstalments, TermMonths: 36}}
}

// prepared drives an application for amount to review with the given grade, printing nothing.
func prepared(ctx context.Context, w *loan.Workflow, s loan.Store, id, amount, gradeName string) loan.Application {
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	app, _, err := w.Open(ctx, s, maker, at, loan.Draft{ID: id, Customer: "C0000042", CustomerKind: loan.CustomerIndividual,
		Product: "consumer", Amount: decimal.RequireFromString(amount), TermMonths: 36, Purpose: "renovation",
		Repayment: loan.RepaymentEqualInstalments, Security: loan.SecurityNone})
	if err != nil {
		panic(err)
	}
	step := func(a loan.Actor, cmd loan.Command) {
		if app, _, err = w.Execute(ctx, s, id, app.Version, a, at, cmd); err != nil {
			panic(err)
		}
	}
	for _, k := range w.Required(app) {
		step(maker, loan.ReceiveDocument{Kind: k, Reference: "dms://" + id + "/" + k.String()})
	}
	step(maker, loan.Submit{})
	for _, k := range w.Required(app) {
		step(officer, loan.VerifyDocument{Kind: k})
	}
	step(officer, loan.Assess{Report: mustReport(gradeName, "300000")})
	step(supervisor, loan.Assign{Officer: officer.ID})
	step(officer, loan.StartReview{})
	return app
}

// The whole flow from draft to approval through two stages, with the event of each step.
func Example() {
	ctx := context.Background()
	matrix, err := loan.ParseMatrix([]byte(matrixJSON))
	if err != nil {
		fmt.Println(err)
		return
	}
	w, err := loan.New(loan.Config{Matrix: matrix}, groupHeadroom("Acme Group", "1000000"))
	if err != nil {
		fmt.Println(err)
		return
	}
	store := loan.NewMemStore()
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

	app, ev, err := w.Open(ctx, store, maker, at, loan.Draft{ID: "L-1", Customer: "C0000042",
		CustomerKind: loan.CustomerIndividual, Product: "consumer", Amount: decimal.RequireFromString("250000"),
		TermMonths: 60, Purpose: "home renovation", Repayment: loan.RepaymentEqualInstalments,
		Security: loan.SecurityGuarantee, SecurityDetail: "guarantor Li Na"})
	if err != nil {
		fmt.Println(err)
		return
	}
	show := func(ev loan.Event) {
		from := "-"
		if ev.From.Valid() {
			from = ev.From.String()
		}
		fmt.Printf("v%d %s by %s (%s): %s → %s\n", ev.Version, ev.Action, ev.Actor, ev.Role, from, ev.To)
	}
	show(ev)
	step := func(a loan.Actor, cmd loan.Command) {
		if err != nil {
			return
		}
		app, ev, err = w.Execute(ctx, store, app.ID, app.Version, a, at, cmd)
		if err != nil {
			fmt.Println(err)
			return
		}
		if ev.Action != loan.ActionReceiveDocument && ev.Action != loan.ActionVerifyDocument {
			show(ev)
		}
	}
	fmt.Println("required:", w.Required(app))
	for _, k := range w.Required(app) {
		step(maker, loan.ReceiveDocument{Kind: k, Reference: "dms://L-1/" + k.String()})
	}
	step(maker, loan.Submit{Comment: "complete dossier"})
	for _, k := range w.Required(app) {
		step(officer, loan.VerifyDocument{Kind: k})
	}
	step(officer, loan.Assess{Report: mustReport("A", "240000")})
	step(supervisor, loan.Assign{Officer: officer.ID})
	step(officer, loan.StartReview{Comment: "income and guarantor checked"})
	fmt.Println("stages:", len(app.Stages))
	step(approver, loan.Decide{Stage: 1, Verdict: loan.VerdictApprove, Comment: "within the assessed limit",
		Amount: decimal.RequireFromString("240000")})
	step(committee, loan.Decide{Stage: 2, Verdict: loan.VerdictApprove, Comment: "agreed"})
	fmt.Println(app.Status, app.ApprovedAmount, "version", app.Version)
	// Output:
	// v1 create by wang.li (maker): - → draft
	// required: [application_form identity proof_of_income proof_of_employment guarantee]
	// v7 submit by wang.li (maker): draft → submitted
	// v13 assess by zhao.min (officer): submitted → assessed
	// v14 assign by chen.jie (supervisor): assessed → assigned
	// v15 start_review by zhao.min (officer): assigned → under_review
	// stages: 2
	// v16 approve by liu.yang (approver): under_review → under_review
	// v17 approve by sun.hua (committee): under_review → approved
	// approved 240000 version 17
}

// The maker of an application may not approve it, even holding the approver role; nor may
// the officer who prepared it.
func Example_fourEyes() {
	ctx := context.Background()
	matrix, _ := loan.ParseMatrix([]byte(matrixJSON))
	w, _ := loan.New(loan.Config{Matrix: matrix}, groupHeadroom("Acme Group", "1000000"))
	store := loan.NewMemStore()
	app := prepared(ctx, w, store, "L-2", "100000", "A")

	makerApprover := loan.Actor{ID: maker.ID, Roles: []loan.Role{loan.RoleMaker, loan.RoleApprover}, Authority: decimal.RequireFromString("500000")}
	_, _, err := w.Execute(ctx, store, app.ID, app.Version, makerApprover, time.Now(),
		loan.Decide{Stage: 1, Verdict: loan.VerdictApprove, Comment: "looks fine"})
	fmt.Println(errors.Is(err, loan.ErrFourEyes), errors.Is(err, loan.ErrForbidden))
	fmt.Println(err)
	// Output:
	// true true
	// loan: wang.li may not approve: the maker of an application may not decide on it
}

// The group-limit gate blocks the last approval when the customer's group has too little
// headroom; a lower amount that fits passes.
func Example_groupLimit() {
	ctx := context.Background()
	matrix, _ := loan.ParseMatrix([]byte(matrixJSON))
	w, _ := loan.New(loan.Config{Matrix: matrix}, groupHeadroom("Acme Group", "60000"))
	store := loan.NewMemStore()
	app := prepared(ctx, w, store, "L-3", "100000", "A")

	_, _, err := w.Execute(ctx, store, app.ID, app.Version, approver, time.Now(),
		loan.Decide{Stage: 1, Verdict: loan.VerdictApprove, Comment: "good customer"})
	var ge *loan.GroupLimitError
	if errors.As(err, &ge) {
		fmt.Println(ge.Breaches[0].GroupName, "headroom", ge.Breaches[0].Headroom)
	}
	fmt.Println(err)
	app, _, err = w.Execute(ctx, store, app.ID, app.Version, approver, time.Now(),
		loan.Decide{Stage: 1, Verdict: loan.VerdictApprove, Comment: "cut to group headroom", Amount: decimal.RequireFromString("60000")})
	fmt.Println(app.Status, app.ApprovedAmount, err)
	// Output:
	// Acme Group headroom 60000
	// loan: amount 100000 breaches the group limit: group "Acme Group" (G-7) has headroom 60000
	// approved 60000 <nil>
}

// A matrix is validated as a whole; every problem comes back at once with its JSON path.
func ExampleParseMatrix() {
	_, err := loan.ParseMatrix([]byte(`{
	  "bands": [
	    {"above": "0", "up_to": "100000", "routes": [{"stages": [{"name": "branch", "role": "approver", "authority": "100000"}]}]},
	    {"above": "150000", "routes": [{"stages": [{"name": "", "role": "maker", "authority": "0"}]}]}
	  ],
	  "override": {"role": "committee", "authority": "1000000"}
	}`))
	var ve *loan.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			fmt.Println(p.Path, p.Rule)
		}
	}
	// Output:
	// bands[1].above contiguous
	// bands[1].routes[0].stages[0].name required
	// bands[1].routes[0].stages[0].role role
	// bands[1].routes[0].stages[0].authority positive
}

// Route picks the stages by requested amount and grade.
func ExampleMatrix_Route() {
	matrix, _ := loan.ParseMatrix([]byte(matrixJSON))
	for _, c := range []struct{ amount, grade string }{{"150000", "A"}, {"150000", "BB"}, {"900000", "AAA"}} {
		stages, _ := matrix.Route(decimal.RequireFromString(c.amount), mustReport(c.grade, "0").Grade)
		var names []string
		for _, s := range stages {
			names = append(names, s.Name+"/"+s.Role.String())
		}
		fmt.Println(c.amount, c.grade, names)
	}
	// Output:
	// 150000 A [branch/approver]
	// 150000 BB [branch/approver committee/committee]
	// 900000 AAA [branch/approver committee/committee]
}

// The default dossier asks enterprises for their business licence and financial statements.
func ExampleDefaultDossier() {
	d := loan.DefaultDossier()
	fmt.Println(d.Required("working-capital", loan.CustomerEnterprise, loan.SecurityPledge))
	fmt.Println(d.Required("consumer", loan.CustomerIndividual, loan.SecurityNone))
	// Output:
	// [application_form identity financial_statements collateral business_licence]
	// [application_form identity proof_of_income proof_of_employment]
}

// A dossier can be configured per product.
func ExampleParseDossier() {
	d, err := loan.ParseDossier([]byte(`{"rules": [
	  {"documents": ["application_form", "identity"]},
	  {"product": "mortgage", "documents": ["collateral", "proof_of_income"]}
	]}`))
	fmt.Println(d.Required("mortgage", loan.CustomerIndividual, loan.SecurityCollateral), err)
	// Output:
	// [application_form identity proof_of_income collateral] <nil>
}

// Submitting without the required documents is refused with the list of what is missing.
func ExampleWorkflow_Apply() {
	matrix, _ := loan.ParseMatrix([]byte(matrixJSON))
	w, _ := loan.New(loan.Config{Matrix: matrix}, groupHeadroom("Acme Group", "1000000"))
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	app, _, _ := w.Create(maker, at, loan.Draft{ID: "L-4", Customer: "C0000042", CustomerKind: loan.CustomerEnterprise,
		Product: "working-capital", Amount: decimal.RequireFromString("800000"), TermMonths: 12, Purpose: "stock",
		Repayment: loan.RepaymentInterestOnly, Security: loan.SecurityNone})
	app, ev, _ := w.Apply(context.Background(), app, maker, at, loan.ReceiveDocument{Kind: loan.DocApplicationForm, Reference: "dms://L-4/form"})
	fmt.Println(ev.Action, ev.Details["document"], "version", app.Version)
	_, _, err := w.Apply(context.Background(), app, maker, at, loan.Submit{})
	var de *loan.DocumentsError
	if errors.As(err, &de) {
		fmt.Println("missing:", de.Missing)
	}
	// Output:
	// receive_document application_form version 2
	// missing: [identity financial_statements business_licence]
}

// Two approvers racing on the same version: the second one's write is refused as stale.
func ExampleWorkflow_Execute() {
	ctx := context.Background()
	matrix, _ := loan.ParseMatrix([]byte(matrixJSON))
	w, _ := loan.New(loan.Config{Matrix: matrix}, groupHeadroom("Acme Group", "1000000"))
	store := loan.NewMemStore()
	app := prepared(ctx, w, store, "L-5", "100000", "A")
	seen := app.Version // both approvers opened the case at this version

	other := loan.Actor{ID: "zhou.ping", Roles: []loan.Role{loan.RoleApprover}, Authority: decimal.RequireFromString("500000")}
	decide := loan.Decide{Stage: 1, Verdict: loan.VerdictApprove, Comment: "fine"}
	first, _, err1 := w.Execute(ctx, store, app.ID, seen, approver, time.Now(), decide)
	_, _, err2 := w.Execute(ctx, store, app.ID, seen, other, time.Now(), decide)
	fmt.Println(first.Status, err1)
	fmt.Println(errors.Is(err2, loan.ErrStale), err2)
	// Output:
	// approved <nil>
	// true loan: application "L-5" is at version 14, not 13
}

// The in-memory store keeps every event for the audit trail.
func ExampleNewMemStore() {
	ctx := context.Background()
	matrix, _ := loan.ParseMatrix([]byte(matrixJSON))
	w, _ := loan.New(loan.Config{Matrix: matrix}, groupHeadroom("Acme Group", "1000000"))
	store := loan.NewMemStore()
	app := prepared(ctx, w, store, "L-6", "100000", "A")
	events, _ := store.Events(ctx, app.ID)
	fmt.Println(len(events), events[0].Action, events[len(events)-1].Action)
	// Output:
	// 13 create start_review
}

// New refuses an invalid configuration with every problem listed.
func ExampleNew() {
	_, err := loan.New(loan.Config{}, nil)
	fmt.Println(errors.Is(err, loan.ErrInvalid))
	fmt.Println(err)
	// Output:
	// true
	// loan: invalid: matrix.bands: at least one band is needed; matrix.override.role: unknown role Role(0); matrix.override.authority: must be positive; headroom: the group-limit gate needs a Headroom
}
