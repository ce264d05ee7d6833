package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/server/audit"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/creditdb"
	"github.com/creditkit/creditkit/server/store/storetest"
)

// creditNow is the clock of the credit and officer tests.
var creditNow = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

func creditClock() time.Time { return creditNow }

// creditHarness is a server on a fresh SQLite database with a fixed clock.
func creditHarness(t *testing.T) *harness {
	t.Helper()
	return newHarness(t, Config{Now: creditClock})
}

// send sends a request with an optional JSON body and extra headers (name, value, ...).
func (h *harness) sendWith(t *testing.T, method, path, body string, headers ...string) response {
	t.Helper()
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, path, nil)
	} else {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return h.do(t, req)
}

func decodeAs[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(r.body, &v), string(r.body))
	return v
}

// cardJSON returns the built-in card of kind as upload JSON, under version (unsealed,
// so the server computes the hash), after edit.
func cardJSON(t *testing.T, kind, version string, edit func(*credit.Scorecard)) string {
	t.Helper()
	card, err := credit.BuiltinCard(kind)
	require.NoError(t, err)
	card.Version, card.SHA256 = version, ""
	if edit != nil {
		edit(card)
	}
	b, err := json.Marshal(card)
	require.NoError(t, err)
	return string(b)
}

func uploadBody(kind, card string) string {
	return fmt.Sprintf(`{"kind":%q,"card":%s}`, kind, card)
}

// applicantFacts is the credit package's sample applicant.
func applicantFacts(t testing.TB) credit.Facts {
	t.Helper()
	data, err := os.ReadFile("../credit/testdata/applicant.json")
	require.NoError(t, err)
	f, err := credit.DecodeFacts(data)
	require.NoError(t, err)
	return f
}

func applicantJSON(t testing.TB) string {
	t.Helper()
	data, err := os.ReadFile("../credit/testdata/applicant.json")
	require.NoError(t, err)
	return string(data)
}

// storedRef registers a person and returns its reference: the assessment writer checks
// every row's customer in the database.
func storedRef(t testing.TB, h *harness) customerRef {
	t.Helper()
	ref, err := h.srv.lookupCustomer(context.Background(), registerPerson(t, h, 1))
	require.NoError(t, err)
	return ref
}

var individualRef = customerRef{Number: "1100000001", Kind: customer.KindIndividual, Status: customer.StatusActive}

// assessRef runs assessCustomer for ref in a transaction of its own, as admin.
func assessRef(t *testing.T, h *harness, ref customerRef, facts credit.Facts) (storedAssessment, error) {
	t.Helper()
	ctx := perm.WithActor(context.Background(), perm.Admin("alice", "Alice"))
	var out storedAssessment
	err := h.store.Tx(ctx, func(tx *sql.Tx) (err error) {
		out, err = h.srv.assessCustomer(ctx, tx, ref, facts)
		return err
	})
	return out, err
}

func rowCount(t *testing.T, st *store.Store, table string) int {
	t.Helper()
	var n int
	require.NoError(t, st.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n))
	return n
}

func TestBuiltinScorecardsAreActive(t *testing.T) {
	h := creditHarness(t)
	r := h.get(t, "/v1/scorecards")
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	list := decodeAs[scorecardList](t, r)
	require.Len(t, list.Items, 2)
	for i, want := range []string{"enterprise-1", "individual-1"} {
		sc := list.Items[i]
		assert.Equal(t, want, sc.ID)
		assert.True(t, sc.Active)
		assert.Equal(t, int64(1), sc.Revision)
		assert.Equal(t, systemActor, sc.UploadedBy)
		assert.Empty(t, sc.Card, "lists carry no cards")
	}

	r = h.get(t, "/v1/scorecards?active=true&kind=individual")
	require.Equal(t, http.StatusOK, r.status)
	list = decodeAs[scorecardList](t, r)
	require.Len(t, list.Items, 1)
	assert.Equal(t, "individual-1", list.Items[0].ID)
	assert.Equal(t, "creditkit-individual", list.Items[0].ModelID)

	r = h.get(t, "/v1/scorecards/individual-1")
	require.Equal(t, http.StatusOK, r.status)
	sc := decodeAs[scorecardView](t, r)
	assert.Equal(t, `"`+sc.SHA256+`"`, r.header.Get("ETag"))
	card, err := credit.ParseScorecard(sc.Card)
	require.NoError(t, err, "the served card parses and its hash matches")
	assert.Equal(t, sc.SHA256, card.SHA256)

	// A second server on the same database installs nothing more.
	_, err = New(Config{Store: h.store, Keyring: testRing, Logger: h.srv.log})
	require.NoError(t, err)
	assert.Equal(t, 2, rowCount(t, h.store, "scorecards"))
	assert.Equal(t, 2, rowCount(t, h.store, "scorecard_activations"))
}

