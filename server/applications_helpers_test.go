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
	"time"

	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/customer/customertest"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/storetest"
)

// headerAuth is the tests' Authenticator: X-Test-Actor names the caller as "id/role", and
// the role grants the permissions the role of issue 9 will (see rolePerms). No header is
// unauthorized.
type headerAuth struct{}

// rolePerms are the permissions of the test roles.
var rolePerms = map[string][]perm.Permission{
	"officer": {perm.CustomerRead, perm.CustomerWrite, perm.TreeRead, perm.TreeWrite, perm.ApplicationRead,
		perm.ApplicationWrite, perm.AssessmentRead, perm.AssessmentWrite, perm.OfficerRead, perm.ScorecardRead},
	"supervisor": {perm.ApplicationRead, perm.AssignmentWrite, perm.OfficerRead, perm.OfficerWrite},
	"approver":   {perm.ApplicationRead, perm.ApplicationDecide},
	"committee":  {perm.ApplicationRead, perm.ApplicationDecide},
	"analyst":    {perm.AnalyticsRead, perm.ApplicationRead},
	"reader":     {perm.ApplicationRead},
	"admin":      perm.All(),
}

func (headerAuth) Authenticate(_ context.Context, header func(string) string) (perm.Actor, error) {
	id, role, ok := strings.Cut(header("X-Test-Actor"), "/")
	perms, known := rolePerms[role]
	if !ok || id == "" || !known {
		return perm.Actor{}, fmt.Errorf("%w: no test actor", ErrUnauthorized)
	}
	return perm.New(id, id, role, perms...), nil
}

// harnesses returns a harness on each test database (SQLite, and PostgreSQL when
// CREDITKIT_TEST_POSTGRES is set), named for subtests.
func harnesses(t *testing.T, cfg Config) map[string]*harness {
	t.Helper()
	out := map[string]*harness{}
	for _, db := range storetest.Databases(t) {
		st, err := store.Open(context.Background(), db.DSN)
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		logs := &syncBuffer{}
		c := cfg
		c.Store = st
		if c.Keyring == nil {
			c.Keyring = testRing
		}
		if c.RateLimit.Rate == 0 {
			c.RateLimit = unlimited
		}
		c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		srv, err := New(c)
		require.NoError(t, err)
		out[db.Name] = &harness{srv: srv, store: st, logs: logs}
	}
	return out
}

// caller sends requests as one test actor.
type caller struct {
	h     *harness
	actor string // "id/role"
}

func (h *harness) as(actor string) caller { return caller{h: h, actor: actor} }

// send sends a request with an optional JSON body and If-Match version (0: none).
func (c caller) send(t *testing.T, method, path, body string, version int64) response {
	t.Helper()
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, path, nil)
	} else {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-Test-Actor", c.actor)
	if version > 0 {
		req.Header.Set("If-Match", fmt.Sprintf(`"%d"`, version))
	}
	return c.h.do(t, req)
}

func (c caller) get(t *testing.T, path string) response {
	t.Helper()
	return c.send(t, http.MethodGet, path, "", 0)
}

func (c caller) post(t *testing.T, path, body string) response {
	t.Helper()
	return c.send(t, http.MethodPost, path, body, 0)
}

// command posts a command to an application at version, requires 200 and returns the
// application after it.
func (c caller) command(t *testing.T, id, verb, body string, version int64) appJSON {
	t.Helper()
	r := c.send(t, http.MethodPost, "/v1/applications/"+id+"/"+verb, body, version)
	require.Equal(t, http.StatusOK, r.status, "%s %s: %s", verb, id, r.body)
	var out struct {
		Application appJSON `json:"application"`
	}
	require.NoError(t, json.Unmarshal(r.body, &out))
	require.Equal(t, fmt.Sprintf(`"%d"`, out.Application.Version), r.header.Get("ETag"))
	return out.Application
}

