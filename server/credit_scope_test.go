package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/customer/customertest"
	"github.com/creditkit/creditkit/server/audit"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store/creditdb"
)

// scopeAuth authenticates real actors of the built-in roles: X-Scope-Actor is
// "id/role/node", the actor holding the role's permissions and data rule (an officer is
// limited to its own customers), bound to tree node node. Without that header it falls
// back to headerAuth (X-Test-Actor), which the shared fixtures use as the bank's admin.
type scopeAuth struct{}

func (scopeAuth) Authenticate(ctx context.Context, header func(string) string) (perm.Actor, error) {
	v := header("X-Scope-Actor")
	if v == "" {
		return headerAuth{}.Authenticate(ctx, header)
	}
	return roleActor("X-Scope-Actor", v)
}

// scoped sends requests as one real actor (scopeAuth).
type scoped struct {
	h     *harness
	actor string // "id/role/node"
}

func (h *harness) scoped(id, role string, node int64) scoped {
	return scoped{h: h, actor: fmt.Sprintf("%s/%s/%d", id, role, node)}
}

// send sends a request with an optional JSON body and extra headers (name, value, ...).
func (c scoped) send(t *testing.T, method, path, body string, headers ...string) response {
	t.Helper()
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, path, nil)
	} else {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-Scope-Actor", c.actor)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.h.do(t, req)
}

func (c scoped) get(t *testing.T, path string, headers ...string) response {
	t.Helper()
	return c.send(t, http.MethodGet, path, "", headers...)
}

func (c scoped) post(t *testing.T, path, body string, headers ...string) response {
	t.Helper()
	return c.send(t, http.MethodPost, path, body, headers...)
}

// scopeFixture is setupBank's bank (branch 1 with the person and, in a group under it,
// the company, both of officer o1) plus a second branch with a customer of officer o2 (the
// outsider for actors bound to branch 1) and a customer placed nowhere in the tree.
type scopeFixture struct {
	bankFixture
	branch2             int64
	outsider, unplaced  string
	personID, personMob string // the person's identity number and mobile, which no record may show
}

func setupScope(t *testing.T, h *harness) scopeFixture {
	t.Helper()
	f := scopeFixture{bankFixture: setupBank(t, h, "50000000")}
	f.personID = customertest.ResidentID("110105", time.Date(1985, 3, 14, 0, 0, 0, 0, time.UTC), 17)
	f.personMob = "13800138000"
	admin := h.as("boss/admin")
	r := admin.post(t, "/v1/tree/nodes", `{"parent":1,"kind":"branch","name":"上海浦东支行"}`)
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	var node struct{ ID int64 }
	require.NoError(t, json.Unmarshal(r.body, &node))
	f.branch2 = node.ID
	f.outsider = registerAt(t, h, customertest.Person("李娜", customertest.ResidentID("310115", time.Date(1990, 6, 1, 0, 0, 0, 0, time.UTC), 21),
		"13900139000", "SH-PD", "o2"), f.branch2)
	f.unplaced = registerPerson(t, h, 3)
	return f
}

// registerAt registers c under tree node parent through the API as the bank's admin.
func registerAt(t *testing.T, h *harness, c customer.Customer, parent int64) string {
	t.Helper()
	b, err := json.Marshal(c)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	for _, k := range []string{"number", "status", "version", "created_at", "updated_at"} {
		delete(m, k)
	}
	m["parent"] = parent
	b, err = json.Marshal(m)
	require.NoError(t, err)
	r := h.as("boss/admin").post(t, "/v1/customers", string(b))
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	var v struct {
		Number string `json:"number"`
	}
	require.NoError(t, json.Unmarshal(r.body, &v))
	return v.Number
}

// assessAs posts an assessment of number as c and returns the response.
func assessAs(t *testing.T, c scoped, number string, headers ...string) response {
	t.Helper()
	return c.post(t, "/v1/assessments", `{"customer":"`+number+`","facts":`+applicantJSON(t)+`}`, headers...)
}

// auditRecords returns every audit record matching f, oldest first.
func auditRecords(t *testing.T, h *harness, f audit.Filter) []audit.Record {
	t.Helper()
	var out []audit.Record
	f.Limit = audit.MaxLimit
	for {
		p, err := h.srv.trail.List(context.Background(), f)
		require.NoError(t, err)
		out = append(out, p.Items...)
		if p.NextCursor == "" {
			return out
		}
		f.Cursor = p.NextCursor
	}
}