func TestScorecardUploadAndActivate(t *testing.T) {
	h := creditHarness(t)
	before, err := assessRef(t, h, individualRef, applicantFacts(t))
	require.NoError(t, err)
	assert.Equal(t, "individual-1", before.Scorecard)

	// Version 2 gives everyone 10 points more on the first characteristic.
	body := uploadBody("individual", cardJSON(t, "individual", "2.0.0", func(c *credit.Scorecard) {
		for i := range c.Characteristics[0].Bins {
			c.Characteristics[0].Bins[i].Points += 10
		}
		c.Characteristics[0].Missing.Points += 10
		for i := range c.Characteristics[0].Special {
			c.Characteristics[0].Special[i].Points += 10
		}
	}))
	r := h.sendWith(t, http.MethodPost, "/v1/scorecards", body)
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	up := decodeAs[scorecardView](t, r)
	assert.Equal(t, "individual-2", up.ID)
	assert.Equal(t, "/v1/scorecards/individual-2", r.header.Get("Location"))
	assert.False(t, up.Active, "an upload is not active until activated")
	assert.Equal(t, "2.0.0", up.ModelVersion)
	assert.Equal(t, "anonymous", up.UploadedBy)
	assert.Equal(t, creditNow, up.UploadedAt)
	assert.Len(t, up.SHA256, 64)

	same, err := assessRef(t, h, individualRef, applicantFacts(t))
	require.NoError(t, err)
	assert.Equal(t, "individual-1", same.Scorecard)

	r = h.sendWith(t, http.MethodPost, "/v1/scorecards/individual-2/activate", "")
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	assert.True(t, decodeAs[scorecardView](t, r).Active)
	r = h.sendWith(t, http.MethodPost, "/v1/scorecards/individual-2/activate", "{}")
	require.Equal(t, http.StatusOK, r.status, "activating the active card is fine: %s", r.body)

	after, err := assessRef(t, h, individualRef, applicantFacts(t))
	require.NoError(t, err)
	assert.Equal(t, "individual-2", after.Scorecard)
	assert.Equal(t, "2.0.0", after.Report.ModelVersion)
	assert.InDelta(t, before.Report.Score+10, after.Report.Score, 1e-9)

	r = h.get(t, "/v1/scorecards?active=true&kind=individual")
	list := decodeAs[scorecardList](t, r)
	require.Len(t, list.Items, 1)
	assert.Equal(t, "individual-2", list.Items[0].ID)

	// Back to version 1: the compiled card is reused, and used.
	r = h.sendWith(t, http.MethodPost, "/v1/scorecards/individual-1/activate", "")
	require.Equal(t, http.StatusOK, r.status)
	back, err := assessRef(t, h, individualRef, applicantFacts(t))
	require.NoError(t, err)
	assert.Equal(t, "individual-1", back.Scorecard)
	assert.InDelta(t, before.Report.Score, back.Report.Score, 1e-9)
	assert.Equal(t, 4, rowCount(t, h.store, "scorecard_activations"), "two installs, two changes")
}

