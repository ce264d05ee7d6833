package loan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Config holds the workflow's settings. Matrix is required; the zero value of every other
// field is the documented default.
type Config struct {
	// Matrix is the approval matrix; it must be valid.
	Matrix Matrix
	// Dossier lists the required documents; no rules means DefaultDossier().
	Dossier Dossier
	// AllowMakerApproval relaxes the four-eyes rule for the maker only, letting the person
	// who opened an application decide on it. Off by default. The preparing officer and
	// earlier-stage approvers stay barred whatever this says.
	AllowMakerApproval bool
}

// Workflow runs the life of loan applications: it checks each action against the state,
// the actor's roles and authority, the dossier, the approval matrix, four-eyes and the
// group-limit gate, and returns the next application value with an Event. It holds no
// applications and has no side effects; persist with a [Store]. A Workflow is immutable
// and safe for concurrent use.
type Workflow struct {
	matrix             Matrix
	dossier            Dossier
	allowMakerApproval bool
	headroom           Headroom
}

// New validates cfg and returns a workflow that asks headroom for group-limit breaches
// before each final approval. It returns a *ValidationError listing every problem of the
// matrix and dossier, or one naming "headroom" when headroom is nil.
func New(cfg Config, headroom Headroom) (*Workflow, error) {
	var p problems
	if err := cfg.Matrix.Validate(); err != nil {
		p = append(p, prefixed("matrix.", err)...)
	}
	dossier := cfg.Dossier
	if len(dossier.Rules) == 0 {
		dossier = DefaultDossier()
	} else if err := dossier.Validate(); err != nil {
		p = append(p, prefixed("dossier.", err)...)
	}
	if headroom == nil {
		p.add("headroom", "required", "the group-limit gate needs a Headroom")
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return &Workflow{
		matrix:             cfg.Matrix.clone(),
		dossier:            dossier.clone(),
		allowMakerApproval: cfg.AllowMakerApproval,
		headroom:           headroom,
	}, nil
}

func prefixed(prefix string, err error) []Problem {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return []Problem{{Path: strings.TrimSuffix(prefix, "."), Rule: "invalid", Message: err.Error()}}
	}
	out := make([]Problem, len(ve.Problems))
	for i, pr := range ve.Problems {
		pr.Path = prefix + pr.Path
		out[i] = pr
	}
	return out
}

// Required returns the documents app needs under the workflow's dossier.
func (w *Workflow) Required(app Application) []DocumentKind {
	return w.dossier.Required(app.Product, app.CustomerKind, app.Security)
}

