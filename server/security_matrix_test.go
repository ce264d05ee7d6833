package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/server/auth"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/storetest"
)

// This file holds the permission matrix of issue 9 §2 tested endpoint × role, every cell,
// through real API keys, and the fixture the hostile-request table and the cross-endpoint
// fuzz target share: a small bank seeded through the API, one API key per built-in role,
// and a digest of every table of the database.

// secAuth authenticates API keys (Authorization: Bearer ck_…, X-API-Key) through the real
// auth.Authenticator, and — only when a request carries no key but X-Test-Actor — the
// tests' headerAuth, so the fixture can reuse setupBank. A request with neither is the
// API authenticator's 401.
type secAuth struct{ api Authenticator }

func (a secAuth) Authenticate(ctx context.Context, header func(string) string) (perm.Actor, error) {
	if header("Authorization") == "" && header("X-Api-Key") == "" && header("X-Test-Actor") != "" {
		return headerAuth{}.Authenticate(ctx, header)
	}
	return a.api.Authenticate(ctx, header)
}

// secFixture is a server on one test database with a small bank (setupBank: a branch, a
// group, a person and a company assigned to officer o1, eight officers), a contact, an
// assessment and a draft application of the person, and an API key per built-in role,
// each bound to the bank: the officer's key acts as officer o1.
type secFixture struct {
	*harness
	db          string // "sqlite" or "postgres"
	keyStore    *auth.KeyStore
	keys        map[string]string // role → API key text
	bank        bankFixture
	assessment  string // ID of the person's assessment
	application string // ID of the person's draft application
	scorecard   string // ID of an active scorecard
}

// secSubjects are the actor IDs of the role keys: the officer key is officer o1, to whom
// the fixture's customers are assigned; the approver key is a1, an officer with authority.
var secSubjects = map[string]string{
	perm.RoleAdmin: "root", perm.RoleOfficer: "o1", perm.RoleApprover: "a1",
	perm.RoleAuditor: "audit-1", perm.RoleAnalyst: "risk-1",
}

// secFixtures returns a fixture on each test database (SQLite, and PostgreSQL when
// CREDITKIT_TEST_POSTGRES is set).
func secFixtures(t *testing.T, cfg Config) []*secFixture {
	t.Helper()
	var out []*secFixture
	for _, db := range storetest.Databases(t) {
		out = append(out, newSecFixture(t, db.Name, db.DSN, cfg))
	}
	return out
}

func newSecFixture(t *testing.T, name, dsn string, cfg Config) *secFixture {
	t.Helper()
	return newSecFixtureOwned(t, t.Cleanup, name, dsn, cfg)
}

// newSecFixtureOwned is newSecFixture whose database is closed by a function registered
// with cleanup, so a fuzz target can keep the fixture beyond the iteration that builds it.
// A cfg.Logger is kept; nil means a buffer the fixture's logs field reads.
func newSecFixtureOwned(t *testing.T, cleanup func(func()), name, dsn string, cfg Config) *secFixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	require.NoError(t, err)
	cleanup(func() { st.Close() })
	ks := auth.NewKeyStore(st, auth.KeyStoreConfig{})
	// No cache: a revoked key is refused at once.
	a, err := auth.New(auth.Config{Keys: ks, Roles: auth.NewRoleStore(st, auth.KeyStoreConfig{}), CacheTTL: -1})
	require.NoError(t, err)
	logs := &syncBuffer{}
	cfg.Store = st
	cfg.Authenticator = secAuth{api: APIAuthenticator(a)}
	if cfg.Keyring == nil {
		cfg.Keyring = testRing
	}
	if cfg.RateLimit.Rate == 0 {
		cfg.RateLimit = unlimited
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv, err := New(cfg)
	require.NoError(t, err)
	f := &secFixture{harness: &harness{srv: srv, store: st, logs: logs}, db: name, keyStore: ks, keys: map[string]string{}}

	for _, r := range perm.Builtin() {
		_, text, err := ks.Create(ctx, perm.Admin("test", "test"), auth.NewKey{Role: r.Name, Node: 1, Subject: secSubjects[r.Name], Name: r.Name + " key"})
		require.NoError(t, err)
		f.keys[r.Name] = text
	}
	f.bank = setupBank(t, f.harness, "5000000")
	admin := f.as(perm.RoleAdmin)
	r := admin.send(t, http.MethodPost, "/v1/customers/"+f.bank.person+"/contacts", `{"channel":"visit","note":"开户回访"}`, "")
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	r = admin.send(t, http.MethodPost, "/v1/assessments", `{"customer":"`+f.bank.person+`","facts":`+applicantJSON(t)+`}`, "")
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	f.assessment = decodeAs[storedAssessmentView](t, r).ID
	r = admin.send(t, http.MethodPost, "/v1/applications", `{"customer":"`+f.bank.person+`","product":"consumer","amount":"150000.00",
		"term_months":36,"purpose":"装修","repayment":"equal_instalments","security":"none"}`, "")
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	f.application = decodeApp(t, r).ID
	r = admin.send(t, http.MethodGet, "/v1/scorecards", "", "")
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	f.scorecard = regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(string(r.body))[1]
	return f
}

