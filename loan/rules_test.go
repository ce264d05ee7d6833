package loan

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/credit"
)

func TestCreateValidation(t *testing.T) {
	tests := []struct {
		name  string
		give  func(*Draft)
		actor Actor
		want  []string // problem paths
	}{
		{"no ID", func(d *Draft) { d.ID = "" }, maker, []string{"id"}},
		{"everything wrong", func(d *Draft) {
			*d = Draft{Amount: dec("-1"), TermMonths: 0}
		}, maker, []string{"id", "customer", "customer_kind", "product", "amount", "term_months", "purpose", "repayment", "security"}},
		{"three decimals", func(d *Draft) { d.Amount = dec("10.005") }, maker, []string{"amount"}},
		{"guarantee without detail", func(d *Draft) { d.Security = SecurityGuarantee }, maker, []string{"security_detail"}},
		{"term too long", func(d *Draft) { d.TermMonths = 601 }, maker, []string{"term_months"}},
		{"actor without ID", func(*Draft) {}, Actor{Roles: []Role{RoleMaker}}, []string{"actor.id"}},
	}
	w := newWorkflow(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := draft("1000")
			tt.give(&d)
			_, _, err := w.Create(tt.actor, t0, d)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.ErrorIs(t, err, ErrInvalid)
			var paths []string
			for _, p := range ve.Problems {
				paths = append(paths, p.Path)
				assert.NotEmpty(t, p.Rule)
				assert.NotEmpty(t, p.Message)
			}
			assert.Equal(t, tt.want, paths)
		})
	}
}

func TestCreate(t *testing.T) {
	w := newWorkflow(t)
	app, ev, err := w.Create(maker, t0, draft("1000.50"))
	require.NoError(t, err)
	assert.Equal(t, StatusDraft, app.Status)
	assert.Equal(t, int64(1), app.Version)
	assert.Equal(t, 1, app.Round)
	assert.Equal(t, "m1", app.Maker)
	assert.Equal(t, t0, app.Created)
	assert.Equal(t, Event{Application: "L-1", Version: 1, Action: ActionCreate, Actor: "m1", Role: RoleMaker, At: t0,
		To: StatusDraft, Details: map[string]string{"amount": "1000.5", "customer": "C0000001"}}, ev)
}

// Fineract's maker-checker could be bypassed by a user holding the checker permission only,
// or the maker permission only; here each role is held to its own actions.
func TestRoleSeparation(t *testing.T) {
	w := newWorkflow(t)
	checker := Actor{ID: "chk", Roles: []Role{RoleApprover, RoleCommittee}, Authority: dec("9999999")}
	draftApp := inStatus(t, w, StatusDraft)
	review := inStatus(t, w, StatusUnderReview)
	tests := []struct {
		name  string
		app   Application
		actor Actor
		give  Command
	}{
		{"checker-only user submits", draftApp, checker, Submit{}},
		{"checker-only user receives a document", draftApp, checker, ReceiveDocument{Kind: DocIdentity, Reference: "x"}},
		{"checker-only user withdraws", draftApp, checker, Withdraw{}},
		{"maker-only user approves", review, maker2, approve(1)},
		{"maker-only user rejects", review, maker2, Decide{Stage: 1, Verdict: VerdictReject, Comment: "x"}},
		{"officer approves", review, Actor{ID: "o2", Roles: []Role{RoleOfficer}, Authority: dec("9999999")}, approve(1)},
		{"committee decides an approver stage", review, committee, approve(1)},
		{"maker assesses", inStatus(t, w, StatusSubmitted), maker, Assess{Report: report(t, "A", "1")}},
		{"officer assigns", inStatus(t, w, StatusAssessed), officer, Assign{Officer: "o1"}},
		{"another officer starts the review", inStatus(t, w, StatusAssigned), Actor{ID: "o2", Roles: []Role{RoleOfficer}}, StartReview{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := w.Apply(context.Background(), tt.app, tt.actor, t0, tt.give)
			var pe *PermissionError
			require.ErrorAs(t, err, &pe)
			assert.ErrorIs(t, err, ErrForbidden)
			assert.Equal(t, tt.actor.ID, pe.Actor)
		})
	}
	t.Run("checker-only user creates", func(t *testing.T) {
		_, _, err := w.Create(checker, t0, draft("100"))
		assert.ErrorIs(t, err, ErrForbidden)
	})
}

