package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/assign"
	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/loan"
	"github.com/creditkit/creditkit/server/audit"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store/loandb"
	"github.com/creditkit/creditkit/tree"
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
//     committee member instead when their role is named committee (a custom role: the
//     demo stores one, and a bank maps its committee members to it — see demoCommittee),
//     and both when it is admin; their authority limit is their officer record's
//     authority when they are a registered officer, unlimited for an admin who is not,
//     and zero otherwise (so a decider must be registered as an officer to approve).
//
// The built-in roles map so: admin is everything; officer is maker and officer; approver
// is approver only (a checker: never a maker); auditor and analyst are nothing. The
// workflow then applies its own rules on top: four-eyes by ID, authority against the
// stage and the amount, only the assigned officer starts the review. Which applications
// the actor may touch at all is the data scope's question (applicationCustomer).
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
	// A customer outside the actor's scope is refused word for word like one that does not
	// exist (422 on the customer field), so the answer does not tell them apart.
	ref, err := s.lookupCustomerFor(ctx, actor, in.Customer.String())
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
	if err := s.audit(ctx, tx, applicationAudit(actor, ev, nil, &app)); err != nil {
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
	// Outside the actor's scope the application does not exist: checked before the
	// version, so a stale or guessed If-Match learns nothing either.
	ref, err := s.applicationCustomer(ctx, actor, app)
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
		if cmd, err = s.assessCommand(ctx, tx, la, app, ref, *op.assess, op.comment, &res); err != nil {
			return appResult{}, err
		}
		details["assessment"] = res.assessment.ID
	case op.assign:
		if cmd, err = s.assignCommand(ctx, tx, la, app, ref, op, &res); err != nil {
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
	// The audit records come last: the assessment the command stored, if any, and the
	// application (whose officer field records an assignment, and whose status a released
	// one).
	if a := res.assessment; a != nil {
		if err := s.audit(ctx, tx, attachedAssessmentAudit(actor, ref, *a)); err != nil {
			return appResult{}, err
		}
	}
	if err := s.audit(ctx, tx, applicationAudit(actor, ev, &app, &next)); err != nil {
		return appResult{}, err
	}
	res.app, res.ev = next, ev
	return res, nil
}

// assessCommand runs the assessment of facts for the application's customer (stored in tx)
// and returns the command that attaches its report.
func (s *Server) assessCommand(ctx context.Context, tx *sql.Tx, la loan.Actor, app loan.Application, ref customerRef, facts credit.Facts, comment string, res *appResult) (loan.Command, error) {
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
func (s *Server) assignCommand(ctx context.Context, tx *sql.Tx, la loan.Actor, app loan.Application, ref customerRef, op appOp, res *appResult) (loan.Command, error) {
	switch app.Status {
	case loan.StatusAssessed, loan.StatusAssigned:
	default:
		return nil, &loan.StateError{Action: loan.ActionAssign, Status: app.Status}
	}
	if !la.Has(loan.RoleSupervisor) {
		return nil, &loan.PermissionError{Actor: la.ID, Action: loan.ActionAssign, Reason: "needs the supervisor role"}
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

// readApplication is the one read path of a single application and its history: an
// application outside the actor's scope is not found, exactly like one that does not
// exist.
func (s *Server) readApplication(ctx context.Context, actor perm.Actor, id string) (loan.Application, []loan.Event, error) {
	app, err := s.applications.repo.Get(ctx, id)
	if err != nil {
		return loan.Application{}, nil, loanError(err)
	}
	if err := s.checkApplicationScope(ctx, actor, app); err != nil {
		return loan.Application{}, nil, err
	}
	events, err := s.applications.repo.Events(ctx, id)
	if err != nil {
		return loan.Application{}, nil, loanError(err)
	}
	return app, events, nil
}

// listApplications is the one read path of application lists: the database leaves out
// every application outside the actor's scope (see applicationScope), so pages are full
// and cursors never point past hidden rows.
func (s *Server) listApplications(ctx context.Context, actor perm.Actor, q loandb.Query) (loandb.Page, error) {
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return loandb.Page{}, err
	}
	if actor.ID == "" {
		return loandb.Page{}, nil // the zero actor sees nothing
	}
	q.Scope = applicationScope(sc)
	p, err := s.applications.repo.List(ctx, q)
	return p, loanError(err)
}

// The data scope of applications (issue 9 §3). An application belongs to its customer: an
// actor sees it when it sees the customer — placed in the actor's subtree (a customer
// outside the tree only for actors bound to the bank's root) and, for an AssignedOnly
// actor (an officer), one whose responsible officer is the actor. An AssignedOnly actor
// also sees the applications assigned to them by the assignment rules (the application's
// officer), still only inside their subtree: the officer who must review a case sees it
// even when the customer's relationship officer is someone else. Outside the scope an
// application is answered 404, word for word like a missing one, on reads and on every
// command; lists and analytics leave it out.

// applicationCustomer returns the reference of app's customer when actor sees app, and
// the missing application's 404 when it does not.
func (s *Server) applicationCustomer(ctx context.Context, actor perm.Actor, app loan.Application) (customerRef, error) {
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return customerRef{}, err
	}
	return s.applicationCustomerIn(ctx, sc, app)
}

// checkApplicationScope is applicationCustomer for a read: the missing application's 404
// when actor does not see app. An actor that sees everything needs no look-up.
func (s *Server) checkApplicationScope(ctx context.Context, actor perm.Actor, app loan.Application) error {
	sc, err := s.scopeOf(ctx, actor)
	if err != nil || sc.all() {
		return err
	}
	_, err = s.applicationCustomerIn(ctx, sc, app)
	return err
}

// applicationCustomerIn is applicationCustomer within the scope sc.
func (s *Server) applicationCustomerIn(ctx context.Context, sc scope, app loan.Application) (customerRef, error) {
	ref, err := s.lookupCustomer(ctx, app.Customer)
	if errors.Is(err, ErrNotFound) {
		// Not a missing application: a broken reference, which the client cannot fix.
		return customerRef{}, fmt.Errorf("server: application %s names customer %s, which is not stored", app.ID, app.Customer)
	}
	if err != nil {
		return customerRef{}, err
	}
	if !seesApplication(sc, ref, app) {
		return customerRef{}, loanError(loan.ErrNotFound) // word for word the answer for a missing one
	}
	return ref, nil
}

// seesApplication reports whether the actor of sc sees app, whose customer is ref.
func seesApplication(sc scope, ref customerRef, app loan.Application) bool {
	node, err := refNode(ref)
	if err != nil {
		return false
	}
	if sc.sees(node, ref.Officer) {
		return true
	}
	return sc.actor.AssignedOnly && app.Officer != "" && sc.sees(node, app.Officer)
}

// refNode is the tree node of a customer reference, 0 when it is not placed.
func refNode(ref customerRef) (tree.ID, error) {
	if ref.Node == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(ref.Node, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("server: customer %s has a malformed node %q", ref.Number, ref.Node)
	}
	return tree.ID(n), nil
}

// applicationScope is sc as the application store's filter: the subtree of an actor bound
// below the root, and the officer of an AssignedOnly actor.
func applicationScope(sc scope) loandb.Scope {
	var q loandb.Scope
	if sc.t != nil {
		q.Node = int64(sc.node)
	}
	if sc.actor.AssignedOnly {
		q.Officer = sc.actor.ID
	}
	return q
}

// applicationAuditView is an application as its audit records show it: the state a
// command changes, without the free texts (purpose, comments, document references) and
// the credit reports, which the application's events and the assessments keep.
type applicationAuditView struct {
	ID             string            `json:"id"`
	Customer       string            `json:"customer"`
	Product        string            `json:"product"`
	Amount         decimal.Decimal   `json:"amount"`
	TermMonths     int               `json:"term_months"`
	Status         loan.Status       `json:"status"`
	Version        int64             `json:"version"`
	Round          int               `json:"round"`
	Stage          int               `json:"stage,omitempty"`
	Maker          string            `json:"maker"`
	Officer        string            `json:"officer,omitempty"`
	Documents      map[string]string `json:"documents,omitempty"` // kind → status
	Grade          string            `json:"grade,omitempty"`     // of the latest assessment
	Decisions      []auditDecision   `json:"decisions,omitempty"`
	ApprovedAmount *decimal.Decimal  `json:"approved_amount,omitempty"`
}

// auditDecision is one decision in an application's audit view.
type auditDecision struct {
	Round   int             `json:"round"`
	Stage   int             `json:"stage"`
	Actor   string          `json:"actor"`
	Verdict loan.Verdict    `json:"verdict"`
	Amount  decimal.Decimal `json:"amount"`
}

func auditViewOf(app *loan.Application) *applicationAuditView {
	if app == nil {
		return nil
	}
	v := &applicationAuditView{ID: app.ID, Customer: app.Customer, Product: app.Product, Amount: app.Amount,
		TermMonths: app.TermMonths, Status: app.Status, Version: app.Version, Round: app.Round, Stage: app.Stage,
		Maker: app.Maker, Officer: app.Officer}
	if len(app.Documents) > 0 {
		v.Documents = make(map[string]string, len(app.Documents))
		for _, d := range app.Documents {
			v.Documents[d.Kind.String()] = d.Status.String()
		}
	}
	if r, ok := app.Report(); ok {
		v.Grade = r.Grade.String()
	}
	for _, d := range app.Decisions {
		v.Decisions = append(v.Decisions, auditDecision{Round: d.Round, Stage: d.Stage, Actor: d.Actor, Verdict: d.Verdict, Amount: d.Amount})
	}
	if app.Status == loan.StatusApproved {
		a := app.ApprovedAmount
		v.ApprovedAmount = &a
	}
	return v
}

// applicationActions name the audit action of each workflow action.
var applicationActions = map[loan.Action]string{
	loan.ActionCreate:          "application.create",
	loan.ActionSubmit:          "application.submit",
	loan.ActionReceiveDocument: "application.document.receive",
	loan.ActionVerifyDocument:  "application.document.verify",
	loan.ActionRejectDocument:  "application.document.reject",
	loan.ActionAssess:          "application.assess",
	loan.ActionAssign:          "application.assign",
	loan.ActionStartReview:     "application.review",
	loan.ActionApprove:         "application.approve",
	loan.ActionReject:          "application.reject",
	loan.ActionReturn:          "application.return",
	loan.ActionWithdraw:        "application.withdraw",
}

// applicationAudit is the audit entry of the event ev that took an application from
// before (nil for a creation) to after.
func applicationAudit(actor perm.Actor, ev loan.Event, before, after *loan.Application) audit.Entry {
	action, ok := applicationActions[ev.Action]
	if !ok {
		action = "application.change"
	}
	e := audit.Entry{Actor: actor, Action: action, EntityType: "application", EntityID: after.ID, After: auditViewOf(after)}
	if before != nil {
		e.Before = auditViewOf(before)
	}
	return e
}

// attachedAssessmentAudit is the audit entry of the assessment an assess command stored
// for the customer ref (assessCustomer leaves it to its caller): its headline, as
// assessmentAudit records an assessment made through /v1/assessments.
func attachedAssessmentAudit(actor perm.Actor, ref customerRef, a storedAssessment) audit.Entry {
	r := a.Report
	return audit.Entry{Actor: actor, Action: "assessment.create", EntityType: "assessment", EntityID: a.ID,
		After: assessmentHead{ID: a.ID, Customer: a.Customer, CustomerKind: ref.Kind.String(), Scorecard: a.Scorecard,
			Grade: r.Grade.String(), Score: r.Score, PD: r.PD, Decision: r.Decision.String(), Limit: r.Limit,
			CreatedBy: actor.ID, CreatedAt: a.CreatedAt.UTC()}.auditDocument()}
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
