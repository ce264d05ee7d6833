package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/assign"
	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/loan"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store/loandb"
)

// unlimitedAuthority is the decision authority of an admin who is not a registered
// officer: above any amount an application may carry.
var unlimitedAuthority = decimal.New(1, 15)

// loanActor maps the caller to the loan workflow's notion of a person:
//
//   - application:write makes the caller a maker (opens applications, gathers documents)
//     and an officer (verifies documents, attaches assessments, sends cases to review);
//   - assignment:write makes them a supervisor (assigns cases);
//   - application:decide makes them an approver (branch stages of the approval matrix), a
//     committee member instead when their role is committee, and both when it is admin;
//     their authority limit is their officer record's authority when
//     they are a registered officer, unlimited for an admin who is not, and zero otherwise.
//
// The workflow then applies its own rules on top: four-eyes by ID, authority against the
// stage and the amount, only the assigned officer starts the review.
func (s *Server) loanActor(ctx context.Context, a perm.Actor) (loan.Actor, error) {
	la := loan.Actor{ID: a.ID}
	if a.Can(perm.ApplicationWrite) {
		la.Roles = append(la.Roles, loan.RoleMaker, loan.RoleOfficer)
	}
	if a.Can(perm.AssignmentWrite) {
		la.Roles = append(la.Roles, loan.RoleSupervisor)
	}
	if a.Can(perm.ApplicationDecide) {
		switch a.Role {
		case "committee":
			la.Roles = append(la.Roles, loan.RoleCommittee)
		case "admin":
			la.Roles = append(la.Roles, loan.RoleApprover, loan.RoleCommittee)
		default:
			la.Roles = append(la.Roles, loan.RoleApprover)
		}
		auth, found, err := s.officerAuthority(ctx, a.ID)
		switch {
		case err != nil:
			return loan.Actor{}, err
		case found:
			la.Authority = auth
		case a.Role == "admin":
			la.Authority = unlimitedAuthority
		}
	}
	return la, nil
}

// createApplication opens a draft application in its own transaction; see
// createApplicationTx.
func (s *Server) createApplication(ctx context.Context, actor perm.Actor, at time.Time, in applicationInput) (loan.Application, loan.Event, error) {
	var (
		app loan.Application
		ev  loan.Event
	)
	err := s.cfg.Store.Tx(ctx, func(tx *sql.Tx) (err error) {
		app, ev, err = s.createApplicationTx(ctx, tx, actor, at, in)
		return err
	})
	return app, ev, loanError(err)
}

// createApplicationTx is the one write path that opens applications: it checks the
// customer (it must exist and be active), draws the next application number and stores
// the draft with its creation event, all inside tx.
func (s *Server) createApplicationTx(ctx context.Context, tx *sql.Tx, actor perm.Actor, at time.Time, in applicationInput) (loan.Application, loan.Event, error) {
	la, err := s.loanActor(ctx, actor)
	if err != nil {
		return loan.Application{}, loan.Event{}, err
	}
	ref, err := s.lookupCustomer(ctx, in.Customer.String())
	if errors.Is(err, ErrNotFound) {
		return loan.Application{}, loan.Event{}, &ValidationError{Fields: []FieldError{{Path: "customer", Rule: "exists",
			Message: "no customer has this number", MessageZH: "客户不存在"}}}
	}
	if err != nil {
		return loan.Application{}, loan.Event{}, err
	}
	if ref.Status != customer.StatusActive {
		return loan.Application{}, loan.Event{}, &ValidationError{Fields: []FieldError{{Path: "customer", Rule: "active",
			Message: "the customer is closed", MessageZH: "客户已销户"}}}
	}
	kind, err := loanKind(ref.Kind)
	if err != nil {
		return loan.Application{}, loan.Event{}, err
	}
	n, err := s.cfg.Store.NextInSequence(ctx, tx, "application")
	if err != nil {
		return loan.Application{}, loan.Event{}, err
	}
	app, ev, err := s.applications.workflow.Create(la, at, loan.Draft{
		ID: fmt.Sprintf("L%010d", n), Customer: ref.Number, CustomerKind: kind, Product: in.Product,
		Amount: in.Amount, TermMonths: in.TermMonths, Purpose: in.Purpose, Repayment: in.Repayment,
		Security: in.Security, SecurityDetail: in.SecurityDetail,
	})
	if err != nil {
		return loan.Application{}, loan.Event{}, err
	}
	if err := s.applications.repo.CreateTx(ctx, tx, app, ev); err != nil {
		return loan.Application{}, loan.Event{}, err
	}
	return app, ev, nil
}

func loanKind(k customer.Kind) (loan.CustomerKind, error) {
	switch k {
	case customer.KindIndividual:
		return loan.CustomerIndividual, nil
	case customer.KindEnterprise:
		return loan.CustomerEnterprise, nil
	}
	return 0, fmt.Errorf("server: customer kind %v has no loan kind", k)
}