// Create opens a draft application made by actor at time at. The actor needs the maker role.
// Errors: *ValidationError listing every problem of the draft, the actor or the time;
// *PermissionError (ErrForbidden) without the maker role.
func (w *Workflow) Create(actor Actor, at time.Time, d Draft) (Application, Event, error) {
	var p problems
	validateActor(&p, actor, at)
	if d.ID == "" {
		p.add("id", "required", "an application needs an ID")
	}
	if strings.TrimSpace(d.Customer) == "" {
		p.add("customer", "required", "a customer number is needed")
	}
	if !d.CustomerKind.Valid() {
		p.add("customer_kind", "enum", "must be individual or enterprise")
	}
	if strings.TrimSpace(d.Product) == "" {
		p.add("product", "required", "a product is needed")
	}
	switch {
	case !d.Amount.IsPositive():
		p.add("amount", "positive", "must be positive")
	case extremeExponent(d.Amount):
		p.add("amount", "scale", extremeExponentMessage)
	case d.Amount.Exponent() < -2 && !d.Amount.Equal(d.Amount.Round(2)):
		p.add("amount", "scale", "at most 2 decimal places")
	}
	if d.TermMonths < 1 || d.TermMonths > 600 {
		p.add("term_months", "range", "must be 1 to 600 months")
	}
	if strings.TrimSpace(d.Purpose) == "" {
		p.add("purpose", "required", "a purpose is needed")
	}
	if !d.Repayment.Valid() {
		p.add("repayment", "enum", "unknown repayment method")
	}
	switch {
	case !d.Security.Valid():
		p.add("security", "enum", "unknown security; use none for an unsecured loan")
	case d.Security != SecurityNone && strings.TrimSpace(d.SecurityDetail) == "":
		p.add("security_detail", "required", "name the guarantor, collateral or pledge")
	}
	if err := p.err(); err != nil {
		return Application{}, Event{}, err
	}
	if !actor.Has(RoleMaker) {
		return Application{}, Event{}, &PermissionError{Actor: actor.ID, Action: ActionCreate, Reason: "needs the maker role"}
	}
	app := Application{
		ID: d.ID, Customer: d.Customer, CustomerKind: d.CustomerKind, Product: d.Product,
		Amount: d.Amount, TermMonths: d.TermMonths, Purpose: d.Purpose, Repayment: d.Repayment,
		Security: d.Security, SecurityDetail: d.SecurityDetail,
		Maker: actor.ID, Created: at, Updated: at, Version: 1, Status: StatusDraft, Round: 1,
	}
	ev := Event{Application: app.ID, Version: 1, Action: ActionCreate, Actor: actor.ID, Role: RoleMaker,
		At: at, To: StatusDraft, Details: map[string]string{"amount": d.Amount.String(), "customer": d.Customer}}
	return app, ev, nil
}

func validateActor(p *problems, actor Actor, at time.Time) {
	if actor.ID == "" {
		p.add("actor.id", "required", "the actor needs an ID")
	}
	for i, r := range actor.Roles {
		if !r.Valid() {
			p.add(fmt.Sprintf("actor.roles[%d]", i), "enum", "unknown role %v", r)
		}
	}
	if actor.Authority.IsNegative() {
		p.add("actor.authority", "min", "must not be negative")
	}
	if at.IsZero() {
		p.add("at", "required", "the time of the action is needed")
	}
}

// allowed reports whether action a may be taken on an application in status s.
func allowed(a Action, s Status) bool {
	switch a {
	case ActionSubmit:
		return s == StatusDraft || s == StatusReturned
	case ActionReceiveDocument:
		return s == StatusDraft || s == StatusSubmitted || s == StatusAssessed || s == StatusAssigned || s == StatusReturned
	case ActionVerifyDocument, ActionRejectDocument:
		return s == StatusSubmitted || s == StatusAssessed || s == StatusAssigned
	case ActionAssess:
		return s == StatusSubmitted || s == StatusAssessed || s == StatusAssigned
	case ActionAssign:
		return s == StatusAssessed || s == StatusAssigned
	case ActionStartReview:
		return s == StatusAssigned
	case ActionApprove, ActionReject, ActionReturn:
		return s == StatusUnderReview
	case ActionWithdraw:
		return s.Valid() && !s.Terminal()
	}
	return false
}

// rolesFor returns the roles that may take a non-decision action, in order of preference.
func rolesFor(a Action) []Role {
	switch a {
	case ActionCreate, ActionSubmit, ActionWithdraw:
		return []Role{RoleMaker}
	case ActionReceiveDocument:
		return []Role{RoleMaker, RoleOfficer}
	case ActionVerifyDocument, ActionRejectDocument, ActionAssess, ActionStartReview:
		return []Role{RoleOfficer}
	case ActionAssign:
		return []Role{RoleSupervisor}
	}
	return nil
}

