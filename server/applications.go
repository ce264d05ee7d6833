package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/creditkit/creditkit/loan"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store/loandb"
)

// applicationState holds the loan workflow and its store.
type applicationState struct {
	repo     *loandb.Repo
	workflow *loan.Workflow
	matrix   loan.Matrix
}

// initApplications prepares the loan workflow; New calls it once. The workflow's
// group-limit gate is the customer tree (limitBreaches).
func (s *Server) initApplications(ctx context.Context) error {
	src := s.cfg.ApprovalMatrix
	if src == nil {
		src = []byte(defaultApprovalMatrix)
	}
	m, err := loan.ParseMatrix(src)
	if err != nil {
		return fmt.Errorf("%w: approval matrix: %w", ErrConfig, err)
	}
	w, err := loan.New(loan.Config{Matrix: m}, loan.HeadroomFunc(s.limitBreaches))
	if err != nil {
		return fmt.Errorf("server: loan workflow: %w", err)
	}
	s.applications = applicationState{repo: loandb.New(s.cfg.Store), workflow: w, matrix: m}
	return nil
}

// applicationRoutes registers /v1/applications/... and /v1/analytics/....
func (s *Server) applicationRoutes() {
	s.handle(fiber.MethodPost, "/v1/applications", perm.ApplicationWrite, s.postApplication)
	s.handle(fiber.MethodGet, "/v1/applications", perm.ApplicationRead, s.getApplications)
	s.handle(fiber.MethodGet, "/v1/applications/:id", perm.ApplicationRead, s.getApplication)
	s.handle(fiber.MethodPost, "/v1/applications/:id/documents", perm.ApplicationWrite, s.postApplicationDocument)
	s.handle(fiber.MethodPost, "/v1/applications/:id/submit", perm.ApplicationWrite, s.postApplicationSubmit)
	s.handle(fiber.MethodPost, "/v1/applications/:id/assess", perm.AssessmentWrite, s.postApplicationAssess)
	s.handle(fiber.MethodPost, "/v1/applications/:id/assign", perm.AssignmentWrite, s.postApplicationAssign)
	s.handle(fiber.MethodPost, "/v1/applications/:id/review", perm.ApplicationWrite, s.postApplicationReview)
	s.handle(fiber.MethodPost, "/v1/applications/:id/decisions", perm.ApplicationDecide, s.postApplicationDecision)
	s.handle(fiber.MethodPost, "/v1/applications/:id/withdraw", perm.ApplicationWrite, s.postApplicationWithdraw)
	s.handle(fiber.MethodGet, "/v1/analytics/portfolio", perm.AnalyticsRead, s.getPortfolio)
}

// now is the time stamped on what a request writes.
func (s *Server) now() time.Time { return s.cfg.Now().UTC() }

// applicationID reads the :id parameter; an ID no application can have is not found.
func applicationID(c *fiber.Ctx) (string, error) {
	id := c.Params("id")
	if id == "" || !plainParam(id) {
		return "", fmt.Errorf("no such application: %w", ErrNotFound)
	}
	return strings.Clone(id), nil
}

func (s *Server) postApplication(c *fiber.Ctx) error {
	var req createApplicationRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	in, err := req.check()
	if err != nil {
		return err
	}
	app, _, err := s.createApplication(c.UserContext(), actorOf(c), s.now(), in)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderLocation, "/v1/applications/"+app.ID)
	c.Set(fiber.HeaderETag, etag(app.Version))
	return c.Status(http.StatusCreated).JSON(s.viewApplication(app, nil))
}