// verifyTrail checks the audit chain is intact.
func verifyTrail(t *testing.T, h *harness) {
	t.Helper()
	_, err := h.srv.trail.Verify(context.Background())
	require.NoError(t, err)
}

// TestAssessmentScope: assessments belong to their customer's scope. Outside it an
// assessment is not found (JSON and Markdown alike, with the same problem as a missing
// one), and a customer cannot be assessed: refused exactly like a customer that does not
// exist. An officer sees only its own customers' assessments.
func TestAssessmentScope(t *testing.T) {
	for name, h := range harnesses(t, Config{Now: creditClock, Authenticator: scopeAuth{}}) {
		t.Run(name, func(t *testing.T) {
			f := setupScope(t, h)
			root := h.scoped("boss", "admin", 1)
			ids := map[string]string{}
			for _, number := range []string{f.person, f.company, f.outsider, f.unplaced} {
				r := assessAs(t, root, number)
				require.Equal(t, http.StatusCreated, r.status, string(r.body))
				ids[number] = decodeAs[storedAssessmentView](t, r).ID
			}

			missing := root.get(t, "/v1/assessments/A9999999999")
			require.Equal(t, http.StatusNotFound, missing.status)
			same404 := func(t *testing.T, r response, id string) {
				t.Helper()
				require.Equal(t, http.StatusNotFound, r.status, string(r.body))
				p, m := problemOf(t, r), problemOf(t, missing)
				assert.Equal(t, m.Type, p.Type)
				assert.Equal(t, m.Title, p.Title)
				assert.Equal(t, strings.ReplaceAll(m.Detail, "A9999999999", id), p.Detail, "the same words as a missing one")
				assert.NotContains(t, string(r.body), f.outsider)
			}

			branch := h.scoped("aud", "auditor", f.branch)
			for _, number := range []string{f.person, f.company} {
				r := branch.get(t, "/v1/assessments/"+ids[number])
				require.Equal(t, http.StatusOK, r.status, string(r.body))
				md := branch.get(t, "/v1/assessments/"+ids[number], "Accept", mimeMarkdown)
				require.Equal(t, http.StatusOK, md.status, string(md.body))
			}
			for _, number := range []string{f.outsider, f.unplaced} {
				same404(t, branch.get(t, "/v1/assessments/"+ids[number]), ids[number])
				same404(t, branch.get(t, "/v1/assessments/"+ids[number], "Accept", mimeMarkdown), ids[number])
			}
			// Bound to the root, the auditor sees the unplaced customer's too.
			r := h.scoped("aud", "auditor", 1).get(t, "/v1/assessments/"+ids[f.unplaced])
			assert.Equal(t, http.StatusOK, r.status, string(r.body))
			// The other branch sees its own, not branch 1's.
			r = h.scoped("aud2", "auditor", f.branch2).get(t, "/v1/assessments/"+ids[f.outsider])
			assert.Equal(t, http.StatusOK, r.status, string(r.body))
			same404(t, h.scoped("aud2", "auditor", f.branch2).get(t, "/v1/assessments/"+ids[f.person]), ids[f.person])

			// Officers: o1 sees and assesses its own customers only, wherever it is bound.
			o1 := h.scoped("o1", "officer", f.branch)
			for _, number := range []string{f.person, f.company} {
				r := o1.get(t, "/v1/assessments/"+ids[number])
				assert.Equal(t, http.StatusOK, r.status, string(r.body))
				r = assessAs(t, o1, number)
				require.Equal(t, http.StatusCreated, r.status, string(r.body))
				assert.Equal(t, "o1", decodeAs[storedAssessmentView](t, r).CreatedBy)
			}
			o2 := h.scoped("o2", "officer", f.branch)
			same404(t, o2.get(t, "/v1/assessments/"+ids[f.person]), ids[f.person])
			o2root := h.scoped("o2", "officer", 1)
			assert.Equal(t, http.StatusOK, o2root.get(t, "/v1/assessments/"+ids[f.outsider]).status, "o2's own customer")
			same404(t, o2root.get(t, "/v1/assessments/"+ids[f.person]), ids[f.person])

			// Assessing outside the scope is refused like assessing nobody, and stores nothing.
			before := rowCount(t, h.store, "assessments")
			nobody := assessAs(t, o1, "P99999999999")
			require.Equal(t, http.StatusUnprocessableEntity, nobody.status, string(nobody.body))
			for _, tt := range []struct {
				who    scoped
				number string
			}{
				{o1, f.outsider}, // another branch
				{o1, f.unplaced}, // not in the tree
				{o2, f.person},   // inside the branch, another officer's
				{h.scoped("o1", "officer", 1), f.outsider}, // bound to the root, another officer's
				{h.scoped("o9", "officer", f.branch2), f.company},
			} {
				r := assessAs(t, tt.who, tt.number)
				require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s %s: %s", tt.who.actor, tt.number, r.body)
				assert.Equal(t, problemOf(t, nobody).Errors, problemOf(t, r).Errors, "%s %s", tt.who.actor, tt.number)
			}
			assert.Equal(t, before, rowCount(t, h.store, "assessments"), "nothing stored")
		})
	}
}

