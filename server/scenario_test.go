package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/customer/customertest"
)

// TestScenario runs the main job of the server end to end through its HTTP API, as a bank
// would: build the tree (a branch, a conglomerate with a group limit and a division
// nested in it), take in a customer of the conglomerate, staff the branch, open a loan
// application, gather and verify the documents, submit, assess, assign, send it to review,
// approve it in two stages, see the approved amount on the conglomerate's exposure, and
// read the portfolio analytics.
func TestScenario(t *testing.T) {
	h := newHarness(t, Config{Authenticator: headerAuth{}})
	admin := h.as("admin/admin")
	created := func(r response) map[string]any {
		t.Helper()
		require.Equal(t, http.StatusCreated, r.status, string(r.body))
		var m map[string]any
		require.NoError(t, json.Unmarshal(r.body, &m))
		return m
	}
	id := func(m map[string]any) int64 { return int64(m["id"].(float64)) }

	// 1. The tree: 上海浦东支行 under the bank, the 华辰 conglomerate under it with a group
	// limit of 30 million, and its manufacturing division nested inside.
	branch := id(created(admin.post(t, "/v1/tree/nodes", `{"parent":1,"kind":"branch","name":"上海浦东支行","attrs":{"code":"SH-PD"}}`)))
	group := id(created(admin.post(t, "/v1/tree/nodes", fmt.Sprintf(`{"parent":%d,"kind":"group","name":"华辰控股集团","limit":"30000000"}`, branch))))
	division := id(created(admin.post(t, "/v1/tree/nodes", fmt.Sprintf(`{"parent":%d,"kind":"group","name":"华辰集团制造板块"}`, group))))

	// 2. Intake: a company of the conglomerate, placed in the division, in one request.
	company := customertest.Company("华辰精密制造有限公司", customertest.CreditCode("91310115MA1H00042"), "SH-PD", "o1")
	body, err := json.Marshal(struct {
		Kind       customer.Kind        `json:"kind"`
		Branch     string               `json:"branch"`
		Officer    string               `json:"officer"`
		Enterprise *customer.Enterprise `json:"enterprise"`
		Parent     int64                `json:"parent"`
	}{company.Kind, company.Branch, company.Officer, company.Enterprise, division})
	require.NoError(t, err)
	cust := created(h.as("o1/officer").post(t, "/v1/customers", string(body)))
	number := cust["number"].(string)
	r := h.as("o1/officer").get(t, "/v1/customers/"+number+"/path")
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var path struct {
		Items []struct{ Name string } `json:"items"`
	}
	require.NoError(t, json.Unmarshal(r.body, &path))
	var names []string
	for _, n := range path.Items {
		names = append(names, n.Name)
	}
	assert.Equal(t, []string{"上海浦东支行", "华辰控股集团", "华辰集团制造板块", "华辰精密制造有限公司"}, names[1:], "the customer's place in the tree")

	// 3. Staff: a relationship officer covering the company's province, a branch approver
	// and a member of the credit committee, each with an authority limit on record.
	for _, o := range []string{
		`{"id":"o1","name":"王芳","branch":"SH-PD","regions":["福建省","上海市"],"kinds":["enterprise"],"skills":["equity_pledge"],"authority":"50000000","capacity":20,"seniority_years":9}`,
		`{"id":"a1","name":"李强","branch":"SH-PD","regions":["上海市"],"kinds":["enterprise"],"authority":"5000000","capacity":0}`,
		`{"id":"c1","name":"陈静","branch":"HO","regions":["上海市"],"kinds":["enterprise"],"authority":"60000000","capacity":0}`,
	} {
		created(h.as("hr/supervisor").post(t, "/v1/officers", o))
	}

	// 4. The application: two million of working capital, opened by the relationship officer.
	maker := h.as("o1/officer")
	a := decodeApp(t, func() response {
		r := maker.post(t, "/v1/applications", fmt.Sprintf(`{"customer":%q,"product":"working_capital","amount":"2000000.00",
			"term_months":24,"purpose":"原材料采购","repayment":"interest_only","security":"guarantee","security_detail":"华辰控股集团有限公司连带责任保证"}`, number))
		require.Equal(t, http.StatusCreated, r.status, string(r.body))
		return r
	}())
	assert.Equal(t, "draft", a.Status)
	assert.Equal(t, []string{"application_form", "identity", "financial_statements", "guarantee", "business_licence"}, a.RequiredDocuments)

	// 5. Documents, submission, verification.
	for _, k := range a.RequiredDocuments {
		a = maker.command(t, a.ID, "documents", fmt.Sprintf(`{"action":"receive","kind":%q,"reference":"dms://%s/%s"}`, k, a.ID, k), a.Version)
	}
	a = maker.command(t, a.ID, "submit", `{"comment":"资料齐全"}`, a.Version)
	for _, k := range a.RequiredDocuments {
		a = maker.command(t, a.ID, "documents", fmt.Sprintf(`{"action":"verify","kind":%q}`, k), a.Version)
	}

	// 6. Assessment from facts with the active enterprise scorecard.
	a = maker.command(t, a.ID, "assess", `{"facts":`+strongCompanyFacts+`,"comment":"贷前调查"}`, a.Version)
	require.Equal(t, "assessed", a.Status)
	require.Len(t, a.Assessments, 1)
	grade, limit := a.Assessments[0].Grade, decimal.RequireFromString(a.Assessments[0].Limit)
	require.Equal(t, "approve", a.Assessments[0].Decision, "a strong company: %+v", a.Assessments[0])

	// 7. Assignment by the rules: o1 is the only officer with capacity for the region.
	r = h.as("s1/supervisor").send(t, http.MethodPost, "/v1/applications/"+a.ID+"/assign", `{"comment":"按规则分配"}`, a.Version)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var assigned struct {
		Application appJSON `json:"application"`
		Assignment  struct {
			Officer string   `json:"officer"`
			Reasons []string `json:"reasons"`
		} `json:"assignment"`
	}
	require.NoError(t, json.Unmarshal(r.body, &assigned))
	a = assigned.Application
	assert.Equal(t, "o1", assigned.Assignment.Officer)
	assert.NotEmpty(t, assigned.Assignment.Reasons, "the assignment says why")

	// 8. Review and a two-stage approval: above 500,000 the branch approver, then the
	// committee, each a different person from the maker and the preparing officer.
	a = maker.command(t, a.ID, "review", "", a.Version)
	require.Equal(t, "under_review", a.Status)
	require.Len(t, a.Stages, 2)
	assert.Equal(t, []string{"branch approval", "credit committee"}, []string{a.Stages[0].Name, a.Stages[1].Name})
	approved := decimal.Min(limit, decimal.RequireFromString("2000000"))
	a = h.as("a1/approver").command(t, a.ID, "decisions",
		fmt.Sprintf(`{"stage":1,"verdict":"approve","comment":"同意，额度以评估为准","amount":%q}`, approved), a.Version)
	require.Equal(t, 2, a.PendingStage)
	a = h.as("c1/committee").command(t, a.ID, "decisions", `{"stage":2,"verdict":"approve","comment":"贷审会同意"}`, a.Version)
	require.Equal(t, "approved", a.Status)
	assert.True(t, decimal.RequireFromString(a.ApprovedAmount).Equal(approved))

	// 9. The approved amount is the company's exposure, rolled up to the division and the
	// conglomerate, whose headroom shrinks by as much.
	for _, node := range []int64{division, group, branch} {
		total, _ := nodeExposure(t, h, node)
		assert.Equal(t, approved.StringFixed(2), total, "node %d", node)
	}
	_, headroom := nodeExposure(t, h, group)
	require.NotNil(t, headroom)
	assert.Equal(t, decimal.RequireFromString("30000000").Sub(approved).StringFixed(2), *headroom)

	// 10. Analytics.
	p := h.as("a9/analyst").portfolio(t)
	assert.Equal(t, 1, p.Customers.Total)
	assert.Equal(t, 1, p.Customers.ByKind["enterprise"])
	assert.Equal(t, 1, p.Grades.Assessed)
	for _, g := range p.Grades.Distribution {
		if g.Grade == grade {
			assert.Equal(t, 1, g.Total)
		}
	}
	assert.True(t, decimal.RequireFromString(p.Exposure.Total).Equal(approved))
	require.NotEmpty(t, p.Exposure.TopGroups)
	top := p.Exposure.TopGroups[0]
	assert.Equal(t, "华辰控股集团", top.Name)
	require.NotNil(t, top.Headroom)
	assert.True(t, decimal.RequireFromString(*top.Headroom).Equal(decimal.RequireFromString("30000000").Sub(approved)))
	assert.Equal(t, 1, p.Applications.Approved)
	require.NotNil(t, p.Applications.ApprovalRate)
	assert.InDelta(t, 1.0, *p.Applications.ApprovalRate, 1e-9)
	require.NotNil(t, p.Applications.MedianHoursToDecision)
	assert.Less(t, *p.Applications.MedianHoursToDecision, time.Minute.Hours(), "decided within the test")
	var o1 bool
	for _, o := range p.Officers {
		if o.Officer == "o1" {
			o1 = true
			assert.Equal(t, 1, o.Approved)
			assert.Zero(t, o.OpenCases, "the decided case left o1's load")
			assert.Equal(t, 20, o.Capacity)
		}
	}
	assert.True(t, o1, "o1's workload and results are reported")
}
