package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/customer"
)

// validApplication is a well-formed body for a customer number that exists nowhere.
func validApplication(t *testing.T) string {
	n, err := customer.NewNumber(customer.KindIndividual, 987654)
	require.NoError(t, err)
	return `{"customer":"` + n.String() + `","product":"consumer","amount":"150000.00","term_months":36,
		"purpose":"renovation","repayment":"equal_instalments","security":"none"}`
}

// TestApplicationBadRequests sends malformed and refused requests of every kind: each gets
// its 4xx problem, and nothing is written.
func TestApplicationBadRequests(t *testing.T) {
	for name, h := range harnesses(t, Config{Authenticator: headerAuth{}, BodyLimit: 8 << 10}) {
		t.Run(name, func(t *testing.T) { applicationBadRequests(t, h) })
	}
}

func applicationBadRequests(t *testing.T, h *harness) {
	valid := validApplication(t)
	withField := func(field, value string) string {
		// Replace one field of the valid body, or add it.
		i := strings.Index(valid, `"`+field+`":`)
		if i < 0 {
			return strings.Replace(valid, "{", `{"`+field+`":`+value+`,`, 1)
		}
		j := i + len(field) + 3
		end := j
		if valid[j] == '"' {
			end = j + 1 + strings.IndexByte(valid[j+1:], '"') + 1
		} else {
			for end < len(valid) && valid[end] != ',' && valid[end] != '}' {
				end++
			}
		}
		return valid[:j] + value + valid[end:]
	}
	type tc struct {
		name        string
		method      string
		path        string
		body        string
		contentType string // default application/json when body is set
		ifMatch     string
		actor       string // default officer
		status      int
		path422     string // a field the 422 must name
	}
	tests := []tc{
		{name: "no content type", method: "POST", path: "/v1/applications", body: valid, contentType: "-", status: 415},
		{name: "text body", method: "POST", path: "/v1/applications", body: valid, contentType: "text/plain", status: 415},
		{name: "latin-1 json", method: "POST", path: "/v1/applications", body: valid, contentType: "application/json; charset=latin1", status: 415},
		{name: "empty body", method: "POST", path: "/v1/applications", body: " ", status: 400},
		{name: "malformed", method: "POST", path: "/v1/applications", body: `{"customer":`, status: 400},
		{name: "not an object", method: "POST", path: "/v1/applications", body: `[1,2]`, status: 422},
		{name: "unknown field", method: "POST", path: "/v1/applications", body: withField("rate", `"5"`), status: 400},
		{name: "trailing data", method: "POST", path: "/v1/applications", body: valid + `{}`, status: 400},
		{name: "invalid utf-8", method: "POST", path: "/v1/applications", body: withField("purpose", "\"\xff\xfe\""), status: 400},
		{name: "amount object", method: "POST", path: "/v1/applications", body: withField("amount", `{"v":1}`), status: 422, path422: "amount"},
		{name: "amount exponent", method: "POST", path: "/v1/applications", body: withField("amount", `"1e5"`), status: 422, path422: "amount"},
		{name: "amount huge exponent", method: "POST", path: "/v1/applications", body: withField("amount", `1e999999999`), status: 422, path422: "amount"},
		{name: "amount negative", method: "POST", path: "/v1/applications", body: withField("amount", `"-5"`), status: 422, path422: "amount"},
		{name: "amount zero", method: "POST", path: "/v1/applications", body: withField("amount", `"0"`), status: 422, path422: "amount"},
		{name: "amount cents", method: "POST", path: "/v1/applications", body: withField("amount", `"1.234"`), status: 422, path422: "amount"},
		{name: "amount too large", method: "POST", path: "/v1/applications", body: withField("amount", `"99999999999999999"`), status: 422, path422: "amount"},
		{name: "amount missing", method: "POST", path: "/v1/applications", body: withField("amount", `null`), status: 422, path422: "amount"},
		{name: "term zero", method: "POST", path: "/v1/applications", body: withField("term_months", `0`), status: 422, path422: "term_months"},
		{name: "term string", method: "POST", path: "/v1/applications", body: withField("term_months", `"36"`), status: 422, path422: "term_months"},
		{name: "term overflow", method: "POST", path: "/v1/applications", body: withField("term_months", `99999999999999999999`), status: 422, path422: "term_months"},
		{name: "customer garbage", method: "POST", path: "/v1/applications", body: withField("customer", `"P123"`), status: 422, path422: "customer"},
		{name: "customer injection", method: "POST", path: "/v1/applications", body: withField("customer", `"P1' OR '1'='1"`), status: 422, path422: "customer"},
		{name: "customer unknown", method: "POST", path: "/v1/applications", body: valid, status: 422, path422: "customer"},
		{name: "product unknown", method: "POST", path: "/v1/applications", body: withField("product", `"car"`), status: 422, path422: "product"},
		{name: "repayment unknown", method: "POST", path: "/v1/applications", body: withField("repayment", `"whenever"`), status: 422, path422: "repayment"},
		{name: "security without detail", method: "POST", path: "/v1/applications", body: withField("security", `"guarantee"`), status: 422, path422: "security_detail"},
		{name: "purpose too long", method: "POST", path: "/v1/applications", body: withField("purpose", `"`+strings.Repeat("长", 501)+`"`), status: 422, path422: "purpose"},
		{name: "purpose with NUL", method: "POST", path: "/v1/applications", body: withField("purpose", `"a\u0000b"`), status: 422, path422: "purpose"},
		{name: "comment with NUL", method: "POST", path: "/v1/applications/L0000000404/withdraw", body: `{"comment":"\u0000"}`, ifMatch: `"1"`, status: 422, path422: "comment"},
		{name: "reference with escape", method: "POST", path: "/v1/applications/L0000000404/documents", body: `{"action":"receive","kind":"identity","reference":"\u001b[31m"}`, ifMatch: `"1"`, status: 422, path422: "reference"},
		{name: "list customer not UTF-8", method: "GET", path: "/v1/applications?customer=%FF%FE", status: 400},
		{name: "list officer with NUL", method: "GET", path: "/v1/applications?officer=a%00b", status: 400},
		{name: "list cursor not UTF-8", method: "GET", path: "/v1/applications?cursor=YTr_", status: 400},
		{name: "get id not UTF-8", method: "GET", path: "/v1/applications/%FF", status: 404},
		{name: "purpose blank", method: "POST", path: "/v1/applications", body: withField("purpose", `"   "`), status: 422, path422: "purpose"},
		{name: "no caller", method: "POST", path: "/v1/applications", body: valid, actor: "-", status: 401},
		{name: "reader may not write", method: "POST", path: "/v1/applications", body: valid, actor: "r1/reader", status: 403},
		{name: "analyst may not list", method: "GET", path: "/v1/analytics/portfolio", actor: "r1/reader", status: 403},

		{name: "list unknown parameter", method: "GET", path: "/v1/applications?state=draft", status: 400},
		{name: "list bad limit", method: "GET", path: "/v1/applications?limit=0", status: 400},
		{name: "list limit too large", method: "GET", path: "/v1/applications?limit=201", status: 400},
		{name: "list limit not a number", method: "GET", path: "/v1/applications?limit=ten", status: 400},
		{name: "list bad status", method: "GET", path: "/v1/applications?status=pending", status: 400},
		{name: "list bad cursor", method: "GET", path: "/v1/applications?cursor=%21%21%21", status: 400},
		{name: "list forged cursor", method: "GET", path: "/v1/applications?cursor=eHl6", status: 400},
		{name: "portfolio parameter", method: "GET", path: "/v1/analytics/portfolio?branch=x", actor: "a1/analyst", status: 400},
		{name: "get missing", method: "GET", path: "/v1/applications/L0000000404", status: 404},
		{name: "get overlong id", method: "GET", path: "/v1/applications/" + strings.Repeat("L", 100), status: 404},

		{name: "submit without If-Match", method: "POST", path: "/v1/applications/L0000000404/submit", status: 428},
		{name: "submit weak ETag", method: "POST", path: "/v1/applications/L0000000404/submit", ifMatch: `W/"1"`, status: 400},
		{name: "submit bad ETag", method: "POST", path: "/v1/applications/L0000000404/submit", ifMatch: `"one"`, status: 400},
		{name: "submit ETag list", method: "POST", path: "/v1/applications/L0000000404/submit", ifMatch: `"1", "2"`, status: 400},
		{name: "submit missing", method: "POST", path: "/v1/applications/L0000000404/submit", ifMatch: `"1"`, status: 404},
		{name: "submit unknown field", method: "POST", path: "/v1/applications/L0000000404/submit", body: `{"note":"x"}`, ifMatch: `"1"`, status: 400},
		{name: "submit priority", method: "POST", path: "/v1/applications/L0000000404/submit", body: `{"priority":true}`, ifMatch: `"1"`, status: 422, path422: "priority"},
		{name: "withdraw comment too long", method: "POST", path: "/v1/applications/L0000000404/withdraw", body: `{"comment":"` + strings.Repeat("x", 2001) + `"}`, ifMatch: `"1"`, status: 422, path422: "comment"},
		{name: "document action unknown", method: "POST", path: "/v1/applications/L0000000404/documents", body: `{"action":"shred","kind":"identity"}`, ifMatch: `"1"`, status: 422, path422: "action"},
		{name: "document kind unknown", method: "POST", path: "/v1/applications/L0000000404/documents", body: `{"action":"verify","kind":"passport"}`, ifMatch: `"1"`, status: 422, path422: "kind"},
		{name: "document without reference", method: "POST", path: "/v1/applications/L0000000404/documents", body: `{"action":"receive","kind":"identity"}`, ifMatch: `"1"`, status: 422, path422: "reference"},
		{name: "reject without reason", method: "POST", path: "/v1/applications/L0000000404/documents", body: `{"action":"reject","kind":"identity"}`, ifMatch: `"1"`, status: 422, path422: "reason"},
		{name: "assess without facts", method: "POST", path: "/v1/applications/L0000000404/assess", body: `{}`, ifMatch: `"1"`, status: 422, path422: "facts"},
		{name: "assess bad facts", method: "POST", path: "/v1/applications/L0000000404/assess", body: `{"facts":{"income":{"monthly":"-100"}}}`, ifMatch: `"1"`, status: 422, path422: "facts.income.monthly"},
		{name: "assess unknown fact", method: "POST", path: "/v1/applications/L0000000404/assess", body: `{"facts":{"shoe_size":44}}`, ifMatch: `"1"`, status: 400},
		{name: "assess by reader", method: "POST", path: "/v1/applications/L0000000404/assess", body: `{}`, ifMatch: `"1"`, actor: "r1/reader", status: 403},
		{name: "assign by officer", method: "POST", path: "/v1/applications/L0000000404/assign", ifMatch: `"1"`, status: 403},
		{name: "decision by officer", method: "POST", path: "/v1/applications/L0000000404/decisions", body: `{"stage":1,"verdict":"approve","comment":"ok"}`, ifMatch: `"1"`, status: 403},
		{name: "decision without verdict", method: "POST", path: "/v1/applications/L0000000404/decisions", body: `{"stage":1,"comment":"ok"}`, ifMatch: `"1"`, actor: "a1/approver", status: 422, path422: "verdict"},
		{name: "decision stage zero", method: "POST", path: "/v1/applications/L0000000404/decisions", body: `{"stage":0,"verdict":"approve","comment":"ok"}`, ifMatch: `"1"`, actor: "a1/approver", status: 422, path422: "stage"},
		{name: "decision without comment", method: "POST", path: "/v1/applications/L0000000404/decisions", body: `{"stage":1,"verdict":"reject"}`, ifMatch: `"1"`, actor: "a1/approver", status: 422, path422: "comment"},
		{name: "decision amount on reject", method: "POST", path: "/v1/applications/L0000000404/decisions", body: `{"stage":1,"verdict":"reject","comment":"no","amount":"5"}`, ifMatch: `"1"`, actor: "a1/approver", status: 422, path422: "amount"},
		{name: "decision verdict unknown", method: "POST", path: "/v1/applications/L0000000404/decisions", body: `{"stage":1,"verdict":"maybe","comment":"hm"}`, ifMatch: `"1"`, actor: "a1/approver", status: 422, path422: "verdict"},
		{name: "decision missing", method: "POST", path: "/v1/applications/L0000000404/decisions", body: `{"stage":1,"verdict":"approve","comment":"ok"}`, ifMatch: `"1"`, actor: "a1/approver", status: 404},
	}
	before := h.tableCounts(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req *http.Request
			if tt.body != "" {
				req = httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
				switch tt.contentType {
				case "":
					req.Header.Set("Content-Type", "application/json")
				case "-":
				default:
					req.Header.Set("Content-Type", tt.contentType)
				}
			} else {
				req = httptest.NewRequest(tt.method, tt.path, nil)
			}
			switch tt.actor {
			case "":
				req.Header.Set("X-Test-Actor", "o1/officer")
			case "-":
			default:
				req.Header.Set("X-Test-Actor", tt.actor)
			}
			if tt.ifMatch != "" {
				req.Header.Set("If-Match", tt.ifMatch)
			}
			r := h.do(t, req)
			require.Equal(t, tt.status, r.status, string(r.body))
			p := problemOf(t, r)
			if tt.path422 != "" {
				var paths []string
				for _, f := range p.Errors {
					paths = append(paths, f.Path)
				}
				assert.Contains(t, paths, tt.path422)
			}
		})
	}
	assert.Equal(t, before, h.tableCounts(t), "a refused request writes nothing")
}