// TestAssessmentAudit: every assessment, group-committed or alone, leaves exactly one
// audit record in its own transaction with its own request's actor, role and request ID,
// showing the headline and no personal data; a refused one leaves none.
func TestAssessmentAudit(t *testing.T) {
	for name, h := range harnesses(t, Config{Now: creditClock, Authenticator: scopeAuth{}}) {
		t.Run(name, func(t *testing.T) {
			f := setupScope(t, h)
			r := assessAs(t, h.scoped("o1", "officer", f.branch), f.person, "X-Request-ID", "req-audit-1")
			require.Equal(t, http.StatusCreated, r.status, string(r.body))
			a := decodeAs[storedAssessmentView](t, r)
			recs := auditRecords(t, h, audit.Filter{EntityType: "assessment", EntityID: a.ID})
			require.Len(t, recs, 1)
			rec := recs[0]
			assert.Equal(t, "assessment.create", rec.Action)
			assert.Equal(t, "o1", rec.Actor)
			assert.Equal(t, "officer", rec.Role)
			assert.Equal(t, "req-audit-1", rec.RequestID)
			assert.JSONEq(t, "null", string(rec.Before))
			var after assessmentHead
			require.NoError(t, json.Unmarshal(rec.After, &after))
			assert.Equal(t, a.assessmentHead, after, "the stored headline")
			assert.NotContains(t, string(rec.After), `"report"`, "no report document")
			for _, secret := range []string{f.personID, f.personMob} {
				assert.NotContains(t, string(rec.After), secret)
			}

			// Refused: no record.
			n := len(auditRecords(t, h, audit.Filter{Action: "assessment.create"}))
			r = assessAs(t, h.scoped("o1", "officer", f.branch), f.outsider)
			require.Equal(t, http.StatusUnprocessableEntity, r.status)
			assert.Len(t, auditRecords(t, h, audit.Filter{Action: "assessment.create"}), n)

			// Many at once share group commits; each keeps its own actor and request ID.
			const parallel = 24
			var (
				wg  sync.WaitGroup
				got [parallel]response
			)
			for i := range parallel {
				wg.Add(1)
				go func() {
					defer wg.Done()
					number := f.person
					if i%2 == 1 {
						number = f.company
					}
					got[i] = assessAs(t, h.scoped(fmt.Sprintf("u%d", i), "admin", 1), number, "X-Request-ID", fmt.Sprintf("req-%d", i))
				}()
			}
			wg.Wait()
			for i := range parallel {
				require.Equal(t, http.StatusCreated, got[i].status, string(got[i].body))
				id := decodeAs[storedAssessmentView](t, got[i]).ID
				recs := auditRecords(t, h, audit.Filter{EntityType: "assessment", EntityID: id})
				require.Len(t, recs, 1, id)
				assert.Equal(t, fmt.Sprintf("u%d", i), recs[0].Actor)
				assert.Equal(t, "admin", recs[0].Role)
				assert.Equal(t, fmt.Sprintf("req-%d", i), recs[0].RequestID)
			}
			assert.Len(t, auditRecords(t, h, audit.Filter{Action: "assessment.create"}), rowCount(t, h.store, "assessments"),
				"one record per stored assessment")

			// An Idempotency-Key retry is replayed: no second assessment, no second record.
			first := assessAs(t, h.scoped("boss", "admin", 1), f.person, "Idempotency-Key", "k-1")
			require.Equal(t, http.StatusCreated, first.status, string(first.body))
			again := assessAs(t, h.scoped("boss", "admin", 1), f.person, "Idempotency-Key", "k-1")
			require.Equal(t, http.StatusCreated, again.status, string(again.body))
			assert.Equal(t, "true", again.header.Get(HeaderIdempotentReplayed))
			assert.Len(t, auditRecords(t, h, audit.Filter{Action: "assessment.create"}), rowCount(t, h.store, "assessments"))

			// The auditor reads them through the API.
			r = h.scoped("aud", "auditor", 1).get(t, "/v1/audit?entity_type=assessment&entity_id="+a.ID)
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			assert.Contains(t, string(r.body), `"assessment.create"`)
			verifyTrail(t, h)
		})
	}
}

