package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/assign"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store/storetest"
)

// officerBody is a valid POST /v1/officers body for id, with overrides of top-level
// fields (raw JSON values).
func officerBody(id string, over map[string]string) string {
	fields := map[string]string{
		"id":              fmt.Sprintf("%q", id),
		"name":            `"王芳"`,
		"branch":          `"BR-SH-01"`,
		"regions":         `["pudong"]`,
		"kinds":           `["individual","enterprise"]`,
		"skills":          `["equity_pledge"]`,
		"certifications":  `["CFA"]`,
		"authority":       `"10000000"`,
		"seniority_years": `8`,
		"capacity":        `10`,
		"performance": `{"years_of_service":9,"cases_handled":300,"recommendations":80,"upheld":72,
			"decision_days":[2,4,5],"surveys":[4,5,4.5],"loans":120,"bad_loans":2,"branch_loans":3000,"branch_bad_loans":90}`,
	}
	if id == "" {
		delete(fields, "id")
	}
	for k, v := range over {
		if v == "" {
			delete(fields, k)
		} else {
			fields[k] = v
		}
	}
	var parts []string
	for k, v := range fields {
		parts = append(parts, fmt.Sprintf("%q:%s", k, v))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func createOfficer(t *testing.T, h *harness, id string, over map[string]string) officerView {
	t.Helper()
	r := h.sendWith(t, http.MethodPost, "/v1/officers", officerBody(id, over))
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	return decodeAs[officerView](t, r)
}

// testCase is a small individual consumer case in pudong.
func testCase(id string) assign.Case {
	return assign.Case{ApplicationID: id, CustomerID: "C-" + id, Region: "pudong", Kind: assign.Individual,
		Amount: decimal.RequireFromString("200000"), TermMonths: 24, Product: assign.Consumer}
}

// assignAs runs assignCase for c in a transaction of its own, as the supervisor sup.
func assignAs(t *testing.T, h *harness, c assign.Case) (assign.Decision, error) {
	t.Helper()
	ctx := perm.WithActor(context.Background(), perm.New("sup", "Supervisor", "supervisor", perm.AssignmentWrite))
	var d assign.Decision
	err := h.store.Tx(ctx, func(tx *sql.Tx) (err error) {
		d, err = h.srv.assignCase(ctx, tx, c)
		return err
	})
	return d, err
}

func history(t *testing.T, h *harness, officer, query string) []spellView {
	t.Helper()
	r := h.get(t, "/v1/officers/"+officer+"/assignments"+query)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	return decodeAs[spellList](t, r).Items
}

func TestOfficerCreateAndGet(t *testing.T) {
	h := creditHarness(t)
	o := createOfficer(t, h, "O-1", nil)
	assert.Equal(t, "O-1", o.ID)
	assert.Equal(t, "王芳", o.Name)
	assert.Equal(t, []assign.CustomerKind{assign.Individual, assign.Enterprise}, o.Kinds)
	assert.Equal(t, []assign.Product{assign.EquityPledge}, o.Skills)
	assert.Equal(t, "10000000", o.Authority.String())
	assert.Equal(t, 0, o.Load)
	assert.Equal(t, int64(1), o.Version)
	assert.InDelta(t, 79.8, o.Rating.Overall, 0.05, "rated from the performance figures")
	require.NotNil(t, o.Performance)
	assert.Equal(t, 120, o.Performance.Loans)
	assert.Equal(t, "anonymous", o.CreatedBy)
	assert.Equal(t, creditNow, o.CreatedAt)

	r := h.get(t, "/v1/officers/O-1")
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, `"1"`, r.header.Get("ETag"))
	assert.Equal(t, o, decodeAs[officerView](t, r))

	// Without an ID one is drawn; without performance or rating the officer is rated on
	// no record.
	drawn := createOfficer(t, h, "", map[string]string{"performance": ""})
	assert.Equal(t, "O000001", drawn.ID)
	assert.InDelta(t, 42.5, drawn.Rating.Overall, 0.05)

	// A rating given directly: overall is the weighted mean.
	rated := createOfficer(t, h, "O-3", map[string]string{"performance": "",
		"rating": `{"experience":100,"credit_ability":100,"efficiency":100,"satisfaction":100,"results":100}`})
	assert.InDelta(t, 100, rated.Rating.Overall, 1e-9)
	assert.Nil(t, rated.Performance)

	r = h.sendWith(t, http.MethodPost, "/v1/officers", officerBody("O-1", nil))
	assert.Equal(t, http.StatusConflict, r.status)
	assert.Contains(t, problemOf(t, r).Detail, "O-1")
}

func TestOfficerRequestsRefused(t *testing.T) {
	h := creditHarness(t)
	createOfficer(t, h, "O-1", nil)
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantPaths  []string
	}{
		{"no name", officerBody("O-2", map[string]string{"name": ""}), 422, []string{"name"}},
		{"blank name", officerBody("O-2", map[string]string{"name": `"  "`}), 422, []string{"name"}},
		{"no branch", officerBody("O-2", map[string]string{"branch": ""}), 422, []string{"branch"}},
		{"no regions", officerBody("O-2", map[string]string{"regions": `[]`}), 422, []string{"regions"}},
		{"repeated region", officerBody("O-2", map[string]string{"regions": `["pudong","pudong"]`}), 422, []string{"regions[1]"}},
		{"no kinds", officerBody("O-2", map[string]string{"kinds": ""}), 422, []string{"kinds"}},
		{"unknown kind", officerBody("O-2", map[string]string{"kinds": `["household"]`}), 422, []string{"kinds[0]"}},
		{"unknown skill", officerBody("O-2", map[string]string{"skills": `["crypto"]`}), 422, []string{"skills[0]"}},
		{"no authority", officerBody("O-2", map[string]string{"authority": ""}), 422, []string{"authority"}},
		{"negative authority", officerBody("O-2", map[string]string{"authority": `"-1"`}), 422, []string{"authority"}},
		{"authority in exponent", officerBody("O-2", map[string]string{"authority": `"1e6"`}), 422, []string{"authority"}},
		{"authority of fractions of a cent", officerBody("O-2", map[string]string{"authority": `"1.001"`}), 422, []string{"authority"}},
		{"authority too big", officerBody("O-2", map[string]string{"authority": `"1000000000000000"`}), 422, []string{"authority"}},
		{"authority an object", officerBody("O-2", map[string]string{"authority": `{}`}), 422, []string{"authority"}},
		{"no capacity", officerBody("O-2", map[string]string{"capacity": ""}), 422, []string{"capacity"}},
		{"negative capacity", officerBody("O-2", map[string]string{"capacity": `-1`}), 422, []string{"capacity"}},
		{"capacity a string", officerBody("O-2", map[string]string{"capacity": `"10"`}), 422, []string{"capacity"}},
		{"seniority", officerBody("O-2", map[string]string{"seniority_years": `200`}), 422, []string{"seniority_years"}},
		{"bad leave date", officerBody("O-2", map[string]string{"leave": `[{"from":"2026-12-01","to":"2026-13-01"}]`}), 422, []string{"leave[0].to"}},
		{"leave backwards", officerBody("O-2", map[string]string{"leave": `[{"from":"2026-12-05","to":"2026-12-01"}]`}), 422, []string{"leave[0].to"}},
		{"bad performance", officerBody("O-2", map[string]string{"performance": `{"loans":1,"bad_loans":2,"surveys":[9]}`}), 422, nil},
		{"performance and rating", officerBody("O-2", map[string]string{
			"rating": `{"experience":1,"credit_ability":1,"efficiency":1,"satisfaction":1,"results":1}`}), 422, []string{"rating"}},
		{"rating incomplete", officerBody("O-2", map[string]string{"performance": "", "rating": `{"experience":50}`}), 422,
			[]string{"rating.credit_ability", "rating.results"}},
		{"rating out of range", officerBody("O-2", map[string]string{"performance": "",
			"rating": `{"experience":101,"credit_ability":1,"efficiency":1,"satisfaction":1,"results":1}`}), 422, []string{"rating.experience"}},
		{"bad ID", officerBody("O 2", nil), 422, []string{"id"}},
		{"ID too long", officerBody(strings.Repeat("O", 65), nil), 422, []string{"id"}},
		{"every problem at once", officerBody("O-2", map[string]string{"name": "", "branch": "", "capacity": `-5`}), 422,
			[]string{"name", "branch", "capacity"}},
		{"taken ID", officerBody("O-1", nil), 409, nil},
		{"unknown field", officerBody("O-2", map[string]string{"load": `3`}), 400, nil},
		{"unknown performance field", officerBody("O-2", map[string]string{"performance": `{"iq":150}`}), 400, nil},
		{"malformed", `{"id":"O-2",`, 400, nil},
		{"empty", ``, 415, nil}, // no body, no Content-Type
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.sendWith(t, http.MethodPost, "/v1/officers", tt.body)
			require.Equal(t, tt.wantStatus, r.status, string(r.body))
			p := problemOf(t, r)
			var paths []string
			for _, f := range p.Errors {
				paths = append(paths, f.Path)
			}
			for _, want := range tt.wantPaths {
				assert.Contains(t, paths, want)
			}
		})
	}
	assert.Equal(t, 1, rowCount(t, h.store, "officers"), "nothing was stored")
	assert.Equal(t, 1, rowCount(t, h.store, "officer_versions"))
}