// secCaller sends requests with one role's API key.
type secCaller struct {
	f   *secFixture
	key string
}

func (f *secFixture) as(role string) secCaller { return secCaller{f: f, key: f.keys[role]} }

// send sends a request with the caller's key, a JSON body when body is not empty, and
// If-Match when ifMatch is not empty.
func (c secCaller) send(t *testing.T, method, path, body, ifMatch string) response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	if body != "" {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	return c.f.do(t, req)
}

// pathFor fills the parameters of a route's path with the fixture's own rows, so a cell of
// the matrix reaches a row the role's holders may act on (the officer key is the officer
// of the fixture's customers). It fails the test on a parameter it does not know, so a new
// route must be given one here.
func (f *secFixture) pathFor(t *testing.T, rt Route) string {
	t.Helper()
	parts := strings.Split(rt.Path, "/")
	for i, p := range parts {
		if !strings.HasPrefix(p, ":") {
			continue
		}
		switch {
		case p == ":number":
			parts[i] = f.bank.person
		case p == ":to": // a related-party link's other end (DELETE .../links/:to/:kind)
			parts[i] = f.bank.company
		case p == ":kind":
			parts[i] = "same_controller"
		case p == ":id" && strings.HasPrefix(rt.Path, "/v1/tree/nodes/"):
			parts[i] = fmt.Sprint(f.bank.group)
		case p == ":id" && strings.HasPrefix(rt.Path, "/v1/assessments/"):
			parts[i] = f.assessment
		case p == ":id" && strings.HasPrefix(rt.Path, "/v1/scorecards/"):
			parts[i] = f.scorecard
		case p == ":id" && strings.HasPrefix(rt.Path, "/v1/officers/"):
			parts[i] = "o1"
		case p == ":id" && strings.HasPrefix(rt.Path, "/v1/applications/"):
			parts[i] = f.application
		default:
			t.Fatalf("%s %s: the matrix test has no value for %s; add one to pathFor", rt.Method, rt.Path, p)
		}
	}
	return strings.Join(parts, "/")
}

// readmeMatrix parses the permission matrix of README.md's Security section — the table
// TestMatrixFile (server/perm) keeps equal to perm.MatrixMarkdown(perm.Builtin()) — into
// role → permission name → granted. The endpoint × role test expects what the README
// documents, so the document, the table and the server cannot drift apart.
func readmeMatrix(t *testing.T) (roles []string, grants map[string]map[string]bool) {
	t.Helper()
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	sc := bufio.NewScanner(bytes.NewReader(readme))
	grants = map[string]map[string]bool{}
	cells := func(line string) []string {
		fields := strings.Split(strings.Trim(line, "|"), "|")
		for i := range fields {
			fields[i] = strings.TrimSpace(fields[i])
		}
		return fields
	}
	for sc.Scan() {
		line := sc.Text()
		if roles == nil {
			if strings.HasPrefix(line, "| permission |") {
				roles = cells(line)[1:]
				for _, r := range roles {
					grants[r] = map[string]bool{}
				}
			}
			continue
		}
		if !strings.HasPrefix(line, "|") {
			break
		}
		c := cells(line)
		if !strings.HasPrefix(c[0], "`") {
			continue // the alignment row and the "only assigned customers" row
		}
		require.Len(t, c, len(roles)+1, line)
		for i, r := range roles {
			grants[r][strings.Trim(c[0], "`")] = c[i+1] == "✓"
		}
	}
	require.NotEmpty(t, roles, "README.md has no permission matrix")
	return roles, grants
}

