package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/customer/customertest"
)

// custReq builds a request with a JSON body (none when body is "") and headers given as
// name, value pairs.
func custReq(method, path, body string, headers ...string) *http.Request {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req
}

// custJSON decodes a response body into a generic value.
func custJSON(t *testing.T, r response) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), string(r.body))
	return m
}

// custPerson is the JSON body of a new individual under parent; seq makes the identity
// number unique.
func custPerson(t *testing.T, name string, seq int, parent any) string {
	t.Helper()
	id := customertest.ResidentID("110105", time.Date(1970+seq%40, time.Month(1+seq%12), 1+seq%28, 0, 0, 0, 0, time.UTC), seq%1000)
	c := customertest.Person(name, id, "13800000000", "BJ01", "o-1")
	b, err := json.Marshal(c)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	for _, k := range []string{"number", "status", "version", "created_at", "updated_at"} {
		delete(m, k)
	}
	if parent != nil {
		m["parent"] = parent
	}
	b, err = json.Marshal(m)
	require.NoError(t, err)
	return string(b)
}

// custNode creates a branch or group and returns its ID.
func custNode(t *testing.T, h *harness, parent any, kind, name, limit string) int64 {
	t.Helper()
	body := fmt.Sprintf(`{"parent":%v,"kind":%q,"name":%q}`, parent, kind, name)
	if limit != "" {
		body = fmt.Sprintf(`{"parent":%v,"kind":%q,"name":%q,"limit":%q}`, parent, kind, name, limit)
	}
	r := h.do(t, custReq(http.MethodPost, "/v1/tree/nodes", body))
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	return int64(custJSON(t, r)["id"].(float64))
}

// custCreate registers a customer and returns the response body.
func custCreate(t *testing.T, h *harness, body string) map[string]any {
	t.Helper()
	r := h.do(t, custReq(http.MethodPost, "/v1/customers", body))
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	return custJSON(t, r)
}

func TestCustomerLifecycle(t *testing.T) {
	h := newHarness(t, Config{})
	br := custNode(t, h, 1, "branch", "北京分行", "")
	grp := custNode(t, h, br, "group", "华辰集团", "1000000")

	r := h.do(t, custReq(http.MethodPost, "/v1/customers", custPerson(t, "张三", 1, grp)))
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	created := custJSON(t, r)
	num := created["number"].(string)
	assert.Equal(t, "/v1/customers/"+num, r.header.Get("Location"))
	assert.Equal(t, `"1"`, r.header.Get("ETag"))
	node := int64(created["node"].(float64))
	assert.Positive(t, node)

	r = h.get(t, "/v1/customers/"+num)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	got := custJSON(t, r)
	assert.Equal(t, "张三", got["individual"].(map[string]any)["name"])
	assert.Equal(t, float64(node), got["node"])
	assert.Equal(t, `"1"`, r.header.Get("ETag"))

	// PATCH needs If-Match.
	patch := `{"individual":{"name":"张三丰","mobile":"13900000000"}}`
	r = h.do(t, custReq(http.MethodPatch, "/v1/customers/"+num, patch))
	assert.Equal(t, http.StatusPreconditionRequired, r.status, string(r.body))
	r = h.do(t, custReq(http.MethodPatch, "/v1/customers/"+num, patch, "If-Match", `"7"`))
	assert.Equal(t, http.StatusPreconditionFailed, r.status, string(r.body))
	r = h.do(t, custReq(http.MethodPatch, "/v1/customers/"+num, patch, "If-Match", `"1"`, "Content-Type", "application/merge-patch+json"))
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	assert.Equal(t, `"2"`, r.header.Get("ETag"))
	assert.Equal(t, "张三丰", custJSON(t, r)["individual"].(map[string]any)["name"])

	// The node follows the name.
	r = h.get(t, "/v1/customers/"+num+"/path")
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var path treeNodeList
	require.NoError(t, json.Unmarshal(r.body, &path))
	require.Len(t, path.Items, 4)
	assert.Equal(t, []string{"Bank", "北京分行", "华辰集团", "张三丰"}, []string{path.Items[0].Name, path.Items[1].Name, path.Items[2].Name, path.Items[3].Name})

	r = h.get(t, "/v1/customers/"+num+"/history")
	require.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, string(r.body), `"individual.name"`)

	// Contacts.
	r = h.do(t, custReq(http.MethodPost, "/v1/customers/"+num+"/contacts", `{"channel":"visit","note":"上门拜访"}`))
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	assert.Equal(t, "anonymous", custJSON(t, r)["officer"])
	r = h.get(t, "/v1/customers/"+num+"/contacts")
	require.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, string(r.body), "上门拜访")

	// Close.
	r = h.do(t, custReq(http.MethodPost, "/v1/customers/"+num+"/close", "", "If-Match", `"2"`))
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	assert.Equal(t, "closed", custJSON(t, r)["status"])
	r = h.do(t, custReq(http.MethodPost, "/v1/customers/"+num+"/close", "", "If-Match", `"3"`))
	assert.Equal(t, http.StatusConflict, r.status)

	// Search.
	custCreate(t, h, custPerson(t, "李四", 2, br))
	r = h.get(t, "/v1/customers?pinyin=ls")
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var page struct {
		Items []customerView `json:"items"`
	}
	require.NoError(t, json.Unmarshal(r.body, &page))
	require.Len(t, page.Items, 1)
	assert.Equal(t, "李四", page.Items[0].Name())
	r = h.get(t, "/v1/customers?colour=red")
	assert.Equal(t, http.StatusBadRequest, r.status)

	var ref customerRef
	ref, err := h.srv.lookupCustomer(t.Context(), num)
	require.NoError(t, err)
	assert.Equal(t, customer.StatusClosed, ref.Status)
	assert.Equal(t, "北京市", ref.Region)
}

