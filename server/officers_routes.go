package server

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/assign"
	"github.com/creditkit/creditkit/loan"
	"github.com/creditkit/creditkit/server/audit"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store/assigndb"
)

// officerRoutes registers /v1/officers/... and /v1/assignments/....
func (s *Server) officerRoutes() {
	s.handle(fiber.MethodPost, "/v1/officers", perm.OfficerWrite, s.postOfficer)
	s.handle(fiber.MethodGet, "/v1/officers", perm.OfficerRead, s.getOfficers)
	s.handle(fiber.MethodGet, "/v1/officers/:id", perm.OfficerRead, s.getOfficer)
	s.handle(fiber.MethodPatch, "/v1/officers/:id", perm.OfficerWrite, s.patchOfficer)
	s.handle(fiber.MethodGet, "/v1/officers/:id/assignments", perm.OfficerRead, s.getOfficerAssignments)
	s.handle(fiber.MethodPost, "/v1/officers/:id/reassign", perm.OfficerWrite, s.postOfficerReassign)
	s.handle(fiber.MethodPost, "/v1/assignments/plan", perm.AssignmentWrite, s.postAssignmentPlan)
}

// ---- views ----

// officerView is an officer as the API shows it.
type officerView struct {
	ID             string                `json:"id"`
	Name           string                `json:"name"`
	Branch         string                `json:"branch"`
	Regions        []string              `json:"regions"`
	Kinds          []assign.CustomerKind `json:"kinds"`
	Skills         []assign.Product      `json:"skills"`
	Certifications []string              `json:"certifications"`
	Authority      decimal.Decimal       `json:"authority"`
	SeniorityYears int                   `json:"seniority_years"`
	Capacity       int                   `json:"capacity"`
	Load           int                   `json:"load"`
	Leave          []leaveInput          `json:"leave"`
	Linked         []string              `json:"linked"`
	Performance    *assign.Performance   `json:"performance"`
	Rating         assign.Rating         `json:"rating"`
	Version        int64                 `json:"version"`
	CreatedBy      string                `json:"created_by"`
	CreatedAt      time.Time             `json:"created_at"`
	UpdatedBy      string                `json:"updated_by"`
	UpdatedAt      time.Time             `json:"updated_at"`
}

func viewOfficer(o assigndb.Officer) officerView {
	v := officerView{ID: o.ID, Name: o.Name, Branch: o.Branch, Regions: nonNil(o.Regions), Kinds: nonNil(o.Kinds),
		Skills: nonNil(o.Skills), Certifications: nonNil(o.Certifications), Authority: o.Authority,
		SeniorityYears: o.SeniorityYears, Capacity: o.Capacity, Load: o.Load, Leave: make([]leaveInput, len(o.Leave)),
		Linked: nonNil(o.Linked), Performance: o.Performance, Rating: o.Rating, Version: o.Version,
		CreatedBy: o.CreatedBy, CreatedAt: o.CreatedAt.UTC(), UpdatedBy: o.UpdatedBy, UpdatedAt: o.UpdatedAt.UTC()}
	for i, l := range o.Leave {
		v.Leave[i] = leaveInput{From: l.From.Format(time.DateOnly), To: l.To.Format(time.DateOnly)}
	}
	return v
}

