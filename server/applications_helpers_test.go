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

	"github.com/stretchr/testify/require"

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
