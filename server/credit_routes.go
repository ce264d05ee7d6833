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
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/server/audit"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store/creditdb"
)

// mimeMarkdown is the media type of an assessment report rendered for people.
const mimeMarkdown = "text/markdown"

// maxIDLen bounds path IDs and customer numbers; longer ones name nothing.
const maxIDLen = 64

// creditRoutes registers /v1/assessments/... and /v1/scorecards/....
func (s *Server) creditRoutes() {
	s.handle(fiber.MethodPost, "/v1/assessments", perm.AssessmentWrite, s.postAssessment)
	s.handle(fiber.MethodGet, "/v1/assessments/:id", perm.AssessmentRead, s.getAssessment)
	s.handle(fiber.MethodGet, "/v1/scorecards", perm.ScorecardRead, s.getScorecards)
	s.handle(fiber.MethodPost, "/v1/scorecards", perm.ScorecardWrite, s.postScorecard)
	s.handle(fiber.MethodGet, "/v1/scorecards/:id", perm.ScorecardRead, s.getScorecard)
	s.handle(fiber.MethodPost, "/v1/scorecards/:id/activate", perm.ScorecardWrite, s.postScorecardActivate)
}

// ---- assessments ----

// assessmentRequest is the body of POST /v1/assessments: the customer's number and the
// facts about the applicant and the credit requested (facts.request) in the credit
// package's JSON form.
type assessmentRequest struct {
	Customer string          `json:"customer"`
	Facts    json.RawMessage `json:"facts"`
}

func (r assessmentRequest) check() (string, credit.Facts, error) {
	var f fieldErrors
	number := strings.TrimSpace(r.Customer)
	switch {
	case number == "":
		f.add("customer", "required", "the customer number is required", "客户号必填")
	case len(number) > maxIDLen:
		f.add("customer", "max_length", fmt.Sprintf("at most %d characters", maxIDLen), fmt.Sprintf("最多 %d 个字符", maxIDLen))
	}
	raw := bytes.TrimSpace(r.Facts)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		f.add("facts", "required", "the facts about the applicant are required", "申请人信息必填")
		return "", credit.Facts{}, f.err()
	}
	facts, err := credit.DecodeFacts(raw)
	if err != nil {
		return "", credit.Facts{}, creditFactsError(err, f)
	}
	return number, facts, f.err()
}

// storedAssessmentView is a stored assessment as the API shows it: the headline figures
// and the full report.
type storedAssessmentView struct {
	assessmentHead
	Report json.RawMessage `json:"report"`
}

// assessmentHead is the headline of a stored assessment.
type assessmentHead struct {
	ID           string          `json:"id"`
	Customer     string          `json:"customer"`
	CustomerKind string          `json:"customer_kind"`
	Scorecard    string          `json:"scorecard"`
	Grade        string          `json:"grade"`
	Score        float64         `json:"score"`
	PD           float64         `json:"pd"`
	Decision     string          `json:"decision"`
	Limit        decimal.Decimal `json:"limit"`
	RequestID    string          `json:"request_id,omitempty"`
	CreatedBy    string          `json:"created_by"`
	CreatedAt    time.Time       `json:"created_at"`
}

// appendAssessmentJSON appends a stored assessment encoded as encoding/json encodes its
// storedAssessmentView (TestAssessmentJSONSplicesTheReport), with jsonOut, splicing the
// report's JSON (compact and valid, as appendReport wrote it) in as it is rather than
// encoding it again.
func appendAssessmentJSON(dst []byte, a *creditdb.Assessment) ([]byte, error) {
	w := jsonOut{b: dst}
	head := headOf(a)
	head.appendOpen(&w)
	w.raw(`,"report":`)
	w.b = append(w.b, a.Report...)
	w.raw(`}`)
	b, err := w.result()
	if err != nil {
		return nil, fmt.Errorf("server: encode assessment %s: %w", a.ID, err)
	}
	return b, nil
}

