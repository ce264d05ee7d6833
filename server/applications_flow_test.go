package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestApplicationLifecycle takes one application from draft to approval through the API,
// checking the refusals on the way (dossier incomplete, stale version, wrong person) and
// that the approved amount lands on the customer's exposure in the tree.
func TestApplicationLifecycle(t *testing.T) {
	for name, h := range harnesses(t, Config{Authenticator: headerAuth{}}) {
		t.Run(name, func(t *testing.T) { applicationLifecycle(t, h) })
	}
}

func applicationLifecycle(t *testing.T, h *harness) {
	f := setupBank(t, h, "50000000")
	o1, o2 := h.as("o1/officer"), h.as("o2/officer")
	a := openApplication(t, o1, f.person, "consumer", "150000")
	assert.Equal(t, "draft", a.Status)
	assert.Equal(t, "o1", a.Maker)
	assert.Equal(t, []string{"application_form", "identity", "proof_of_income", "proof_of_employment"}, a.RequiredDocuments)

	// Submitting an incomplete dossier is a conflict naming what is missing; nothing changes.
	before := h.tableCounts(t)
	r := o1.send(t, http.MethodPost, "/v1/applications/"+a.ID+"/submit", "", a.Version)
	require.Equal(t, http.StatusConflict, r.status)
	assert.Contains(t, problemOf(t, r).Detail, "missing or rejected: application_form, identity, proof_of_income, proof_of_employment")
	assert.Equal(t, before, h.tableCounts(t))

	for _, k := range a.RequiredDocuments {
		a = o1.command(t, a.ID, "documents", fmt.Sprintf(`{"action":"receive","kind":%q,"reference":"dms://%s"}`, k, k), a.Version)
	}
	// A stale If-Match is 412 and changes nothing.
	r = o1.send(t, http.MethodPost, "/v1/applications/"+a.ID+"/submit", "", a.Version-1)
	require.Equal(t, http.StatusPreconditionFailed, r.status, string(r.body))
	a = o1.command(t, a.ID, "submit", `{"comment":"资料齐全"}`, a.Version)
	assert.Equal(t, "submitted", a.Status)

	// A rejected document is received again and then verified.
	a = o2.command(t, a.ID, "documents", `{"action":"reject","kind":"proof_of_income","reason":"模糊不清"}`, a.Version)
	a = o1.command(t, a.ID, "documents", `{"action":"receive","kind":"proof_of_income","reference":"dms://income-2"}`, a.Version)
	for _, k := range a.RequiredDocuments {
		a = o2.command(t, a.ID, "documents", fmt.Sprintf(`{"action":"verify","kind":%q}`, k), a.Version)
	}
	// Verifying twice is a conflict naming the state of the document.
	r = o2.send(t, http.MethodPost, "/v1/applications/"+a.ID+"/documents", `{"action":"verify","kind":"identity"}`, a.Version)
	require.Equal(t, http.StatusConflict, r.status)
	assert.Contains(t, problemOf(t, r).Detail, "identity is already verified")

	// Assigning before an assessment is a conflict naming the current state.
	r = h.as("s1/supervisor").send(t, http.MethodPost, "/v1/applications/"+a.ID+"/assign", "", a.Version)
	require.Equal(t, http.StatusConflict, r.status)
	assert.Contains(t, problemOf(t, r).Detail, "the application is submitted")

	// The assessment is stored with the application's request and attached.
	r = o1.send(t, http.MethodPost, "/v1/applications/"+a.ID+"/assess", `{"facts":`+goodPersonFacts+`,"comment":"贷前调查"}`, a.Version)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var assessed struct {
		Application appJSON `json:"application"`
		Assessment  struct {
			ID    string `json:"id"`
			Grade string `json:"grade"`
		} `json:"assessment"`
		Event struct {
			Details map[string]string `json:"details"`
		} `json:"event"`
	}
	require.NoError(t, json.Unmarshal(r.body, &assessed))
	a = assessed.Application
	assert.Equal(t, "assessed", a.Status)
	require.NotEmpty(t, assessed.Assessment.ID)
	assert.Equal(t, assessed.Assessment.ID, assessed.Event.Details["assessment"])
	require.Len(t, a.Assessments, 1)
	r = h.as("boss/admin").get(t, "/v1/assessments/"+assessed.Assessment.ID)
	require.Equal(t, http.StatusOK, r.status, "the assessment is stored: %s", r.body)
	assert.Contains(t, string(r.body), `"150000"`, "assessed for the application's amount")

	a = h.as("s1/supervisor").command(t, a.ID, "assign", "", a.Version)
	assert.Equal(t, "assigned", a.Status)
	assert.Equal(t, "o1", a.Officer)

	// Only the assigned officer sends the case to review.
	r = o2.send(t, http.MethodPost, "/v1/applications/"+a.ID+"/review", "", a.Version)
	require.Equal(t, http.StatusForbidden, r.status)
	assert.Contains(t, problemOf(t, r).Detail, "only the assigned officer o1")
	a = o1.command(t, a.ID, "review", "", a.Version)
	assert.Equal(t, "under_review", a.Status)
	require.Len(t, a.Stages, 1, "a small loan of a good grade needs one approver: %+v", a.Assessments)
	assert.Equal(t, 1, a.PendingStage)

	// Too little authority; then an approver with enough.
	r = h.as("a0/approver").send(t, http.MethodPost, "/v1/applications/"+a.ID+"/decisions", `{"stage":1,"verdict":"approve","comment":"同意"}`, a.Version)
	require.Equal(t, http.StatusForbidden, r.status)
	assert.Contains(t, problemOf(t, r).Detail, "authority limit")
	a = h.as("a1/approver").command(t, a.ID, "decisions", `{"stage":1,"verdict":"approve","comment":"同意"}`, a.Version)
	assert.Equal(t, "approved", a.Status)
	assert.Equal(t, "150000", a.ApprovedAmount)

	total, _ := nodeExposure(t, h, f.personNode)
	assert.Equal(t, "150000.00", total, "the approval is on the customer's exposure")
	total, _ = nodeExposure(t, h, f.branch)
	assert.Equal(t, "150000.00", total, "and rolls up to the branch")

	// Approving again is a conflict naming the state.
	r = h.as("a2/approver").send(t, http.MethodPost, "/v1/applications/"+a.ID+"/decisions", `{"stage":1,"verdict":"approve","comment":"同意"}`, a.Version)
	require.Equal(t, http.StatusConflict, r.status)
	assert.Contains(t, problemOf(t, r).Detail, "the application is approved")

	// The dated history holds every step.
	r = h.as("r1/reader").get(t, "/v1/applications/"+a.ID)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, fmt.Sprintf(`"%d"`, a.Version), r.header.Get("ETag"))
	got := decodeApp(t, r)
	require.Len(t, got.History, int(a.Version))
	var actions []string
	for _, e := range got.History {
		if !strings.HasSuffix(e.Action, "_document") {
			actions = append(actions, e.Action+":"+e.Actor+":"+e.Role)
		}
	}
	assert.Equal(t, []string{"create:o1:maker", "submit:o1:maker", "assess:o1:officer", "assign:s1:supervisor",
		"start_review:o1:officer", "approve:a1:approver"}, actions)

	// Lists by state.
	r = h.as("r1/reader").get(t, "/v1/applications?status=approved")
	require.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, string(r.body), a.ID)
	r = h.as("r1/reader").get(t, "/v1/applications?status=draft")
	assert.NotContains(t, string(r.body), a.ID)

	// The officer's assignment ended with the decision.
	p := h.as("a1/analyst").portfolio(t)
	for _, o := range p.Officers {
		if o.Officer == "o1" {
			assert.Zero(t, o.OpenCases)
			assert.Equal(t, 1, o.Approved)
		}
	}
}