// Apply takes the action cmd names on app, by actor at time at, and returns the next
// application value (Version one higher, app itself untouched) and the Event recording it.
// It has no side effects; the only outside call is the Headroom check before a final
// approval, which gets ctx.
//
// Errors, all matchable with errors.Is/As:
//   - *ValidationError (ErrInvalid): bad actor, time, command fields or application status;
//   - *StateError (ErrConflict): the action is illegal in the current status, or a decision
//     names a stage that is not the pending one;
//   - *PermissionError (ErrForbidden, plus ErrFourEyes, ErrAuthority or ErrAlreadyDecided):
//     the actor lacks the role, the authority or the independence the action needs;
//   - *DocumentsError (ErrMissingDocuments): required documents missing (submit) or not
//     verified (start review);
//   - *LimitError (ErrAboveLimit): approval above the assessed limit without an override;
//   - *GroupLimitError (ErrGroupLimit): the final approval would breach a group limit;
//   - an error from Headroom, wrapped.
func (w *Workflow) Apply(ctx context.Context, app Application, actor Actor, at time.Time, cmd Command) (Application, Event, error) {
	var p problems
	validateActor(&p, actor, at)
	if cmd == nil {
		p.add("command", "required", "a command is needed")
	} else if !cmd.Action().Valid() {
		p.add("command.verdict", "enum", "must be approve, reject or return")
	}
	if !app.Status.Valid() {
		p.add("application.status", "enum", "the application has no valid status")
	}
	if err := p.err(); err != nil {
		return Application{}, Event{}, err
	}
	action := cmd.Action()
	if !allowed(action, app.Status) {
		return Application{}, Event{}, &StateError{Action: action, Status: app.Status}
	}
	next := app.Clone()
	ev := Event{Application: app.ID, Action: action, Actor: actor.ID, At: at, From: app.Status, Details: map[string]string{}}
	var err error
	if d, ok := cmd.(Decide); ok {
		err = w.decide(ctx, &next, actor, at, d, &ev)
	} else {
		err = w.step(&next, actor, at, cmd, &ev)
	}
	if err != nil {
		return Application{}, Event{}, err
	}
	next.Version = app.Version + 1
	next.Updated = at
	ev.Version = next.Version
	ev.To = next.Status
	if len(ev.Details) == 0 {
		ev.Details = nil
	}
	return next, ev, nil
}

// step runs every action but decisions.
func (w *Workflow) step(next *Application, actor Actor, at time.Time, cmd Command, ev *Event) error {
	action := cmd.Action()
	role, ok := firstRole(actor, rolesFor(action))
	if !ok {
		return &PermissionError{Actor: actor.ID, Action: action, Reason: "needs one of the roles " + roleList(rolesFor(action))}
	}
	ev.Role = role
	switch c := cmd.(type) {
	case Submit:
		return w.submit(next, c, ev)
	case ReceiveDocument:
		return receive(next, actor, at, c, ev)
	case VerifyDocument:
		return check(next, actor, at, c.Kind, DocumentVerified, "", c.Comment, ev)
	case RejectDocument:
		if strings.TrimSpace(c.Reason) == "" {
			return invalid("reason", "required", "a rejected document needs a reason")
		}
		return check(next, actor, at, c.Kind, DocumentRejected, c.Reason, c.Reason, ev)
	case Assess:
		return assess(next, c, ev)
	case Assign:
		if strings.TrimSpace(c.Officer) == "" {
			return invalid("officer", "required", "name the officer")
		}
		next.Officer = c.Officer
		ev.Comment = c.Comment
		ev.Details["officer"] = c.Officer
		if next.Status == StatusAssessed {
			next.Status = StatusAssigned
		}
		return nil
	case StartReview:
		return w.startReview(next, actor, c, ev)
	case Withdraw:
		next.Status = StatusWithdrawn
		next.Stage = 0
		ev.Comment = c.Comment
		return nil
	}
	return invalid("command", "type", fmt.Sprintf("unsupported command %T", cmd))
}

func (w *Workflow) submit(next *Application, c Submit, ev *Event) error {
	if missing := w.missing(*next, false); len(missing) > 0 {
		return &DocumentsError{Action: ActionSubmit, Missing: missing}
	}
	if next.Status == StatusReturned {
		next.Round++
		next.Stages = nil
		next.Stage = 0
		ev.Details["resubmission"] = "true"
	}
	next.Status = StatusSubmitted
	ev.Comment = c.Comment
	ev.Details["round"] = strconv.Itoa(next.Round)
	return nil
}