// TestScorecardAudit: the built-in cards installed at the first start are recorded once
// by the system actor, and every upload and activation by its actor; activating the
// active card changes nothing and records nothing.
func TestScorecardAudit(t *testing.T) {
	for name, h := range harnesses(t, Config{Now: creditClock, Authenticator: scopeAuth{}}) {
		t.Run(name, func(t *testing.T) {
			installs := auditRecords(t, h, audit.Filter{Action: "scorecard.install"})
			require.Len(t, installs, 2)
			for i, kind := range creditdb.Kinds {
				assert.Equal(t, systemActor, installs[i].Actor)
				assert.Equal(t, "system", installs[i].Role)
				assert.Equal(t, kind+"-1", installs[i].EntityID)
				var v scorecardView
				require.NoError(t, json.Unmarshal(installs[i].After, &v))
				assert.True(t, v.Active)
				assert.NotEmpty(t, v.SHA256)
				assert.Empty(t, v.Card, "not the card itself")
			}
			// A second start on the same database installs nothing and records nothing.
			cfg := h.srv.cfg
			_, err := New(cfg)
			require.NoError(t, err)
			assert.Len(t, auditRecords(t, h, audit.Filter{Action: "scorecard.install"}), 2)

			analyst := h.scoped("ana", "analyst", 1)
			r := analyst.post(t, "/v1/scorecards", uploadBody("individual", cardJSON(t, "individual", "2.0.0", nil)), "X-Request-ID", "req-up")
			require.Equal(t, http.StatusCreated, r.status, string(r.body))
			up := decodeAs[scorecardView](t, r)
			recs := auditRecords(t, h, audit.Filter{EntityType: "scorecard", EntityID: up.ID})
			require.Len(t, recs, 1)
			assert.Equal(t, "scorecard.create", recs[0].Action)
			assert.Equal(t, "ana", recs[0].Actor)
			assert.Equal(t, "analyst", recs[0].Role)
			assert.Equal(t, "req-up", recs[0].RequestID)
			var v scorecardView
			require.NoError(t, json.Unmarshal(recs[0].After, &v))
			assert.Equal(t, up.SHA256, v.SHA256)
			assert.False(t, v.Active)

			admin := h.scoped("boss", "admin", 1)
			r = admin.post(t, "/v1/scorecards/"+up.ID+"/activate", "")
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			recs = auditRecords(t, h, audit.Filter{Action: "scorecard.activate"})
			require.Len(t, recs, 1)
			assert.Equal(t, up.ID, recs[0].EntityID)
			assert.JSONEq(t, `{"kind":"individual","scorecard":"individual-1"}`, string(recs[0].Before))
			assert.JSONEq(t, `{"kind":"individual","scorecard":"individual-2"}`, string(recs[0].After))
			r = admin.post(t, "/v1/scorecards/"+up.ID+"/activate", "")
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			assert.Len(t, auditRecords(t, h, audit.Filter{Action: "scorecard.activate"}), 1, "nothing changed")

			// A refused upload records nothing.
			n := len(auditRecords(t, h, audit.Filter{}))
			r = analyst.post(t, "/v1/scorecards", uploadBody("individual", cardJSON(t, "individual", "2.0.0", nil)))
			require.Equal(t, http.StatusConflict, r.status, string(r.body))
			assert.Len(t, auditRecords(t, h, audit.Filter{}), n)
			verifyTrail(t, h)
		})
	}
}