// TestPermissionMatrixEveryCell sends every route (but the public probes) as every
// built-in role, with that role's API key: the answer is 403 exactly when the README's
// matrix denies the role the route's permission, and never 403 when it grants it.
func TestPermissionMatrixEveryCell(t *testing.T) {
	roles, grants := readmeMatrix(t)
	var builtin []string
	for _, r := range perm.Builtin() {
		builtin = append(builtin, r.Name)
	}
	require.Equal(t, builtin, roles, "the README's matrix has one column per built-in role")
	f := newSecFixture(t, "sqlite", storetest.SQLiteDSN(t), Config{})
	routes := f.srv.Routes()
	cells := 0
	for _, rt := range routes {
		if rt.Permission == 0 {
			continue
		}
		path := f.pathFor(t, rt)
		for _, role := range roles {
			granted, documented := grants[role][rt.Permission.String()]
			require.True(t, documented, "the README's matrix has no row for %v", rt.Permission)
			name := fmt.Sprintf("%s %s as %s", rt.Method, rt.Path, role)
			t.Run(name, func(t *testing.T) {
				cells++
				body := ""
				if rt.Method == http.MethodPost || rt.Method == http.MethodPatch {
					body = "{}" // a body no handler accepts: a holder's answer is 4xx, never a write
				}
				r := f.as(role).send(t, rt.Method, path, body, "")
				assert.Less(t, r.status, 500, string(r.body))
				if !granted {
					require.Equal(t, http.StatusForbidden, r.status, "%s lacks %v: %s", role, rt.Permission, r.body)
					p := problemOf(t, r)
					assert.Equal(t, "urn:creditkit:problem:forbidden", p.Type)
					assert.Contains(t, p.Detail, rt.Permission.String(), "the 403 names the permission")
					return
				}
				assert.NotEqual(t, http.StatusForbidden, r.status, "%s holds %v: %s", role, rt.Permission, r.body)
				if r.status >= 400 {
					problemOf(t, r)
				}
			})
		}
	}
	t.Logf("%d routes, %d cells", len(routes), cells)
}

// TestPermissionMatrixReadsSucceed checks the granted read cells more strictly: every GET
// a role holds the permission of answers 200 on the fixture's rows (the officer's key is
// the officer of the fixture's customers, so it sees them).
func TestPermissionMatrixReadsSucceed(t *testing.T) {
	f := newSecFixture(t, "sqlite", storetest.SQLiteDSN(t), Config{})
	for _, rt := range f.srv.Routes() {
		if rt.Permission == 0 || rt.Method != http.MethodGet {
			continue
		}
		path := f.pathFor(t, rt)
		for _, role := range perm.Builtin() {
			if !role.Can(rt.Permission) {
				continue
			}
			t.Run(fmt.Sprintf("%s as %s", rt.Path, role.Name), func(t *testing.T) {
				r := f.as(role.Name).send(t, http.MethodGet, path, "", "")
				assert.Equal(t, http.StatusOK, r.status, string(r.body))
			})
		}
	}
}