// officerList is a page of officers.
type officerList struct {
	Items      []officerView `json:"items"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

// spellView is one dated spell of ownership.
type spellView struct {
	Application string     `json:"application"`
	Customer    string     `json:"customer,omitempty"`
	Officer     string     `json:"officer"`
	From        time.Time  `json:"from"`
	To          *time.Time `json:"to,omitempty"` // absent while open
	Open        bool       `json:"open"`
	Reason      string     `json:"reason"`
	AssignedBy  string     `json:"assigned_by"`
	Score       float64    `json:"score"`
}

func viewSpell(sp assigndb.Spell) spellView {
	v := spellView{Application: sp.Application, Customer: sp.Customer, Officer: sp.Officer, From: sp.From.UTC(),
		Open: sp.Open(), Reason: sp.Reason, AssignedBy: sp.AssignedBy, Score: sp.Score}
	if !sp.Open() {
		to := sp.To.UTC()
		v.To = &to
	}
	return v
}

// spellList is a page of spells.
type spellList struct {
	Items      []spellView `json:"items"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

// planView is the answer of a batch plan or a reassignment.
type planView struct {
	Officer string      `json:"officer,omitempty"` // the leaver, for a reassignment
	Applied bool        `json:"applied"`           // recorded in the history
	At      time.Time   `json:"at"`
	Reason  string      `json:"reason"`
	Plan    assign.Plan `json:"plan"`
}

// ---- officers ----

// officerError maps assigndb's errors to the server's.
func officerError(err error) error {
	var ve *assigndb.VersionError
	switch {
	case errors.As(err, &ve):
		return fmt.Errorf("officer %s is at version %d: %w", ve.ID, ve.Actual, ErrStaleVersion)
	case errors.Is(err, assigndb.ErrNotFound):
		return fmt.Errorf("%s: %w", strings.TrimSuffix(err.Error(), ": "+assigndb.ErrNotFound.Error()), ErrNotFound)
	case errors.Is(err, assigndb.ErrExists):
		return fmt.Errorf("%s: %w", strings.TrimSuffix(err.Error(), ": "+assigndb.ErrExists.Error())+" exists already", ErrConflict)
	case errors.Is(err, assigndb.ErrCursor):
		return &BadRequestError{Detail: "cursor: not a cursor this API issued", Err: err}
	}
	return err
}

func (s *Server) postOfficer(c *fiber.Ctx) error {
	var in officerInput
	if err := decode(c, &in); err != nil {
		return err
	}
	var o assigndb.Officer
	if err := in.apply(&o, true, s.officers.rater); err != nil {
		return err
	}
	if err := s.checkOfficer(o); err != nil {
		return err
	}
	err := s.cfg.Store.Tx(c.UserContext(), func(tx *sql.Tx) (err error) {
		o, err = s.createOfficerTx(c.UserContext(), tx, actorOf(c), o)
		return err
	})
	if err != nil {
		return officerError(err)
	}
	c.Set(fiber.HeaderLocation, "/v1/officers/"+o.ID)
	c.Set(fiber.HeaderETag, etag(o.Version))
	return c.Status(http.StatusCreated).JSON(viewOfficer(o))
}

// checkOfficer applies the assign package's own validation of an officer.
func (s *Server) checkOfficer(o assigndb.Officer) error {
	if o.ID == "" {
		o.ID = "new" // not drawn yet
	}
	if _, err := assign.NewMatcher([]assign.Officer{o.Officer}, s.officers.rules, assign.Config{Now: s.cfg.Now}); err != nil {
		return assignError(err, "")
	}
	return nil
}

// createOfficerTx is the one write path of new officers: it stores o inside tx, drawing
// an ID ("O" and six digits) when o has none, with its audit record (officer.create).
func (s *Server) createOfficerTx(ctx context.Context, tx *sql.Tx, actor perm.Actor, o assigndb.Officer) (assigndb.Officer, error) {
	// Every writer of officers and assignments locks the state row first, so that on
	// PostgreSQL they queue in one order.
	if _, err := s.officers.repo.LockTx(ctx, tx); err != nil {
		return assigndb.Officer{}, err
	}
	if o.ID == "" {
		for {
			n, err := s.cfg.Store.NextInSequence(ctx, tx, "officer")
			if err != nil {
				return assigndb.Officer{}, err
			}
			o.ID = fmt.Sprintf("O%06d", n)
			_, err = s.officers.repo.GetTx(ctx, tx, o.ID)
			if errors.Is(err, assigndb.ErrNotFound) {
				break // a client may have taken this ID by hand; draw again if so
			}
			if err != nil {
				return assigndb.Officer{}, err
			}
		}
	}
	o, err := s.officers.repo.CreateTx(ctx, tx, o, actor.ID, s.now())
	if err != nil {
		return assigndb.Officer{}, err
	}
	return o, s.audit(ctx, tx, audit.Entry{Actor: actor, Action: "officer.create", EntityType: "officer",
		EntityID: o.ID, After: viewOfficer(o)})
}

func (s *Server) patchOfficer(c *fiber.Ctx) error {
	id, err := pathID(c, "officer")
	if err != nil {
		return err
	}
	version, err := ifMatchOfficer(c)
	if err != nil {
		return err
	}
	var in officerInput
	if err := decode(c, &in); err != nil {
		return err
	}
	var o assigndb.Officer
	err = s.cfg.Store.Tx(c.UserContext(), func(tx *sql.Tx) (err error) {
		o, err = s.updateOfficerTx(c.UserContext(), tx, actorOf(c), id, version, &in)
		return err
	})
	if err != nil {
		return officerError(err)
	}
	c.Set(fiber.HeaderETag, etag(o.Version))
	return c.JSON(viewOfficer(o))
}

// updateOfficerTx is the one write path of officer changes: inside tx it reads officer
// id, checks it is at version, applies in and stores the next version, with its audit
// record (officer.update, the officer before and after).
func (s *Server) updateOfficerTx(ctx context.Context, tx *sql.Tx, actor perm.Actor, id string, version int64, in *officerInput) (assigndb.Officer, error) {
	if _, err := s.officers.repo.LockTx(ctx, tx); err != nil {
		return assigndb.Officer{}, err
	}
	o, err := s.officers.repo.GetTx(ctx, tx, id)
	if err != nil {
		return assigndb.Officer{}, err
	}
	if o.Version != version {
		return assigndb.Officer{}, &assigndb.VersionError{ID: id, Expected: version, Actual: o.Version}
	}
	// Encoded now: apply may change what the view's slices share with o.
	before, err := json.Marshal(viewOfficer(o))
	if err != nil {
		return assigndb.Officer{}, fmt.Errorf("server: encode officer %s: %w", id, err)
	}
	if err := in.apply(&o, false, s.officers.rater); err != nil {
		return assigndb.Officer{}, err
	}
	if err := s.checkOfficer(o); err != nil {
		return assigndb.Officer{}, err
	}
	o, err = s.officers.repo.UpdateTx(ctx, tx, o, version, actor.ID, s.now())
	if err != nil {
		return assigndb.Officer{}, err
	}
	return o, s.audit(ctx, tx, audit.Entry{Actor: actor, Action: "officer.update", EntityType: "officer",
		EntityID: o.ID, Before: json.RawMessage(before), After: viewOfficer(o)})
}

// readOfficer is the one read path of a single officer. Officers are staff, not customer
// data: every actor that may read officers reads all of them, wherever it is bound in the
// tree (an officer's branch is a code of the staff directory, not a tree node). What
// officers hold of customers — their assignment spells — is filtered by the actor's scope
// (getOfficerAssignments, reassignTx, checkPlanCases).
func (s *Server) readOfficer(ctx context.Context, _ perm.Actor, id string) (assigndb.Officer, error) {
	o, err := s.officers.repo.Get(ctx, id)
	return o, officerError(err)
}

func (s *Server) getOfficer(c *fiber.Ctx) error {
	id, err := pathID(c, "officer")
	if err != nil {
		return err
	}
	o, err := s.readOfficer(c.UserContext(), actorOf(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(o.Version))
	return c.JSON(viewOfficer(o))
}

func (s *Server) getOfficers(c *fiber.Ctx) error {
	var (
		q   assigndb.Query
		bad []string
	)
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		val := string(v)
		switch string(k) {
		case "branch":
			q.Branch = val
		case "cursor":
			q.Cursor = val
		case "limit":
			n, ok := queryLimit(val, assigndb.MaxLimit)
			if !ok {
				bad = append(bad, fmt.Sprintf("limit must be an integer from 1 to %d", assigndb.MaxLimit))
			}
			q.Limit = n
		default:
			bad = append(bad, "unknown query parameter "+quoteParam(string(k)))
		}
	})
	if len(bad) > 0 {
		return &BadRequestError{Detail: strings.Join(bad, "; ")}
	}
	page, err := s.officers.repo.List(c.UserContext(), q)
	if err != nil {
		return officerError(err)
	}
	out := officerList{Items: make([]officerView, len(page.Items)), NextCursor: page.Next}
	for i, o := range page.Items {
		out.Items[i] = viewOfficer(o)
	}
	return c.JSON(out)
}