func TestScorecardRequestsRefused(t *testing.T) {
	h := creditHarness(t)
	valid := cardJSON(t, "individual", "3.0.0", nil)
	tests := []struct {
		name        string
		method      string
		path        string
		body        string
		contentType string
		wantStatus  int
		wantPaths   []string
	}{
		{"no kind", "POST", "/v1/scorecards", `{"card":` + valid + `}`, "", 422, []string{"kind"}},
		{"unknown kind", "POST", "/v1/scorecards", uploadBody("household", valid), "", 422, []string{"kind"}},
		{"no card", "POST", "/v1/scorecards", `{"kind":"individual"}`, "", 422, []string{"card"}},
		{"null card", "POST", "/v1/scorecards", `{"kind":"individual","card":null}`, "", 422, []string{"card"}},
		{"bad scaling", "POST", "/v1/scorecards", uploadBody("individual", cardJSON(t, "individual", "3", func(c *credit.Scorecard) {
			c.Scaling.PDO = 0
		})), "", 422, []string{"card.scaling.pdo"}},
		{"unknown variable", "POST", "/v1/scorecards", uploadBody("individual", cardJSON(t, "individual", "3", func(c *credit.Scorecard) {
			c.Characteristics[0].Variable = "profile.shoe_size"
		})), "", 422, nil},
		{"hash mismatch", "POST", "/v1/scorecards", uploadBody("individual", cardJSON(t, "individual", "3", func(c *credit.Scorecard) {
			c.SHA256 = strings.Repeat("0", 64)
		})), "", 422, []string{"card.sha256"}},
		{"unknown card field", "POST", "/v1/scorecards", uploadBody("individual", `{"model_id":"x","colour":"red"}`), "", 400, nil},
		{"same content as the built-in", "POST", "/v1/scorecards", uploadBody("individual", cardJSON(t, "individual", "1.0.0", nil)), "", 409, nil},
		{"unknown field", "POST", "/v1/scorecards", `{"kind":"individual","card":` + valid + `,"active":true}`, "", 400, nil},
		{"malformed", "POST", "/v1/scorecards", `{"kind":"individual","card":{`, "", 400, nil},
		{"trailing", "POST", "/v1/scorecards", uploadBody("individual", valid) + `{}`, "", 400, nil},
		{"empty", "POST", "/v1/scorecards", "", "application/json", 400, nil},
		{"not JSON", "POST", "/v1/scorecards", uploadBody("individual", valid), "text/plain", 415, nil},
		{"activate unknown", "POST", "/v1/scorecards/individual-9/activate", "", "", 404, nil},
		{"activate with a body", "POST", "/v1/scorecards/individual-1/activate", `{"force":true}`, "", 400, nil},
		{"activate too long an ID", "POST", "/v1/scorecards/" + strings.Repeat("x", 65) + "/activate", "", "", 404, nil},
		{"get unknown", "GET", "/v1/scorecards/enterprise-2", "", "", 404, nil},
		{"list unknown parameter", "GET", "/v1/scorecards?state=active", "", "", 400, nil},
		{"list bad kind", "GET", "/v1/scorecards?kind=household", "", "", 400, nil},
		{"list bad active", "GET", "/v1/scorecards?active=yes", "", "", 400, nil},
		{"list bad limit", "GET", "/v1/scorecards?limit=0", "", "", 400, nil},
		{"list limit too big", "GET", "/v1/scorecards?limit=201", "", "", 400, nil},
		{"list bad cursor", "GET", "/v1/scorecards?cursor=abc", "", "", 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			switch {
			case tt.contentType != "":
				req.Header.Set("Content-Type", tt.contentType)
			case tt.body != "":
				req.Header.Set("Content-Type", "application/json")
			}
			r := h.do(t, req)
			require.Equal(t, tt.wantStatus, r.status, string(r.body))
			p := problemOf(t, r)
			var paths []string
			for _, f := range p.Errors {
				paths = append(paths, f.Path)
			}
			for _, want := range tt.wantPaths {
				assert.Contains(t, paths, want)
			}
			if tt.wantStatus == 422 {
				assert.NotEmpty(t, p.Errors)
			}
		})
	}
	assert.Equal(t, 2, rowCount(t, h.store, "scorecards"), "nothing was stored")
	assert.Equal(t, 2, rowCount(t, h.store, "scorecard_activations"), "nothing was activated")
	act, err := h.srv.credit.repo.Active(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []creditdb.Active{{Kind: "enterprise", Scorecard: "enterprise-1"}, {Kind: "individual", Scorecard: "individual-1"}}, act)
}