// headOf returns the headline of a.
func headOf(a *creditdb.Assessment) assessmentHead {
	return assessmentHead{ID: a.ID, Customer: a.Customer, CustomerKind: a.CustomerKind, Scorecard: a.Scorecard,
		Grade: a.Grade, Score: a.Score, PD: a.PD, Decision: a.Decision, Limit: a.Limit, RequestID: a.RequestID,
		CreatedBy: a.CreatedBy, CreatedAt: a.CreatedAt.UTC()}
}

// appendOpen appends h as encoding/json encodes it, but for the closing brace, so that a
// stored assessment's answer goes on with the report.
func (h *assessmentHead) appendOpen(w *jsonOut) {
	w.raw(`{"id":`)
	w.str(h.ID)
	w.raw(`,"customer":`)
	w.str(h.Customer)
	w.raw(`,"customer_kind":`)
	w.str(h.CustomerKind)
	w.raw(`,"scorecard":`)
	w.str(h.Scorecard)
	w.raw(`,"grade":`)
	w.str(h.Grade)
	w.raw(`,"score":`)
	w.float(h.Score)
	w.raw(`,"pd":`)
	w.float(h.PD)
	w.raw(`,"decision":`)
	w.str(h.Decision)
	w.raw(`,"limit":`)
	w.decimal(h.Limit)
	if h.RequestID != "" {
		w.raw(`,"request_id":`)
		w.str(h.RequestID)
	}
	w.raw(`,"created_by":`)
	w.str(h.CreatedBy)
	w.raw(`,"created_at":`)
	w.time(h.CreatedAt)
}

// auditDocument returns h as the after document of its assessment's audit record: its
// JSON as encoding/json encodes it, but written by jsonOut (as an audit.CompactJSON,
// which the audit log neither encodes nor checks again) rather than by reflection, which
// was ~3% of an assessment's server CPU. A head jsonOut refuses (a NaN score) is returned
// as it is, for the audit log's json.Marshal to refuse.
func (h assessmentHead) auditDocument() any {
	w := jsonOut{b: make([]byte, 0, 320)}
	h.appendOpen(&w)
	w.raw(`}`)
	b, err := w.result()
	if err != nil {
		return h
	}
	return audit.CompactJSON(b)
}

// assessmentBodies are buffers for appendAssessmentJSON: a body is ~5 KB, and the response
// keeps a copy in its own pooled buffer.
var assessmentBodies = sync.Pool{New: func() any { return new([]byte) }}

// sendAssessment answers with the assessment as JSON.
func sendAssessment(c *fiber.Ctx, a *creditdb.Assessment) error {
	buf := assessmentBodies.Get().(*[]byte)
	defer assessmentBodies.Put(buf)
	body, err := appendAssessmentJSON((*buf)[:0], a)
	if err != nil {
		return err
	}
	*buf = body
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	c.Response().SetBody(body) // copies, unlike c.Send
	return nil
}

func (s *Server) postAssessment(c *fiber.Ctx) error {
	number, facts, err := decodeAssessmentRequest(c.Get(fiber.HeaderContentType), c.Body())
	if err != nil {
		return err
	}
	a, err := s.createAssessment(c.UserContext(), actorOf(c), number, facts, s.ensureRequestID(c))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderLocation, "/v1/assessments/"+a.ID)
	c.Status(http.StatusCreated)
	return sendAssessment(c, &a)
}

// createAssessment assesses facts for customer number with the active scorecard of its
// kind and stores the report; the store is group-committed with other requests' and
// checked against the active card there (see assessmentWriter), with its audit record;
// this returns after the commit. A customer outside the actor's scope is refused exactly
// like one that does not exist (422, customer: exists), so existence is not leaked.
func (s *Server) createAssessment(ctx context.Context, actor perm.Actor, number string, facts credit.Facts, requestID string) (creditdb.Assessment, error) {
	ref, err := s.assessableCustomer(ctx, actor, number)
	if err != nil {
		return creditdb.Assessment{}, err
	}
	card, err := s.cachedCard(ctx, ref.Kind.String())
	if err != nil {
		return creditdb.Assessment{}, err
	}
	row, _, err := s.assessWith(card, ref, facts)
	if err != nil {
		return creditdb.Assessment{}, err
	}
	if row.ID, err = s.credit.repo.NewAssessmentID(ctx); err != nil {
		return creditdb.Assessment{}, err
	}
	row.RequestID, row.CreatedBy = requestID, actor.ID
	if err := s.credit.writer.write(ctx, actor, &row, ref, facts); err != nil {
		return creditdb.Assessment{}, err
	}
	return row, nil
}