// ---- assignments ----

func (s *Server) getOfficerAssignments(c *fiber.Ctx) error {
	id, err := pathID(c, "officer")
	if err != nil {
		return err
	}
	q := assigndb.HistoryQuery{Officer: id}
	var bad []string
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		val := string(v)
		switch string(k) {
		case "open":
			b, ok := queryBool(val)
			if !ok {
				bad = append(bad, "open must be true or false")
			}
			q.OpenOnly = b
		case "at":
			t, ok := queryTime(val)
			if !ok {
				bad = append(bad, "at must be an RFC 3339 time or a date such as 2026-12-01")
			}
			q.At = t
		case "cursor":
			q.Cursor = val
		case "limit":
			n, ok := queryLimit(val, assigndb.MaxLimit)
			if !ok {
				bad = append(bad, fmt.Sprintf("limit must be an integer from 1 to %d", assigndb.MaxLimit))
			}
			q.Limit = n
		default:
			bad = append(bad, "unknown query parameter "+quoteParam(string(k)))
		}
	})
	if len(bad) > 0 {
		return &BadRequestError{Detail: strings.Join(bad, "; ")}
	}
	if _, err := s.readOfficer(c.UserContext(), actorOf(c), id); err != nil {
		return err
	}
	page, err := s.officerHistory(c.UserContext(), actorOf(c), q)
	if err != nil {
		return officerError(err)
	}
	out := spellList{Items: make([]spellView, len(page.Items)), NextCursor: page.Next}
	for i, sp := range page.Items {
		out.Items[i] = viewSpell(sp)
	}
	return c.JSON(out)
}

