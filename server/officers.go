package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/creditkit/creditkit/assign"
	"github.com/creditkit/creditkit/server/audit"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store/assigndb"
)

// officerState holds the officers, their ratings and the assignment rules.
//
// The database is the truth: officers and their open assignments (whose count is each
// officer's load). The server keeps, in team, a matcher built from them together with the
// state token it was built at (assign_state, which every write to officers or assignments
// changes). Assigning transactions lock that row, compare tokens and rebuild the matcher
// when another process (or this one) wrote since; after recording an assignment they
// store the matcher with the new loads under the token their own transaction wrote, which
// only becomes current if it commits.
type officerState struct {
	repo  *assigndb.Repo
	rater *assign.Rater
	rules assign.Rules
	team  atomic.Pointer[teamCache]
}

// teamCache is a matcher over the team as of one state token. The matcher is only asked
// (Evaluate, Plan, Reassign, Check), never changed.
type teamCache struct {
	token   string
	team    []assign.Officer // by ID, with loads
	matcher *assign.Matcher
}

// initOfficers prepares officers and assignments; New calls it once.
func (s *Server) initOfficers(ctx context.Context) error {
	rater, err := assign.NewRater(assign.RatingConfig{})
	if err != nil {
		return fmt.Errorf("server: officer rater: %w", err)
	}
	rules := assign.DefaultRules()
	if err := rules.Validate(); err != nil {
		return fmt.Errorf("server: assignment rules: %w", err)
	}
	s.officers = officerState{repo: assigndb.New(s.cfg.Store), rater: rater, rules: rules}
	_, err = s.currentTeam(ctx)
	return err
}

// newTeamCache builds the matcher of team at token.
func (s *Server) newTeamCache(token string, team []assign.Officer) (*teamCache, error) {
	m, err := assign.NewMatcher(team, s.officers.rules, assign.Config{Now: s.cfg.Now})
	if err != nil {
		return nil, fmt.Errorf("server: officers as stored: %w", err)
	}
	return &teamCache{token: token, team: team, matcher: m}, nil
}

