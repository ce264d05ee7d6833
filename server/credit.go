package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/server/audit"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store/creditdb"
	"github.com/creditkit/creditkit/tree"
)

// systemActor is who installs the built-in scorecards.
const systemActor = "system"

// systemAuditor is the actor the audit trail records for the server's own writes at
// start (the built-in scorecards): not a caller, so it holds no permission.
var systemAuditor = perm.New(systemActor, "creditkit server", "system")

// creditState holds the scorecards and the assessor built from the active ones.
//
// The database is the truth: which scorecard is active per customer kind is a row of
// active_scorecards. The server keeps, in active, the assessors compiled from the active
// cards together with the list of active IDs they were built from (the cache key). That
// list is read again (one small query) and the set rebuilt when it differs, so a card
// activated through another process is used from the next assessment on: assessCustomer
// reads it inside its caller's transaction; POST /v1/assessments assesses with the cached
// set and the assessment writer reads the list once per group commit, inside the
// transaction that stores the rows, assessing again any row whose card is no longer
// active. Compiled assessors are also kept by scorecard ID in compiled (versions never
// change), so switching back and forth does not compile again.
type creditState struct {
	repo   *creditdb.Repo
	policy credit.Config
	active atomic.Pointer[assessorSet]

	mu       sync.Mutex
	compiled map[string]*credit.Assessor // by scorecard ID

	writer *assessmentWriter
	refs   refCache // customers of POST /v1/assessments, checked by writer
}

// assessorSet is the assessors of the active scorecards, as of the active list it holds.
type assessorSet struct {
	active []creditdb.Active
	byKind map[string]activeCard
}

// activeCard is the active scorecard of one kind, compiled.
type activeCard struct {
	id       string
	assessor *credit.Assessor
}

// initCredit installs the built-in scorecards as revision 1 of their kinds when a kind has
// no active card (idempotent, also for several processes starting at once) and compiles
// the active cards; New calls it once.
func (s *Server) initCredit(ctx context.Context) error {
	s.credit = creditState{
		repo:     creditdb.New(s.cfg.Store),
		policy:   credit.Config{Now: s.cfg.Now},
		compiled: map[string]*credit.Assessor{},
	}
	s.credit.writer = newAssessmentWriter(s)
	for _, kind := range creditdb.Kinds {
		card, err := credit.BuiltinCard(kind)
		if err != nil {
			return fmt.Errorf("server: built-in %s scorecard: %w", kind, err)
		}
		var installed bool
		err = s.cfg.Store.Tx(ctx, func(tx *sql.Tx) (err error) {
			if installed, err = s.credit.repo.InstallTx(ctx, tx, kind, card, systemActor, s.now()); err != nil || !installed {
				return err
			}
			id := creditdb.ScorecardID(kind, 1)
			sc, err := s.credit.repo.GetTx(ctx, tx, id)
			if err != nil {
				return err
			}
			return s.audit(ctx, tx, audit.Entry{Actor: systemAuditor, Action: "scorecard.install", EntityType: "scorecard",
				EntityID: id, After: scorecardRecord(sc)})
		})
		if err != nil {
			return fmt.Errorf("server: install the built-in %s scorecard: %w", kind, err)
		}
		if installed {
			s.log.Info("installed the built-in scorecard", "kind", kind, "scorecard", creditdb.ScorecardID(kind, 1),
				"model_id", card.ModelID, "model_version", card.Version)
		}
	}
	if _, err := s.activeCard(ctx, nil, creditdb.Kinds[0]); err != nil {
		return err
	}
	return nil
}

// activeCard returns the compiled active scorecard of kind; see activeSet.
func (s *Server) activeCard(ctx context.Context, tx *sql.Tx, kind string) (activeCard, error) {
	set, err := s.activeSet(ctx, tx)
	if err != nil {
		return activeCard{}, err
	}
	return set.card(kind)
}

// card returns the compiled active scorecard of kind.
func (set *assessorSet) card(kind string) (activeCard, error) {
	card, ok := set.byKind[kind]
	if !ok {
		return activeCard{}, fmt.Errorf("server: no active scorecard for %s customers: %w", kind, creditdb.ErrNoActive)
	}
	return card, nil
}