// missing returns the required documents absent or rejected, and with verified also those
// only received.
func (w *Workflow) missing(app Application, verified bool) []DocumentKind {
	var out []DocumentKind
	for _, k := range w.Required(app) {
		d, ok := app.Document(k)
		if !ok || d.Status == DocumentRejected || (verified && d.Status != DocumentVerified) {
			out = append(out, k)
		}
	}
	return out
}

func receive(next *Application, actor Actor, at time.Time, c ReceiveDocument, ev *Event) error {
	var p problems
	if !c.Kind.Valid() {
		p.add("kind", "enum", "unknown document kind")
	}
	if strings.TrimSpace(c.Reference) == "" {
		p.add("reference", "required", "say where the document is kept")
	}
	if err := p.err(); err != nil {
		return err
	}
	doc := Document{Kind: c.Kind, Status: DocumentReceived, Reference: c.Reference, ReceivedBy: actor.ID, ReceivedAt: at}
	i := slices.IndexFunc(next.Documents, func(d Document) bool { return d.Kind == c.Kind })
	if i >= 0 {
		next.Documents[i] = doc
	} else {
		next.Documents = append(next.Documents, doc)
	}
	ev.Comment = c.Comment
	ev.Details["document"] = c.Kind.String()
	ev.Details["reference"] = c.Reference
	return nil
}

func check(next *Application, actor Actor, at time.Time, kind DocumentKind, to DocumentStatus, note, comment string, ev *Event) error {
	if !kind.Valid() {
		return invalid("kind", "enum", "unknown document kind")
	}
	i := slices.IndexFunc(next.Documents, func(d Document) bool { return d.Kind == kind })
	if i < 0 {
		return &StateError{Action: ev.Action, Status: next.Status, Reason: "no " + kind.String() + " document has been received"}
	}
	if next.Documents[i].Status != DocumentReceived {
		return &StateError{Action: ev.Action, Status: next.Status, Reason: kind.String() + " is already " + next.Documents[i].Status.String()}
	}
	next.Documents[i].Status = to
	next.Documents[i].CheckedBy = actor.ID
	next.Documents[i].CheckedAt = at
	next.Documents[i].Note = note
	ev.Comment = comment
	ev.Details["document"] = kind.String()
	return nil
}

func (w *Workflow) startReview(next *Application, actor Actor, c StartReview, ev *Event) error {
	if actor.ID != next.Officer {
		return &PermissionError{Actor: actor.ID, Action: ActionStartReview, Reason: "only the assigned officer " + next.Officer + " may send the case to review"}
	}
	if unverified := w.missing(*next, true); len(unverified) > 0 {
		return &DocumentsError{Action: ActionStartReview, Missing: w.missing(*next, false), Unverified: unverifiedOnly(*next, unverified)}
	}
	rep, ok := next.Report()
	if !ok {
		return &StateError{Action: ActionStartReview, Status: next.Status, Reason: "no assessment is attached"}
	}
	stages, err := w.matrix.Route(next.Amount, reportGrade(rep))
	if err != nil {
		return err
	}
	next.Stages = stages
	next.Stage = 1
	next.Status = StatusUnderReview
	ev.Comment = c.Comment
	ev.Details["stages"] = strconv.Itoa(len(stages))
	ev.Details["grade"] = fmt.Sprint(reportGrade(rep))
	return nil
}

func unverifiedOnly(app Application, kinds []DocumentKind) []DocumentKind {
	var out []DocumentKind
	for _, k := range kinds {
		if d, ok := app.Document(k); ok && d.Status == DocumentReceived {
			out = append(out, k)
		}
	}
	return out
}