// TestMakerChecker covers the maker-checker cases that Fineract's bug reports describe:
// the maker approving their own case, a checker-only role doing a maker's work, deciding a
// stage that is not pending, and approving twice.
func TestMakerChecker(t *testing.T) {
	h := newHarness(t, Config{Authenticator: headerAuth{}})
	f := setupBank(t, h, "50000000")
	// An admin holds every permission: maker, officer, supervisor and approver at once.
	maker := h.as("m1/admin")
	a := prepare(t, h, maker, openApplication(t, maker, f.company, "working_capital", "800000"), strongCompanyFacts)
	require.Equal(t, "under_review", a.Status)
	require.Len(t, a.Stages, 2, "above 500,000: branch approval, then the committee")

	decide := func(actor string, stage int, verdict string) response {
		return h.as(actor).send(t, http.MethodPost, "/v1/applications/"+a.ID+"/decisions",
			fmt.Sprintf(`{"stage":%d,"verdict":%q,"comment":"意见"}`, stage, verdict), a.Version)
	}
	before := h.tableCounts(t)
	tests := []struct {
		name   string
		actor  string
		stage  int
		status int
		detail string
	}{
		{"the maker approves their own case", "m1/admin", 1, http.StatusForbidden, "the maker of an application may not decide on it"},
		{"the preparing officer approves", "o1/admin", 1, http.StatusForbidden, "the officer who prepared the case may not decide on it"},
		{"a committee member decides the stage after the pending one", "c1/committee", 2, http.StatusConflict, "stage 1 is pending, not stage 2"},
		{"a committee member decides the approver's stage", "c1/committee", 1, http.StatusForbidden, "needs the approver role"},
		{"an approver without enough authority", "a0/approver", 1, http.StatusForbidden, "authority limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := decide(tt.actor, tt.stage, "approve")
			require.Equal(t, tt.status, r.status, string(r.body))
			assert.Contains(t, problemOf(t, r).Detail, tt.detail)
		})
	}
	t.Run("a checker-only role may not do a maker's work", func(t *testing.T) {
		r := h.as("a1/approver").send(t, http.MethodPost, "/v1/applications/"+a.ID+"/withdraw", "", a.Version)
		require.Equal(t, http.StatusForbidden, r.status)
		r = h.as("a1/approver").post(t, "/v1/applications", validApplication(t))
		require.Equal(t, http.StatusForbidden, r.status)
	})
	assert.Equal(t, before, h.tableCounts(t), "no refused decision is recorded")

	a = h.as("a1/approver").command(t, a.ID, "decisions", `{"stage":1,"verdict":"approve","comment":"同意","amount":"700000"}`, a.Version)
	assert.Equal(t, "under_review", a.Status)
	assert.Equal(t, 2, a.PendingStage)

	t.Run("approving twice", func(t *testing.T) {
		// a1 approved stage 1; deciding at stage 1 again names a stage that is no longer pending.
		r := decide("a1/approver", 1, "approve")
		require.Equal(t, http.StatusConflict, r.status)
		assert.Contains(t, problemOf(t, r).Detail, "stage 2 is pending, not stage 1")
		// An admin who approved stage 1 may not approve stage 2 (the committee) too.
		admin := h.as("x1/admin")
		b := prepare(t, h, maker, openApplication(t, maker, f.company, "working_capital", "600000"), strongCompanyFacts)
		b = admin.command(t, b.ID, "decisions", `{"stage":1,"verdict":"approve","comment":"同意"}`, b.Version)
		r = admin.send(t, http.MethodPost, "/v1/applications/"+b.ID+"/decisions", `{"stage":2,"verdict":"approve","comment":"同意"}`, b.Version)
		require.Equal(t, http.StatusForbidden, r.status)
		assert.Contains(t, problemOf(t, r).Detail, "approved at stage 1 already")
	})

	a = h.as("c1/committee").command(t, a.ID, "decisions", `{"stage":2,"verdict":"approve","comment":"同意"}`, a.Version)
	assert.Equal(t, "approved", a.Status)
	assert.Equal(t, "700000", a.ApprovedAmount, "the committee approves what is on the table")
	r := decide("c2/committee", 2, "approve")
	require.Equal(t, http.StatusConflict, r.status, "approving an approved application")
}