// activeSet returns the compiled active scorecards. It reads the active list inside tx,
// or from the reader pool when tx is nil, and rebuilds the cached set when the list
// changed since it was built.
func (s *Server) activeSet(ctx context.Context, tx *sql.Tx) (*assessorSet, error) {
	var (
		buf [4]creditdb.Active
		act []creditdb.Active
		err error
	)
	if tx != nil {
		act, err = s.credit.repo.ActiveTx(ctx, tx, buf[:0])
	} else {
		act, err = s.credit.repo.ActiveInto(ctx, buf[:0])
	}
	if err != nil {
		return nil, err
	}
	set := s.credit.active.Load()
	if set == nil || !slices.Equal(set.active, act) {
		if set, err = s.buildAssessors(ctx, tx, act); err != nil {
			return nil, err
		}
		s.credit.active.Store(set)
	}
	return set, nil
}

// buildAssessors compiles (or takes from the compiled cache) the scorecards of act.
func (s *Server) buildAssessors(ctx context.Context, tx *sql.Tx, act []creditdb.Active) (*assessorSet, error) {
	set := &assessorSet{active: slices.Clone(act), byKind: make(map[string]activeCard, len(act))}
	for _, a := range act {
		as, err := s.compiledAssessor(ctx, tx, a.Scorecard)
		if err != nil {
			return nil, err
		}
		set.byKind[a.Kind] = activeCard{id: a.Scorecard, assessor: as}
	}
	return set, nil
}

func (s *Server) compiledAssessor(ctx context.Context, tx *sql.Tx, id string) (*credit.Assessor, error) {
	s.credit.mu.Lock()
	as, ok := s.credit.compiled[id]
	s.credit.mu.Unlock()
	if ok {
		return as, nil
	}
	var (
		sc  creditdb.Scorecard
		err error
	)
	if tx != nil {
		sc, err = s.credit.repo.GetTx(ctx, tx, id)
	} else {
		sc, err = s.credit.repo.Get(ctx, id)
	}
	if err != nil {
		return nil, fmt.Errorf("server: load scorecard %s: %w", id, err)
	}
	as, err = s.newAssessor(sc.Card)
	if err != nil {
		return nil, fmt.Errorf("server: stored scorecard %s: %w", id, err)
	}
	s.credit.mu.Lock()
	s.credit.compiled[id] = as
	s.credit.mu.Unlock()
	return as, nil
}

// newAssessor parses, compiles and binds a scorecard to the server's policy.
func (s *Server) newAssessor(card []byte) (*credit.Assessor, error) {
	c, err := credit.ParseScorecard(card)
	if err != nil {
		return nil, err
	}
	m, err := credit.Compile(c)
	if err != nil {
		return nil, err
	}
	return credit.NewAssessor(m, s.credit.policy)
}

// storedAssessment is a risk assessment report as stored, never changed afterwards.
type storedAssessment struct {
	ID        string
	Customer  string
	Scorecard string // ID of the scorecard version used
	Report    credit.Report
	CreatedAt time.Time
}

// assessCustomer assesses facts for the customer with the active scorecard of its kind
// and stores the report inside tx. The actor is the one in ctx. Facts the assessment
// refuses are a *ValidationError with paths under "facts.".
//
// It appends no audit record: its caller (the loan workflow's assess) writes the
// assessment as part of its own entity and records it there, as the last statement of its
// transaction; assessmentAudit gives the entry should it want one for the assessment too.
// (Appending here, before the caller's own writes, would take the trail's lock early and
// could deadlock on PostgreSQL with a writer holding the caller's rows.)
func (s *Server) assessCustomer(ctx context.Context, tx *sql.Tx, ref customerRef, facts credit.Facts) (storedAssessment, error) {
	actor, _ := perm.FromContext(ctx)
	row, report, err := s.prepareAssessment(ctx, tx, ref, facts)
	if err != nil {
		return storedAssessment{}, err
	}
	if err := s.recordAssessmentsTx(ctx, tx, []assessmentWrite{{actor: actor, row: &row}}); err != nil {
		return storedAssessment{}, err
	}
	return storedAssessment{ID: row.ID, Customer: row.Customer, Scorecard: row.Scorecard, Report: report, CreatedAt: row.CreatedAt}, nil
}