func TestOfficerPatch(t *testing.T) {
	h := creditHarness(t)
	createOfficer(t, h, "O-1", nil)
	patch := func(body string, headers ...string) response {
		return h.sendWith(t, http.MethodPatch, "/v1/officers/O-1", body, headers...)
	}

	r := patch(`{"capacity":3,"skills":["mortgage","equity_pledge"],"leave":[{"from":"2026-12-24","to":"2027-01-02"}],
		"rating":{"experience":50,"credit_ability":60,"efficiency":70,"satisfaction":80,"results":90}}`, "If-Match", `"1"`)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	assert.Equal(t, `"2"`, r.header.Get("ETag"))
	o := decodeAs[officerView](t, r)
	assert.Equal(t, 3, o.Capacity)
	assert.Equal(t, []assign.Product{assign.Mortgage, assign.EquityPledge}, o.Skills)
	assert.Equal(t, []leaveInput{{From: "2026-12-24", To: "2027-01-02"}}, o.Leave)
	assert.Nil(t, o.Performance, "a given rating replaces the figures")
	assert.InDelta(t, 0.15*50+0.25*60+0.15*70+0.15*80+0.30*90, o.Rating.Overall, 1e-9)
	assert.Equal(t, "王芳", o.Name, "absent fields stay")
	assert.Equal(t, []string{"pudong"}, o.Regions)

	tests := []struct {
		name       string
		body       string
		headers    []string
		wantStatus int
	}{
		{"no If-Match", `{"capacity":4}`, nil, 428},
		{"stale", `{"capacity":4}`, []string{"If-Match", `"1"`}, 412},
		{"malformed If-Match", `{"capacity":4}`, []string{"If-Match", `2`}, 400},
		{"weak If-Match", `{"capacity":4}`, []string{"If-Match", `W/"2"`}, 400},
		{"change the ID", `{"id":"O-9"}`, []string{"If-Match", `"2"`}, 422},
		{"empty regions", `{"regions":[]}`, []string{"If-Match", `"2"`}, 422},
		{"negative capacity", `{"capacity":-4}`, []string{"If-Match", `"2"`}, 422},
		{"unknown field", `{"load":4}`, []string{"If-Match", `"2"`}, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := patch(tt.body, tt.headers...)
			require.Equal(t, tt.wantStatus, r.status, string(r.body))
			problemOf(t, r)
		})
	}
	r = h.sendWith(t, http.MethodPatch, "/v1/officers/O-9", `{"capacity":4}`, "If-Match", `"1"`)
	assert.Equal(t, http.StatusNotFound, r.status)

	r = h.get(t, "/v1/officers/O-1")
	assert.Equal(t, `"2"`, r.header.Get("ETag"), "the refused changes changed nothing")
	assert.Equal(t, 3, decodeAs[officerView](t, r).Capacity)
	assert.Equal(t, 2, rowCount(t, h.store, "officer_versions"))

	// Back to figures: the rating follows them again.
	r = patch(`{"performance":{"years_of_service":15,"cases_handled":500}}`, "If-Match", `"2"`)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	o = decodeAs[officerView](t, r)
	assert.InDelta(t, 100, o.Rating.Experience, 1e-9)
}