// decide records a verdict at the pending stage.
func (w *Workflow) decide(ctx context.Context, next *Application, actor Actor, at time.Time, c Decide, ev *Event) error {
	action := c.Action()
	if c.Stage != next.Stage || next.Stage < 1 || next.Stage > len(next.Stages) {
		return &StateError{Action: action, Status: next.Status,
			Reason: fmt.Sprintf("stage %d is pending, not stage %d", next.Stage, c.Stage)}
	}
	stage := next.Stages[next.Stage-1]
	if !actor.Has(stage.Role) {
		return &PermissionError{Actor: actor.ID, Action: action, Reason: fmt.Sprintf("stage %d (%s) needs the %s role", next.Stage, stage.Name, stage.Role)}
	}
	if err := w.fourEyes(*next, actor, action); err != nil {
		return err
	}
	need := decimal.Max(stage.Authority, next.Amount)
	if actor.Authority.LessThan(need) {
		return &PermissionError{Actor: actor.ID, Action: action, Rule: ErrAuthority,
			Reason: fmt.Sprintf("authority %s is below %s", actor.Authority, need)}
	}
	if strings.TrimSpace(c.Comment) == "" {
		return invalid("comment", "required", "every decision needs a comment")
	}
	d := Decision{Round: next.Round, Stage: next.Stage, Name: stage.Name, Actor: actor.ID, Role: stage.Role,
		Verdict: c.Verdict, Comment: c.Comment, At: at}
	ev.Role = stage.Role
	ev.Comment = c.Comment
	ev.Details["stage"] = strconv.Itoa(next.Stage)
	ev.Details["stage_name"] = stage.Name
	switch c.Verdict {
	case VerdictReject:
		next.Status = StatusRejected
		next.Stage = 0
	case VerdictReturn:
		next.Status = StatusReturned
		next.Stage = 0
	case VerdictApprove:
		if err := w.approve(ctx, next, actor, at, c, stage, &d, ev); err != nil {
			return err
		}
	}
	next.Decisions = append(next.Decisions, d)
	return nil
}

// fourEyes refuses a decision by the maker (unless allowed), the preparing officer, anyone
// who approved an earlier stage of this round, and anyone who already decided at this stage.
func (w *Workflow) fourEyes(app Application, actor Actor, action Action) error {
	deny := func(rule error, reason string) error {
		return &PermissionError{Actor: actor.ID, Action: action, Rule: rule, Reason: reason}
	}
	if actor.ID == app.Maker && !w.allowMakerApproval {
		return deny(ErrFourEyes, "the maker of an application may not decide on it")
	}
	if actor.ID == app.Officer {
		return deny(ErrFourEyes, "the officer who prepared the case may not decide on it")
	}
	for _, d := range app.Decisions {
		if d.Round != app.Round || d.Actor != actor.ID {
			continue
		}
		if d.Stage == app.Stage {
			return deny(ErrAlreadyDecided, fmt.Sprintf("already decided at stage %d", d.Stage))
		}
		if d.Verdict == VerdictApprove {
			return deny(ErrFourEyes, fmt.Sprintf("approved at stage %d already", d.Stage))
		}
	}
	return nil
}