func TestApplicationProblemsInChinese(t *testing.T) {
	h := newHarness(t, Config{Authenticator: headerAuth{}})
	req := httptest.NewRequest(http.MethodPost, "/v1/applications", strings.NewReader(`{"customer":"","product":"car","amount":"-1",
		"term_months":0,"purpose":"","repayment":"","security":"guarantee"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", "zh-CN,zh;q=0.9")
	req.Header.Set("X-Test-Actor", "o1/officer")
	r := h.do(t, req)
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	p := problemOf(t, r)
	got := map[string]string{}
	for _, f := range p.Errors {
		got[f.Path] = f.Message
	}
	assert.Equal(t, map[string]string{
		"customer":        "客户号必填",
		"product":         "取值应为：" + productNames,
		"amount":          "必须大于零",
		"term_months":     "期限应为 1 至 600 个月",
		"purpose":         "必填",
		"repayment":       "必填，可选值：equal_instalments, equal_principal, interest_only, bullet",
		"security_detail": "请说明担保人、抵押物或质押物",
	}, got, "every problem at once, in Chinese")
}

func TestApplicationListEmpty(t *testing.T) {
	h := newHarness(t, Config{Authenticator: headerAuth{}})
	r := h.as("r1/reader").get(t, "/v1/applications?status=approved&limit=5")
	require.Equal(t, http.StatusOK, r.status)
	assert.JSONEq(t, `{"items":[]}`, string(r.body))
}