func TestFourEyes(t *testing.T) {
	both := Actor{ID: "ac", Roles: []Role{RoleApprover, RoleCommittee}, Authority: dec("5000000")}
	makerApprover := Actor{ID: maker.ID, Roles: []Role{RoleMaker, RoleApprover}, Authority: dec("500000")}
	officerApprover := Actor{ID: officer.ID, Roles: []Role{RoleOfficer, RoleApprover}, Authority: dec("500000")}
	twoStages := func(t *testing.T, w *Workflow) Application { return reviewed(t, w, draft("100000"), "BB", "150000") }
	tests := []struct {
		name   string
		relax  bool
		app    func(*testing.T, *Workflow) Application
		actor  Actor
		give   Decide
		want   error // nil: allowed
		status Status
	}{
		{"maker approves own application", false, twoStages, makerApprover, approve(1), ErrFourEyes, 0},
		{"maker rejects own application", false, twoStages, makerApprover, Decide{Stage: 1, Verdict: VerdictReject, Comment: "x"}, ErrFourEyes, 0},
		{"maker approves with the switch on", true, twoStages, makerApprover, approve(1), nil, StatusUnderReview},
		{"preparing officer approves", false, twoStages, officerApprover, approve(1), ErrFourEyes, 0},
		{"preparing officer approves with the switch on", true, twoStages, officerApprover, approve(1), ErrFourEyes, 0},
		{"stage-1 approver approves stage 2", false, func(t *testing.T, w *Workflow) Application {
			return apply(t, w, twoStages(t, w), both, approve(1))
		}, both, approve(2), ErrFourEyes, 0},
		{"stage-1 approver approves stage 2 with the switch on", true, func(t *testing.T, w *Workflow) Application {
			return apply(t, w, twoStages(t, w), both, approve(1))
		}, both, approve(2), ErrFourEyes, 0},
		{"same committee member approves twice", false, func(t *testing.T, w *Workflow) Application {
			app := reviewed(t, w, draft("300000"), "A", "400000")
			app = apply(t, w, app, approver, approve(1))
			return apply(t, w, app, committee, approve(2))
		}, committee, approve(2), ErrAlreadyDecided, 0},
		{"second committee member completes the quorum", false, func(t *testing.T, w *Workflow) Application {
			app := reviewed(t, w, draft("300000"), "A", "400000")
			app = apply(t, w, app, approver, approve(1))
			return apply(t, w, app, committee, approve(2))
		}, committee2, approve(2), nil, StatusApproved},
		{"approver of round 1 may decide again after resubmission", false, func(t *testing.T, w *Workflow) Application {
			app := twoStages(t, w)
			app = apply(t, w, app, approver, approve(1))
			app = apply(t, w, app, committee, Decide{Stage: 2, Verdict: VerdictReturn, Comment: "more"})
			app = apply(t, w, app, maker, Submit{})
			app = apply(t, w, app, officer, Assess{Report: report(t, "BB", "150000")})
			app = apply(t, w, app, supervisor, Assign{Officer: officer.ID})
			return apply(t, w, app, officer, StartReview{})
		}, approver, approve(1), nil, StatusUnderReview},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorkflow(t, func(c *Config) { c.AllowMakerApproval = tt.relax })
			app := tt.app(t, w)
			next, _, err := w.Apply(context.Background(), app, tt.actor, t0, tt.give)
			if tt.want != nil {
				var pe *PermissionError
				require.ErrorAs(t, err, &pe)
				assert.ErrorIs(t, err, ErrForbidden)
				assert.ErrorIs(t, err, tt.want)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.status, next.Status)
		})
	}
}