// prepareAssessment assesses facts with the active scorecard of the customer's kind (read
// inside tx, or from the reader pool when tx is nil) and returns the row to store.
func (s *Server) prepareAssessment(ctx context.Context, tx *sql.Tx, ref customerRef, facts credit.Facts) (creditdb.Assessment, credit.Report, error) {
	if !ref.Kind.Valid() {
		return creditdb.Assessment{}, credit.Report{}, fmt.Errorf("server: customer %s has no kind", ref.Number)
	}
	card, err := s.activeCard(ctx, tx, ref.Kind.String())
	if err != nil {
		return creditdb.Assessment{}, credit.Report{}, err
	}
	return s.assessWith(card, ref, facts)
}

// cachedCard returns the compiled scorecard of kind that was active when last checked,
// without asking the database; the assessment writer checks it at commit.
func (s *Server) cachedCard(ctx context.Context, kind string) (activeCard, error) {
	if set := s.credit.active.Load(); set != nil {
		if card, ok := set.byKind[kind]; ok {
			return card, nil
		}
	}
	return s.activeCard(ctx, nil, kind)
}

// assessWith assesses facts for the customer with card and returns the row to store. It
// does no I/O.
func (s *Server) assessWith(card activeCard, ref customerRef, facts credit.Facts) (creditdb.Assessment, credit.Report, error) {
	report, err := card.assessor.Assess(facts)
	if err != nil {
		var ve *credit.ValidationError
		switch {
		case errors.As(err, &ve):
			return creditdb.Assessment{}, credit.Report{}, creditFactsError(err, nil)
		case errors.Is(err, credit.ErrNoConvergence):
			// The APR of an extreme request (rate, term, fees) has no solution the solver finds.
			return creditdb.Assessment{}, credit.Report{}, &ValidationError{Fields: []FieldError{{Path: "facts.request",
				Rule: "price", Message: "the annual percentage rate of this request cannot be computed",
				MessageZH: "无法计算该申请的年化利率"}}}
		}
		return creditdb.Assessment{}, credit.Report{}, fmt.Errorf("server: assess customer %s: %w", ref.Number, err)
	}
	row := creditdb.Assessment{Customer: ref.Number, CustomerKind: ref.Kind.String(), Scorecard: card.id,
		Grade: report.Grade.String(), Score: report.Score, PD: report.PD, Decision: report.Decision.String(),
		Limit: report.Limit, CreatedAt: report.AssessedAt.UTC()}
	if row.Report, row.Facts, row.Request, err = encodeAssessment(&report); err != nil {
		return creditdb.Assessment{}, credit.Report{}, err
	}
	return row, report, nil
}

// reportSize is room for a typical report's JSON (~4.5 KB), so that it is written without
// growing the buffer.
const reportSize = 6 << 10

// encodeAssessment returns the JSON of report, of its facts and of their request, exactly
// as encoding/json writes them (the API's and the stored form), through appendReport.
// TestEncodeAssessmentIsEncodingJSON and FuzzAssessmentRequest compare the two. The facts
// and the request are the report's members, byte for byte, so they are slices of the
// report's JSON rather than encoded again.
func encodeAssessment(report *credit.Report) (doc, facts, request []byte, err error) {
	var parts reportParts
	if doc, err = appendReport(make([]byte, 0, reportSize), report, &parts); err != nil {
		return nil, nil, nil, fmt.Errorf("server: encode report: %w", err)
	}
	return doc, parts.facts.of(doc), parts.request.of(doc), nil
}

// assessmentWrite is one assessment to store and who made it.
type assessmentWrite struct {
	actor perm.Actor
	row   *creditdb.Assessment
	// audited is the assessment's audit record (assessment.create), prepared in the
	// request that made it, with that request's context for its Idempotency-Key; nil when
	// the caller records the write in an audit record of its own (see assessCustomer).
	audited *auditedWrite
}

