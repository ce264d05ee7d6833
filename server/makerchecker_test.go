package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/server/audit"
	"github.com/creditkit/creditkit/server/auth"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/storetest"
)

// This file holds the maker-checker cases of issue 9 §8 — the ways Fineract's four-eyes
// rule was bypassed, from its bug reports — over HTTP with real API keys: each caller is a
// key of a built-in or custom role (committee, supervisor: the demo's roles, stored in the
// roles table), bound to a tree node, authenticated by auth.Authenticator.

// mcFixture is setupBank's bank (a branch with a person and, in a group, a company, both
// of officer o1), a second branch, a senior approver hq1 (authority 100,000,000), the
// custom roles committee and supervisor, and an API key per person:
//
//	m1   admin       bank     holds every permission: maker and checker at once
//	o1   officer     branch   the customers' officer (assigned only)
//	s1   supervisor  branch   assigns cases
//	a1   approver    branch   authority 1,000,000
//	hq1  approver    branch   authority 100,000,000
//	a2x  approver    branch 2 officer a2, bound to the other branch
//	c1   committee   bank     authority 60,000,000
//	c2   committee   bank     authority 60,000,000
type mcFixture struct {
	*harness
	bank    bankFixture
	branch2 int64
	keys    map[string]string // name → API key text
}

func mcFixtures(t *testing.T) map[string]*mcFixture {
	t.Helper()
	out := map[string]*mcFixture{}
	for _, db := range storetest.Databases(t) {
		out[db.Name] = newMCFixture(t, db.DSN)
	}
	return out
}

func newMCFixture(t *testing.T, dsn string) *mcFixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	ks := auth.NewKeyStore(st, auth.KeyStoreConfig{})
	roles := auth.NewRoleStore(st, auth.KeyStoreConfig{})
	root := perm.Admin("test", "test")
	for _, r := range []perm.Role{demoCommittee, demoSupervisor} {
		require.NoError(t, roles.Put(ctx, root, r))
	}
	a, err := auth.New(auth.Config{Keys: ks, Roles: roles, CacheTTL: -1})
	require.NoError(t, err)
	srv, err := New(Config{Store: st, Keyring: testRing, RateLimit: unlimited, Authenticator: secAuth{api: APIAuthenticator(a)},
		Logger: slog.New(slog.NewJSONHandler(&syncBuffer{}, nil))})
	require.NoError(t, err)
	f := &mcFixture{harness: &harness{srv: srv, store: st, logs: &syncBuffer{}}, keys: map[string]string{}}
	f.bank = setupBank(t, f.harness, "500000000")
	admin := f.as("boss/admin")
	r := admin.post(t, "/v1/tree/nodes", `{"parent":1,"kind":"branch","name":"上海浦东支行"}`)
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	var n struct{ ID int64 }
	require.NoError(t, json.Unmarshal(r.body, &n))
	f.branch2 = n.ID
	r = admin.post(t, "/v1/officers", `{"id":"hq1","name":"staff hq1","branch":"BJ-CY","regions":["北京市"],"kinds":["individual","enterprise"],
		"authority":"100000000","capacity":0,"seniority_years":20}`)
	require.Equal(t, http.StatusCreated, r.status, string(r.body))

	for name, k := range map[string]auth.NewKey{
		"m1":  {Role: perm.RoleAdmin, Node: 1, Subject: "m1"},
		"o1":  {Role: perm.RoleOfficer, Node: f.bank.branch, Subject: "o1"},
		"s1":  {Role: "supervisor", Node: f.bank.branch, Subject: "s1"},
		"a1":  {Role: perm.RoleApprover, Node: f.bank.branch, Subject: "a1"},
		"hq1": {Role: perm.RoleApprover, Node: f.bank.branch, Subject: "hq1"},
		"a2x": {Role: perm.RoleApprover, Node: f.branch2, Subject: "a2"},
		"c1":  {Role: "committee", Node: 1, Subject: "c1"},
		"c2":  {Role: "committee", Node: 1, Subject: "c2"},
	} {
		k.Name = name + " key"
		_, text, err := ks.Create(ctx, root, k)
		require.NoError(t, err, name)
		f.keys[name] = text
	}
	return f
}

// key sends requests with one person's API key.
type key struct {
	f    *mcFixture
	text string
}

func (f *mcFixture) key(name string) key { return key{f: f, text: f.keys[name]} }

// send sends a request with an optional JSON body and If-Match version (0: none).
func (k key) send(t *testing.T, method, path, body string, version int64) response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	if body != "" {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+k.text)
	if version > 0 {
		req.Header.Set("If-Match", fmt.Sprintf(`"%d"`, version))
	}
	return k.f.do(t, req)
}