func TestStageOrder(t *testing.T) {
	w := newWorkflow(t)
	app := reviewed(t, w, draft("100000"), "BB", "150000")
	require.Len(t, app.Stages, 2)
	tests := []struct {
		name  string
		app   Application
		actor Actor
		give  Decide
	}{
		{"committee approves while stage 1 is pending", app, committee, approve(2)},
		{"approver names a stage that does not exist", app, approver, approve(3)},
		{"approver names stage 0", app, approver, approve(0)},
		{"stage-1 decision arrives after stage 1 closed", apply(t, w, app, approver, approve(1)), approver2, approve(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := w.Apply(context.Background(), tt.app, tt.actor, t0, tt.give)
			var se *StateError
			require.ErrorAs(t, err, &se)
			assert.ErrorIs(t, err, ErrConflict)
			assert.Equal(t, StatusUnderReview, se.Status)
		})
	}
}

func TestDecisionRules(t *testing.T) {
	w := newWorkflow(t)
	one := reviewed(t, w, draft("100000"), "A", "80000") // one stage, limit below the request
	low := Actor{ID: "a9", Roles: []Role{RoleApprover}, Authority: dec("99999.99")}
	tests := []struct {
		name  string
		actor Actor
		give  Decide
		want  error
	}{
		{"authority below the amount", low, Decide{Stage: 1, Verdict: VerdictApprove, Comment: "ok", Amount: dec("50000")}, ErrAuthority},
		{"no comment", approver, Decide{Stage: 1, Verdict: VerdictApprove, Amount: dec("50000")}, ErrInvalid},
		{"blank comment on reject", approver, Decide{Stage: 1, Verdict: VerdictReject, Comment: "  "}, ErrInvalid},
		{"no verdict", approver, Decide{Stage: 1, Comment: "x"}, ErrInvalid},
		{"above the request", approver, Decide{Stage: 1, Verdict: VerdictApprove, Comment: "ok", Amount: dec("100000.01")}, ErrInvalid},
		{"negative amount", approver, Decide{Stage: 1, Verdict: VerdictApprove, Comment: "ok", Amount: dec("-1")}, ErrInvalid},
		{"above the assessed limit", approver, approve(1), ErrAboveLimit},
		{"override by an approver without the override role", approver, Decide{Stage: 1, Verdict: VerdictApprove, Comment: "ok", OverrideReason: "long relationship"}, ErrForbidden},
		{"override reason within the limit", approver, Decide{Stage: 1, Verdict: VerdictApprove, Comment: "ok", Amount: dec("80000"), OverrideReason: "x"}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := w.Apply(context.Background(), one, tt.actor, t0, tt.give)
			assert.ErrorIs(t, err, tt.want)
		})
	}
	t.Run("lower amount within the limit", func(t *testing.T) {
		next, ev, err := w.Apply(context.Background(), one, approver, t0, Decide{Stage: 1, Verdict: VerdictApprove, Comment: "ok", Amount: dec("80000")})
		require.NoError(t, err)
		assert.Equal(t, StatusApproved, next.Status)
		assert.Equal(t, "80000", next.ApprovedAmount.String())
		assert.Equal(t, "80000", ev.Details["amount"])
		assert.Nil(t, next.Override)
	})
	t.Run("limit error carries amount and limit", func(t *testing.T) {
		_, _, err := w.Apply(context.Background(), one, approver, t0, approve(1))
		var le *LimitError
		require.ErrorAs(t, err, &le)
		assert.Equal(t, "100000", le.Amount.String())
		assert.Equal(t, "80000", le.Limit.String())
	})
}