func TestCustomerSearchParameters(t *testing.T) {
	h := newHarness(t, Config{})
	br := custNode(t, h, 1, "branch", "北京分行", "")
	names := []string{"张三", "张三丰", "李四", "Alice", "曾国藩"}
	nums := map[string]string{}
	docs := map[string]string{}
	for i, n := range names {
		c := custCreate(t, h, custPerson(t, n, i+1, br))
		nums[n] = c["number"].(string)
		docs[n] = c["individual"].(map[string]any)["doc_number"].(string)
	}
	ent := customertest.Company("福州示例有限公司", customertest.CreditCode("91350100M000100Y4"), "FZ01", "o-2")
	b, err := json.Marshal(ent)
	require.NoError(t, err)
	body := strings.Replace(string(b), `"number":"",`, "", 1)
	body = strings.Replace(body, `{`, fmt.Sprintf(`{"parent":%d,`, br), 1)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &m))
	for _, k := range []string{"status", "version", "created_at", "updated_at"} {
		delete(m, k)
	}
	b, err = json.Marshal(m)
	require.NoError(t, err)
	e := custCreate(t, h, string(b))
	nums["福州示例有限公司"] = e["number"].(string)

	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"all in name order", "", []string{"Alice", "曾国藩", "福州示例有限公司", "李四", "张三", "张三丰"}},
		{"q as a customer number", "q=" + nums["李四"], []string{"李四"}},
		{"q as a resident ID", "q=" + docs["张三丰"], []string{"张三丰"}},
		{"q as a credit code", "q=" + customertest.CreditCode("91350100M000100Y4"), []string{"福州示例有限公司"}},
		{"q as a mobile", "q=13800000001", []string{"福州示例有限公司"}},
		{"q as pinyin initials", "q=zs", []string{"张三", "张三丰"}},
		{"q as a Latin name", "q=ali", []string{"Alice"}},
		{"q as a name prefix", "q=张三", []string{"张三", "张三丰"}},
		{"id as an identity number", "id=" + docs["李四"], []string{"李四"}},
		{"initials", "initials=ZGF", []string{"曾国藩"}},
		{"surname reading zeng", "pinyin=zeng", []string{"曾国藩"}},
		{"kind filter", "kind=enterprise", []string{"福州示例有限公司"}},
		{"name and kind", "name=张&kind=individual&status=active", []string{"张三", "张三丰"}},
		{"age filter", "min_age=0&branch=BJ01", []string{"Alice", "曾国藩", "李四", "张三", "张三丰"}},
		{"nothing", "pinyin=qq", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			cursor := ""
			for range 20 {
				r := h.get(t, "/v1/customers?limit=2&"+tt.query+cursor)
				require.Equal(t, http.StatusOK, r.status, string(r.body))
				var page struct {
					Items      []customerView `json:"items"`
					NextCursor string         `json:"next_cursor"`
				}
				require.NoError(t, json.Unmarshal(r.body, &page))
				for _, c := range page.Items {
					got = append(got, c.Name())
				}
				if page.NextCursor == "" {
					break
				}
				cursor = "&cursor=" + page.NextCursor
			}
			if tt.name == "q as pinyin initials" {
				assert.ElementsMatch(t, tt.want, got)
				return
			}
			assert.Equal(t, tt.want, append([]string{}, got...))
		})
	}
}