func TestOfficerList(t *testing.T) {
	h := creditHarness(t)
	for _, id := range []string{"O-3", "O-1", "O-2"} {
		over := map[string]string{}
		if id == "O-2" {
			over["branch"] = `"BR-BJ-01"`
		}
		createOfficer(t, h, id, over)
	}
	var ids []string
	path := "/v1/officers?limit=2"
	for {
		r := h.get(t, path)
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		page := decodeAs[officerList](t, r)
		for _, o := range page.Items {
			ids = append(ids, o.ID)
		}
		if page.NextCursor == "" {
			break
		}
		path = "/v1/officers?limit=2&cursor=" + page.NextCursor
	}
	assert.Equal(t, []string{"O-1", "O-2", "O-3"}, ids)

	r := h.get(t, "/v1/officers?branch=BR-BJ-01")
	page := decodeAs[officerList](t, r)
	require.Len(t, page.Items, 1)
	assert.Equal(t, "O-2", page.Items[0].ID)

	for _, bad := range []string{"?name=x", "?limit=abc", "?limit=999", "?cursor=zzz"} {
		r := h.get(t, "/v1/officers"+bad)
		assert.Equal(t, http.StatusBadRequest, r.status, bad)
		problemOf(t, r)
	}
	r = h.get(t, "/v1/officers/"+strings.Repeat("x", 65))
	assert.Equal(t, http.StatusNotFound, r.status)
}