// TestQuorum: above 5,000,000 the committee stage needs two members; one member approving
// twice does not make two.
func TestQuorum(t *testing.T) {
	h := newHarness(t, Config{Authenticator: headerAuth{}})
	f := setupBank(t, h, "50000000")
	maker := h.as("m1/officer")
	a := prepare(t, h, maker, openApplication(t, maker, f.company, "working_capital", "6000000"), strongCompanyFacts)
	require.Len(t, a.Stages, 2)
	assert.Equal(t, 2, a.Stages[1].Approvals)
	limit := a.Assessments[0].Limit
	body := `{"stage":1,"verdict":"approve","comment":"同意"}`
	if limit != "" && limit != "6000000" {
		// The assessed limit caps what may be approved without an override.
		body = fmt.Sprintf(`{"stage":1,"verdict":"approve","comment":"按评估额度","amount":%q}`, limit)
	}
	// The branch approver needs authority of at least the amount: a1 has 1,000,000, c-level staff more.
	r := h.as("a1/approver").send(t, http.MethodPost, "/v1/applications/"+a.ID+"/decisions", body, a.Version)
	require.Equal(t, http.StatusForbidden, r.status)
	a = h.as("big/admin").command(t, a.ID, "decisions", body, a.Version)
	require.Equal(t, 2, a.PendingStage)

	a = h.as("c1/committee").command(t, a.ID, "decisions", `{"stage":2,"verdict":"approve","comment":"同意"}`, a.Version)
	assert.Equal(t, "under_review", a.Status, "one of two approvals")
	r = h.as("c1/committee").send(t, http.MethodPost, "/v1/applications/"+a.ID+"/decisions", `{"stage":2,"verdict":"approve","comment":"再次同意"}`, a.Version)
	require.Equal(t, http.StatusForbidden, r.status)
	assert.Contains(t, problemOf(t, r).Detail, "one decision per person and stage")
	a = h.as("c2/committee").command(t, a.ID, "decisions", `{"stage":2,"verdict":"approve","comment":"同意"}`, a.Version)
	assert.Equal(t, "approved", a.Status)
}