// maxHistoryScan bounds the spells one history page reads while leaving out those the
// actor does not see.
const maxHistoryScan = 10 * assigndb.MaxLimit

// officerHistory is the one read path of assignment spells: the page of q, without the
// spells of customers outside the actor's scope. For an actor that does not see every
// customer it reads on past hidden spells to fill the page, up to maxHistoryScan spells;
// a page may then be shorter than its limit (even empty) and still have a next cursor.
func (s *Server) officerHistory(ctx context.Context, actor perm.Actor, q assigndb.HistoryQuery) (assigndb.HistoryPage, error) {
	sight, err := s.customerSight(ctx, actor)
	if err != nil {
		return assigndb.HistoryPage{}, err
	}
	if sight.all() {
		return s.officers.repo.History(ctx, q)
	}
	limit := q.Limit
	if limit <= 0 || limit > assigndb.MaxLimit {
		limit = assigndb.DefaultLimit
	}
	q.Limit = limit
	var out assigndb.HistoryPage
	for scanned := 0; ; {
		page, err := s.officers.repo.History(ctx, q)
		if err != nil {
			return assigndb.HistoryPage{}, err
		}
		for i, sp := range page.Items {
			ok, err := sight.sees(ctx, sp.Customer)
			if err != nil {
				return assigndb.HistoryPage{}, err
			}
			if !ok {
				continue
			}
			out.Items = append(out.Items, sp)
			if len(out.Items) == limit {
				if i < len(page.Items)-1 || page.Next != "" {
					out.Next = assigndb.HistoryCursor(sp.Seq)
				}
				return out, nil
			}
		}
		scanned += len(page.Items)
		if page.Next == "" {
			return out, nil
		}
		if scanned >= maxHistoryScan {
			out.Next = page.Next
			return out, nil
		}
		q.Cursor = page.Next
	}
}

