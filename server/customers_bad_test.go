package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/customer"
)

// custSnapshot digests every row of the customer and tree tables, and the sequences, so a
// test can tell that a refused request changed nothing.
func custSnapshot(t *testing.T, h *harness) string {
	t.Helper()
	sum := sha256.New()
	for _, q := range []string{
		`SELECT number, version, data, node FROM customers ORDER BY number`,
		`SELECT spelling, ord FROM customer_spellings ORDER BY spelling, ord`,
		`SELECT ord, tag FROM customer_tags ORDER BY ord, tag`,
		`SELECT number, version, actor, action, changes FROM customer_revisions ORDER BY number, version`,
		`SELECT id, number, at, officer, channel, note FROM customer_contacts ORDER BY id`,
		`SELECT id, parent, kind, name, customer, attrs, credit_limit, version, changed FROM tree_nodes ORDER BY id`,
		`SELECT customer, cents, changed FROM tree_exposure ORDER BY customer`,
		`SELECT version, total FROM tree_state`,
		`SELECT name, value FROM sequences ORDER BY name`,
	} {
		rows, err := h.store.Query(context.Background(), q)
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			require.NoError(t, rows.Scan(ptrs...))
			fmt.Fprintf(sum, "%v\n", vals)
		}
		require.NoError(t, rows.Err())
		rows.Close()
	}
	return hex.EncodeToString(sum.Sum(nil))
}