// command posts a command at version, requires 200 and returns the application after it.
func (k key) command(t *testing.T, id, verb, body string, version int64) appJSON {
	t.Helper()
	r := k.send(t, http.MethodPost, "/v1/applications/"+id+"/"+verb, body, version)
	require.Equal(t, http.StatusOK, r.status, "%s %s: %s", verb, id, r.body)
	var out struct {
		Application appJSON `json:"application"`
	}
	require.NoError(t, json.Unmarshal(r.body, &out))
	return out.Application
}

// open creates an application of the company as k.
func (k key) open(t *testing.T, company, amount string) appJSON {
	t.Helper()
	r := k.send(t, http.MethodPost, "/v1/applications", fmt.Sprintf(`{"customer":%q,"product":"working_capital","amount":%q,
		"term_months":36,"purpose":"经营周转","repayment":"equal_instalments","security":"none"}`, company, amount), 0)
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	return decodeApp(t, r)
}

// prepare takes a to review with real keys: o1 gathers, submits, verifies and assesses,
// s1 (supervisor) assigns (to o1, the only officer with capacity), o1 starts the review.
func (f *mcFixture) prepare(t *testing.T, a appJSON) appJSON {
	t.Helper()
	o1 := f.key("o1")
	for _, k := range a.RequiredDocuments {
		a = o1.command(t, a.ID, "documents", fmt.Sprintf(`{"action":"receive","kind":%q,"reference":"dms://%s/%s"}`, k, a.ID, k), a.Version)
	}
	a = o1.command(t, a.ID, "submit", "", a.Version)
	for _, k := range a.RequiredDocuments {
		a = o1.command(t, a.ID, "documents", fmt.Sprintf(`{"action":"verify","kind":%q}`, k), a.Version)
	}
	a = o1.command(t, a.ID, "assess", `{"facts":`+strongCompanyFacts+`}`, a.Version)
	a = f.key("s1").command(t, a.ID, "assign", "", a.Version)
	require.Equal(t, "o1", a.Officer)
	return o1.command(t, a.ID, "review", "", a.Version)
}