func TestAssignCase(t *testing.T) {
	h := creditHarness(t)
	createOfficer(t, h, "O-1", map[string]string{"capacity": `1`})
	createOfficer(t, h, "O-2", map[string]string{"regions": `["huangpu"]`})

	d, err := assignAs(t, h, testCase("L1"))
	require.NoError(t, err)
	assert.Equal(t, "O-1", d.Officer)
	require.NotEmpty(t, d.Reasons)

	spells := history(t, h, "O-1", "")
	require.Len(t, spells, 1)
	sp := spells[0]
	assert.Equal(t, "L1", sp.Application)
	assert.Equal(t, "C-L1", sp.Customer)
	assert.True(t, sp.Open)
	assert.Equal(t, creditNow, sp.From)
	assert.Equal(t, "sup", sp.AssignedBy)
	assert.Equal(t, strings.Join(d.Reasons, "; "), sp.Reason)
	assert.InDelta(t, d.Candidates[0].Score, sp.Score, 1e-9)

	r := h.get(t, "/v1/officers/O-1")
	assert.Equal(t, 1, decodeAs[officerView](t, r).Load)

	// O-1 is full and O-2 covers another region: nobody is eligible.
	d, err = assignAs(t, h, testCase("L2"))
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrConflict)
	assert.ErrorIs(t, err, assign.ErrNoEligibleOfficer)
	assert.Equal(t, d.Summary(), err.Error())
	assert.Equal(t, "1 does not cover region pudong, 1 is at capacity", err.Error())
	p := classify(err)
	assert.Equal(t, http.StatusConflict, p.Status)
	assert.Equal(t, d.Summary(), p.Detail)
	assert.Len(t, history(t, h, "O-1", ""), 1, "nothing recorded")

	// Releasing L1 frees O-1.
	require.NoError(t, h.store.Tx(context.Background(), func(tx *sql.Tx) error {
		return h.srv.releaseCase(context.Background(), tx, "L1")
	}))
	spells = history(t, h, "O-1", "")
	require.Len(t, spells, 1)
	assert.False(t, spells[0].Open)
	require.NotNil(t, spells[0].To)
	d, err = assignAs(t, h, testCase("L2"))
	require.NoError(t, err)
	assert.Equal(t, "O-1", d.Officer)

	// A case the rules refuse.
	bad := testCase("L3")
	bad.Kind = 0
	_, err = assignAs(t, h, bad)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "case.kind", ve.Fields[0].Path)
}

func TestAssignCaseWithNoOfficers(t *testing.T) {
	h := creditHarness(t)
	_, err := assignAs(t, h, testCase("L1"))
	assert.ErrorIs(t, err, ErrConflict)
	assert.Equal(t, "no officer is registered", err.Error())
}