// queryTime parses an RFC 3339 time or a date (its start, UTC).
func queryTime(v string) (time.Time, bool) {
	if len(v) > 40 {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, true
	}
	return time.Time{}, false
}

func (s *Server) postOfficerReassign(c *fiber.Ctx) error {
	id, err := pathID(c, "officer")
	if err != nil {
		return err
	}
	var req reassignRequest
	if len(bytes.TrimSpace(c.Body())) > 0 {
		if err := decode(c, &req); err != nil {
			return err
		}
	}
	opts, err := req.options()
	if err != nil {
		return err
	}
	reason := req.Reason
	if reason == "" {
		reason = "reassigned from " + id
	}
	var out planView
	err = s.cfg.Store.Tx(c.UserContext(), func(tx *sql.Tx) (err error) {
		out, err = s.reassignTx(c.UserContext(), tx, actorOf(c), id, opts, reason, !req.DryRun)
		return err
	})
	if err != nil {
		return officerError(err)
	}
	return c.JSON(out)
}

// reassignTx is the one write path of portfolio moves: inside tx it redistributes the
// open cases of officer id among the other officers with assign's Reassign and, when
// apply, records every move in the history (the cases nobody can take stay with id), each
// with its audit record (officer.reassign, entity the assignment of the moved
// application: the spell closed and the spell opened). Only the cases of customers the
// actor sees are moved or shown; the others stay with id, unmentioned.
func (s *Server) reassignTx(ctx context.Context, tx *sql.Tx, actor perm.Actor, id string, opts assign.ReassignOptions, reason string, apply bool) (planView, error) {
	sight, err := s.customerSight(ctx, actor)
	if err != nil {
		return planView{}, err
	}
	team, err := s.lockTeam(ctx, tx)
	if err != nil {
		return planView{}, err
	}
	if _, err := s.officers.repo.GetTx(ctx, tx, id); err != nil {
		return planView{}, err
	}
	open, err := s.officers.repo.OpenTx(ctx, tx, id)
	if err != nil {
		return planView{}, err
	}
	cases := make([]assign.Case, 0, len(open))
	var unknown []assign.Unassigned
	byID := make(map[string]assign.Case, len(open))
	for _, sp := range open {
		if ok, err := sight.sees(ctx, sp.Customer); err != nil {
			return planView{}, err
		} else if !ok {
			continue
		}
		if sp.Case.Kind == 0 {
			unknown = append(unknown, assign.Unassigned{Case: sp.Application, Reason: "the case was recorded without its details"})
			continue
		}
		c := sp.Case
		if c.Officer == "" {
			c.Officer = id
		}
		cases = append(cases, c)
		byID[c.ApplicationID] = sp.Case
	}
	plan, err := team.matcher.Reassign(id, cases, opts)
	if err != nil {
		return planView{}, assignError(err, "")
	}
	plan.Unassigned = append(plan.Unassigned, unknown...)
	out := planView{Officer: id, Applied: apply, At: s.now(), Reason: reason, Plan: plan}
	if !apply {
		return out, nil
	}
	return out, s.recordPlanTx(ctx, tx, actor, "officer.reassign", team, plan, byID, out.At, reason)
}