// TestCustomerBadRequests sends malformed and hostile requests: each gets its 4xx problem
// and the database is unchanged.
func TestCustomerBadRequests(t *testing.T) {
	h := newHarness(t, Config{BodyLimit: 64 << 10})
	br := custNode(t, h, 1, "branch", "北京分行", "")
	grp := custNode(t, h, br, "group", "华辰集团", "")
	c := custCreate(t, h, custPerson(t, "张三", 1, grp))
	num := c["number"].(string)
	node := int64(c["node"].(float64))
	valid := custPerson(t, "李四", 2, grp)
	dup := custPerson(t, "张小三", 1, grp)
	r := h.get(t, "/v1/customers?pinyin=zs&limit=1")
	require.Equal(t, http.StatusOK, r.status)
	pinyinCursor := custJSON(t, r)["next_cursor"]
	if pinyinCursor == nil {
		custCreate(t, h, custPerson(t, "张四", 3, grp))
		r = h.get(t, "/v1/customers?pinyin=zs&limit=1")
		pinyinCursor = custJSON(t, r)["next_cursor"]
	}
	require.NotNil(t, pinyinCursor)
	before := custSnapshot(t, h)

	with := func(body, key, value string) string { // sets one top-level member to raw JSON
		var m map[string]json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(body), &m))
		m[key] = json.RawMessage(value)
		b, err := json.Marshal(m)
		require.NoError(t, err)
		return string(b)
	}
	unknown, err := customer.NewNumber(customer.KindIndividual, 992)
	require.NoError(t, err)
	nobody := unknown.String()
	tests := []struct {
		name   string
		req    *http.Request
		status int
	}{
		// POST /v1/customers
		{"no content type", func() *http.Request {
			r := custReq(http.MethodPost, "/v1/customers", valid)
			r.Header.Del("Content-Type")
			return r
		}(), 415},
		{"text/plain", custReq(http.MethodPost, "/v1/customers", valid, "Content-Type", "text/plain"), 415},
		{"latin-1 charset", custReq(http.MethodPost, "/v1/customers", valid, "Content-Type", "application/json; charset=latin1"), 415},
		{"empty body", custReq(http.MethodPost, "/v1/customers", " "), 400},
		{"malformed JSON", custReq(http.MethodPost, "/v1/customers", `{"kind":`), 400},
		{"trailing data", custReq(http.MethodPost, "/v1/customers", valid+`{}`), 400},
		{"array", custReq(http.MethodPost, "/v1/customers", `[1,2]`), 422},
		{"unknown field", custReq(http.MethodPost, "/v1/customers", strings.Replace(valid, `{`, `{"colour":"red",`, 1)), 400},
		{"unknown nested field", custReq(http.MethodPost, "/v1/customers", strings.Replace(valid, `"individual":{`, `"individual":{"shoe":1,`, 1)), 400},
		{"invalid UTF-8", custReq(http.MethodPost, "/v1/customers", strings.Replace(valid, "李四", "\xff\xfe", 1)), 400},
		{"kind of wrong type", custReq(http.MethodPost, "/v1/customers", with(valid, "kind", "5")), 422},
		{"unknown kind", custReq(http.MethodPost, "/v1/customers", with(valid, "kind", `"robot"`)), 400},
		{"parent of wrong type", custReq(http.MethodPost, "/v1/customers", with(valid, "parent", `"abc"`)), 422},
		{"huge parent", custReq(http.MethodPost, "/v1/customers", with(valid, "parent", "99999999999999999999999")), 422},
		{"parent 1e400", custReq(http.MethodPost, "/v1/customers", with(valid, "parent", "1e400")), 422},
		{"parent zero", custReq(http.MethodPost, "/v1/customers", with(valid, "parent", "0")), 422},
		{"unknown parent", custReq(http.MethodPost, "/v1/customers", with(valid, "parent", "99999")), 422},
		{"customer under the bank", custReq(http.MethodPost, "/v1/customers", with(valid, "parent", "1")), 422},
		{"customer under a customer", custReq(http.MethodPost, "/v1/customers", with(valid, "parent", fmt.Sprint(node))), 422},
		{"no parent", custReq(http.MethodPost, "/v1/customers", strings.Replace(valid, fmt.Sprintf(`"parent":%d`, grp), `"tags":["a"]`, 1)), 422},
		{"number sent", custReq(http.MethodPost, "/v1/customers", strings.Replace(valid, `{`, `{"number":"`+num+`",`, 1)), 422},
		{"mistyped number sent", custReq(http.MethodPost, "/v1/customers", strings.Replace(valid, `{`, `{"number":"P00000000000",`, 1)), 400},
		{"version sent", custReq(http.MethodPost, "/v1/customers", strings.Replace(valid, `{`, `{"version":3,`, 1)), 422},
		{"invalid mobile", custReq(http.MethodPost, "/v1/customers", strings.Replace(valid, `"13800000000"`, `"12"`, 1)), 422},
		{"overlong name", custReq(http.MethodPost, "/v1/customers", strings.Replace(valid, "李四", strings.Repeat("长", 65), 1)), 422},
		{"script in name", custReq(http.MethodPost, "/v1/customers", strings.Replace(valid, `"name":"李四"`, `"name":"<script>alert(1)</script>`+strings.Repeat("x", 60)+`"`, 1)), 422},
		{"duplicate identity", custReq(http.MethodPost, "/v1/customers", dup), 409},
		{"deep nesting", custReq(http.MethodPost, "/v1/customers", strings.Repeat(`{"a":`, 5000)+"1"+strings.Repeat("}", 5000)), 400},

		// GET /v1/customers
		{"unknown parameter", custReq(http.MethodGet, "/v1/customers?colour=red", ""), 400},
		{"repeated parameter", custReq(http.MethodGet, "/v1/customers?name=a&name=b", ""), 400},
		{"limit zero", custReq(http.MethodGet, "/v1/customers?limit=0", ""), 400},
		{"limit too big", custReq(http.MethodGet, "/v1/customers?limit=201", ""), 400},
		{"limit huge", custReq(http.MethodGet, "/v1/customers?limit=99999999999999999999", ""), 400},
		{"limit not a number", custReq(http.MethodGet, "/v1/customers?limit=ten", ""), 400},
		{"garbage cursor", custReq(http.MethodGet, "/v1/customers?cursor=!!!", ""), 400},
		{"truncated cursor", custReq(http.MethodGet, "/v1/customers?cursor=AQRuYW1l", ""), 400},
		{"cursor of another search", custReq(http.MethodGet, "/v1/customers?cursor="+pinyinCursor.(string), ""), 400},
		{"pinyin with a space", custReq(http.MethodGet, "/v1/customers?pinyin=zhang%20san", ""), 400},
		{"initials with digits", custReq(http.MethodGet, "/v1/customers?initials=z5", ""), 400},
		{"unknown kind filter", custReq(http.MethodGet, "/v1/customers?kind=robot", ""), 400},
		{"negative age", custReq(http.MethodGet, "/v1/customers?min_age=-1", ""), 400},
		{"mistyped number filter", custReq(http.MethodGet, "/v1/customers?number=P00000000000", ""), 400},
		{"invalid UTF-8 in the query", custReq(http.MethodGet, "/v1/customers?name=%ff", ""), 400},
		{"two criteria for one field", custReq(http.MethodGet, "/v1/customers?pinyin=zs&initials=zs", ""), 400},

		// GET /v1/customers/{number} and its parts
		{"mistyped number", custReq(http.MethodGet, "/v1/customers/P00000000000", ""), 400},
		{"long number", custReq(http.MethodGet, "/v1/customers/P9999999999999999999", ""), 400},
		{"SQL in the number", custReq(http.MethodGet, "/v1/customers/P1'%20OR%20'1'='1", ""), 400},
		{"unknown customer", custReq(http.MethodGet, "/v1/customers/"+nobody, ""), 404},
		{"history of an unknown customer", custReq(http.MethodGet, "/v1/customers/"+nobody+"/history", ""), 404},
		{"path with a parameter", custReq(http.MethodGet, "/v1/customers/"+num+"/path?x=1", ""), 400},
		{"contacts bad cursor", custReq(http.MethodGet, "/v1/customers/"+num+"/contacts?cursor="+pinyinCursor.(string), ""), 400},

		// PATCH /v1/customers/{number}
		{"patch without If-Match", custReq(http.MethodPatch, "/v1/customers/"+num, `{"officer":"o-9"}`), 428},
		{"patch with a bad ETag", custReq(http.MethodPatch, "/v1/customers/"+num, `{"officer":"o-9"}`, "If-Match", "1"), 400},
		{"patch with ETag zero", custReq(http.MethodPatch, "/v1/customers/"+num, `{"officer":"o-9"}`, "If-Match", `"0"`), 400},
		{"patch with a huge ETag", custReq(http.MethodPatch, "/v1/customers/"+num, `{"officer":"o-9"}`, "If-Match", `"99999999999999999999"`), 400},
		{"patch with If-Match *", custReq(http.MethodPatch, "/v1/customers/"+num, `{"officer":"o-9"}`, "If-Match", `*`), 400},
		{"stale patch", custReq(http.MethodPatch, "/v1/customers/"+num, `{"officer":"o-9"}`, "If-Match", `"2"`), 412},
		{"patch as text", custReq(http.MethodPatch, "/v1/customers/"+num, `{"officer":"o-9"}`, "If-Match", `"1"`, "Content-Type", "text/plain"), 415},
		{"patch an array", custReq(http.MethodPatch, "/v1/customers/"+num, `[{"op":"replace"}]`, "If-Match", `"1"`), 400},
		{"patch an unknown field", custReq(http.MethodPatch, "/v1/customers/"+num, `{"colour":"red"}`, "If-Match", `"1"`), 400},
		{"patch a wrong type", custReq(http.MethodPatch, "/v1/customers/"+num, `{"officer":7}`, "If-Match", `"1"`), 422},
		{"patch an invalid value", custReq(http.MethodPatch, "/v1/customers/"+num, `{"individual":{"mobile":"1"}}`, "If-Match", `"1"`), 422},
		{"patch away the payload", custReq(http.MethodPatch, "/v1/customers/"+num, `{"individual":null}`, "If-Match", `"1"`), 422},
		{"patch the number", custReq(http.MethodPatch, "/v1/customers/"+num, `{"number":"P00000000021"}`, "If-Match", `"1"`), 422},
		{"patch the kind", custReq(http.MethodPatch, "/v1/customers/"+num, `{"kind":"enterprise"}`, "If-Match", `"1"`), 422},
		{"patch the node", custReq(http.MethodPatch, "/v1/customers/"+num, `{"node":1}`, "If-Match", `"1"`), 422},
		{"patch with trailing data", custReq(http.MethodPatch, "/v1/customers/"+num, `{"officer":"o-9"} x`, "If-Match", `"1"`), 400},
		{"patch an unknown customer", custReq(http.MethodPatch, "/v1/customers/"+nobody, `{"officer":"o-9"}`, "If-Match", `"1"`), 404},

		// close and contacts
		{"close without If-Match", custReq(http.MethodPost, "/v1/customers/"+num+"/close", ""), 428},
		{"close with a body", custReq(http.MethodPost, "/v1/customers/"+num+"/close", `{"why":"x"}`, "If-Match", `"1"`), 400},
		{"stale close", custReq(http.MethodPost, "/v1/customers/"+num+"/close", "", "If-Match", `"5"`), 412},
		{"contact of an unknown customer", custReq(http.MethodPost, "/v1/customers/"+nobody+"/contacts", `{"channel":"visit"}`), 404},
		{"unknown channel", custReq(http.MethodPost, "/v1/customers/"+num+"/contacts", `{"channel":"fax"}`), 400},
		{"no channel", custReq(http.MethodPost, "/v1/customers/"+num+"/contacts", `{"note":"x"}`), 422},
		{"contact in the future", custReq(http.MethodPost, "/v1/customers/"+num+"/contacts", `{"channel":"visit","at":"2999-01-01T00:00:00Z"}`), 422},
		{"contact before 1900", custReq(http.MethodPost, "/v1/customers/"+num+"/contacts", `{"channel":"visit","at":"0001-01-01T00:00:01Z"}`), 422},
		{"contact with a bad time", custReq(http.MethodPost, "/v1/customers/"+num+"/contacts", `{"channel":"visit","at":"yesterday"}`), 400},
		{"overlong note", custReq(http.MethodPost, "/v1/customers/"+num+"/contacts", `{"channel":"visit","note":"`+strings.Repeat("x", 2001)+`"}`), 422},

		// tree
		{"node ID not a number", custReq(http.MethodGet, "/v1/tree/nodes/abc", ""), 400},
		{"node ID zero", custReq(http.MethodGet, "/v1/tree/nodes/0", ""), 400},
		{"node ID negative", custReq(http.MethodGet, "/v1/tree/nodes/-1", ""), 400},
		{"node ID with a leading zero", custReq(http.MethodGet, "/v1/tree/nodes/01", ""), 400},
		{"node ID huge", custReq(http.MethodGet, "/v1/tree/nodes/99999999999999999999", ""), 400},
		{"unknown node", custReq(http.MethodGet, "/v1/tree/nodes/12345", ""), 404},
		{"children of an unknown node", custReq(http.MethodGet, "/v1/tree/nodes/12345/children", ""), 404},
		{"children bad cursor", custReq(http.MethodGet, "/v1/tree/nodes/root/children?cursor=AAAA", ""), 400},
		{"exposure of an unknown node", custReq(http.MethodGet, "/v1/tree/nodes/12345/exposure", ""), 404},
		{"search unknown kind", custReq(http.MethodGet, "/v1/tree/nodes/root/search?kind=robot", ""), 400},
		{"search bad prefix flag", custReq(http.MethodGet, "/v1/tree/nodes/root/search?prefix=maybe", ""), 400},
		{"search with NUL", custReq(http.MethodGet, "/v1/tree/nodes/root/search?q=a%00b", ""), 400},
		{"search unknown parameter", custReq(http.MethodGet, "/v1/tree/nodes/root/search?colour=red", ""), 400},
		{"search bad cursor", custReq(http.MethodGet, "/v1/tree/nodes/root/search?cursor=zz", ""), 400},
		{"create a customer node", custReq(http.MethodPost, "/v1/tree/nodes", `{"parent":1,"kind":"customer","name":"x"}`), 422},
		{"create a second bank", custReq(http.MethodPost, "/v1/tree/nodes", `{"parent":1,"kind":"bank","name":"x"}`), 422},
		{"create without a name", custReq(http.MethodPost, "/v1/tree/nodes", `{"parent":1,"kind":"group","name":"  "}`), 422},
		{"create with a negative limit", custReq(http.MethodPost, "/v1/tree/nodes", `{"parent":1,"kind":"group","name":"g","limit":"-1"}`), 422},
		{"create with a limit finer than 0.01", custReq(http.MethodPost, "/v1/tree/nodes", `{"parent":1,"kind":"group","name":"g","limit":"0.001"}`), 422},
		{"create with a huge limit", custReq(http.MethodPost, "/v1/tree/nodes", `{"parent":1,"kind":"group","name":"g","limit":"1e30"}`), 422},
		{"create with a bad limit", custReq(http.MethodPost, "/v1/tree/nodes", `{"parent":1,"kind":"group","name":"g","limit":"lots"}`), 400},
		{"create with a bad attribute", custReq(http.MethodPost, "/v1/tree/nodes", `{"parent":1,"kind":"group","name":"g","attrs":{"Bad Key":"x"}}`), 422},
		{"create with an attribute of wrong type", custReq(http.MethodPost, "/v1/tree/nodes", `{"parent":1,"kind":"group","name":"g","attrs":{"a":1}}`), 422},
		{"create under an unknown parent", custReq(http.MethodPost, "/v1/tree/nodes", `{"parent":777,"kind":"group","name":"g"}`), 422},
		{"create under a customer", custReq(http.MethodPost, "/v1/tree/nodes", fmt.Sprintf(`{"parent":%d,"kind":"group","name":"g"}`, node)), 422},
		{"create a branch under a group", custReq(http.MethodPost, "/v1/tree/nodes", fmt.Sprintf(`{"parent":%d,"kind":"branch","name":"b"}`, grp)), 422},
		{"create without a parent", custReq(http.MethodPost, "/v1/tree/nodes", `{"kind":"group","name":"g"}`), 422},
		{"create with an unknown field", custReq(http.MethodPost, "/v1/tree/nodes", `{"parent":1,"kind":"group","name":"g","x":1}`), 400},
		{"rename without If-Match", custReq(http.MethodPatch, fmt.Sprintf("/v1/tree/nodes/%d", grp), `{"name":"x"}`), 428},
		{"stale rename", custReq(http.MethodPatch, fmt.Sprintf("/v1/tree/nodes/%d", grp), `{"name":"x"}`, "If-Match", `"9"`), 412},
		{"rename a customer node", custReq(http.MethodPatch, fmt.Sprintf("/v1/tree/nodes/%d", node), `{"name":"x"}`, "If-Match", `"1"`), 422},
		{"patch an unknown node member", custReq(http.MethodPatch, fmt.Sprintf("/v1/tree/nodes/%d", grp), `{"parent":1}`, "If-Match", `"1"`), 400},
		{"patch a limit of wrong type", custReq(http.MethodPatch, fmt.Sprintf("/v1/tree/nodes/%d", grp), `{"limit":true}`, "If-Match", `"1"`), 422},
		{"patch an empty name", custReq(http.MethodPatch, fmt.Sprintf("/v1/tree/nodes/%d", grp), `{"name":""}`, "If-Match", `"1"`), 422},
		{"patch an unknown node", custReq(http.MethodPatch, "/v1/tree/nodes/12345", `{"name":"x"}`, "If-Match", `"1"`), 404},
		{"move the root", custReq(http.MethodPost, "/v1/tree/nodes/root/move", fmt.Sprintf(`{"parent":%d}`, br)), 422},
		{"move into its own subtree", custReq(http.MethodPost, fmt.Sprintf("/v1/tree/nodes/%d/move", br), fmt.Sprintf(`{"parent":%d}`, grp)), 409},
		{"move under itself", custReq(http.MethodPost, fmt.Sprintf("/v1/tree/nodes/%d/move", grp), fmt.Sprintf(`{"parent":%d}`, grp)), 409},
		{"move under an unknown node", custReq(http.MethodPost, fmt.Sprintf("/v1/tree/nodes/%d/move", grp), `{"parent":4242}`), 422},
		{"move a branch under a customer of its own", custReq(http.MethodPost, fmt.Sprintf("/v1/tree/nodes/%d/move", br), fmt.Sprintf(`{"parent":%d}`, node)), 409},
		{"move a customer under the bank", custReq(http.MethodPost, fmt.Sprintf("/v1/tree/nodes/%d/move", node), `{"parent":1}`), 422},
		{"move with a bad ETag", custReq(http.MethodPost, fmt.Sprintf("/v1/tree/nodes/%d/move", grp), `{"parent":1}`, "If-Match", "v1"), 400},
		{"stale move", custReq(http.MethodPost, fmt.Sprintf("/v1/tree/nodes/%d/move", grp), `{"parent":1}`, "If-Match", `"4"`), 412},
		{"move without a parent", custReq(http.MethodPost, fmt.Sprintf("/v1/tree/nodes/%d/move", grp), `{}`), 422},
		{"move an unknown node", custReq(http.MethodPost, "/v1/tree/nodes/4242/move", `{"parent":1}`), 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(t, tt.req)
			assert.Equal(t, tt.status, r.status, string(r.body))
			p := problemOf(t, r)
			assert.Equal(t, tt.status, p.Status)
			assert.NotContains(t, strings.ToLower(string(r.body)), "sql")
		})
	}
	assert.Equal(t, before, custSnapshot(t, h), "a refused request changes nothing")
}

// TestCustomerProblemsInChinese answers validation problems in the caller's language.
func TestCustomerProblemsInChinese(t *testing.T) {
	h := newHarness(t, Config{})
	br := custNode(t, h, 1, "branch", "北京分行", "")
	body := strings.Replace(custPerson(t, "李四", 2, br), `"13800000000"`, `"12"`, 1)
	r := h.do(t, custReq(http.MethodPost, "/v1/customers", body, "Accept-Language", "zh-CN"))
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	p := problemOf(t, r)
	require.NotEmpty(t, p.Errors)
	assert.Equal(t, "individual.mobile", p.Errors[0].Path)
	assert.Contains(t, p.Errors[0].Message, "手机号码")
}