// TestAssignCaseRollsBack shows that a rolled-back assignment leaves neither history nor
// load, and that the matcher cached by the rolled-back transaction is not used.
func TestAssignCaseRollsBack(t *testing.T) {
	h := creditHarness(t)
	createOfficer(t, h, "O-1", map[string]string{"capacity": `1`})
	ctx := perm.WithActor(context.Background(), perm.Admin("sup", ""))
	boom := errors.New("the caller fails later")
	err := h.store.Tx(ctx, func(tx *sql.Tx) error {
		d, err := h.srv.assignCase(ctx, tx, testCase("L1"))
		require.NoError(t, err)
		require.Equal(t, "O-1", d.Officer)
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.Empty(t, history(t, h, "O-1", ""))
	d, err := assignAs(t, h, testCase("L2"))
	require.NoError(t, err, "O-1 still has room")
	assert.Equal(t, "O-1", d.Officer)
}

func TestAssignmentPlan(t *testing.T) {
	h := creditHarness(t)
	createOfficer(t, h, "O-1", map[string]string{"capacity": `2`})
	createOfficer(t, h, "O-2", map[string]string{"capacity": `1`, "kinds": `["individual"]`, "skills": `[]`})
	cases := `[{"application_id":"L1","region":"pudong","kind":"individual","amount":"100000","term_months":12,"product":"consumer"},
		{"application_id":"L2","region":"pudong","kind":"individual","amount":"100000","term_months":12,"product":"consumer","priority":true},
		{"application_id":"L3","region":"pudong","kind":"enterprise","amount":"100000","term_months":12,"product":"working_capital"},
		{"application_id":"L4","region":"pudong","kind":"individual","amount":"100000","term_months":12,"product":"consumer"}]`

	r := h.sendWith(t, http.MethodPost, "/v1/assignments/plan", `{"cases":`+cases+`}`)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	dry := decodeAs[planView](t, r)
	assert.False(t, dry.Applied)
	assert.Len(t, dry.Plan.Assignments, 3, "three places for four cases")
	require.Len(t, dry.Plan.Unassigned, 1)
	assert.NotEqual(t, "L2", dry.Plan.Unassigned[0].Case, "the priority case is served")
	assert.Zero(t, rowCount(t, h.store, "assignments"), "a dry run records nothing")

	r = h.sendWith(t, http.MethodPost, "/v1/assignments/plan", `{"cases":`+cases+`,"apply":true,"reason":"Monday batch"}`)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	applied := decodeAs[planView](t, r)
	assert.True(t, applied.Applied)
	assert.Equal(t, dry.Plan.Assignments, applied.Plan.Assignments, "the same plan")
	assert.Equal(t, 3, rowCount(t, h.store, "assignments"))
	for _, a := range applied.Plan.Assignments {
		spells := history(t, h, a.Officer, "?open=true")
		var found bool
		for _, sp := range spells {
			if sp.Application == a.Case {
				found = true
				assert.Equal(t, "Monday batch", sp.Reason)
			}
		}
		assert.True(t, found, a.Case)
	}
	// Everyone is full now: the same batch places nothing new.
	r = h.sendWith(t, http.MethodPost, "/v1/assignments/plan", `{"cases":[{"application_id":"L9","region":"pudong","kind":"individual","amount":"1","product":"consumer"}]}`)
	require.Equal(t, http.StatusOK, r.status)
	assert.Empty(t, decodeAs[planView](t, r).Plan.Assignments)
}

func TestAssignmentPlanRefused(t *testing.T) {
	h := creditHarness(t)
	createOfficer(t, h, "O-1", nil)
	ok := `{"application_id":"L1","kind":"individual","amount":"1000","product":"consumer"}`
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantPaths  []string
	}{
		{"no cases", `{"cases":[]}`, 422, []string{"cases"}},
		{"no application", `{"cases":[{"kind":"individual","amount":"1","product":"consumer"}]}`, 422, []string{"cases[0].application_id"}},
		{"repeated application", `{"cases":[` + ok + `,` + ok + `]}`, 422, []string{"cases[1].application_id"}},
		{"unknown kind", `{"cases":[{"application_id":"L1","kind":"x","amount":"1","product":"consumer"}]}`, 422, []string{"cases[0].kind"}},
		{"no product", `{"cases":[{"application_id":"L1","kind":"individual","amount":"1"}]}`, 422, []string{"cases[0].product"}},
		{"negative amount", `{"cases":[{"application_id":"L1","kind":"individual","amount":"-1","product":"consumer"}]}`, 422, []string{"cases[0].amount"}},
		{"negative term", `{"cases":[{"application_id":"L1","kind":"individual","amount":"1","term_months":-1,"product":"consumer"}]}`, 422, []string{"cases[0].term_months"}},
		{"negative spread", `{"cases":[` + ok + `],"max_load_spread":-1}`, 422, []string{"max_load_spread"}},
		{"too many", `{"cases":[` + strings.Repeat(ok+",", 1000) + ok + `]}`, 422, []string{"cases"}},
		{"unknown field", `{"cases":[` + ok + `],"dry_run":true}`, 400, nil},
		{"apply a string", `{"cases":[` + ok + `],"apply":"yes"}`, 422, []string{"apply"}},
		{"malformed", `{"cases":[`, 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.sendWith(t, http.MethodPost, "/v1/assignments/plan", tt.body)
			require.Equal(t, tt.wantStatus, r.status, string(r.body))
			p := problemOf(t, r)
			var paths []string
			for _, f := range p.Errors {
				paths = append(paths, f.Path)
			}
			for _, want := range tt.wantPaths {
				assert.Contains(t, paths, want)
			}
		})
	}
	// An applied plan that is refused records nothing either.
	r := h.sendWith(t, http.MethodPost, "/v1/assignments/plan", `{"apply":true,"cases":[`+ok+`,`+ok+`]}`)
	assert.Equal(t, http.StatusUnprocessableEntity, r.status)
	assert.Zero(t, rowCount(t, h.store, "assignments"))
}

