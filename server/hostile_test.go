package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/server/perm"
)

// hostileBodyLimit is the body limit of the hostile-request server, so an oversized body
// stays cheap to send.
const hostileBodyLimit = 64 << 10

// hostileCase is one malformed or hostile request and the problem it must get.
type hostileCase struct {
	name    string
	method  string
	path    string // "{person}", "{company}", "{group}", "{branch}", "{app}", "{assessment}" and "{card}" are the fixture's rows
	body    string // sent as application/json unless header sets Content-Type
	header  []string
	role    string // the API key's role; admin when empty
	status  int
	problem string // the problem type's slug; by status when empty
	field   string // a field the 422 must name
	detail  string // text the problem's detail must hold
	wire    bool   // send over a real connection: Fiber refuses an oversized body before app.Test's reader
}

// hostileSlug is the problem type of each status the table expects.
var hostileSlug = map[int]string{
	400: "bad-request", 404: "not-found", 409: "conflict", 412: "stale-version", 413: "body-too-large",
	415: "unsupported-media-type", 422: "validation", 428: "version-required",
}

// hostileCases returns the table; person is a valid POST /v1/customers body.
func hostileCases(t *testing.T, person string) []hostileCase {
	deep := strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)
	deepArray := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	huge := `{"channel":"visit","note":"` + strings.Repeat("x", hostileBodyLimit+1) + `"}`
	sqlInj := `' OR 1=1 --`
	script := `<script>alert(1)</script>`
	app := `{"customer":"{person}","product":"consumer","amount":"150000.00","term_months":36,"purpose":"装修",
		"repayment":"equal_instalments","security":"none"}`
	assess := `{"customer":"{person}","facts":` + applicantJSON(t) + `}`
	officer := func(field, value string) string { return officerBody("h1", map[string]string{field: value}) }
	return []hostileCase{
		// Customers.
		{name: "customer kind of wrong type", method: "POST", path: "/v1/customers", body: `{"kind":5,"parent":{group}}`, status: 422, field: "kind"},
		{name: "customer parent 1e400", method: "POST", path: "/v1/customers", body: `{"kind":"individual","parent":1e400}`, status: 422, field: "parent"},
		{name: "customer parent array", method: "POST", path: "/v1/customers", body: `{"kind":"individual","parent":[1]}`, status: 422, field: "parent"},
		{name: "customer deep nesting", method: "POST", path: "/v1/customers", body: deep, status: 400},
		{name: "customer deep array", method: "POST", path: "/v1/customers", body: deepArray, status: 422},
		{name: "customer invalid UTF-8", method: "POST", path: "/v1/customers", body: strings.Replace(setJSON(t, person, "individual.name", `"王五"`), "王五", "\xff\xfe", 1), status: 400},
		{name: "customer SQL in the identity number", method: "POST", path: "/v1/customers", body: setJSON(t, person, "individual.doc_number", jsonString(sqlInj)), status: 422, field: "individual.doc_number"},
		{name: "customer script and overlong name", method: "POST", path: "/v1/customers", body: setJSON(t, person, "individual.name", jsonString(script+strings.Repeat("长", 80))), status: 422, field: "individual.name"},
		{name: "customer NUL in the name", method: "POST", path: "/v1/customers", body: setJSON(t, person, "individual.name", `"王\u0000五"`), status: 422, field: "individual.name"},
		{name: "customer unknown field", method: "POST", path: "/v1/customers", body: setJSON(t, person, "is_admin", "true"), status: 400},
		{name: "customer text/plain", method: "POST", path: "/v1/customers", body: person, header: []string{"Content-Type", "text/plain"}, status: 415},
		{name: "customer latin-1 JSON", method: "POST", path: "/v1/customers", body: person, header: []string{"Content-Type", "application/json; charset=iso-8859-1"}, status: 415},
		{name: "customer form body", method: "POST", path: "/v1/customers", body: "kind=individual&parent=1", header: []string{"Content-Type", "application/x-www-form-urlencoded"}, status: 415},
		{name: "customer top-level 1e400", method: "POST", path: "/v1/customers", body: `1e400`, status: 422},
		{name: "customer trailing garbage", method: "POST", path: "/v1/customers", body: person + `]`, status: 400},
		{name: "customer list negative limit", method: "GET", path: "/v1/customers?limit=-1", status: 400},
		{name: "customer list duplicate limit", method: "GET", path: "/v1/customers?limit=1&limit=2", status: 400},
		{name: "customer list bad cursor", method: "GET", path: "/v1/customers?cursor=%27%20OR%201%3D1%20--", status: 400},
		{name: "customer list SQL in the mobile", method: "GET", path: "/v1/customers?mobile=%27%20OR%201%3D1%20--", status: 400},
		{name: "customer SQL in the number", method: "GET", path: "/v1/customers/P1'%20OR%201=1%20--", status: 400},
		{name: "customer NUL in the number", method: "GET", path: "/v1/customers/P%0000000001", status: 400},
		{name: "customer patch without If-Match", method: "PATCH", path: "/v1/customers/{person}", body: `{"officer":"o2"}`, status: 428},
		{name: "customer patch ETag list", method: "PATCH", path: "/v1/customers/{person}", body: `{"officer":"o2"}`, header: []string{"If-Match", `"1", "2"`}, status: 400},
		{name: "customer patch ETag injection", method: "PATCH", path: "/v1/customers/{person}", body: `{"officer":"o2"}`, header: []string{"If-Match", `"1' OR 1=1 --"`}, status: 400},
		{name: "customer patch stale ETag", method: "PATCH", path: "/v1/customers/{person}", body: `{"officer":"o2"}`, header: []string{"If-Match", `"7"`}, status: 412},
		{name: "customer patch wrong type", method: "PATCH", path: "/v1/customers/{person}", body: `{"officer":["o2"]}`, header: []string{"If-Match", `"1"`}, status: 422, field: "officer"},
		{name: "customer close huge ETag", method: "POST", path: "/v1/customers/{person}/close", header: []string{"If-Match", `"99999999999999999999999"`}, status: 400},
		{name: "contact channel of wrong type", method: "POST", path: "/v1/customers/{person}/contacts", body: `{"channel":5}`, status: 422, field: "channel"},
		{name: "contact script channel", method: "POST", path: "/v1/customers/{person}/contacts", body: `{"channel":"` + script + `"}`, status: 400},
		{name: "contact oversized body", method: "POST", path: "/v1/customers/{person}/contacts", body: huge, wire: true, status: 413},
		{name: "customer oversized body", method: "POST", path: "/v1/customers", body: setJSON(t, person, "tags", `["`+strings.Repeat("t", hostileBodyLimit)+`"]`), wire: true, status: 413},
		{name: "contact overlong note", method: "POST", path: "/v1/customers/{person}/contacts", body: `{"channel":"visit","note":"` + strings.Repeat("长", 2001) + `"}`, status: 422, field: "note"},
		{name: "contact time of wrong type", method: "POST", path: "/v1/customers/{person}/contacts", body: `{"channel":"visit","at":1e400}`, status: 400},
		{name: "contact NUL in the note", method: "POST", path: "/v1/customers/{person}/contacts", body: `{"channel":"visit","note":"a\u0000b"}`, status: 422, field: "note"},
		{name: "contact of a number with a bad check digit", method: "POST", path: "/v1/customers/P99999999990/contacts", body: `{"channel":"visit"}`, status: 400},
		{name: "contact idempotency key reused with another body", method: "POST", path: "/v1/customers/{person}/contacts", body: `{"channel":"phone","note":"forged"}`,
			header: []string{HeaderIdempotencyKey, "hostile-contact-1"}, status: 422},
		{name: "contact idempotency key not ASCII", method: "POST", path: "/v1/customers/{person}/contacts", body: `{"channel":"visit"}`,
			header: []string{HeaderIdempotencyKey, "钥匙"}, status: 400},
		{name: "contact idempotency key overlong", method: "POST", path: "/v1/customers/{person}/contacts", body: `{"channel":"visit"}`,
			header: []string{HeaderIdempotencyKey, strings.Repeat("k", 300)}, status: 400},

		// Tree.
		{name: "tree node ID with SQL", method: "GET", path: "/v1/tree/nodes/1%20OR%201=1", status: 400},
		{name: "tree node ID negative", method: "GET", path: "/v1/tree/nodes/-1/children", status: 400},
		{name: "tree node ID beyond int64", method: "GET", path: "/v1/tree/nodes/99999999999999999999/exposure", status: 400},
		{name: "tree children bad cursor", method: "GET", path: "/v1/tree/nodes/1/children?cursor=%3Cscript%3E", status: 400},
		{name: "tree search NUL", method: "GET", path: "/v1/tree/nodes/1/search?q=a%00b", status: 400},
		{name: "tree search invalid UTF-8", method: "GET", path: "/v1/tree/nodes/1/search?q=%ff%fe", status: 400},
		{name: "tree create limit 1e400", method: "POST", path: "/v1/tree/nodes", body: `{"parent":1,"kind":"group","name":"g","limit":1e400}`, status: 422, field: "limit"},
		// Exponents that cost a big-number power of ten to compare or round: refused at once.
		{name: "tree create limit 0e999999999", method: "POST", path: "/v1/tree/nodes", body: `{"parent":1,"kind":"group","name":"g","limit":0e999999999}`, status: 422, field: "limit"},
		{name: "tree create limit 0e-999999999", method: "POST", path: "/v1/tree/nodes", body: `{"parent":1,"kind":"group","name":"g","limit":"0e-999999999"}`, status: 422, field: "limit"},
		{name: "tree create limit 1e-999999999", method: "POST", path: "/v1/tree/nodes", body: `{"parent":1,"kind":"group","name":"g","limit":1e-999999999}`, status: 422, field: "limit"},
		// Numbers whose parse would take time in the square of their length: refused unread.
		{name: "customer parent of 20001 digits", method: "POST", path: "/v1/customers", body: setJSON(t, person, "parent", "1"+strings.Repeat("0", 20000)), status: 400, detail: "more than 10000 digits"},
		{name: "tree patch limit of 20001 digits", method: "PATCH", path: "/v1/tree/nodes/{group}", body: `{"limit":"1` + strings.Repeat("0", 20000) + `"}`, header: []string{"If-Match", `"1"`}, status: 400, detail: "more than 10000 digits"},
		{name: "tree create limit of 65 characters", method: "POST", path: "/v1/tree/nodes", body: `{"parent":1,"kind":"group","name":"g","limit":"1` + strings.Repeat("0", 62) + `"}`, status: 400, detail: "more than 64 characters"},
		{name: "link share 0e999999999", method: "PUT", path: "/v1/customers/{company}/links", body: `{"to":"{person}","kind":"control","share":0e999999999}`, status: 422, field: "share"},
		{name: "link share 1e-999999999", method: "PUT", path: "/v1/customers/{company}/links", body: `{"to":"{person}","kind":"control","share":"1e-999999999"}`, status: 422, field: "share"},
		{name: "tree create parent of wrong type", method: "POST", path: "/v1/tree/nodes", body: `{"parent":"1; DROP TABLE tree_nodes","kind":"group","name":"g"}`, status: 422, field: "parent"},
		{name: "tree create overlong script name", method: "POST", path: "/v1/tree/nodes", body: `{"parent":1,"kind":"group","name":"` + script + strings.Repeat("x", 300) + `"}`, status: 422, field: "name"},
		{name: "tree create NUL in the name", method: "POST", path: "/v1/tree/nodes", body: `{"parent":1,"kind":"branch","name":"北京\u0000分行"}`, status: 422, field: "name"},
		{name: "tree create NUL in an attribute", method: "POST", path: "/v1/tree/nodes", body: `{"parent":1,"kind":"branch","name":"b","attrs":{"region":"\u0000"}}`, status: 422},
		{name: "tree rename bad ETag", method: "PATCH", path: "/v1/tree/nodes/{group}", body: `{"name":"x"}`, header: []string{"If-Match", "*"}, status: 400},
		{name: "tree move into its own subtree", method: "POST", path: "/v1/tree/nodes/{branch}/move", body: `{"parent":{group}}`, status: 409},

		// Assessments.
		{name: "assessment income 1e400", method: "POST", path: "/v1/assessments", body: `{"customer":"{person}","facts":{"income":{"monthly":1e400}}}`, status: 422},
		{name: "assessment income 0e999999999", method: "POST", path: "/v1/assessments", body: setJSON(t, assess, "facts.income.monthly", `"0e999999999"`), status: 422, field: "facts.income.monthly"},
		{name: "assessment income 0e-999999999", method: "POST", path: "/v1/assessments", body: setJSON(t, assess, "facts.income.monthly", `0e-999999999`), status: 422, field: "facts.income.monthly"},
		{name: "assessment overdue 1e-999999999", method: "POST", path: "/v1/assessments", body: setJSON(t, assess, "facts.bureau.amount_overdue", `"1e-999999999"`), status: 422, field: "facts.bureau.amount_overdue"},
		{name: "assessment amount 1e-999999999", method: "POST", path: "/v1/assessments", body: setJSON(t, assess, "facts.request.amount", `"1e-999999999"`), status: 422, field: "facts.request.amount"},
		{name: "assessment SQL in the customer", method: "POST", path: "/v1/assessments", body: `{"customer":"` + sqlInj + `","facts":{}}`, status: 422, field: "customer"},
		{name: "assessment facts of wrong type", method: "POST", path: "/v1/assessments", body: `{"customer":"{person}","facts":"good"}`, status: 422},
		{name: "assessment deep facts", method: "POST", path: "/v1/assessments", body: `{"customer":"{person}","facts":` + deep + `}`, status: 400},
		{name: "assessment of an unknown customer", method: "POST", path: "/v1/assessments", body: `{"customer":"P99999999990","facts":{}}`, status: 422, field: "customer"},
		{name: "assessment ID with script", method: "GET", path: "/v1/assessments/%3Cscript%3E", status: 404},

		// Scorecards.
		{name: "scorecard unknown kind", method: "POST", path: "/v1/scorecards", body: `{"kind":"` + script + `","card":{}}`, role: perm.RoleAnalyst, status: 422},
		{name: "scorecard card of wrong type", method: "POST", path: "/v1/scorecards", body: `{"kind":"individual","card":"x"}`, role: perm.RoleAnalyst, status: 422},
		{name: "scorecard list bad kind", method: "GET", path: "/v1/scorecards?kind=1%27%20OR%201=1", status: 400},
		{name: "scorecard unknown", method: "GET", path: "/v1/scorecards/'%20OR%201=1%20--", status: 404},
		{name: "scorecard activate unknown", method: "POST", path: "/v1/scorecards/individual-999/activate", role: perm.RoleAnalyst, status: 404},

		// Officers.
		{name: "officer capacity 1e400", method: "POST", path: "/v1/officers", body: officer("capacity", "1e400"), status: 422, field: "capacity"},
		{name: "officer negative capacity", method: "POST", path: "/v1/officers", body: officer("capacity", "-1"), status: 422, field: "capacity"},
		{name: "officer SQL in the ID", method: "POST", path: "/v1/officers", body: officerBody(sqlInj, nil), status: 422, field: "id"},
		{name: "officer authority of wrong type", method: "POST", path: "/v1/officers", body: officer("authority", "true"), status: 422, field: "authority"},
		{name: "officer NUL in the name", method: "POST", path: "/v1/officers", body: officer("name", `"王\u0000芳"`), status: 422, field: "name"},
		{name: "officer duplicate", method: "POST", path: "/v1/officers", body: officerBody("o1", nil), status: 409},
		{name: "officer patch without If-Match", method: "PATCH", path: "/v1/officers/o1", body: `{"capacity":3}`, status: 428},
		{name: "officer list negative limit", method: "GET", path: "/v1/officers?limit=-5", status: 400},
		{name: "officer history bad time", method: "GET", path: "/v1/officers/o1/assignments?from=yesterday", status: 400},
		{name: "assignment plan cases of wrong type", method: "POST", path: "/v1/assignments/plan", body: `{"cases":"all"}`, status: 422},

		// Applications.
		{name: "application amount 1e400", method: "POST", path: "/v1/applications", body: strings.Replace(app, `"150000.00"`, `1e400`, 1), status: 422, field: "amount"},
		{name: "application term of wrong type", method: "POST", path: "/v1/applications", body: strings.Replace(app, `36`, `"36"`, 1), status: 422, field: "term_months"},
		{name: "application script in the product", method: "POST", path: "/v1/applications", body: strings.Replace(app, `"consumer"`, `"`+script+`"`, 1), status: 422, field: "product"},
		{name: "application idempotency key reused with another body", method: "POST", path: "/v1/applications", body: strings.Replace(app, "150000.00", "990000.00", 1),
			header: []string{HeaderIdempotencyKey, "hostile-app-1"}, status: 422},
		{name: "application list forged cursor", method: "GET", path: "/v1/applications?cursor=eyJpZCI6IicgT1IgMT0xIC0tIn0", status: 400},
		{name: "application submit weak ETag", method: "POST", path: "/v1/applications/{app}/submit", header: []string{"If-Match", `W/"1"`}, status: 400},
		{name: "application stale withdraw", method: "POST", path: "/v1/applications/{app}/withdraw", body: `{"comment":"x"}`, header: []string{"If-Match", `"9"`}, status: 412},
		{name: "application document escape sequence", method: "POST", path: "/v1/applications/{app}/documents", body: `{"action":"receive","kind":"identity","reference":"\u001b[2J"}`,
			header: []string{"If-Match", `"1"`}, status: 422, field: "reference"},
		{name: "portfolio unknown parameter", method: "GET", path: "/v1/analytics/portfolio?branch=1%20OR%201=1", status: 400},

		// Audit trail.
		{name: "audit negative limit", method: "GET", path: "/v1/audit?limit=-1", role: perm.RoleAuditor, status: 400},
		{name: "audit duplicate limit", method: "GET", path: "/v1/audit?limit=1&limit=2", role: perm.RoleAuditor, status: 400},
		{name: "audit bad time", method: "GET", path: "/v1/audit?from=yesterday", role: perm.RoleAuditor, status: 400},
		{name: "audit bad cursor", method: "GET", path: "/v1/audit?cursor=%27%20OR%201%3D1%20--", role: perm.RoleAuditor, status: 400},
		{name: "audit NUL in the actor", method: "GET", path: "/v1/audit?actor=a%00b", role: perm.RoleAuditor, status: 400},
		{name: "audit entity ID without its type", method: "GET", path: "/v1/audit?entity_id=1", role: perm.RoleAuditor, status: 400},
		{name: "audit unknown parameter", method: "GET", path: "/v1/audit?delete=all", role: perm.RoleAuditor, status: 400},
		{name: "audit cannot be written", method: "POST", path: "/v1/audit", body: `{"action":"customer.update"}`, role: perm.RoleAuditor, status: 405, problem: "http-method-not-allowed"},

		// Last, as it would change the customer its neighbours use if it were accepted: a
		// weak ETag never matches If-Match (RFC 9110 §13.1.1, strong comparison).
		{name: "customer patch weak ETag", method: "PATCH", path: "/v1/customers/{person}", body: `{"officer":"o2"}`, header: []string{"If-Match", `W/"1"`}, status: 400},
	}
}