// appJSON is the part of an application the tests read.
type appJSON struct {
	ID                string   `json:"id"`
	Customer          string   `json:"customer"`
	Status            string   `json:"status"`
	Version           int64    `json:"version"`
	Round             int      `json:"round"`
	Maker             string   `json:"maker"`
	Officer           string   `json:"officer"`
	Amount            string   `json:"amount"`
	ApprovedAmount    string   `json:"approved_amount"`
	PendingStage      int      `json:"pending_stage"`
	RequiredDocuments []string `json:"required_documents"`
	Documents         []struct {
		Kind   string `json:"kind"`
		Status string `json:"status"`
	} `json:"documents"`
	Assessments []struct {
		Grade    string `json:"grade"`
		Limit    string `json:"limit"`
		Decision string `json:"decision"`
	} `json:"assessments"`
	Stages []struct {
		Name      string `json:"name"`
		Role      string `json:"role"`
		Approvals int    `json:"approvals"`
	} `json:"stages"`
	Decisions []struct {
		Stage   int    `json:"stage"`
		Actor   string `json:"actor"`
		Verdict string `json:"verdict"`
		Amount  string `json:"amount"`
	} `json:"decisions"`
	History []struct {
		Version int64             `json:"version"`
		Action  string            `json:"action"`
		Actor   string            `json:"actor"`
		Role    string            `json:"role"`
		From    string            `json:"from"`
		To      string            `json:"to"`
		Details map[string]string `json:"details"`
	} `json:"history"`
}

func decodeApp(t *testing.T, r response) appJSON {
	t.Helper()
	var a appJSON
	require.NoError(t, json.Unmarshal(r.body, &a), string(r.body))
	return a
}

// tableCounts counts the rows of the tables the application commands write, so a refused
// request can be shown to change nothing.
func (h *harness) tableCounts(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"applications", "application_events", "sequences"} {
		var n int
		require.NoError(t, h.store.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n))
		out[table] = n
	}
	var versions int64
	require.NoError(t, h.store.QueryRow(context.Background(), "SELECT COALESCE(SUM(version), 0) FROM applications").Scan(&versions))
	out["versions"] = int(versions)
	return out
}

// bankFixture is a small bank built through the API: a branch, a conglomerate group with a
// limit under it, an individual under the branch and an enterprise in the group, and the
// staff (officers o1 and o2, approvers a1 and a2 with authority 1,000,000, a junior
// approver a0 with 100,000, committee members c1, c2 and c3 with 60,000,000).
type bankFixture struct {
	branch, group        int64
	person, company      string // customer numbers
	personNode, compNode int64
}

const (
	// goodPersonFacts assess as a top grade for a modest consumer loan.
	goodPersonFacts = `{"bureau":{"worst_dpd_24m":0,"delinquencies_24m":0,"history_months":96,"utilisation":0.2,"hard_inquiries_6m":1},
		"income":{"monthly":"60000","employment":"civil_servant","years_with_employer":6},
		"capacity":{"monthly_debt_payments":"3000","housing":"own"},"profile":{"age":41}}`
	// strongCompanyFacts assess as a good grade with a limit in the millions.
	strongCompanyFacts = `{"enterprise":{"revenue":"800000000","revenue_growth":0.12,"net_margin":0.14,"debt_to_assets":0.35,
		"current_ratio":2.2,"interest_cover":9,"years_in_business":16,"industry_risk":2,
		"bureau":{"worst_dpd_24m":0,"delinquencies_24m":0}}}`
)