// pathID reads a path parameter that names a stored thing; one no stored thing can have
// is not found.
func pathID(c *fiber.Ctx, what string) (string, error) {
	id := c.Params("id")
	if id == "" || len(id) > maxIDLen {
		return "", fmt.Errorf("no such %s: %w", what, ErrNotFound)
	}
	return strings.Clone(id), nil
}

func (s *Server) getAssessment(c *fiber.Ctx) error {
	id, err := pathID(c, "assessment")
	if err != nil {
		return err
	}
	a, err := s.readAssessment(c.UserContext(), actorOf(c), id)
	if err != nil {
		return err
	}
	c.Vary(fiber.HeaderAccept)
	switch c.Accepts(fiber.MIMEApplicationJSON, mimeMarkdown) {
	case mimeMarkdown:
		var r credit.Report
		if err := json.Unmarshal(a.Report, &r); err != nil {
			return fmt.Errorf("server: stored report %s: %w", id, err)
		}
		c.Set(fiber.HeaderContentType, mimeMarkdown+"; charset=utf-8")
		return c.SendString(r.Markdown())
	case fiber.MIMEApplicationJSON:
		return sendAssessment(c, &a)
	default:
		return fiber.NewError(http.StatusNotAcceptable, "the report is served as application/json or text/markdown")
	}
}

// ---- scorecards ----

// scorecardView is a stored scorecard version; Card is left out of lists.
type scorecardView struct {
	ID           string          `json:"id"`
	Kind         string          `json:"kind"`
	Revision     int64           `json:"revision"`
	ModelID      string          `json:"model_id"`
	ModelVersion string          `json:"model_version"`
	SHA256       string          `json:"sha256"`
	Active       bool            `json:"active"`
	UploadedBy   string          `json:"uploaded_by"`
	UploadedAt   time.Time       `json:"uploaded_at"`
	Card         json.RawMessage `json:"card,omitempty"`
}

func viewScorecard(sc creditdb.Scorecard) scorecardView {
	v := scorecardView{ID: sc.ID, Kind: sc.Kind, Revision: sc.Revision, ModelID: sc.ModelID, ModelVersion: sc.ModelVersion,
		SHA256: sc.SHA256, Active: sc.Active, UploadedBy: sc.UploadedBy, UploadedAt: sc.UploadedAt.UTC()}
	if len(sc.Card) > 0 {
		v.Card = sc.Card
	}
	return v
}