// TestHostileRequests sends a table of malformed and hostile requests — wrong JSON
// types, huge numbers, deep nesting, invalid UTF-8, NUL bytes, SQL and script injection,
// overlong fields, bad cursors, bad ETags, unknown fields, bad media types, oversized
// bodies, bad path parameters, negative limits, duplicate parameters, an Idempotency-Key
// reused with another body — to every domain, on each test database: each gets its 4xx
// problem, and no table of the database changes, the audit trail and the idempotency
// records included.
func TestHostileRequests(t *testing.T) {
	for _, f := range secFixtures(t, Config{BodyLimit: hostileBodyLimit}) {
		t.Run(f.db, func(t *testing.T) {
			cases := hostileCases(t, custPerson(t, "王五", 7, f.bank.group))
			require.GreaterOrEqual(t, len(cases), 50)
			base := f.serve(t)
			// The requests whose Idempotency-Key the table forges, made for real first.
			req := hostileRequest(f, hostileCase{method: "POST", path: "/v1/customers/{person}/contacts", body: `{"channel":"visit","note":"real"}`,
				header: []string{HeaderIdempotencyKey, "hostile-contact-1"}})
			r := f.do(t, req)
			require.Equal(t, http.StatusCreated, r.status, string(r.body))
			req = hostileRequest(f, hostileCase{method: "POST", path: "/v1/applications", body: `{"customer":"{person}","product":"consumer","amount":"150000.00",
				"term_months":36,"purpose":"装修","repayment":"equal_instalments","security":"none"}`, header: []string{HeaderIdempotencyKey, "hostile-app-1"}})
			r = f.do(t, req)
			require.Equal(t, http.StatusCreated, r.status, string(r.body))

			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					before := secDigest(t, f.store)
					req := hostileRequest(f, tc)
					var r response
					if tc.wire {
						r = wireDo(t, base, req)
					} else {
						r = f.do(t, req)
					}
					assert.Equal(t, tc.status, r.status, string(r.body))
					if r.status >= 400 {
						p := problemOf(t, r)
						slug := tc.problem
						if slug == "" {
							slug = hostileSlug[tc.status]
						}
						assert.Equal(t, "urn:creditkit:problem:"+slug, p.Type)
						if tc.detail != "" {
							assert.Contains(t, p.Detail, tc.detail)
						}
						if tc.field != "" {
							var paths []string
							for _, e := range p.Errors {
								paths = append(paths, e.Path)
							}
							assert.Contains(t, paths, tc.field)
						}
						assert.NotContains(t, strings.ToLower(string(r.body)), "syntax error", "no database error leaks")
						assert.NotContains(t, string(r.body), "<script>", "no script is echoed")
					}
					assert.Empty(t, changedTables(before, secDigest(t, f.store)), "a refused request changes nothing")
				})
			}
		})
	}
}

