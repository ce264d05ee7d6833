package server

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/assign"
	"github.com/creditkit/creditkit/loan"
)

// applicationView is an application as the API shows it.
type applicationView struct {
	ID                string              `json:"id"`
	Customer          string              `json:"customer"`
	CustomerKind      loan.CustomerKind   `json:"customer_kind"`
	Product           string              `json:"product"`
	Amount            decimal.Decimal     `json:"amount"`
	TermMonths        int                 `json:"term_months"`
	Purpose           string              `json:"purpose"`
	Repayment         loan.Repayment      `json:"repayment"`
	Security          loan.Security       `json:"security"`
	SecurityDetail    string              `json:"security_detail,omitempty"`
	Status            loan.Status         `json:"status"`
	Version           int64               `json:"version"`
	Round             int                 `json:"round"`
	Maker             string              `json:"maker"`
	Officer           string              `json:"officer,omitempty"`
	CreatedAt         time.Time           `json:"created_at"`
	UpdatedAt         time.Time           `json:"updated_at"`
	RequiredDocuments []loan.DocumentKind `json:"required_documents"`
	Documents         []loan.Document     `json:"documents"`
	Assessments       []assessmentView    `json:"assessments"`
	Stages            []loan.Stage        `json:"stages"`
	PendingStage      int                 `json:"pending_stage,omitempty"`
	Decisions         []loan.Decision     `json:"decisions"`
	ApprovedAmount    *decimal.Decimal    `json:"approved_amount,omitempty"`
	Override          *loan.Override      `json:"override,omitempty"`
	History           []eventView         `json:"history,omitempty"`
}

// assessmentView summarises one attached credit report; the full report is stored by the
// assessments API (its ID is in the assess event's details).
type assessmentView struct {
	ModelID      string          `json:"model_id"`
	ModelVersion string          `json:"model_version"`
	AssessedAt   time.Time       `json:"assessed_at"`
	Score        float64         `json:"score"`
	PD           float64         `json:"pd"`
	Grade        string          `json:"grade"`
	Limit        decimal.Decimal `json:"limit"`
	RateBP       int64           `json:"rate_bp"`
	Decision     string          `json:"decision"`
}

// eventView is one transition of an application.
type eventView struct {
	Version int64             `json:"version"`
	Action  loan.Action       `json:"action"`
	Actor   string            `json:"actor"`
	Role    loan.Role         `json:"role"`
	At      time.Time         `json:"at"`
	From    *loan.Status      `json:"from,omitempty"`
	To      loan.Status       `json:"to"`
	Comment string            `json:"comment,omitempty"`
	Details map[string]string `json:"details,omitempty"`
}

// commandView is the answer to a command: the application after it, the event it
// recorded, and what the command produced besides (an assessment, an assignment).
type commandView struct {
	Application applicationView  `json:"application"`
	Event       eventView        `json:"event"`
	Assessment  *assessmentRef   `json:"assessment,omitempty"`
	Assignment  *assign.Decision `json:"assignment,omitempty"`
}

// assessmentRef names the stored assessment an assess command made.
type assessmentRef struct {
	ID        string `json:"id"`
	Scorecard string `json:"scorecard"`
	assessmentView
}

func (s *Server) viewApplication(app loan.Application, events []loan.Event) applicationView {
	v := applicationView{
		ID: app.ID, Customer: app.Customer, CustomerKind: app.CustomerKind, Product: app.Product,
		Amount: app.Amount, TermMonths: app.TermMonths, Purpose: app.Purpose, Repayment: app.Repayment,
		Security: app.Security, SecurityDetail: app.SecurityDetail, Status: app.Status,
		Version: app.Version, Round: app.Round, Maker: app.Maker, Officer: app.Officer,
		CreatedAt: app.Created.UTC(), UpdatedAt: app.Updated.UTC(),
		RequiredDocuments: s.applications.workflow.Required(app),
		Documents:         nonNil(app.Documents),
		Assessments:       make([]assessmentView, len(app.Reports)),
		Stages:            nonNil(app.Stages),
		PendingStage:      app.Stage,
		Decisions:         nonNil(app.Decisions),
		Override:          app.Override,
	}
	if v.RequiredDocuments == nil {
		v.RequiredDocuments = []loan.DocumentKind{}
	}
	for i, r := range app.Reports {
		v.Assessments[i] = assessmentView{ModelID: r.ModelID, ModelVersion: r.ModelVersion, AssessedAt: r.AssessedAt.UTC(),
			Score: r.Score, PD: r.PD, Grade: r.Grade.String(), Limit: r.Limit, RateBP: r.Price.RateBP,
			Decision: r.Decision.String()}
	}
	if app.Status == loan.StatusApproved {
		a := app.ApprovedAmount
		v.ApprovedAmount = &a
	}
	for _, ev := range events {
		v.History = append(v.History, viewEvent(ev))
	}
	return v
}

func viewEvent(ev loan.Event) eventView {
	v := eventView{Version: ev.Version, Action: ev.Action, Actor: ev.Actor, Role: ev.Role, At: ev.At.UTC(),
		To: ev.To, Comment: ev.Comment, Details: ev.Details}
	if ev.From != 0 {
		from := ev.From
		v.From = &from
	}
	return v
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}