// auditCount is the number of audit records.
func (f *mcFixture) auditCount(t *testing.T) int {
	t.Helper()
	var n int
	require.NoError(t, f.store.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log`).Scan(&n))
	return n
}

// TestMakerCheckerWithRealKeys: the four-eyes cases of issue 9 §8 through API keys of
// real roles. Each refusal leaves the application as it was (status, version, stage) and
// appends no audit record; the allowed decisions then go through, each on record.
func TestMakerCheckerWithRealKeys(t *testing.T) {
	for name, f := range mcFixtures(t) {
		t.Run(name, func(t *testing.T) {
			// x: 800,000 made by m1 (admin) and prepared by o1: branch approval, then the committee.
			x := f.prepare(t, f.key("m1").open(t, f.bank.company, "800000"))
			require.Equal(t, "under_review", x.Status)
			require.Len(t, x.Stages, 2)
			// q: 6,000,000 made by o1: the committee stage needs two members; hq1 approves
			// the branch stage (at the assessed limit) and c1 the first committee approval.
			q := f.prepare(t, f.key("o1").open(t, f.bank.company, "6000000"))
			require.Len(t, q.Stages, 2)
			require.Equal(t, 2, q.Stages[1].Approvals)
			amount := q.Assessments[0].Limit
			if l, err := decimal.NewFromString(amount); err != nil || l.GreaterThan(decimal.NewFromInt(6000000)) {
				amount = "6000000"
			}
			q = f.key("hq1").command(t, q.ID, "decisions", fmt.Sprintf(`{"stage":1,"verdict":"approve","comment":"同意","amount":%q}`, amount), q.Version)
			q = f.key("c1").command(t, q.ID, "decisions", `{"stage":2,"verdict":"approve","comment":"同意"}`, q.Version)
			require.Equal(t, "under_review", q.Status, "one of two committee approvals")
			// d: a draft made by o1.
			d := f.key("o1").open(t, f.bank.company, "300000")
			missing := f.key("a1").send(t, http.MethodGet, "/v1/applications/L9999999999", "", 0)
			require.Equal(t, http.StatusNotFound, missing.status)

			decision := func(stage int) string {
				return fmt.Sprintf(`{"stage":%d,"verdict":"approve","comment":"同意"}`, stage)
			}
			tests := []struct {
				name   string
				who    string
				method string
				path   string // "" means POST /v1/applications
				app    *appJSON
				body   string
				status int
				detail string
			}{
				{"the same user as maker and checker", "m1", http.MethodPost, "decisions", &x, decision(1),
					http.StatusForbidden, "the maker of an application may not decide on it"},
				{"the preparing officer cannot decide (and holds no decide permission)", "o1", http.MethodPost, "decisions", &x, decision(1),
					http.StatusForbidden, "application:decide"},
				{"a checker-only role cannot create", "a1", http.MethodPost, "", nil, "",
					http.StatusForbidden, "application:write"},
				{"a checker-only role cannot submit", "a1", http.MethodPost, "submit", &d, "",
					http.StatusForbidden, "application:write"},
				{"a checker-only role cannot gather documents", "a1", http.MethodPost, "documents", &d,
					`{"action":"receive","kind":"application_form","reference":"dms://x"}`, http.StatusForbidden, "application:write"},
				{"the committee approves while the branch stage is pending", "c1", http.MethodPost, "decisions", &x, decision(2),
					http.StatusConflict, "stage 1 is pending, not stage 2"},
				{"the committee decides the branch approver's stage", "c1", http.MethodPost, "decisions", &x, decision(1),
					http.StatusForbidden, "needs the approver role"},
				{"one committee member approving twice at a quorum stage", "c1", http.MethodPost, "decisions", &q, decision(2),
					http.StatusForbidden, "one decision per person and stage"},
				{"an approver outside the branch's subtree", "a2x", http.MethodPost, "decisions", &x, decision(1),
					http.StatusNotFound, ""},
				{"an approver outside the branch's subtree reads", "a2x", http.MethodGet, "", &x, "",
					http.StatusNotFound, ""},
				{"a supervisor cannot decide", "s1", http.MethodPost, "decisions", &x, decision(1),
					http.StatusForbidden, "application:decide"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					before := map[string]appJSON{}
					for _, a := range []appJSON{x, q, d} {
						before[a.ID] = f.current(t, a.ID)
					}
					records, counts := f.auditCount(t), f.tableCounts(t)
					path := "/v1/applications"
					var version int64
					switch {
					case tt.app != nil && tt.path != "":
						path += "/" + tt.app.ID + "/" + tt.path
						version = tt.app.Version
					case tt.app != nil:
						path += "/" + tt.app.ID
					}
					body := tt.body
					if tt.app == nil {
						body = fmt.Sprintf(`{"customer":%q,"product":"working_capital","amount":"100000","term_months":12,
							"purpose":"经营周转","repayment":"equal_instalments","security":"none"}`, f.bank.company)
					}
					r := f.key(tt.who).send(t, tt.method, path, body, version)
					require.Equal(t, tt.status, r.status, string(r.body))
					p := problemOf(t, r)
					if tt.status == http.StatusNotFound {
						m := problemOf(t, missing)
						assert.Equal(t, m.Title, p.Title)
						assert.Equal(t, m.Detail, p.Detail, "the words of a missing application")
						assert.Equal(t, m.Type, p.Type)
					} else {
						assert.Contains(t, p.Detail, tt.detail)
					}
					for id, b := range before {
						a := f.current(t, id)
						assert.Equal(t, b.Version, a.Version, "%s unchanged", id)
						assert.Equal(t, b.Status, a.Status, "%s unchanged", id)
						assert.Equal(t, b.PendingStage, a.PendingStage, "%s unchanged", id)
						assert.Equal(t, len(b.Decisions), len(a.Decisions), "%s unchanged", id)
					}
					assert.Equal(t, records, f.auditCount(t), "a refusal appends no audit record")
					assert.Equal(t, counts, f.tableCounts(t))
				})
			}

			// What is allowed goes through, each step on record under its real actor.
			x = f.key("a1").command(t, x.ID, "decisions", `{"stage":1,"verdict":"approve","comment":"同意","amount":"700000"}`, x.Version)
			x = f.key("c2").command(t, x.ID, "decisions", decision(2), x.Version)
			assert.Equal(t, "approved", x.Status)
			q = f.key("c2").command(t, q.ID, "decisions", decision(2), q.Version)
			assert.Equal(t, "approved", q.Status)
			recs := auditRecords(t, f.harness, audit.Filter{EntityType: "application", EntityID: x.ID})
			require.Len(t, recs, int(x.Version), "one record per version")
			last := recs[len(recs)-1]
			assert.Equal(t, "application.approve", last.Action)
			assert.Equal(t, "c2", last.Actor)
			assert.Equal(t, "committee", last.Role)
			assert.Equal(t, "m1", recs[0].Actor)
			assert.Equal(t, "application.create", recs[0].Action)
			_, err := f.srv.trail.Verify(context.Background())
			require.NoError(t, err)
		})
	}
}

// current reads an application as the bank's admin.
func (f *mcFixture) current(t *testing.T, id string) appJSON {
	t.Helper()
	r := f.key("m1").send(t, http.MethodGet, "/v1/applications/"+id, "", 0)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	return decodeApp(t, r)
}

// as sends requests as a headerAuth test actor (the fixture's set-up).
func (f *mcFixture) as(actor string) caller { return f.harness.as(actor) }