// currentTeam returns the matcher over the committed team, read from the reader pool: for
// answers that write nothing (a dry-run plan).
func (s *Server) currentTeam(ctx context.Context) (*teamCache, error) {
	st, err := s.officers.repo.State(ctx)
	if err != nil {
		return nil, err
	}
	if c := s.officers.team.Load(); c != nil && c.token == st.Token {
		return c, nil
	}
	team, err := s.officers.repo.Team(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.newTeamCache(st.Token, team)
	if err != nil {
		return nil, err
	}
	s.officers.team.Store(c)
	return c, nil
}

// lockTeam locks the officer state inside tx and returns the matcher over the team as tx
// sees it.
func (s *Server) lockTeam(ctx context.Context, tx *sql.Tx) (*teamCache, error) {
	st, err := s.officers.repo.LockTx(ctx, tx)
	if err != nil {
		return nil, err
	}
	if c := s.officers.team.Load(); c != nil && c.token == st.Token {
		return c, nil
	}
	team, err := s.officers.repo.TeamTx(ctx, tx)
	if err != nil {
		return nil, err
	}
	c, err := s.newTeamCache(st.Token, team)
	if err != nil {
		return nil, err
	}
	s.officers.team.Store(c)
	return c, nil
}

// moved is one change of ownership recorded in a transaction.
type moved struct {
	from, to string // officers; from is "" when the case had no owner
}

// advanceTeam stores, after assignments recorded in tx, the matcher with the loads they
// leave under the state token tx wrote. Should tx roll back, that token never becomes
// current and the entry is never used.
func (s *Server) advanceTeam(ctx context.Context, tx *sql.Tx, base *teamCache, moves []moved) error {
	st, err := s.officers.repo.StateTx(ctx, tx)
	if err != nil {
		return err
	}
	team := make([]assign.Officer, len(base.team))
	copy(team, base.team)
	index := make(map[string]int, len(team))
	for i, o := range team {
		index[o.ID] = i
	}
	for _, m := range moves {
		if i, ok := index[m.from]; ok && team[i].Load > 0 {
			team[i].Load--
		}
		if i, ok := index[m.to]; ok {
			team[i].Load++
		}
	}
	c, err := s.newTeamCache(st.Token, team)
	if err != nil {
		return err
	}
	s.officers.team.Store(c)
	return nil
}

// noEligibleError is assignCase's answer when nobody passes the hard rules: its text is
// the decision's per-rule summary, and it matches ErrConflict and the assign error.
type noEligibleError struct {
	summary string
	err     error
}

func (e *noEligibleError) Error() string { return e.summary }

func (e *noEligibleError) Unwrap() []error { return []error{ErrConflict, e.err} }

func noEligible(d assign.Decision, err error) error {
	summary := d.Summary()
	if summary == "" {
		summary = "no officer is registered"
	}
	return &noEligibleError{summary: summary, err: err}
}

// assignCase chooses an officer for c, records the assignment (dated, in the history)
// inside tx and returns the decision with its reasons. When nobody is eligible it returns
// the decision and an error wrapping ErrConflict whose text summarises why per rule. A
// case the rules refuse (no ID, unset kind or product, negative amount or term) is a
// *ValidationError with paths under "case.". The actor is the one in ctx.
func (s *Server) assignCase(ctx context.Context, tx *sql.Tx, c assign.Case) (assign.Decision, error) {
	actor, _ := perm.FromContext(ctx)
	team, err := s.lockTeam(ctx, tx)
	if err != nil {
		return assign.Decision{}, err
	}
	d, err := team.matcher.Evaluate(c)
	switch {
	case errors.Is(err, assign.ErrNoEligibleOfficer):
		return d, noEligible(d, err)
	case err != nil:
		return d, assignError(err, "case")
	}
	sp := assigndb.Spell{Application: c.ApplicationID, Customer: c.CustomerID, Officer: d.Officer, From: s.now(),
		Reason: strings.Join(d.Reasons, "; "), Case: c}
	if len(d.Candidates) > 0 {
		sp.Score = d.Candidates[0].Score
	}
	closed, err := s.recordAssignmentTx(ctx, tx, actor, &sp)
	if err != nil {
		return d, err
	}
	m := moved{to: d.Officer}
	if closed != nil {
		m.from = closed.Officer
	}
	return d, s.advanceTeam(ctx, tx, team, []moved{m})
}

// recordAssignmentTx is the one write path of assignments: it gives sp.Application to
// sp.Officer inside tx, closing the application's open spell, and returns the spell it
// closed. It appends no audit record: its callers do, as the last statements of their
// transactions — recordPlanTx's callers one per move (assignmentAudit), the loan
// workflow's assign in the application's own record.
func (s *Server) recordAssignmentTx(ctx context.Context, tx *sql.Tx, actor perm.Actor, sp *assigndb.Spell) (*assigndb.Spell, error) {
	sp.AssignedBy = actor.ID
	return s.officers.repo.RecordTx(ctx, tx, sp)
}

// assignmentAudit is the audit entry of one recorded move: the application's spell that
// closed (nil when the case had no owner) and the one that opened.
func assignmentAudit(actor perm.Actor, action string, closed *assigndb.Spell, opened assigndb.Spell) audit.Entry {
	e := audit.Entry{Actor: actor, Action: action, EntityType: "assignment", EntityID: opened.Application,
		After: viewSpell(opened)}
	if closed != nil {
		e.Before = viewSpell(*closed)
	}
	return e
}

// releaseCase ends the open assignment of application inside tx, so that it no longer
// counts in its officer's load: for the loan workflow once the application is decided or
// withdrawn. It does nothing when the application is not assigned.
func (s *Server) releaseCase(ctx context.Context, tx *sql.Tx, application string) error {
	if _, err := s.officers.repo.LockTx(ctx, tx); err != nil {
		return err
	}
	_, err := s.officers.repo.CloseTx(ctx, tx, application, s.now())
	return err
}

// assignError turns the assign package's validation problems into field problems under
// prefix (the officer's own fields when prefix is ""); other errors pass through.
func assignError(err error, prefix string) error {
	var ve *assign.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var f fieldErrors
	for _, p := range ve.Problems {
		path := p.Path
		// NewMatcher reports an officer's fields as officers[0].x; a case's fields bare.
		if i := strings.Index(path, "]."); strings.HasPrefix(path, "officers[") && i >= 0 {
			path = path[i+2:]
		}
		switch {
		case prefix == "":
		case path == "":
			path = prefix
		default:
			path = prefix + "." + path
		}
		f = append(f, FieldError{Path: path, Rule: p.Rule, Message: p.Message, MessageZH: "无效：" + p.Message})
	}
	if len(f) == 0 {
		f.add(prefix, "invalid", strings.TrimPrefix(err.Error(), "assign: "), "无效")
	}
	return f.err()
}
