package loan

import (
	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/credit"
)

// Command is the input of one transition, given to [Workflow.Apply]. The concrete types are
// Submit, ReceiveDocument, VerifyDocument, RejectDocument, Assess, Assign, StartReview,
// Decide and Withdraw.
type Command interface {
	// Action names the action the command takes.
	Action() Action
}

// Submit sends a draft, or a returned application (a resubmission), for assessment. Every
// required document must be received and not rejected. Role: maker.
type Submit struct{ Comment string }

// ReceiveDocument records a document of the dossier as received, replacing an earlier one of
// the same kind. Role: maker or officer.
type ReceiveDocument struct {
	Kind      DocumentKind
	Reference string // where the file is kept; required
	Comment   string
}

// VerifyDocument marks a received document as verified. Role: officer.
type VerifyDocument struct {
	Kind    DocumentKind
	Comment string
}

// RejectDocument marks a received document as rejected; Reason is required. Role: officer.
type RejectDocument struct {
	Kind   DocumentKind
	Reason string
}

// Assess attaches a credit report. Reports are never changed: a reassessment attaches a new
// one and the latest counts. Role: officer.
type Assess struct {
	Report  credit.Report
	Comment string
}

// Assign gives the case to the credit officer who prepares it for review; reassigning is
// allowed until the review starts. Role: supervisor.
type Assign struct {
	Officer string
	Comment string
}

// StartReview sends the prepared case to approval: every required document must be verified,
// and the approval route is taken from the matrix by requested amount and latest grade. Role:
// officer, and only the assigned one.
type StartReview struct{ Comment string }

// Decide records an approver's verdict at the pending stage. Stage must name the pending
// stage (1-based), so a decision meant for one stage never lands on another. Comment is
// mandatory. For an approval, Amount is the amount approved (zero means the amount still on
// the table: the requested amount or the lowest approved so far in this round); an amount
// above the latest assessed limit, or any approval when the latest assessment's decision is
// decline, needs OverrideReason from a person the matrix's override policy allows.
type Decide struct {
	Stage          int
	Verdict        Verdict
	Comment        string
	Amount         decimal.Decimal
	OverrideReason string
}

// Withdraw ends an application that is not yet decided. Role: maker.
type Withdraw struct{ Comment string }

// Action returns ActionSubmit.
func (Submit) Action() Action { return ActionSubmit }

// Action returns ActionReceiveDocument.
func (ReceiveDocument) Action() Action { return ActionReceiveDocument }

// Action returns ActionVerifyDocument.
func (VerifyDocument) Action() Action { return ActionVerifyDocument }

// Action returns ActionRejectDocument.
func (RejectDocument) Action() Action { return ActionRejectDocument }

// Action returns ActionAssess.
func (Assess) Action() Action { return ActionAssess }

// Action returns ActionAssign.
func (Assign) Action() Action { return ActionAssign }

// Action returns ActionStartReview.
func (StartReview) Action() Action { return ActionStartReview }

// Action returns ActionApprove, ActionReject or ActionReturn by verdict, and zero for an
// unset verdict.
func (d Decide) Action() Action {
	switch d.Verdict {
	case VerdictApprove:
		return ActionApprove
	case VerdictReject:
		return ActionReject
	case VerdictReturn:
		return ActionReturn
	}
	return 0
}

// Action returns ActionWithdraw.
func (Withdraw) Action() Action { return ActionWithdraw }