func (w *Workflow) approve(ctx context.Context, next *Application, actor Actor, at time.Time, c Decide, stage Stage, d *Decision, ev *Event) error {
	onTable := next.Amount
	approvals := 0
	for _, prev := range next.Decisions {
		if prev.Round == next.Round && prev.Verdict == VerdictApprove {
			onTable = decimal.Min(onTable, prev.Amount)
			if prev.Stage == next.Stage {
				approvals++
			}
		}
	}
	amount := c.Amount
	if amount.IsZero() {
		amount = onTable
	}
	switch {
	case !amount.IsPositive():
		return invalid("amount", "positive", "the approved amount must be positive")
	case extremeExponent(amount):
		return invalid("amount", "scale", extremeExponentMessage)
	case amount.GreaterThan(onTable):
		return invalid("amount", "max", fmt.Sprintf("the approved amount may not exceed %s", onTable))
	case !amount.Equal(amount.Round(2)):
		return invalid("amount", "scale", "at most 2 decimal places")
	}
	rep, ok := next.Report()
	if !ok {
		return &StateError{Action: ActionApprove, Status: next.Status, Reason: "no assessment is attached"}
	}
	limit := reportLimit(rep)
	declined := reportDeclined(rep)
	override := strings.TrimSpace(c.OverrideReason)
	switch {
	case declined && override == "":
		return fmt.Errorf("%w: approving it needs an override with a reason", ErrDeclined)
	case amount.GreaterThan(limit) && override == "":
		return &LimitError{Amount: amount, Limit: limit}
	case amount.GreaterThan(limit) || declined:
		pol := w.matrix.Override
		need := decimal.Max(pol.Authority, amount)
		if !actor.Has(pol.Role) {
			return &PermissionError{Actor: actor.ID, Action: ActionApprove, Reason: "an override of the assessed limit needs the " + pol.Role.String() + " role"}
		}
		if actor.Authority.LessThan(need) {
			return &PermissionError{Actor: actor.ID, Action: ActionApprove, Rule: ErrAuthority,
				Reason: fmt.Sprintf("an override needs authority %s, not %s", need, actor.Authority)}
		}
		next.Override = &Override{Actor: actor.ID, Role: pol.Role, Amount: amount, Limit: limit, Declined: declined, Reason: override, At: at}
		ev.Details["override"] = override
	case override != "":
		return invalid("override_reason", "unneeded", "the amount is within the assessed limit and the assessment did not decline; no override applies")
	}
	d.Amount = amount
	ev.Details["amount"] = amount.String()
	if approvals+1 < stage.quorum() {
		ev.Details["approvals"] = fmt.Sprintf("%d/%d", approvals+1, stage.quorum())
		return nil
	}
	if next.Stage < len(next.Stages) {
		next.Stage++
		return nil
	}
	breaches, err := w.headroom.Breaches(ctx, next.Customer, amount)
	if err != nil {
		return fmt.Errorf("loan: group headroom of %s: %w", next.Customer, err)
	}
	if len(breaches) > 0 {
		return &GroupLimitError{Amount: amount, Breaches: breaches}
	}
	next.Status = StatusApproved
	next.Stage = 0
	next.ApprovedAmount = amount
	return nil
}

func assess(next *Application, c Assess, ev *Event) error {
	if err := validateReport(c.Report); err != nil {
		return err
	}
	next.Reports = append(next.Reports, c.Report)
	if next.Status == StatusSubmitted {
		next.Status = StatusAssessed
	}
	ev.Comment = c.Comment
	ev.Details["grade"] = fmt.Sprint(reportGrade(c.Report))
	ev.Details["limit"] = reportLimit(c.Report).String()
	ev.Details["decision"] = reportDecision(c.Report)
	ev.Details["reports"] = strconv.Itoa(len(next.Reports))
	return nil
}

func firstRole(actor Actor, roles []Role) (Role, bool) {
	for _, r := range roles {
		if actor.Has(r) {
			return r, true
		}
	}
	return 0, false
}

func roleList(roles []Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = r.String()
	}
	return strings.Join(s, ", ")
}

func invalid(path, rule, msg string) error {
	return &ValidationError{Problems: []Problem{{Path: path, Rule: rule, Message: msg}}}
}

// extremeExponent reports an amount written with an exponent above 15 or below −20, which
// is refused before any arithmetic: comparing or rounding 1e999999999 or 1e-999999999
// builds a power of ten with that many digits, minutes of work.
func extremeExponent(d decimal.Decimal) bool {
	e := d.Exponent()
	return e > 15 || e < -20
}

const extremeExponentMessage = "must be written with at most 2 decimal places and an exponent of at most 15"