func TestReassign(t *testing.T) {
	h := creditHarness(t)
	createOfficer(t, h, "O-1", nil)
	for _, id := range []string{"L1", "L2"} {
		d, err := assignAs(t, h, testCase(id))
		require.NoError(t, err)
		require.Equal(t, "O-1", d.Officer)
	}
	createOfficer(t, h, "O-2", map[string]string{"capacity": `1`})
	createOfficer(t, h, "O-3", map[string]string{"regions": `["huangpu"]`})
	// O-2 may take one case; O-3 covers another region.
	r := h.sendWith(t, http.MethodPost, "/v1/officers/O-1/reassign", `{"dry_run":true}`)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	dry := decodeAs[planView](t, r)
	assert.False(t, dry.Applied)
	assert.Len(t, dry.Plan.Assignments, 1)
	assert.Len(t, history(t, h, "O-1", "?open=true"), 2, "a dry run moves nothing")

	r = h.sendWith(t, http.MethodPost, "/v1/officers/O-1/reassign", "")
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	out := decodeAs[planView](t, r)
	assert.True(t, out.Applied)
	assert.Equal(t, "O-1", out.Officer)
	assert.Equal(t, "reassigned from O-1", out.Reason)
	require.Len(t, out.Plan.Assignments, 1)
	movedCase := out.Plan.Assignments[0].Case
	assert.Equal(t, "O-2", out.Plan.Assignments[0].Officer)
	require.Len(t, out.Plan.Unassigned, 1)

	o1 := history(t, h, "O-1", "")
	require.Len(t, o1, 2)
	for _, sp := range o1 {
		assert.Equal(t, sp.Application != movedCase, sp.Open, sp.Application)
	}
	o2 := history(t, h, "O-2", "?open=true")
	require.Len(t, o2, 1)
	assert.Equal(t, movedCase, o2[0].Application)
	assert.Equal(t, "reassigned from O-1", o2[0].Reason)

	// Who owned the moved case an instant before the move, and at it.
	before := history(t, h, "O-1", "?at="+creditNow.Add(-1).Format("2006-01-02T15:04:05.999999999Z07:00"))
	assert.Empty(t, before, "nothing was owned before the clock's now")
	at := history(t, h, "O-2", "?at="+creditNow.Format("2006-01-02T15:04:05Z07:00"))
	require.Len(t, at, 1)

	for _, tt := range []struct {
		path, body string
		want       int
	}{
		{"/v1/officers/O-9/reassign", "", 404},
		{"/v1/officers/O-1/reassign", `{"same_branch_bonus":-1}`, 422},
		{"/v1/officers/O-1/reassign", `{"max_load_spread":-1}`, 422},
		{"/v1/officers/O-1/reassign", `{"force":true}`, 400},
	} {
		r := h.sendWith(t, http.MethodPost, tt.path, tt.body)
		assert.Equal(t, tt.want, r.status, "%s %s: %s", tt.path, tt.body, r.body)
	}
	for _, q := range []string{"?open=maybe", "?at=yesterday", "?limit=0", "?cursor=x", "?officer=O-2"} {
		r := h.get(t, "/v1/officers/O-1/assignments"+q)
		assert.Equal(t, http.StatusBadRequest, r.status, q)
	}
	r = h.get(t, "/v1/officers/O-9/assignments")
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, 3, rowCount(t, h.store, "assignments"), "the refused requests recorded nothing")
}