// appOp is one command on an existing application. Exactly one of cmd, assess and assign
// is set.
type appOp struct {
	cmd      loan.Command  // taken as is
	assess   *credit.Facts // assess these facts with the active scorecard and attach the report
	assign   bool          // choose the officer with the assignment rules
	priority bool          // assign: serve first when capacity is short
	comment  string        // assess and assign
}

// appResult is what a command produced.
type appResult struct {
	app        loan.Application
	ev         loan.Event
	assessment *storedAssessment
	assignment *assign.Decision
}

// commandApplication runs op on application id in its own transaction; see
// commandApplicationTx.
func (s *Server) commandApplication(ctx context.Context, actor perm.Actor, at time.Time, id string, version int64, op appOp) (appResult, error) {
	var res appResult
	err := s.cfg.Store.Tx(ctx, func(tx *sql.Tx) (err error) {
		res, err = s.commandApplicationTx(ctx, tx, actor, at, id, version, op)
		return err
	})
	return res, loanError(err)
}

// commandApplicationTx is the one write path that moves applications: inside tx it reads
// the application, checks that it is still at version (the one the caller saw), builds the
// command (running the assessment or the assignment it needs, whose rows join tx), applies
// it through the workflow, adds the approved amount to the customer's exposure on the
// final approval, ends the officer's assignment once the case is decided or withdrawn,
// and stores the new version with its event. Any failure rolls all of it
// back.
func (s *Server) commandApplicationTx(ctx context.Context, tx *sql.Tx, actor perm.Actor, at time.Time, id string, version int64, op appOp) (appResult, error) {
	ctx = perm.WithActor(ctx, actor) // the assignment records who assigned
	la, err := s.loanActor(ctx, actor)
	if err != nil {
		return appResult{}, err
	}
	if d, ok := op.cmd.(loan.Decide); ok && d.Verdict == loan.VerdictApprove {
		// Serialise approvals before the group-limit check, so two approvals cannot both
		// use the same headroom.
		if err := s.applications.repo.LockApprovals(ctx, tx); err != nil {
			return appResult{}, err
		}
	}
	app, err := s.applications.repo.GetTx(ctx, tx, id)
	if err != nil {
		return appResult{}, err
	}
	if app.Version != version {
		return appResult{}, &loan.VersionError{ID: id, Expected: version, Actual: app.Version}
	}
	var res appResult
	details := map[string]string{}
	cmd := op.cmd
	switch {
	case op.assess != nil:
		if cmd, err = s.assessCommand(ctx, tx, la, app, *op.assess, op.comment, &res); err != nil {
			return appResult{}, err
		}
		details["assessment"] = res.assessment.ID
	case op.assign:
		if cmd, err = s.assignCommand(ctx, tx, la, app, op, &res); err != nil {
			return appResult{}, err
		}
	}
	next, ev, err := s.applications.workflow.Apply(ctx, app, la, at, cmd)
	if err != nil {
		return appResult{}, err
	}
	if len(details) > 0 {
		if ev.Details == nil {
			ev.Details = map[string]string{}
		}
		for k, v := range details {
			ev.Details[k] = v
		}
	}
	if next.Status == loan.StatusApproved && app.Status != loan.StatusApproved {
		if err := s.addExposure(ctx, tx, next.Customer, next.ApprovedAmount); err != nil {
			return appResult{}, fmt.Errorf("server: exposure of %s: %w", next.Customer, err)
		}
	}
	if next.Status.Terminal() && !app.Status.Terminal() {
		// A decided or withdrawn case no longer counts in its officer's load.
		if err := s.releaseCase(ctx, tx, next.ID); err != nil {
			return appResult{}, fmt.Errorf("server: release %s: %w", next.ID, err)
		}
	}
	if err := s.applications.repo.UpdateTx(ctx, tx, next, version, ev); err != nil {
		return appResult{}, err
	}
	res.app, res.ev = next, ev
	return res, nil
}

// assessCommand runs the assessment of facts for the application's customer (stored in tx)
// and returns the command that attaches its report.
func (s *Server) assessCommand(ctx context.Context, tx *sql.Tx, la loan.Actor, app loan.Application, facts credit.Facts, comment string, res *appResult) (loan.Command, error) {
	switch app.Status {
	case loan.StatusSubmitted, loan.StatusAssessed, loan.StatusAssigned:
	default:
		return nil, &loan.StateError{Action: loan.ActionAssess, Status: app.Status}
	}
	if !la.Has(loan.RoleOfficer) {
		return nil, &loan.PermissionError{Actor: la.ID, Action: loan.ActionAssess, Reason: "needs the officer role"}
	}
	if err := requestFacts(&facts, app); err != nil {
		return nil, err
	}
	ref, err := s.lookupCustomer(ctx, app.Customer)
	if err != nil {
		return nil, err
	}
	stored, err := s.assessCustomer(ctx, tx, ref, facts)
	if err != nil {
		return nil, err
	}
	res.assessment = &stored
	return loan.Assess{Report: stored.Report, Comment: comment}, nil
}

