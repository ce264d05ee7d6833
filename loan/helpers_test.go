package loan

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/credit"
)

const testMatrixJSON = `{
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
        {"name": "committee", "role": "committee", "authority": "1000000", "approvals": 2}]}]}
  ],
  "override": {"role": "committee", "authority": "1000000"}
}`

var t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func grade(t testing.TB, name string) credit.Grade {
	t.Helper()
	var g credit.Grade
	require.NoError(t, g.UnmarshalText([]byte(name)))
	return g
}

// report returns an assessment with the fields loan reads, plus the enums a real report
// always sets (a credit.Report with a zero enum does not marshal to JSON).
func report(t testing.TB, g, limit string) credit.Report {
	return credit.Report{Grade: grade(t, g), Limit: dec(limit), Decision: credit.Approve,
		AssessedAt: t0, Schedule: credit.ScheduleSummary{Method: credit.EqualInstalments, TermMonths: 36}}
}

// Actors used across the tests.
var (
	maker      = Actor{ID: "m1", Roles: []Role{RoleMaker}}
	maker2     = Actor{ID: "m2", Roles: []Role{RoleMaker}}
	officer    = Actor{ID: "o1", Roles: []Role{RoleOfficer}}
	supervisor = Actor{ID: "s1", Roles: []Role{RoleSupervisor}}
	approver   = Actor{ID: "a1", Roles: []Role{RoleApprover}, Authority: dec("500000")}
	approver2  = Actor{ID: "a2", Roles: []Role{RoleApprover}, Authority: dec("500000")}
	committee  = Actor{ID: "c1", Roles: []Role{RoleCommittee}, Authority: dec("5000000")}
	committee2 = Actor{ID: "c2", Roles: []Role{RoleCommittee}, Authority: dec("5000000")}
)

// headroomStub is a fixed group-limit gate: every customer sits under one group with the
// given headroom.
type headroomStub struct {
	group    string
	headroom decimal.Decimal
	err      error
}

func (h headroomStub) Breaches(_ context.Context, _ string, amount decimal.Decimal) ([]Breach, error) {
	if h.err != nil {
		return nil, h.err
	}
	if amount.GreaterThan(h.headroom) {
		return []Breach{{GroupID: "G-1", GroupName: h.group, Headroom: h.headroom}}, nil
	}
	return nil, nil
}

func newWorkflow(t testing.TB, mut ...func(*Config)) *Workflow {
	t.Helper()
	m, err := ParseMatrix([]byte(testMatrixJSON))
	require.NoError(t, err)
	cfg := Config{Matrix: m}
	for _, f := range mut {
		f(&cfg)
	}
	w, err := New(cfg, headroomStub{group: "Acme Group", headroom: dec("10000000")})
	require.NoError(t, err)
	return w
}

func draft(amount string) Draft {
	return Draft{ID: "L-1", Customer: "C0000001", CustomerKind: CustomerIndividual, Product: "consumer",
		Amount: dec(amount), TermMonths: 36, Purpose: "renovation", Repayment: RepaymentEqualInstalments,
		Security: SecurityNone}
}

// apply runs one command and fails the test on error.
func apply(t testing.TB, w *Workflow, app Application, a Actor, cmd Command) Application {
	t.Helper()
	next, _, err := w.Apply(context.Background(), app, a, t0.Add(time.Duration(app.Version)*time.Minute), cmd)
	require.NoError(t, err)
	return next
}

// draftWithDocs opens an application and receives every required document plus an extra
// collateral document that no rule requires (left unverified for document tests).
func draftWithDocs(t testing.TB, w *Workflow, d Draft) Application {
	t.Helper()
	app, _, err := w.Create(maker, t0, d)
	require.NoError(t, err)
	for _, k := range append(w.Required(app), DocCollateral) {
		app = apply(t, w, app, maker, ReceiveDocument{Kind: k, Reference: "dms://" + k.String()})
	}
	return app
}

// reviewed drives an application to under review with the given grade and limit.
func reviewed(t testing.TB, w *Workflow, d Draft, g, limit string) Application {
	t.Helper()
	app := draftWithDocs(t, w, d)
	app = apply(t, w, app, maker, Submit{})
	for _, k := range w.Required(app) {
		app = apply(t, w, app, officer, VerifyDocument{Kind: k})
	}
	app = apply(t, w, app, officer, Assess{Report: report(t, g, limit)})
	app = apply(t, w, app, supervisor, Assign{Officer: officer.ID})
	return apply(t, w, app, officer, StartReview{})
}

func approve(stage int) Decide {
	return Decide{Stage: stage, Verdict: VerdictApprove, Comment: "ok"}
}

// inStatus returns an application of amount 100000, grade A (one stage), in status s.
func inStatus(t testing.TB, w *Workflow, s Status) Application {
	t.Helper()
	d := draft("100000")
	switch s {
	case StatusDraft:
		return draftWithDocs(t, w, d)
	case StatusWithdrawn:
		return apply(t, w, draftWithDocs(t, w, d), maker, Withdraw{Comment: "customer changed mind"})
	}
	app := draftWithDocs(t, w, d)
	app = apply(t, w, app, maker, Submit{})
	for _, k := range w.Required(app) {
		app = apply(t, w, app, officer, VerifyDocument{Kind: k})
	}
	if s == StatusSubmitted {
		return app
	}
	app = apply(t, w, app, officer, Assess{Report: report(t, "A", "150000")})
	if s == StatusAssessed {
		return app
	}
	app = apply(t, w, app, supervisor, Assign{Officer: officer.ID})
	if s == StatusAssigned {
		return app
	}
	app = apply(t, w, app, officer, StartReview{})
	switch s {
	case StatusApproved:
		return apply(t, w, app, approver, approve(1))
	case StatusRejected:
		return apply(t, w, app, approver, Decide{Stage: 1, Verdict: VerdictReject, Comment: "too risky"})
	case StatusReturned:
		return apply(t, w, app, approver, Decide{Stage: 1, Verdict: VerdictReturn, Comment: "need payslips"})
	}
	return app
}