// TestTwoServersShareTheOfficers runs two servers on one database: officers created and
// changed through one are matched by the other, whose matcher was built before.
func TestTwoServersShareTheOfficers(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			a, b := twoServers(t, db.DSN)
			_, err := assignAs(t, b, testCase("L0"))
			require.ErrorIs(t, err, ErrConflict, "nobody yet")

			createOfficer(t, a, "O-1", map[string]string{"capacity": `1`})
			r := b.get(t, "/v1/officers/O-1")
			require.Equal(t, http.StatusOK, r.status)

			d, err := assignAs(t, b, testCase("L1"))
			require.NoError(t, err)
			assert.Equal(t, "O-1", d.Officer)
			r = a.get(t, "/v1/officers/O-1")
			assert.Equal(t, 1, decodeAs[officerView](t, r).Load, "assigned through b, read through a")

			// a sees b's assignment: O-1 is full for a too.
			_, err = assignAs(t, a, testCase("L2"))
			require.ErrorIs(t, err, ErrConflict)

			// Raise the capacity through a; b uses it.
			r = a.sendWith(t, http.MethodPatch, "/v1/officers/O-1", `{"capacity":2}`, "If-Match", `"1"`)
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			d, err = assignAs(t, b, testCase("L2"))
			require.NoError(t, err)
			assert.Equal(t, "O-1", d.Officer)

			r = b.sendWith(t, http.MethodPost, "/v1/assignments/plan",
				`{"cases":[{"application_id":"L3","region":"pudong","kind":"individual","amount":"1","product":"consumer"}]}`)
			require.Equal(t, http.StatusOK, r.status)
			assert.Empty(t, decodeAs[planView](t, r).Plan.Assignments, "b's dry run sees O-1 full")
		})
	}
}

func TestOfficerViewJSON(t *testing.T) {
	h := creditHarness(t)
	createOfficer(t, h, "O-1", map[string]string{"leave": `[{"from":"2026-12-01","to":"2026-12-03"}]`, "linked": `["1100000009"]`})
	r := h.get(t, "/v1/officers/O-1")
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(r.body, &raw))
	assert.JSONEq(t, `"10000000"`, string(raw["authority"]), "money is a string")
	assert.JSONEq(t, `[{"from":"2026-12-01","to":"2026-12-03"}]`, string(raw["leave"]))
	assert.JSONEq(t, `["1100000009"]`, string(raw["linked"]))
	assert.JSONEq(t, `["individual","enterprise"]`, string(raw["kinds"]))
}

// TestConcurrentAssignmentsKeepCapacity assigns many cases at once through two servers on
// one database to an officer with room for three: exactly three are assigned.
func TestConcurrentAssignmentsKeepCapacity(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			a, b := twoServers(t, db.DSN)
			createOfficer(t, a, "O-1", map[string]string{"capacity": `3`})
			const n = 10
			errs := make(chan error, n)
			for i := range n {
				h := a
				if i%2 == 1 {
					h = b
				}
				go func() {
					_, err := assignAs(t, h, testCase(fmt.Sprintf("L%d", i)))
					errs <- err
				}()
			}
			var assigned, full int
			for range n {
				err := <-errs
				switch {
				case err == nil:
					assigned++
				case errors.Is(err, ErrConflict):
					full++
				default:
					t.Error(err)
				}
			}
			assert.Equal(t, 3, assigned)
			assert.Equal(t, n-3, full)
			r := b.get(t, "/v1/officers/O-1")
			assert.Equal(t, 3, decodeAs[officerView](t, r).Load)
		})
	}
}