// requestFacts fills the request facts the client left out from the application and
// refuses those that disagree with it.
func requestFacts(f *credit.Facts, app loan.Application) error {
	var fe fieldErrors
	r := &f.Request
	if r.Amount == nil {
		amount := app.Amount
		r.Amount = &amount
	} else if !r.Amount.Equal(app.Amount) {
		fe.add("facts.request.amount", "match", "must equal the application's amount "+app.Amount.String(), "须与申请金额一致")
	}
	if r.TermMonths == nil {
		term := app.TermMonths
		r.TermMonths = &term
	} else if *r.TermMonths != app.TermMonths {
		fe.add("facts.request.term_months", "match", fmt.Sprintf("must equal the application's term %d", app.TermMonths), "须与申请期限一致")
	}
	if p, ok := products[app.Product]; ok {
		if r.Product == nil {
			prod := p.credit
			r.Product = &prod
		} else if *r.Product != p.credit {
			fe.add("facts.request.product", "match", "must agree with the application's product "+app.Product, "须与申请产品一致")
		}
	}
	if m, ok := creditMethod(app.Repayment); ok {
		if r.Method == nil {
			r.Method = &m
		} else if *r.Method != m {
			fe.add("facts.request.method", "match", "must agree with the application's repayment "+app.Repayment.String(), "须与申请还款方式一致")
		}
	}
	return fe.err()
}

// creditMethod is the credit package's repayment method for a loan repayment; a bullet
// loan has none.
func creditMethod(r loan.Repayment) (credit.Method, bool) {
	switch r {
	case loan.RepaymentEqualInstalments:
		return credit.EqualInstalments, true
	case loan.RepaymentEqualPrincipal:
		return credit.EqualPrincipal, true
	case loan.RepaymentInterestOnly:
		return credit.InterestOnly, true
	}
	return 0, false
}

// assignCommand chooses the officer for the application with the assignment rules (the
// assignment is recorded in tx) and returns the command that gives them the case.
func (s *Server) assignCommand(ctx context.Context, tx *sql.Tx, la loan.Actor, app loan.Application, op appOp, res *appResult) (loan.Command, error) {
	switch app.Status {
	case loan.StatusAssessed, loan.StatusAssigned:
	default:
		return nil, &loan.StateError{Action: loan.ActionAssign, Status: app.Status}
	}
	if !la.Has(loan.RoleSupervisor) {
		return nil, &loan.PermissionError{Actor: la.ID, Action: loan.ActionAssign, Reason: "needs the supervisor role"}
	}
	ref, err := s.lookupCustomer(ctx, app.Customer)
	if err != nil {
		return nil, err
	}
	kind := assign.Individual
	if app.CustomerKind == loan.CustomerEnterprise {
		kind = assign.Enterprise
	}
	c := assign.Case{ApplicationID: app.ID, CustomerID: app.Customer, Region: ref.Region, Kind: kind,
		Amount: app.Amount, TermMonths: app.TermMonths, Product: products[app.Product].assign,
		Officer: ref.Officer, Priority: op.priority}
	if r, ok := app.Report(); ok {
		c.Grade = r.Grade.String()
	}
	d, err := s.assignCase(ctx, tx, c)
	if err != nil {
		return nil, err
	}
	if d.Officer == "" {
		return nil, fmt.Errorf("no officer is eligible for application %s: %w", app.ID, ErrConflict)
	}
	res.assignment = &d
	return loan.Assign{Officer: d.Officer, Comment: op.comment}, nil
}

// readApplication is the one read path of a single application and its history; the data
// scope of issue 9 joins here.
func (s *Server) readApplication(ctx context.Context, _ perm.Actor, id string) (loan.Application, []loan.Event, error) {
	app, err := s.applications.repo.Get(ctx, id)
	if err != nil {
		return loan.Application{}, nil, loanError(err)
	}
	events, err := s.applications.repo.Events(ctx, id)
	if err != nil {
		return loan.Application{}, nil, loanError(err)
	}
	return app, events, nil
}

// listApplications is the one read path of application lists; the data scope of issue 9
// joins here.
func (s *Server) listApplications(ctx context.Context, _ perm.Actor, q loandb.Query) (loandb.Page, error) {
	p, err := s.applications.repo.List(ctx, q)
	return p, loanError(err)
}

// officerAuthority returns the authority limit of the officer with id (the officers
// table of migration 0004), and whether there is such an officer. It reads committed data.
func (s *Server) officerAuthority(ctx context.Context, id string) (decimal.Decimal, bool, error) {
	var text string
	err := s.cfg.Store.QueryRow(ctx, `SELECT authority FROM officers WHERE id = ?`, id).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return decimal.Decimal{}, false, nil
	}
	if err != nil {
		return decimal.Decimal{}, false, fmt.Errorf("server: authority of %s: %w", id, err)
	}
	d, err := decimal.NewFromString(text)
	if err != nil {
		return decimal.Decimal{}, false, fmt.Errorf("server: authority of %s: stored %q: %w", id, text, err)
	}
	return d, true, nil
}