func TestOverride(t *testing.T) {
	w := newWorkflow(t)
	app := reviewed(t, w, draft("100000"), "BB", "80000") // two stages: approver, committee
	t.Run("approver lowers to the limit, committee approves", func(t *testing.T) {
		next := apply(t, w, app, approver, Decide{Stage: 1, Verdict: VerdictApprove, Comment: "ok", Amount: dec("80000")})
		next = apply(t, w, next, committee, approve(2))
		assert.Equal(t, "80000", next.ApprovedAmount.String())
	})
	t.Run("committee may not raise above an earlier stage", func(t *testing.T) {
		next := apply(t, w, app, approver, Decide{Stage: 1, Verdict: VerdictApprove, Comment: "ok", Amount: dec("80000")})
		_, _, err := w.Apply(context.Background(), next, committee, t0, Decide{Stage: 2, Verdict: VerdictApprove, Comment: "ok", Amount: dec("90000"), OverrideReason: "x"})
		assert.ErrorIs(t, err, ErrInvalid)
	})
	t.Run("a committee override is recorded", func(t *testing.T) {
		var stage1 Application
		// The approver cannot exceed the limit, so this route needs the committee on both
		// stages: give stage 1 to an approver who lowers nothing and let the committee override.
		_, _, err := w.Apply(context.Background(), app, approver, t0, approve(1))
		require.ErrorIs(t, err, ErrAboveLimit)
		both := Actor{ID: "ac", Roles: []Role{RoleApprover, RoleCommittee}, Authority: dec("5000000")}
		stage1, ev, err := w.Apply(context.Background(), app, both, t0, Decide{Stage: 1, Verdict: VerdictApprove, Comment: "ok", OverrideReason: "salary rise confirmed"})
		require.NoError(t, err)
		require.NotNil(t, stage1.Override)
		assert.Equal(t, "ac", stage1.Override.Actor)
		assert.Equal(t, "salary rise confirmed", stage1.Override.Reason)
		assert.Equal(t, "80000", stage1.Override.Limit.String())
		assert.Equal(t, "salary rise confirmed", ev.Details["override"])
		final := apply(t, w, stage1, committee, Decide{Stage: 2, Verdict: VerdictApprove, Comment: "agreed", OverrideReason: "salary rise confirmed"})
		assert.Equal(t, StatusApproved, final.Status)
		assert.Equal(t, "100000", final.ApprovedAmount.String())
	})
	t.Run("override needs the override authority", func(t *testing.T) {
		weak := Actor{ID: "aw", Roles: []Role{RoleApprover, RoleCommittee}, Authority: dec("900000")}
		_, _, err := w.Apply(context.Background(), app, weak, t0, Decide{Stage: 1, Verdict: VerdictApprove, Comment: "ok", OverrideReason: "x"})
		assert.ErrorIs(t, err, ErrAuthority)
	})
}

func TestDeclinedAssessment(t *testing.T) {
	w := newWorkflow(t)
	rep := report(t, "B", "150000")
	rep.Decision = credit.Decline
	app := inStatus(t, w, StatusAssigned)
	app = apply(t, w, app, officer, Assess{Report: rep})
	app = apply(t, w, app, officer, StartReview{})
	require.Len(t, app.Stages, 2)
	both := Actor{ID: "ac", Roles: []Role{RoleApprover, RoleCommittee}, Authority: dec("5000000")}
	tests := []struct {
		name  string
		actor Actor
		give  Decide
		want  error
	}{
		{"approve without override", both, approve(1), ErrDeclined},
		{"override by an approver", approver, Decide{Stage: 1, Verdict: VerdictApprove, Comment: "ok", OverrideReason: "new collateral"}, ErrForbidden},
		{"override by the committee", both, Decide{Stage: 1, Verdict: VerdictApprove, Comment: "ok", OverrideReason: "new collateral"}, nil},
		{"reject needs no override", approver, Decide{Stage: 1, Verdict: VerdictReject, Comment: "declined by the model"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, _, err := w.Apply(context.Background(), app, tt.actor, t0, tt.give)
			if tt.want != nil {
				assert.ErrorIs(t, err, tt.want)
				return
			}
			require.NoError(t, err)
			if tt.give.Verdict == VerdictApprove {
				require.NotNil(t, next.Override)
				assert.True(t, next.Override.Declined)
			}
		})
	}
}