func TestScorecardProblemsInChinese(t *testing.T) {
	h := creditHarness(t)
	r := h.sendWith(t, http.MethodPost, "/v1/scorecards", `{"kind":"household","card":null}`, "Accept-Language", "zh-CN")
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	p := problemOf(t, r)
	require.Len(t, p.Errors, 2)
	assert.Equal(t, "取值应为：individual, enterprise", p.Errors[0].Message)
	assert.Equal(t, "评分卡必填", p.Errors[1].Message)
}

func TestAssessmentStoredAndServed(t *testing.T) {
	h := creditHarness(t)
	stored, err := assessRef(t, h, individualRef, applicantFacts(t))
	require.NoError(t, err)
	assert.Equal(t, "A0000000001", stored.ID)
	assert.Equal(t, creditNow, stored.CreatedAt)
	assert.Equal(t, credit.Approve, stored.Report.Decision)

	r := h.get(t, "/v1/assessments/"+stored.ID)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	assert.Equal(t, "Accept", r.header.Get("Vary"))
	v := decodeAs[storedAssessmentView](t, r)
	assert.Equal(t, stored.ID, v.ID)
	assert.Equal(t, "1100000001", v.Customer)
	assert.Equal(t, "individual", v.CustomerKind)
	assert.Equal(t, "individual-1", v.Scorecard)
	assert.Equal(t, "alice", v.CreatedBy)
	assert.Equal(t, stored.Report.Grade.String(), v.Grade)
	assert.Equal(t, "approve", v.Decision)
	assert.Equal(t, stored.Report.Limit.String(), v.Limit.String())
	var report credit.Report
	require.NoError(t, json.Unmarshal(v.Report, &report))
	assert.InDelta(t, stored.Report.Score, report.Score, 1e-9)
	assert.Equal(t, stored.Report.Markdown(), report.Markdown(), "the stored report is the report")

	row, err := h.srv.credit.repo.Assessment(context.Background(), stored.ID)
	require.NoError(t, err)
	var req credit.Request
	require.NoError(t, json.Unmarshal(row.Request, &req))
	assert.Equal(t, 36, *req.TermMonths)
	var facts credit.Facts
	require.NoError(t, json.Unmarshal(row.Facts, &facts))
	assert.Equal(t, 34, *facts.Profile.Age)

	for _, accept := range []string{"text/markdown", "text/markdown, application/json;q=0.5", "text/*"} {
		r = h.sendWith(t, http.MethodGet, "/v1/assessments/"+stored.ID, "", "Accept", accept)
		require.Equal(t, http.StatusOK, r.status, accept)
		assert.Equal(t, "text/markdown; charset=utf-8", r.header.Get("Content-Type"), accept)
		assert.Equal(t, stored.Report.Markdown(), string(r.body), accept)
	}
	for _, accept := range []string{"application/json", "*/*", "application/json, text/markdown;q=0.1"} {
		r = h.sendWith(t, http.MethodGet, "/v1/assessments/"+stored.ID, "", "Accept", accept)
		require.Equal(t, http.StatusOK, r.status, accept)
		assert.Equal(t, "application/json", r.header.Get("Content-Type"), accept)
	}
	r = h.sendWith(t, http.MethodGet, "/v1/assessments/"+stored.ID, "", "Accept", "image/png")
	assert.Equal(t, http.StatusNotAcceptable, r.status)
	problemOf(t, r)

	r = h.get(t, "/v1/assessments/A0000000002")
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Contains(t, problemOf(t, r).Detail, "A0000000002")
}

func TestAssessCustomerRefusesFacts(t *testing.T) {
	h := creditHarness(t)
	f := applicantFacts(t)
	f.Request.TermMonths = nil
	_, err := assessRef(t, h, individualRef, f)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	var paths []string
	for _, fe := range ve.Fields {
		paths = append(paths, fe.Path)
	}
	assert.Contains(t, paths, "facts.request.term_months")

	_, err = assessRef(t, h, customerRef{Number: "X"}, applicantFacts(t))
	assert.Error(t, err, "a customer without a kind")
	assert.Zero(t, rowCount(t, h.store, "assessments"))
}