func setupBank(t *testing.T, h *harness, groupLimit string) bankFixture {
	t.Helper()
	admin := h.as("boss/admin")
	var f bankFixture
	node := func(body string) int64 {
		r := admin.post(t, "/v1/tree/nodes", body)
		require.Equal(t, http.StatusCreated, r.status, string(r.body))
		var v struct{ ID int64 }
		require.NoError(t, json.Unmarshal(r.body, &v))
		return v.ID
	}
	f.branch = node(`{"parent":1,"kind":"branch","name":"北京朝阳支行"}`)
	f.group = node(fmt.Sprintf(`{"parent":%d,"kind":"group","name":"华辰集团","limit":%q}`, f.branch, groupLimit))
	register := func(c customer.Customer, parent int64) (string, int64) {
		b, err := json.Marshal(struct {
			customer.Customer
			Parent int64 `json:"parent"`
		}{c, parent})
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		for _, k := range []string{"number", "status", "version", "created_at", "updated_at"} {
			delete(m, k)
		}
		b, err = json.Marshal(m)
		require.NoError(t, err)
		r := admin.post(t, "/v1/customers", string(b))
		require.Equal(t, http.StatusCreated, r.status, string(r.body))
		var v struct {
			Number string `json:"number"`
			Node   int64  `json:"node"`
		}
		require.NoError(t, json.Unmarshal(r.body, &v))
		return v.Number, v.Node
	}
	f.person, f.personNode = register(customertest.Person("张伟", customertest.ResidentID("110105", time.Date(1985, 3, 14, 0, 0, 0, 0, time.UTC), 17),
		"13800138000", "BJ-CY", "o1"), f.branch)
	f.company, f.compNode = register(customertest.Company("华辰精密制造有限公司", customertest.CreditCode("91350100MA2XY0123"), "BJ-CY", "o1"), f.group)

	officer := func(id, authority string, capacity int) {
		body := fmt.Sprintf(`{"id":%q,"name":%q,"branch":"BJ-CY","regions":["北京市","福建省"],"kinds":["individual","enterprise"],
			"authority":%q,"capacity":%d,"seniority_years":8}`, id, "staff "+id, authority, capacity)
		r := admin.post(t, "/v1/officers", body)
		require.Equal(t, http.StatusCreated, r.status, string(r.body))
	}
	officer("o1", "50000000", 10)
	officer("o2", "50000000", 0)
	officer("a0", "100000", 0)
	officer("a1", "1000000", 0)
	officer("a2", "1000000", 0)
	for _, c := range []string{"c1", "c2", "c3"} {
		officer(c, "60000000", 0)
	}
	return f
}

// openApplication creates an application as maker and returns it.
func openApplication(t *testing.T, c caller, customerNumber, product, amount string) appJSON {
	t.Helper()
	r := c.post(t, "/v1/applications", fmt.Sprintf(`{"customer":%q,"product":%q,"amount":%q,"term_months":36,
		"purpose":"经营周转","repayment":"equal_instalments","security":"none"}`, customerNumber, product, amount))
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	a := decodeApp(t, r)
	require.Equal(t, `"1"`, r.header.Get("ETag"))
	require.Equal(t, "/v1/applications/"+a.ID, r.header.Get("Location"))
	return a
}

// prepare drives an application from draft to under review: the maker gathers and the
// officer verifies every document, the officer assesses with facts, the supervisor assigns
// (o1 is the only officer with capacity) and o1 starts the review.
func prepare(t *testing.T, h *harness, maker caller, a appJSON, facts string) appJSON {
	t.Helper()
	for _, k := range a.RequiredDocuments {
		a = maker.command(t, a.ID, "documents", fmt.Sprintf(`{"action":"receive","kind":%q,"reference":"dms://%s/%s"}`, k, a.ID, k), a.Version)
	}
	a = maker.command(t, a.ID, "submit", "", a.Version)
	o1 := h.as("o1/officer")
	for _, k := range a.RequiredDocuments {
		a = o1.command(t, a.ID, "documents", fmt.Sprintf(`{"action":"verify","kind":%q}`, k), a.Version)
	}
	a = o1.command(t, a.ID, "assess", `{"facts":`+facts+`}`, a.Version)
	a = h.as("s1/supervisor").command(t, a.ID, "assign", `{"comment":"区域匹配"}`, a.Version)
	require.Equal(t, "o1", a.Officer)
	return o1.command(t, a.ID, "review", "", a.Version)
}

// nodeExposure reads the exposure view of a tree node.
func nodeExposure(t *testing.T, h *harness, node int64) (total string, headroom *string) {
	t.Helper()
	r := h.as("boss/admin").get(t, fmt.Sprintf("/v1/tree/nodes/%d/exposure", node))
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var v struct {
		Total    string  `json:"total"`
		Headroom *string `json:"headroom"`
	}
	require.NoError(t, json.Unmarshal(r.body, &v))
	return v.Total, v.Headroom
}