// recordAssessmentsTx is the one write path of assessments: it stores every row, each
// made by its actor, inside tx and sets the IDs of rows without one; then it appends the
// audit records of the writes that have one, as the last statements of tx.
func (s *Server) recordAssessmentsTx(ctx context.Context, tx *sql.Tx, writes []assessmentWrite) error {
	rows := make([]*creditdb.Assessment, len(writes))
	for i, w := range writes {
		w.row.CreatedBy = w.actor.ID
		rows[i] = w.row
	}
	if err := s.credit.repo.CreateAssessmentsTx(ctx, tx, rows); err != nil {
		return err
	}
	audited := make([]auditedWrite, 0, len(writes))
	for _, w := range writes {
		if w.audited != nil {
			audited = append(audited, *w.audited)
		}
	}
	return s.auditBatch(ctx, tx, audited)
}

// assessmentAudit is the audit entry of a stored assessment made by actor: its headline
// (who, which card, grade, score, PD, decision, limit) without the report, facts and
// request documents, which the row keeps unchanged forever.
func (s *Server) assessmentAudit(actor perm.Actor, a *creditdb.Assessment) audit.Entry {
	return audit.Entry{Actor: actor, Action: "assessment.create", EntityType: "assessment", EntityID: a.ID,
		After: headOf(a).auditDocument()}
}

// readAssessment is the one read path of stored assessments: an assessment of a customer
// outside the actor's scope is not found, exactly like one that does not exist.
func (s *Server) readAssessment(ctx context.Context, actor perm.Actor, id string) (creditdb.Assessment, error) {
	a, err := s.credit.repo.Assessment(ctx, id)
	if errors.Is(err, creditdb.ErrNotFound) {
		return creditdb.Assessment{}, fmt.Errorf("no assessment %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return creditdb.Assessment{}, err
	}
	sight, err := s.customerSight(ctx, actor)
	if err != nil {
		return creditdb.Assessment{}, err
	}
	ok, err := sight.sees(ctx, a.Customer)
	if err != nil {
		return creditdb.Assessment{}, err
	}
	if !ok {
		// The same error as a missing row's, so existence is not leaked.
		return creditdb.Assessment{}, fmt.Errorf("no assessment %s: %w", id, ErrNotFound)
	}
	return a, nil
}

// sight answers, for one request's actor, which customers it sees, remembering the
// answer per customer: for reads that filter rows naming customers (assessments,
// assignment spells) by the customer's scope.
type sight struct {
	s    *Server
	sc   scope
	seen map[string]bool
}

// customerSight returns the sight of actor a.
func (s *Server) customerSight(ctx context.Context, a perm.Actor) (*sight, error) {
	sc, err := s.scopeOf(ctx, a)
	if err != nil {
		return nil, err
	}
	return &sight{s: s, sc: sc}, nil
}

// all reports whether the actor sees every customer, so nothing needs filtering.
func (v *sight) all() bool { return v.sc.all() }

// sees reports whether the actor sees customer number. A row that names no customer, or
// one that does not exist, is treated as an unplaced customer without an officer: only
// actors bound to the root and not limited to their own customers see it.
func (v *sight) sees(ctx context.Context, number string) (bool, error) {
	if v.sc.all() {
		return true, nil
	}
	if ok, known := v.seen[number]; known {
		return ok, nil
	}
	var (
		node    tree.ID
		officer string
	)
	if number != "" {
		ref, err := v.s.lookupCustomer(ctx, number)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return false, err
		default:
			officer = ref.Officer
			if ref.Node != "" {
				n, err := strconv.ParseInt(ref.Node, 10, 64)
				if err != nil {
					return false, fmt.Errorf("server: customer %s has a malformed node %q", number, ref.Node)
				}
				node = tree.ID(n)
			}
		}
	}
	ok := v.sc.sees(node, officer)
	if v.seen == nil {
		v.seen = map[string]bool{}
	}
	v.seen[number] = ok
	return ok, nil
}