func TestGroupLimitGate(t *testing.T) {
	m, err := ParseMatrix([]byte(testMatrixJSON))
	require.NoError(t, err)
	boom := errors.New("tree unavailable")
	tests := []struct {
		name     string
		headroom headroomStub
		want     error
	}{
		{"breach", headroomStub{group: "Acme Group", headroom: dec("60000")}, ErrGroupLimit},
		{"gate fails", headroomStub{err: boom}, boom},
		{"fits exactly", headroomStub{group: "Acme Group", headroom: dec("100000")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := New(Config{Matrix: m}, tt.headroom)
			require.NoError(t, err)
			app := reviewed(t, w, draft("100000"), "BB", "150000")
			app = apply(t, w, app, approver, approve(1)) // not the last stage: no gate yet
			next, _, err := w.Apply(context.Background(), app, committee, t0, approve(2))
			if tt.want == nil {
				require.NoError(t, err)
				assert.Equal(t, StatusApproved, next.Status)
				return
			}
			assert.ErrorIs(t, err, tt.want)
		})
	}
	t.Run("the error names the group and its headroom", func(t *testing.T) {
		w, err := New(Config{Matrix: m}, headroomStub{group: "Acme Group", headroom: dec("60000")})
		require.NoError(t, err)
		app := reviewed(t, w, draft("100000"), "A", "150000")
		_, _, err = w.Apply(context.Background(), app, approver, t0, approve(1))
		var ge *GroupLimitError
		require.ErrorAs(t, err, &ge)
		require.Len(t, ge.Breaches, 1)
		assert.Equal(t, "Acme Group", ge.Breaches[0].GroupName)
		assert.Equal(t, "60000", ge.Breaches[0].Headroom.String())
		assert.Contains(t, ge.Error(), "Acme Group")
		// A lower amount that fits the headroom passes the gate.
		next, _, err := w.Apply(context.Background(), app, approver, t0, Decide{Stage: 1, Verdict: VerdictApprove, Comment: "within group headroom", Amount: dec("60000")})
		require.NoError(t, err)
		assert.Equal(t, StatusApproved, next.Status)
	})
}

func TestDossier(t *testing.T) {
	tests := []struct {
		name     string
		kind     CustomerKind
		security Security
		want     []DocumentKind
	}{
		{"individual unsecured", CustomerIndividual, SecurityNone, []DocumentKind{DocApplicationForm, DocIdentity, DocProofOfIncome, DocProofOfEmployment}},
		{"individual guaranteed", CustomerIndividual, SecurityGuarantee, []DocumentKind{DocApplicationForm, DocIdentity, DocProofOfIncome, DocProofOfEmployment, DocGuarantee}},
		{"enterprise unsecured", CustomerEnterprise, SecurityNone, []DocumentKind{DocApplicationForm, DocIdentity, DocFinancialStatements, DocBusinessLicence}},
		{"enterprise pledge", CustomerEnterprise, SecurityPledge, []DocumentKind{DocApplicationForm, DocIdentity, DocFinancialStatements, DocCollateral, DocBusinessLicence}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, DefaultDossier().Required("any", tt.kind, tt.security))
		})
	}
	t.Run("product rule", func(t *testing.T) {
		d := Dossier{Rules: append(DefaultDossier().Rules, DocumentRule{Product: "mortgage", Documents: []DocumentKind{DocCollateral}})}
		assert.Contains(t, d.Required("mortgage", CustomerIndividual, SecurityNone), DocCollateral)
		assert.NotContains(t, d.Required("consumer", CustomerIndividual, SecurityNone), DocCollateral)
	})
}