// scorecardList is a page of scorecards.
type scorecardList struct {
	Items      []scorecardView `json:"items"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

func (s *Server) getScorecards(c *fiber.Ctx) error {
	var (
		q   creditdb.Query
		bad []string
	)
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		val := string(v)
		switch string(k) {
		case "kind":
			if !creditdb.ValidKind(val) {
				bad = append(bad, "kind must be individual or enterprise")
			}
			q.Kind = val
		case "active":
			b, ok := queryBool(val)
			if !ok {
				bad = append(bad, "active must be true or false")
			}
			q.ActiveOnly = b
		case "cursor":
			q.Cursor = val
		case "limit":
			n, ok := queryLimit(val, creditdb.MaxLimit)
			if !ok {
				bad = append(bad, fmt.Sprintf("limit must be an integer from 1 to %d", creditdb.MaxLimit))
			}
			q.Limit = n
		default:
			bad = append(bad, "unknown query parameter "+quoteParam(string(k)))
		}
	})
	if len(bad) > 0 {
		return &BadRequestError{Detail: strings.Join(bad, "; ")}
	}
	page, err := s.credit.repo.List(c.UserContext(), q)
	if errors.Is(err, creditdb.ErrCursor) {
		return &BadRequestError{Detail: "cursor: not a cursor this API issued", Err: err}
	}
	if err != nil {
		return err
	}
	out := scorecardList{Items: make([]scorecardView, len(page.Items)), NextCursor: page.Next}
	for i, sc := range page.Items {
		out.Items[i] = viewScorecard(sc)
	}
	return c.JSON(out)
}

func (s *Server) getScorecard(c *fiber.Ctx) error {
	id, err := pathID(c, "scorecard")
	if err != nil {
		return err
	}
	sc, err := s.credit.repo.Get(c.UserContext(), id)
	if err != nil {
		return scorecardError(err)
	}
	c.Set(fiber.HeaderETag, `"`+sc.SHA256+`"`)
	return c.JSON(viewScorecard(sc))
}

// scorecardRequest is the body of POST /v1/scorecards: the customer kind the card serves
// and the card in the credit package's JSON form (sha256 optional; when given it must
// match the content).
type scorecardRequest struct {
	Kind string          `json:"kind"`
	Card json.RawMessage `json:"card"`
}

// check validates the request: the kind, and the card as credit.ParseScorecard and
// credit.Compile see it, every problem at once with paths under "card.".
func (r scorecardRequest) check() (string, *credit.Scorecard, error) {
	var f fieldErrors
	switch {
	case r.Kind == "":
		f.add("kind", "required", "is required; one of individual, enterprise", "必填，可选值：individual, enterprise")
	case !creditdb.ValidKind(r.Kind):
		f.add("kind", "enum", "must be one of individual, enterprise", "取值应为：individual, enterprise")
	}
	raw := bytes.TrimSpace(r.Card)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		f.add("card", "required", "the scorecard is required", "评分卡必填")
		return "", nil, f.err()
	}
	card, err := credit.ParseScorecard(raw)
	if err == nil {
		_, err = credit.Compile(card)
	}
	if bad := unknownFieldIn("card", err); bad != nil {
		return "", nil, bad
	}
	if err != nil {
		f = append(f, scorecardProblems(err)...)
	}
	return r.Kind, card, f.err()
}

// scorecardProblems turns the credit package's objections to a card into field problems.
func scorecardProblems(err error) fieldErrors {
	var (
		f  fieldErrors
		ve *credit.ValidationError
	)
	switch {
	case errors.As(err, &ve) && len(ve.Problems) > 0:
		for _, p := range ve.Problems {
			path := "card"
			if p.Path != "" && p.Path != "$" {
				path += "." + strings.TrimPrefix(p.Path, "$.")
			}
			zh := p.MessageZH
			if zh == "" {
				zh = "评分卡无效：" + p.Message
			}
			f = append(f, FieldError{Path: path, Rule: p.Rule, Message: p.Message, MessageZH: zh})
		}
	case errors.Is(err, credit.ErrHashMismatch):
		f.add("card.sha256", "hash", "does not match the card's content; leave it out to have it computed",
			"与评分卡内容不符；留空则自动计算")
	default:
		f.add("card", "invalid", "the scorecard is invalid: "+strings.TrimPrefix(err.Error(), "credit: "), "评分卡无效")
	}
	return f
}

func (s *Server) postScorecard(c *fiber.Ctx) error {
	var req scorecardRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	kind, card, err := req.check()
	if err != nil {
		return err
	}
	var sc creditdb.Scorecard
	err = s.cfg.Store.Tx(c.UserContext(), func(tx *sql.Tx) (err error) {
		sc, err = s.uploadScorecardTx(c.UserContext(), tx, actorOf(c), kind, card)
		return err
	})
	if err != nil {
		return scorecardError(err)
	}
	c.Set(fiber.HeaderLocation, "/v1/scorecards/"+sc.ID)
	c.Set(fiber.HeaderETag, `"`+sc.SHA256+`"`)
	return c.Status(http.StatusCreated).JSON(viewScorecard(sc))
}

// uploadScorecardTx is the one write path of new scorecard versions: it stores the valid
// card as the next revision of kind, inactive, inside tx, with its audit record
// (scorecard.create).
func (s *Server) uploadScorecardTx(ctx context.Context, tx *sql.Tx, actor perm.Actor, kind string, card *credit.Scorecard) (creditdb.Scorecard, error) {
	sc, err := s.credit.repo.CreateTx(ctx, tx, kind, card, actor.ID, s.now())
	if err != nil {
		return creditdb.Scorecard{}, err
	}
	return sc, s.audit(ctx, tx, audit.Entry{Actor: actor, Action: "scorecard.create", EntityType: "scorecard",
		EntityID: sc.ID, After: scorecardRecord(sc)})
}

// scorecardRecord is a scorecard version as its audit records show it: the view without
// the card itself, which the SHA-256 identifies (stored versions never change).
func scorecardRecord(sc creditdb.Scorecard) scorecardView {
	v := viewScorecard(sc)
	v.Card = nil
	return v
}

// activationRecord is the active scorecard of a kind, as the audit record of an
// activation shows it before and after.
type activationRecord struct {
	Kind      string `json:"kind"`
	Scorecard string `json:"scorecard"` // "" when the kind had none
}

func (s *Server) postScorecardActivate(c *fiber.Ctx) error {
	id, err := pathID(c, "scorecard")
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(c.Body())) > 0 {
		var none struct{}
		if err := decode(c, &none); err != nil {
			return err
		}
	}
	var sc creditdb.Scorecard
	err = s.cfg.Store.Tx(c.UserContext(), func(tx *sql.Tx) (err error) {
		sc, err = s.activateScorecardTx(c.UserContext(), tx, actorOf(c), id)
		return err
	})
	if err != nil {
		return scorecardError(err)
	}
	sc.Card = nil
	return c.JSON(viewScorecard(sc))
}

// activateScorecardTx is the one write path of activations: it makes scorecard id the
// active version of its kind inside tx, with its audit record (scorecard.activate: the
// kind's active card before and after). Every server process uses it from its next
// assessment on (see creditState). Activating the active card changes nothing and records
// nothing.
func (s *Server) activateScorecardTx(ctx context.Context, tx *sql.Tx, actor perm.Actor, id string) (creditdb.Scorecard, error) {
	act, err := s.credit.repo.ActivationTx(ctx, tx, id, actor.ID, s.now())
	if err != nil || !act.Changed {
		return act.Scorecard, err
	}
	return act.Scorecard, s.audit(ctx, tx, audit.Entry{Actor: actor, Action: "scorecard.activate", EntityType: "scorecard",
		EntityID: id, Before: activationRecord{Kind: act.Scorecard.Kind, Scorecard: act.Previous},
		After: activationRecord{Kind: act.Scorecard.Kind, Scorecard: id}})
}

// scorecardError maps creditdb's errors to the server's.
func scorecardError(err error) error {
	var dup *creditdb.DuplicateError
	switch {
	case errors.As(err, &dup):
		return fmt.Errorf("this kind has the same %s already as scorecard %s: %w", dup.Same, dup.Existing, ErrConflict)
	case errors.Is(err, creditdb.ErrNotFound):
		return fmt.Errorf("%s: %w", strings.TrimSuffix(err.Error(), ": "+creditdb.ErrNotFound.Error()), ErrNotFound)
	}
	return err
}

// ---- query parameters shared by the credit and officer routes ----

// queryLimit parses a page size from 1 to max.
func queryLimit(v string, max int) (int, bool) {
	if v == "" || len(v) > 4 {
		return 0, false
	}
	n := 0
	for _, ch := range v {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		n = n*10 + int(ch-'0')
	}
	return n, n >= 1 && n <= max
}

// queryBool parses "true" or "false".
func queryBool(v string) (bool, bool) {
	switch v {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}