// TestNoCredentialsIsUnauthorized sends every route but the probes with no credential,
// with a malformed one, with an unknown key and with a revoked one: each is a 401 problem
// with WWW-Authenticate; the probes answer without one.
func TestNoCredentialsIsUnauthorized(t *testing.T) {
	f := newSecFixture(t, "sqlite", storetest.SQLiteDSN(t), Config{})
	revoked, text, err := f.keyStore.Create(context.Background(), perm.Admin("test", "test"), auth.NewKey{Role: perm.RoleAdmin, Subject: "gone"})
	require.NoError(t, err)
	_, err = f.keyStore.Revoke(context.Background(), perm.Admin("test", "test"), revoked.ID)
	require.NoError(t, err)
	credentials := map[string][2]string{
		"none":           {"", ""},
		"empty bearer":   {"Authorization", "Bearer "},
		"basic":          {"Authorization", "Basic YWRtaW46YWRtaW4="},
		"garbage bearer": {"Authorization", "Bearer ' OR 1=1 --"},
		"unknown key":    {"Authorization", "Bearer ck_0123456789abcdef_" + strings.Repeat("A", 43)},
		"forged key":     {"X-API-Key", f.keys[perm.RoleAdmin][:len(f.keys[perm.RoleAdmin])-4] + "AAAA"},
		"revoked key":    {"Authorization", "Bearer " + text},
		"unsigned JWT":   {"Authorization", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJyb290Iiwicm9sZSI6ImFkbWluIn0."},
		"test header":    {"X-Test-Actor", "x/nobody"},
	}
	before := secDigest(t, f.store)
	for _, rt := range f.srv.Routes() {
		if rt.Permission == 0 {
			t.Run(rt.Path+" is open", func(t *testing.T) {
				r := f.do(t, httptest.NewRequest(rt.Method, rt.Path, nil))
				assert.Equal(t, http.StatusOK, r.status, string(r.body))
			})
			continue
		}
		path := f.pathFor(t, rt)
		for name, cred := range credentials {
			t.Run(fmt.Sprintf("%s %s %s", rt.Method, rt.Path, name), func(t *testing.T) {
				req := httptest.NewRequest(rt.Method, path, nil)
				if rt.Method != http.MethodGet {
					req = httptest.NewRequest(rt.Method, path, strings.NewReader(`{}`))
					req.Header.Set("Content-Type", "application/json")
				}
				if cred[0] != "" {
					req.Header.Set(cred[0], cred[1])
				}
				r := f.do(t, req)
				require.Equal(t, http.StatusUnauthorized, r.status, string(r.body))
				assert.True(t, strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer"), r.header.Get("WWW-Authenticate"))
				p := problemOf(t, r)
				assert.Equal(t, "urn:creditkit:problem:unauthorized", p.Type)
				if cred[1] != "" {
					assert.NotContains(t, string(r.body), cred[1], "the credential is not echoed")
				}
			})
		}
	}
	assert.Empty(t, changedTables(before, secDigest(t, f.store)), "an unauthenticated request changes nothing")
	logs := f.logs.String()
	for _, key := range f.keys {
		assert.NotContains(t, logs, key, "no key in the logs")
	}
	assert.NotContains(t, logs, text, "no key in the logs")
}

// secDigest digests every row of every table of st, table by table, so a test can show a
// refused request changed nothing at all (the audit trail, the idempotency records and
// the sequences included). Rows are sorted, so the digest does not depend on scan order.
func secDigest(t testing.TB, st *store.Store) map[string]string {
	t.Helper()
	ctx := context.Background()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if st.Dialect() == store.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := st.Query(ctx, q)
	require.NoError(t, err)
	var tables []string
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		tables = append(tables, name)
	}
	require.NoError(t, rows.Err())
	rows.Close()
	require.NotEmpty(t, tables)
	out := map[string]string{}
	for _, table := range tables {
		rows, err := st.Query(ctx, "SELECT * FROM "+table)
		require.NoError(t, err, table)
		cols, err := rows.Columns()
		require.NoError(t, err)
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		var lines []string
		for rows.Next() {
			require.NoError(t, rows.Scan(ptrs...))
			var b strings.Builder
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, "%v\x1f", v)
			}
			lines = append(lines, b.String())
		}
		require.NoError(t, rows.Err())
		rows.Close()
		sort.Strings(lines)
		sum := sha256.Sum256([]byte(strings.Join(lines, "\x1e")))
		out[table] = fmt.Sprintf("%d rows %s", len(lines), hex.EncodeToString(sum[:8]))
	}
	return out
}

// jsonString quotes s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