func TestPostAssessmentRefused(t *testing.T) {
	h := creditHarness(t)
	facts := applicantJSON(t)
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantPaths  []string
	}{
		{"no customer", `{"facts":` + facts + `}`, 422, []string{"customer"}},
		{"blank customer", `{"customer":"  ","facts":` + facts + `}`, 422, []string{"customer"}},
		{"long customer", `{"customer":"` + strings.Repeat("1", 65) + `","facts":` + facts + `}`, 422, []string{"customer"}},
		{"no facts", `{"customer":"1100000001"}`, 422, []string{"facts"}},
		{"null facts", `{"customer":"1100000001","facts":null}`, 422, []string{"facts"}},
		{"bad facts", `{"customer":"1100000001","facts":{"income":{"monthly":"-1"},"request":{"term_months":0}}}`, 422,
			[]string{"facts.income.monthly", "facts.request.term_months"}},
		{"unknown fact", `{"customer":"1100000001","facts":{"shoe_size":42}}`, 400, nil},
		{"unknown customer", `{"customer":"1100000001","facts":` + facts + `}`, 422, []string{"customer"}},
		{"customer a number", `{"customer":1100000001,"facts":` + facts + `}`, 422, []string{"customer"}},
		{"unknown field", `{"customer":"1","facts":{},"scorecard":"individual-2"}`, 400, nil},
		{"malformed", `{"customer":`, 400, nil},
		{"array", `[]`, 422, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.sendWith(t, http.MethodPost, "/v1/assessments", tt.body)
			require.Equal(t, tt.wantStatus, r.status, string(r.body))
			p := problemOf(t, r)
			var paths []string
			for _, f := range p.Errors {
				paths = append(paths, f.Path)
			}
			for _, want := range tt.wantPaths {
				assert.Contains(t, paths, want)
			}
		})
	}
	r := h.do(t, func() *http.Request {
		req := httptest.NewRequest(http.MethodPost, "/v1/assessments", strings.NewReader(`{"customer":"1","facts":{}}`))
		req.Header.Set("Content-Type", "application/xml")
		return req
	}())
	assert.Equal(t, http.StatusUnsupportedMediaType, r.status)
	assert.Zero(t, rowCount(t, h.store, "assessments"), "nothing was stored")

	r = h.sendWith(t, http.MethodPost, "/v1/assessments", `{"customer":"1100000001","facts":{"income":{"salary":"1"}}}`)
	assert.Equal(t, `unknown field "salary" in facts`, problemOf(t, r).Detail, "an unknown fact is named")
}