// recordPlanTx records every assignment of plan at at inside tx, advances the team's
// loads and appends one audit record (action) per move as the last statements of tx.
func (s *Server) recordPlanTx(ctx context.Context, tx *sql.Tx, actor perm.Actor, action string, team *teamCache, plan assign.Plan, cases map[string]assign.Case, at time.Time, reason string) error {
	moves := make([]moved, 0, len(plan.Assignments))
	entries := make([]audit.Entry, 0, len(plan.Assignments))
	for _, a := range plan.Assignments {
		c := cases[a.Case]
		sp := assigndb.Spell{Application: a.Case, Customer: c.CustomerID, Officer: a.Officer, From: at, Reason: reason,
			Score: a.Candidate.Score, Case: c}
		closed, err := s.recordAssignmentTx(ctx, tx, actor, &sp)
		if err != nil {
			return err
		}
		m := moved{to: a.Officer}
		if closed != nil {
			m.from = closed.Officer
		}
		moves = append(moves, m)
		entries = append(entries, assignmentAudit(actor, action, closed, sp))
	}
	if err := s.advanceTeam(ctx, tx, team, moves); err != nil {
		return err
	}
	for _, e := range entries {
		if err := s.audit(ctx, tx, e); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) postAssignmentPlan(c *fiber.Ctx) error {
	var req planRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	cases, err := req.check()
	if err != nil {
		return err
	}
	if err := s.checkPlanCases(c.UserContext(), actorOf(c), cases); err != nil {
		return err
	}
	reason := req.Reason
	if reason == "" {
		reason = "batch plan"
	}
	opts := assign.PlanOptions{MaxLoadSpread: req.MaxLoadSpread}
	if !req.Apply {
		team, err := s.currentTeam(c.UserContext())
		if err != nil {
			return err
		}
		plan, err := team.matcher.Plan(cases, opts)
		if err != nil {
			return assignError(err, "")
		}
		return c.JSON(planView{At: s.now(), Reason: reason, Plan: plan})
	}
	var out planView
	err = s.cfg.Store.Tx(c.UserContext(), func(tx *sql.Tx) (err error) {
		out, err = s.applyPlanTx(c.UserContext(), tx, actorOf(c), cases, opts, reason)
		return err
	})
	if err != nil {
		return officerError(err)
	}
	return c.JSON(out)
}

// checkPlanCases limits a batch plan to the cases the actor sees. An actor that sees
// every customer may plan any case, as given (a case need not be a stored application).
// For any other actor every case must be a stored application of a customer it sees: one
// that does not exist and one outside the scope are refused alike (422 on
// cases[i].application_id), so existence is not leaked; the case's customer_id is then
// the application's (another one is refused).
func (s *Server) checkPlanCases(ctx context.Context, actor perm.Actor, cases []assign.Case) error {
	sight, err := s.customerSight(ctx, actor)
	if err != nil || sight.all() {
		return err
	}
	var f fieldErrors
	for i := range cases {
		c := &cases[i]
		p := fmt.Sprintf("cases[%d]", i)
		app, err := s.applications.repo.Get(ctx, c.ApplicationID)
		ok := err == nil
		switch {
		case errors.Is(err, loan.ErrNotFound):
		case err != nil:
			return err
		default:
			if ok, err = sight.sees(ctx, app.Customer); err != nil {
				return err
			}
		}
		switch {
		case !ok:
			f.add(p+".application_id", "exists", "no application you may see has this ID", "无此申请或无权查看")
		case c.CustomerID != "" && c.CustomerID != app.Customer:
			f.add(p+".customer_id", "match", "must be the application's customer "+app.Customer, "须为该申请的客户")
		default:
			c.CustomerID = app.Customer
		}
	}
	return f.err()
}

// applyPlanTx is the one write path of batch plans: inside tx it plans cases over the
// team as tx sees it and records every placement, each with its audit record
// (assignment.plan, entity the assignment of the application).
func (s *Server) applyPlanTx(ctx context.Context, tx *sql.Tx, actor perm.Actor, cases []assign.Case, opts assign.PlanOptions, reason string) (planView, error) {
	team, err := s.lockTeam(ctx, tx)
	if err != nil {
		return planView{}, err
	}
	plan, err := team.matcher.Plan(cases, opts)
	if err != nil {
		return planView{}, assignError(err, "")
	}
	byID := make(map[string]assign.Case, len(cases))
	for _, c := range cases {
		byID[c.ApplicationID] = c
	}
	out := planView{Applied: true, At: s.now(), Reason: reason, Plan: plan}
	return out, s.recordPlanTx(ctx, tx, actor, "assignment.plan", team, plan, byID, out.At, reason)
}