func TestSubmitMissingDocuments(t *testing.T) {
	w := newWorkflow(t)
	d := draft("100000")
	d.CustomerKind = CustomerEnterprise
	d.Security = SecurityGuarantee
	d.SecurityDetail = "Acme Holdings"
	app, _, err := w.Create(maker, t0, d)
	require.NoError(t, err)
	app = apply(t, w, app, maker, ReceiveDocument{Kind: DocApplicationForm, Reference: "f"})
	app = apply(t, w, app, maker, ReceiveDocument{Kind: DocIdentity, Reference: "i"})
	_, _, err = w.Apply(context.Background(), app, maker, t0, Submit{})
	var de *DocumentsError
	require.ErrorAs(t, err, &de)
	assert.ErrorIs(t, err, ErrMissingDocuments)
	assert.Equal(t, []DocumentKind{DocFinancialStatements, DocGuarantee, DocBusinessLicence}, de.Missing)

	t.Run("a rejected document counts as missing", func(t *testing.T) {
		app := inStatus(t, w, StatusSubmitted)
		app = apply(t, w, app, maker, ReceiveDocument{Kind: DocIdentity, Reference: "again"})
		app = apply(t, w, app, officer, RejectDocument{Kind: DocIdentity, Reason: "expired"})
		doc, ok := app.Document(DocIdentity)
		require.True(t, ok)
		assert.Equal(t, DocumentRejected, doc.Status)
		assert.Equal(t, "o1", doc.CheckedBy)
		assert.Equal(t, "expired", doc.Note)
		app = apply(t, w, app, officer, Assess{Report: report(t, "A", "150000")})
		app = apply(t, w, app, supervisor, Assign{Officer: officer.ID})
		_, _, err := w.Apply(context.Background(), app, officer, t0, StartReview{})
		var de *DocumentsError
		require.ErrorAs(t, err, &de)
		assert.Equal(t, []DocumentKind{DocIdentity}, de.Missing)
		assert.Empty(t, de.Unverified)
	})
	t.Run("review needs verified documents", func(t *testing.T) {
		app := inStatus(t, w, StatusAssigned)
		app = apply(t, w, app, maker, ReceiveDocument{Kind: DocProofOfIncome, Reference: "newer"})
		_, _, err := w.Apply(context.Background(), app, officer, t0, StartReview{})
		var de *DocumentsError
		require.ErrorAs(t, err, &de)
		assert.Empty(t, de.Missing)
		assert.Equal(t, []DocumentKind{DocProofOfIncome}, de.Unverified)
	})
	t.Run("verifying twice is a conflict", func(t *testing.T) {
		app := inStatus(t, w, StatusSubmitted)
		_, _, err := w.Apply(context.Background(), app, officer, t0, VerifyDocument{Kind: DocIdentity})
		assert.ErrorIs(t, err, ErrConflict)
	})
	t.Run("verifying a document never received is a conflict", func(t *testing.T) {
		app := inStatus(t, w, StatusSubmitted)
		_, _, err := w.Apply(context.Background(), app, officer, t0, VerifyDocument{Kind: DocGuarantee})
		assert.ErrorIs(t, err, ErrConflict)
	})
	t.Run("bad document commands", func(t *testing.T) {
		app := inStatus(t, w, StatusSubmitted)
		for _, cmd := range []Command{ReceiveDocument{Kind: DocIdentity}, ReceiveDocument{Reference: "x"},
			RejectDocument{Kind: DocCollateral}, VerifyDocument{}} {
			_, _, err := w.Apply(context.Background(), app, officer, t0, cmd)
			assert.ErrorIs(t, err, ErrInvalid, "%#v", cmd)
		}
	})
}

func TestReassessment(t *testing.T) {
	w := newWorkflow(t)
	app := inStatus(t, w, StatusAssessed)
	first := app.Reports[0]
	app = apply(t, w, app, supervisor, Assign{Officer: officer.ID})
	app = apply(t, w, app, officer, Assess{Report: report(t, "BB", "90000")})
	require.Len(t, app.Reports, 2)
	assert.Equal(t, first, app.Reports[0], "an attached report never changes")
	latest, ok := app.Report()
	require.True(t, ok)
	assert.Equal(t, grade(t, "BB"), latest.Grade)
	app = apply(t, w, app, officer, StartReview{})
	assert.Len(t, app.Stages, 2, "the latest grade (BB) picks the two-stage route")

	_, _, err := w.Apply(context.Background(), inStatus(t, w, StatusSubmitted), officer, t0, Assess{Report: report(t, "A", "-1")})
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "report.limit", ve.Problems[0].Path)
	_, _, err = w.Apply(context.Background(), inStatus(t, w, StatusSubmitted), officer, t0, Assess{Report: credit.Report{Limit: dec("1")}})
	require.ErrorAs(t, err, &ve)
	require.Len(t, ve.Problems, 2)
	assert.Equal(t, "report.grade", ve.Problems[0].Path)
	assert.Equal(t, "report.decision", ve.Problems[1].Path)
}