// hostileRequest builds tc's request with the fixture's rows in its path and body and the
// API key of its role.
func hostileRequest(f *secFixture, tc hostileCase) *http.Request {
	fill := strings.NewReplacer("{person}", f.bank.person, "{company}", f.bank.company, "{app}", f.application,
		"{assessment}", f.assessment, "{card}", f.scorecard,
		"{group}", itoa(f.bank.group), "{branch}", itoa(f.bank.branch))
	path := fill.Replace(tc.path)
	var req *http.Request
	if tc.body != "" {
		req = httptest.NewRequest(tc.method, path, strings.NewReader(fill.Replace(tc.body)))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(tc.method, path, nil)
	}
	role := tc.role
	if role == "" {
		role = perm.RoleAdmin
	}
	req.Header.Set("Authorization", "Bearer "+f.keys[role])
	for i := 0; i+1 < len(tc.header); i += 2 {
		req.Header.Set(tc.header[i], tc.header[i+1])
	}
	return req
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// wireDo sends req to the server listening at base over a real connection.
func wireDo(t *testing.T, base string, req *http.Request) response {
	t.Helper()
	out, err := http.NewRequest(req.Method, base+req.URL.RequestURI(), req.Body)
	require.NoError(t, err)
	out.Header = req.Header.Clone()
	out.Close = true
	// The server may answer (413) and close before it has read the whole body, so the
	// body is written from its own goroutine on a raw connection and a failed write is
	// ignored: what counts is the answer, which http.Client could lose to a reset.
	conn, err := net.Dial("tcp", out.URL.Host)
	require.NoError(t, err)
	defer conn.Close()
	go func() { _ = out.Write(conn) }()
	res, err := http.ReadResponse(bufio.NewReader(conn), out)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{status: res.StatusCode, header: res.Header, body: body}
}

// setJSON returns the JSON object body with the member at the dotted path set to the raw
// JSON value (objects on the way are created).
func setJSON(t *testing.T, body, path, raw string) string {
	t.Helper()
	var set func(obj map[string]json.RawMessage, keys []string) map[string]json.RawMessage
	set = func(obj map[string]json.RawMessage, keys []string) map[string]json.RawMessage {
		if obj == nil {
			obj = map[string]json.RawMessage{}
		}
		if len(keys) == 1 {
			obj[keys[0]] = json.RawMessage(raw)
			return obj
		}
		var inner map[string]json.RawMessage
		if v, ok := obj[keys[0]]; ok {
			require.NoError(t, json.Unmarshal(v, &inner))
		}
		b, err := json.Marshal(set(inner, keys[1:]))
		require.NoError(t, err)
		obj[keys[0]] = b
		return obj
	}
	var obj map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(body), &obj))
	b, err := marshalNoEscape(set(obj, strings.Split(path, ".")))
	require.NoError(t, err)
	return string(b)
}

// marshalNoEscape is json.Marshal without HTML escaping, so < and > reach the server as
// written.
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// changedTables lists the tables whose digests differ.
func changedTables(before, after map[string]string) []string {
	var out []string
	for table, d := range after {
		if before[table] != d {
			out = append(out, table+": "+before[table]+" → "+d)
		}
	}
	for table := range before {
		if _, ok := after[table]; !ok {
			out = append(out, table+": dropped")
		}
	}
	sort.Strings(out)
	return out
}