// applicationList is a page of applications.
type applicationList struct {
	Items      []applicationView `json:"items"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

func (s *Server) getApplications(c *fiber.Ctx) error {
	var (
		q   loandb.Query
		f   fieldErrors
		bad []string
	)
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		val := string(v)
		switch string(k) {
		case "status":
			f.enum("status", val, false, &q.Status, "draft, submitted, assessed, assigned, under_review, approved, rejected, returned, withdrawn")
		case "customer", "officer":
			if !plainParam(val) {
				bad = append(bad, string(k)+" must be at most 64 printable characters")
			}
			if string(k) == "customer" {
				q.Customer = val
			} else {
				q.Officer = val
			}
		case "cursor":
			q.Cursor = val
		case "limit":
			n, ok := parseLimit(val)
			if !ok {
				bad = append(bad, "limit must be an integer from 1 to 200")
			}
			q.Limit = n
		default:
			bad = append(bad, "unknown query parameter "+quoteParam(string(k)))
		}
	})
	if len(bad) > 0 {
		return &BadRequestError{Detail: strings.Join(bad, "; ")}
	}
	if err := f.err(); err != nil {
		return &BadRequestError{Detail: "status must be one of draft, submitted, assessed, assigned, under_review, approved, rejected, returned, withdrawn"}
	}
	page, err := s.listApplications(c.UserContext(), actorOf(c), q)
	if err != nil {
		return err
	}
	out := applicationList{Items: make([]applicationView, len(page.Items)), NextCursor: page.Next}
	for i, app := range page.Items {
		out.Items[i] = s.viewApplication(app, nil)
	}
	return c.JSON(out)
}

func parseLimit(v string) (int, bool) {
	if v == "" || len(v) > 3 {
		return 0, false
	}
	n := 0
	for _, ch := range v {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		n = n*10 + int(ch-'0')
	}
	return n, n >= 1 && n <= loandb.MaxLimit
}

// quoteParam quotes a query parameter name for a message, cut to a sane length.
func quoteParam(k string) string {
	if len(k) > 40 {
		k = k[:40] + "…"
	}
	return fmt.Sprintf("%q", k)
}

func (s *Server) getApplication(c *fiber.Ctx) error {
	id, err := applicationID(c)
	if err != nil {
		return err
	}
	app, events, err := s.readApplication(c.UserContext(), actorOf(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(app.Version))
	return c.JSON(s.viewApplication(app, events))
}

func (s *Server) postApplicationDocument(c *fiber.Ctx) error {
	var req documentRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	cmd, err := req.command()
	if err != nil {
		return err
	}
	return s.runCommand(c, appOp{cmd: cmd})
}

func (s *Server) postApplicationSubmit(c *fiber.Ctx) error {
	return s.simpleCommand(c, func(r commentRequest) loan.Command { return loan.Submit{Comment: r.Comment} })
}

func (s *Server) postApplicationReview(c *fiber.Ctx) error {
	return s.simpleCommand(c, func(r commentRequest) loan.Command { return loan.StartReview{Comment: r.Comment} })
}

func (s *Server) postApplicationWithdraw(c *fiber.Ctx) error {
	return s.simpleCommand(c, func(r commentRequest) loan.Command { return loan.Withdraw{Comment: r.Comment} })
}

func (s *Server) simpleCommand(c *fiber.Ctx, build func(commentRequest) loan.Command) error {
	var req commentRequest
	if err := decodeOptional(c, &req); err != nil {
		return err
	}
	if err := req.check(false); err != nil {
		return err
	}
	return s.runCommand(c, appOp{cmd: build(req)})
}

func (s *Server) postApplicationAssess(c *fiber.Ctx) error {
	var req assessRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	facts, err := req.facts()
	if err != nil {
		return err
	}
	return s.runCommand(c, appOp{assess: &facts, comment: req.Comment})
}

func (s *Server) postApplicationAssign(c *fiber.Ctx) error {
	var req commentRequest
	if err := decodeOptional(c, &req); err != nil {
		return err
	}
	if err := req.check(true); err != nil {
		return err
	}
	return s.runCommand(c, appOp{assign: true, priority: req.Priority, comment: req.Comment})
}

func (s *Server) postApplicationDecision(c *fiber.Ctx) error {
	var req decisionRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	cmd, err := req.command()
	if err != nil {
		return err
	}
	return s.runCommand(c, appOp{cmd: cmd})
}

// runCommand runs op on the application of the request's :id at the version its If-Match
// names, and answers with the application after it.
func (s *Server) runCommand(c *fiber.Ctx, op appOp) error {
	id, err := applicationID(c)
	if err != nil {
		return err
	}
	version, err := ifMatchVersion(c)
	if err != nil {
		return err
	}
	res, err := s.commandApplication(c.UserContext(), actorOf(c), s.now(), id, version, op)
	if err != nil {
		return err
	}
	out := commandView{Application: s.viewApplication(res.app, nil), Event: viewEvent(res.ev), Assignment: res.assignment}
	if a := res.assessment; a != nil {
		r := a.Report
		out.Assessment = &assessmentRef{ID: a.ID, Scorecard: a.Scorecard, assessmentView: assessmentView{
			ModelID: r.ModelID, ModelVersion: r.ModelVersion, AssessedAt: r.AssessedAt.UTC(), Score: r.Score, PD: r.PD,
			Grade: r.Grade.String(), Limit: r.Limit, RateBP: r.Price.RateBP, Decision: r.Decision.String()}}
	}
	c.Set(fiber.HeaderETag, etag(res.app.Version))
	return c.JSON(out)
}