func TestReturnAndResubmit(t *testing.T) {
	w := newWorkflow(t)
	app := inStatus(t, w, StatusReturned)
	assert.Equal(t, 1, app.Round)
	next, ev, err := w.Apply(context.Background(), app, maker, t0, Submit{Comment: "payslips added"})
	require.NoError(t, err)
	assert.Equal(t, StatusSubmitted, next.Status)
	assert.Equal(t, 2, next.Round)
	assert.Empty(t, next.Stages)
	assert.Equal(t, "true", ev.Details["resubmission"])
	assert.Equal(t, StatusReturned, ev.From)
	assert.Len(t, next.Decisions, 1, "the earlier round's decisions stay on record")
}

func TestApplyBadInput(t *testing.T) {
	w := newWorkflow(t)
	app := inStatus(t, w, StatusDraft)
	tests := []struct {
		name  string
		app   Application
		actor Actor
		at    time.Time
		cmd   Command
	}{
		{"nil command", app, maker, t0, nil},
		{"zero time", app, maker, time.Time{}, Submit{}},
		{"unknown role", app, Actor{ID: "x", Roles: []Role{99}}, t0, Submit{}},
		{"negative authority", app, Actor{ID: "x", Roles: []Role{RoleMaker}, Authority: dec("-1")}, t0, Submit{}},
		{"zero application", Application{}, maker, t0, Submit{}},
		{"assign nobody", inStatus(t, w, StatusAssessed), supervisor, t0, Assign{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.NotPanics(t, func() {
				_, _, err := w.Apply(context.Background(), tt.app, tt.actor, tt.at, tt.cmd)
				assert.ErrorIs(t, err, ErrInvalid)
			})
		})
	}
}

func TestNewValidation(t *testing.T) {
	m, err := ParseMatrix([]byte(testMatrixJSON))
	require.NoError(t, err)
	_, err = New(Config{Dossier: Dossier{Rules: []DocumentRule{{}}}}, nil)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	paths := map[string]bool{}
	for _, p := range ve.Problems {
		paths[p.Path] = true
	}
	assert.True(t, paths["matrix.bands"])
	assert.True(t, paths["dossier.rules[0].documents"])
	assert.True(t, paths["headroom"])

	w, err := New(Config{Matrix: m}, HeadroomFunc(func(context.Context, string, decimal.Decimal) ([]Breach, error) { return nil, nil }))
	require.NoError(t, err)
	m.Bands[0].Routes[0].Stages[0].Role = RoleMaker // the workflow keeps its own copy
	app := reviewed(t, w, draft("100000"), "A", "150000")
	assert.Equal(t, RoleApprover, app.Stages[0].Role)
}

// An amount written with an extreme exponent is refused before any arithmetic, at creation
// and at approval: rounding or comparing 1e999999999 or 1e-999999999 would build a power of
// ten with that many digits.
func TestExtremeExponentsAreRefused(t *testing.T) {
	w := newWorkflow(t)
	for _, amount := range []string{"1e999999999", "1e-999999999", "100000e-30"} {
		_, _, err := w.Create(maker, t0, draft(amount))
		var ve *ValidationError
		require.ErrorAs(t, err, &ve, amount)
		assert.Equal(t, "amount", ve.Problems[0].Path, amount)
		assert.Equal(t, "scale", ve.Problems[0].Rule, amount)

		app := reviewed(t, w, draft("100000"), "BB", "150000")
		d := approve(1)
		d.Amount = dec(amount)
		_, _, err = w.Apply(context.Background(), app, approver, t0.Add(time.Hour), d)
		require.ErrorAs(t, err, &ve, amount)
		assert.Equal(t, "scale", ve.Problems[0].Rule, amount)
	}
	_, _, err := w.Create(maker, t0, draft("100000.000"))
	require.NoError(t, err, "trailing zeros within 20 places are fine")
}