// TestAssessmentWriterGroupCommits writes from many goroutines at once: each gets its own
// ID once its row is committed.
func TestAssessmentWriterGroupCommits(t *testing.T) {
	h := creditHarness(t)
	ref := storedRef(t, h)
	row, _, err := h.srv.prepareAssessment(context.Background(), nil, ref, applicantFacts(t))
	require.NoError(t, err)
	const n = 64
	var (
		wg   sync.WaitGroup
		ids  [n]string
		errs [n]error
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := row
			errs[i] = h.srv.credit.writer.write(context.Background(), perm.Admin(fmt.Sprintf("u%d", i), ""), &r, ref, applicantFacts(t))
			ids[i] = r.ID
			if errs[i] == nil {
				// Acknowledged only after commit: a reader sees it now.
				_, errs[i] = h.srv.credit.repo.Assessment(context.Background(), r.ID)
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range n {
		require.NoError(t, errs[i])
		assert.False(t, seen[ids[i]], "IDs are distinct")
		seen[ids[i]] = true
	}
	assert.Equal(t, n, rowCount(t, h.store, "assessments"))
	var by string
	require.NoError(t, h.store.QueryRow(context.Background(), `SELECT created_by FROM assessments WHERE id = ?`, ids[7]).Scan(&by))
	assert.Equal(t, "u7", by)
}

// TestAssessmentWriterIsolatesBadRows shows batches with rows that cannot be stored: the
// others are stored, the bad ones fail alone, whether they fail before the insert (no
// active card for the kind) or in it (the database refuses the row, failing the batch's
// transaction, which is then retried row by row).
func TestAssessmentWriterIsolatesBadRows(t *testing.T) {
	h := creditHarness(t)
	ref := storedRef(t, h)
	row, _, err := h.srv.prepareAssessment(context.Background(), nil, ref, applicantFacts(t))
	require.NoError(t, err)
	tests := []struct {
		name string
		bad  func(bad, good *creditdb.Assessment) // spoils bad, a row of the batch with good
	}{
		{"no card for the kind", func(a, _ *creditdb.Assessment) { a.CustomerKind = "household" }},
		{"refused by the database", func(a, good *creditdb.Assessment) { a.ID = good.ID }}, // the primary key
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, records := rowCount(t, h.store, "assessments"), rowCount(t, h.store, "audit_log")
			good1, bad, good2 := row, row, row
			batch := []*pendingAssessment{
				pendingFor(t, h, perm.Admin("a", ""), &good1, ref),
				pendingFor(t, h, perm.Admin("b", ""), &bad, ref),
				pendingFor(t, h, perm.Admin("c", ""), &good2, ref),
			}
			tt.bad(&bad, &good1)
			h.srv.credit.writer.commit(batch)
			assert.NoError(t, <-batch[0].done)
			assert.Error(t, <-batch[1].done)
			assert.NoError(t, <-batch[2].done)
			assert.Equal(t, before+2, rowCount(t, h.store, "assessments"))
			assert.Equal(t, records+2, rowCount(t, h.store, "audit_log"), "one audit record per stored row, none for the bad one")
			assert.NotEqual(t, good1.ID, good2.ID)
		})
	}
}

// pendingFor is row, assessed for the customer of ref, as the assessment writer gets it
// from a request of actor: with its ID drawn ahead and its audit record prepared.
func pendingFor(t *testing.T, h *harness, actor perm.Actor, row *creditdb.Assessment, ref customerRef) *pendingAssessment {
	t.Helper()
	ctx := context.Background()
	var err error
	row.ID, err = h.srv.credit.repo.NewAssessmentID(ctx)
	require.NoError(t, err)
	row.CreatedBy = actor.ID
	rec, err := h.srv.prepareAudit(ctx, h.srv.assessmentAudit(actor, row))
	require.NoError(t, err)
	return &pendingAssessment{audited: auditedWrite{req: ctx, rec: rec}, actor: actor, row: row, ref: ref,
		done: make(chan error, 1)}
}

// TestAssessmentWriterUsesTheCardActiveAtCommit: a row assessed with a card that was
// deactivated (here through the API, as another process would) before its commit is
// assessed again with the active card.
func TestAssessmentWriterUsesTheCardActiveAtCommit(t *testing.T) {
	h := creditHarness(t)
	ref := storedRef(t, h)
	row, _, err := h.srv.prepareAssessment(context.Background(), nil, ref, applicantFacts(t))
	require.NoError(t, err)
	require.Equal(t, "individual-1", row.Scorecard)
	r := h.sendWith(t, http.MethodPost, "/v1/scorecards", uploadBody("individual", cardJSON(t, "individual", "2.0.0", nil)))
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	require.NoError(t, h.store.Tx(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.ExecContext(context.Background(), `UPDATE active_scorecards SET scorecard = 'individual-2' WHERE kind = 'individual'`)
		return err
	}))

	row.RequestID = "req-7"
	require.NoError(t, h.srv.credit.writer.write(context.Background(), perm.Admin("a", ""), &row, ref, applicantFacts(t)))
	assert.Equal(t, "individual-2", row.Scorecard)
	assert.Equal(t, "req-7", row.RequestID)
	stored, err := h.srv.credit.repo.Assessment(context.Background(), row.ID)
	require.NoError(t, err)
	assert.Equal(t, "individual-2", stored.Scorecard)
	var report credit.Report
	require.NoError(t, json.Unmarshal(stored.Report, &report))
	assert.Equal(t, "2.0.0", report.ModelVersion)
}

