package loan

import (
	"context"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/credit"
)

// Application is a loan application: the request, its dossier, its assessments and its
// approval record. It is a value: the workflow never changes an Application in place but
// returns a new one, so an old value stays valid (see [Application.Clone]). Version starts at
// 1 and grows by one with every transition; stores use it for optimistic locking.
type Application struct {
	ID             string          `json:"id"`
	Customer       string          `json:"customer"` // customer number
	CustomerKind   CustomerKind    `json:"customer_kind"`
	Product        string          `json:"product"`
	Amount         decimal.Decimal `json:"amount"` // requested
	TermMonths     int             `json:"term_months"`
	Purpose        string          `json:"purpose"`
	Repayment      Repayment       `json:"repayment"`
	Security       Security        `json:"security"`
	SecurityDetail string          `json:"security_detail,omitempty"` // guarantor, collateral or pledge
	Maker          string          `json:"maker"`
	Created        time.Time       `json:"created"`
	Updated        time.Time       `json:"updated"`
	Version        int64           `json:"version"`
	Status         Status          `json:"status"`

	// Round counts submissions: 1 for the first, one more after each return.
	Round int `json:"round"`
	// Officer is the credit officer assigned to prepare the case.
	Officer string `json:"officer,omitempty"`
	// Documents holds one entry per kind, the latest received.
	Documents []Document `json:"documents,omitempty"`
	// Reports holds every assessment attached, oldest first; the last one counts.
	Reports []credit.Report `json:"reports,omitempty"`
	// Stages is the approval route taken when the review started (a copy of the matrix's
	// route, so later matrix changes do not touch cases in review).
	Stages []Stage `json:"stages,omitempty"`
	// Stage is the 1-based number of the pending stage while under review, else 0.
	Stage int `json:"stage,omitempty"`
	// Decisions holds every decision of every round, oldest first.
	Decisions []Decision `json:"decisions,omitempty"`
	// ApprovedAmount is set when the application is approved; it may be below Amount.
	ApprovedAmount decimal.Decimal `json:"approved_amount"`
	// Override records an approval above the assessed limit or against a declining
	// assessment, if any.
	Override *Override `json:"override,omitempty"`
}

// Document is one document of the dossier and what has happened to it.
type Document struct {
	Kind       DocumentKind   `json:"kind"`
	Status     DocumentStatus `json:"status"`
	Reference  string         `json:"reference"` // where the file is kept, e.g. a storage key
	ReceivedBy string         `json:"received_by"`
	ReceivedAt time.Time      `json:"received_at"`
	CheckedBy  string         `json:"checked_by,omitempty"` // who verified or rejected it
	CheckedAt  time.Time      `json:"checked_at,omitzero"`
	Note       string         `json:"note,omitempty"` // reason for a rejection
}

// Decision is one approver's decision at one stage of one round.
type Decision struct {
	Round   int             `json:"round"`
	Stage   int             `json:"stage"`
	Name    string          `json:"name"` // the stage name
	Actor   string          `json:"actor"`
	Role    Role            `json:"role"`
	Verdict Verdict         `json:"verdict"`
	Amount  decimal.Decimal `json:"amount"` // the amount approved; zero for reject and return
	Comment string          `json:"comment"`
	At      time.Time       `json:"at"`
}

// Override records who approved an amount above the latest assessed limit, or an
// application the assessment declined, and why.
type Override struct {
	Actor    string          `json:"actor"`
	Role     Role            `json:"role"`
	Amount   decimal.Decimal `json:"amount"`
	Limit    decimal.Decimal `json:"limit"`
	Declined bool            `json:"declined,omitempty"`
	Reason   string          `json:"reason"`
	At       time.Time       `json:"at"`
}

// Clone returns a copy of a whose slices and override are its own. Attached credit reports
// are copied as values, but their inner slices and pointers (points, reasons, rule hits,
// facts) are shared: reports are read-only once attached, and loan never changes them.
func (a Application) Clone() Application {
	a.Documents = slices.Clone(a.Documents)
	a.Reports = slices.Clone(a.Reports)
	a.Stages = slices.Clone(a.Stages)
	a.Decisions = slices.Clone(a.Decisions)
	if a.Override != nil {
		o := *a.Override
		a.Override = &o
	}
	return a
}

// Document returns the dossier entry of kind k and whether there is one.
func (a Application) Document(k DocumentKind) (Document, bool) {
	for _, d := range a.Documents {
		if d.Kind == k {
			return d, true
		}
	}
	return Document{}, false
}

// Report returns the assessment that counts (the latest attached) and whether there is one.
func (a Application) Report() (credit.Report, bool) {
	if len(a.Reports) == 0 {
		return credit.Report{}, false
	}
	return a.Reports[len(a.Reports)-1], true
}

// Draft is what a maker fills in to open an application. ID comes from the caller's ID
// source; it must be unique in the store.
type Draft struct {
	ID             string
	Customer       string
	CustomerKind   CustomerKind
	Product        string
	Amount         decimal.Decimal
	TermMonths     int
	Purpose        string
	Repayment      Repayment
	Security       Security
	SecurityDetail string
}

// Actor is the person taking an action: their ID, the roles they hold and their authority
// limit (the largest amount they may decide on; zero for people who do not decide).
type Actor struct {
	ID        string
	Roles     []Role
	Authority decimal.Decimal
}

// Has reports whether the actor holds role r.
func (a Actor) Has(r Role) bool { return slices.Contains(a.Roles, r) }

// Event records one transition, for the audit log and notifications: who did what in which
// role and when, the status before and after, the comment, and action-specific details
// (document kind, stage, amount, officer, ...). Version is the application's new version.
type Event struct {
	Application string            `json:"application"`
	Version     int64             `json:"version"`
	Action      Action            `json:"action"`
	Actor       string            `json:"actor"`
	Role        Role              `json:"role"`
	At          time.Time         `json:"at"`
	From        Status            `json:"from,omitempty"` // zero for creation
	To          Status            `json:"to"`
	Comment     string            `json:"comment,omitempty"`
	Details     map[string]string `json:"details,omitempty"`
}

// Headroom is the group-limit gate: for a customer and an amount it returns every group above
// the customer (in the customer tree) whose limit the amount would breach, with the headroom
// left. No breaches means the amount fits. In the server the tree package provides it.
// Implementations must be safe for concurrent use.
type Headroom interface {
	Breaches(ctx context.Context, customer string, amount decimal.Decimal) ([]Breach, error)
}

// HeadroomFunc adapts a function to the Headroom interface.
type HeadroomFunc func(ctx context.Context, customer string, amount decimal.Decimal) ([]Breach, error)

// Breaches calls f.
func (f HeadroomFunc) Breaches(ctx context.Context, customer string, amount decimal.Decimal) ([]Breach, error) {
	return f(ctx, customer, amount)
}

// Breach names a group whose limit an amount would exceed, and the headroom it has left.
type Breach struct {
	GroupID   string          `json:"group_id"`
	GroupName string          `json:"group_name"`
	Headroom  decimal.Decimal `json:"headroom"`
}