// TestGroupLimitGate: the final approval is refused while it would breach the limit of
// the conglomerate above the customer, and nothing is written; a lower amount that fits
// is approved and shows on the group's exposure.
func TestGroupLimitGate(t *testing.T) {
	h := newHarness(t, Config{Authenticator: headerAuth{}})
	f := setupBank(t, h, "300000")
	maker := h.as("m1/officer")
	a := prepare(t, h, maker, openApplication(t, maker, f.company, "working_capital", "400000"), strongCompanyFacts)
	require.Len(t, a.Stages, 1)

	before := h.tableCounts(t)
	r := h.as("a1/approver").send(t, http.MethodPost, "/v1/applications/"+a.ID+"/decisions", `{"stage":1,"verdict":"approve","comment":"同意"}`, a.Version)
	require.Equal(t, http.StatusConflict, r.status, string(r.body))
	assert.Contains(t, problemOf(t, r).Detail, "华辰集团")
	assert.Contains(t, problemOf(t, r).Detail, "headroom 300000")
	assert.Equal(t, before, h.tableCounts(t))
	total, _ := nodeExposure(t, h, f.group)
	assert.Equal(t, "0.00", total)

	a = h.as("a1/approver").command(t, a.ID, "decisions", `{"stage":1,"verdict":"approve","comment":"按集团余额","amount":"250000"}`, a.Version)
	assert.Equal(t, "approved", a.Status)
	total, headroom := nodeExposure(t, h, f.group)
	assert.Equal(t, "250000.00", total)
	require.NotNil(t, headroom)
	assert.Equal(t, "50000.00", *headroom)
}

// TestReturnAndResubmit: a returned application goes back to the maker, is resubmitted in
// a new round, and is assessed and decided again.
func TestReturnAndResubmit(t *testing.T) {
	h := newHarness(t, Config{Authenticator: headerAuth{}})
	f := setupBank(t, h, "50000000")
	maker := h.as("m1/officer")
	a := prepare(t, h, maker, openApplication(t, maker, f.person, "consumer", "100000"), goodPersonFacts)
	a = h.as("a1/approver").command(t, a.ID, "decisions", `{"stage":1,"verdict":"return","comment":"补充银行流水"}`, a.Version)
	assert.Equal(t, "returned", a.Status)
	a = maker.command(t, a.ID, "documents", `{"action":"receive","kind":"proof_of_income","reference":"dms://statements"}`, a.Version)
	a = maker.command(t, a.ID, "submit", "", a.Version)
	assert.Equal(t, 2, a.Round)
	a = h.as("o1/officer").command(t, a.ID, "documents", `{"action":"verify","kind":"proof_of_income"}`, a.Version)
	a = h.as("o1/officer").command(t, a.ID, "assess", `{"facts":`+goodPersonFacts+`}`, a.Version)
	a = h.as("s1/supervisor").command(t, a.ID, "assign", "", a.Version)
	a = h.as("o1/officer").command(t, a.ID, "review", "", a.Version)
	// The approver who returned it may decide the new round.
	a = h.as("a1/approver").command(t, a.ID, "decisions", `{"stage":1,"verdict":"reject","comment":"仍不符合"}`, a.Version)
	assert.Equal(t, "rejected", a.Status)
	// A withdrawn or decided application cannot be withdrawn.
	r := maker.send(t, http.MethodPost, "/v1/applications/"+a.ID+"/withdraw", "", a.Version)
	require.Equal(t, http.StatusConflict, r.status)

	b := openApplication(t, maker, f.person, "consumer", "5000")
	b = maker.command(t, b.ID, "withdraw", `{"comment":"客户放弃"}`, b.Version)
	assert.Equal(t, "withdrawn", b.Status)
}

// TestAssessFactsMustAgree: request facts that disagree with the application are refused.
func TestAssessFactsMustAgree(t *testing.T) {
	h := newHarness(t, Config{Authenticator: headerAuth{}})
	f := setupBank(t, h, "50000000")
	o1 := h.as("o1/officer")
	a := openApplication(t, o1, f.person, "consumer", "100000")
	for _, k := range a.RequiredDocuments {
		a = o1.command(t, a.ID, "documents", fmt.Sprintf(`{"action":"receive","kind":%q,"reference":"r"}`, k), a.Version)
	}
	a = o1.command(t, a.ID, "submit", "", a.Version)
	before := h.tableCounts(t)
	facts := strings.Replace(goodPersonFacts, `"profile"`, `"request":{"amount":"999","term_months":12},"profile"`, 1)
	r := o1.send(t, http.MethodPost, "/v1/applications/"+a.ID+"/assess", `{"facts":`+facts+`}`, a.Version)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.body))
	var paths []string
	for _, fe := range problemOf(t, r).Errors {
		paths = append(paths, fe.Path)
	}
	assert.ElementsMatch(t, []string{"facts.request.amount", "facts.request.term_months"}, paths)
	assert.Equal(t, before, h.tableCounts(t))
}