// TestTwoServersShareTheActiveScorecard runs two servers on one database: a card uploaded
// and activated through one is served as active by the other and used by its next
// assessment, although the other compiled the old card first.
func TestTwoServersShareTheActiveScorecard(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			a, b := twoServers(t, db.DSN)
			first, err := assessRef(t, b, individualRef, applicantFacts(t))
			require.NoError(t, err)
			assert.Equal(t, "individual-1", first.Scorecard)

			r := a.sendWith(t, http.MethodPost, "/v1/scorecards", uploadBody("individual", cardJSON(t, "individual", "2.0.0", nil)))
			require.Equal(t, http.StatusCreated, r.status, string(r.body))
			r = a.sendWith(t, http.MethodPost, "/v1/scorecards/individual-2/activate", "")
			require.Equal(t, http.StatusOK, r.status, string(r.body))

			r = b.get(t, "/v1/scorecards?active=true&kind=individual")
			require.Equal(t, http.StatusOK, r.status)
			list := decodeAs[scorecardList](t, r)
			require.Len(t, list.Items, 1)
			assert.Equal(t, "individual-2", list.Items[0].ID)

			next, err := assessRef(t, b, individualRef, applicantFacts(t))
			require.NoError(t, err)
			assert.Equal(t, "individual-2", next.Scorecard)
			assert.Equal(t, "2.0.0", next.Report.ModelVersion)

			r = a.get(t, "/v1/assessments/"+next.ID)
			require.Equal(t, http.StatusOK, r.status, "written through one, read through the other")
		})
	}
}

// twoServers opens two stores and two servers on one database.
func twoServers(t *testing.T, dsn string) (*harness, *harness) {
	t.Helper()
	var hs [2]*harness
	for i := range hs {
		st, err := store.Open(context.Background(), dsn)
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		logs := &syncBuffer{}
		srv, err := New(Config{Store: st, Keyring: testRing, RateLimit: unlimited, Now: creditClock, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
		require.NoError(t, err)
		hs[i] = &harness{srv: srv, store: st, logs: logs}
	}
	return hs[0], hs[1]
}

func TestScorecardErrorMapping(t *testing.T) {
	tests := []struct {
		name string
		give error
		want error
	}{
		{"duplicate", &creditdb.DuplicateError{Existing: "individual-1", Same: "content"}, ErrConflict},
		{"not found", fmt.Errorf("scorecard x: %w", creditdb.ErrNotFound), ErrNotFound},
		{"other", errors.New("disk"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := scorecardError(tt.give)
			if tt.want == nil {
				assert.Equal(t, tt.give, got)
				return
			}
			assert.ErrorIs(t, got, tt.want)
		})
	}
}

func TestAssessmentJSONSplicesTheReport(t *testing.T) {
	h := creditHarness(t)
	stored, err := assessRef(t, h, individualRef, applicantFacts(t))
	require.NoError(t, err)
	a, err := h.srv.credit.repo.Assessment(context.Background(), stored.ID)
	require.NoError(t, err)
	for _, requestID := range []string{"req <&> 1", ""} { // request_id is omitted when empty
		a.RequestID = requestID
		got, err := appendAssessmentJSON([]byte("junk")[:0], &a)
		require.NoError(t, err)
		want, err := json.Marshal(storedAssessmentView{assessmentHead: assessmentHead{ID: a.ID, Customer: a.Customer,
			CustomerKind: a.CustomerKind, Scorecard: a.Scorecard, Grade: a.Grade, Score: a.Score, PD: a.PD,
			Decision: a.Decision, Limit: a.Limit, RequestID: a.RequestID, CreatedBy: a.CreatedBy, CreatedAt: a.CreatedAt},
			Report: a.Report})
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got))

		// The audit record's headline is an assessmentHead's JSON too.
		head := headOf(&a)
		want, err = json.Marshal(head)
		require.NoError(t, err)
		doc, ok := head.auditDocument().(audit.CompactJSON)
		require.True(t, ok)
		assert.Equal(t, string(want), string(doc))
	}
	// A headline jsonOut refuses is left for the audit log's json.Marshal to refuse.
	bad := headOf(&a)
	bad.Score = math.NaN()
	_, err = json.Marshal(bad.auditDocument())
	assert.Error(t, err)
}
