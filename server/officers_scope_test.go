package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/server/audit"
)

// planCase is a plan case for application app of customer number ("" for none), which
// setupBank's officer o1 can take.
func planCase(app, number string) string {
	return fmt.Sprintf(`{"application_id":%q,"customer_id":%q,"region":"北京市","kind":"individual","amount":"1000",
		"term_months":12,"product":"consumer"}`, app, number)
}

// applications returns the application IDs of spells.
func applications(spells []spellView) []string {
	out := make([]string, len(spells))
	for i, sp := range spells {
		out[i] = sp.Application
	}
	return out
}

// historyAs reads every page of an officer's assignment history as c, limit spells a
// page.
func historyAs(t *testing.T, c scoped, officer string, limit int) []spellView {
	t.Helper()
	var out []spellView
	cursor := ""
	for range 100 {
		path := fmt.Sprintf("/v1/officers/%s/assignments?limit=%d", officer, limit)
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		r := c.get(t, path)
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		page := decodeAs[spellList](t, r)
		assert.LessOrEqual(t, len(page.Items), limit)
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			return out
		}
		cursor = page.NextCursor
	}
	t.Fatal("the pages never end")
	return nil
}

// TestOfficerAudit: creating and changing an officer each leave one audit record with the
// officer before and after.
func TestOfficerAudit(t *testing.T) {
	for name, h := range harnesses(t, Config{Now: creditClock, Authenticator: scopeAuth{}}) {
		t.Run(name, func(t *testing.T) {
			admin := h.scoped("boss", "admin", 1)
			r := admin.post(t, "/v1/officers", officerBody("O-7", nil), "X-Request-ID", "req-o7")
			require.Equal(t, http.StatusCreated, r.status, string(r.body))
			recs := auditRecords(t, h, audit.Filter{EntityType: "officer", EntityID: "O-7"})
			require.Len(t, recs, 1)
			assert.Equal(t, "officer.create", recs[0].Action)
			assert.Equal(t, "boss", recs[0].Actor)
			assert.Equal(t, "req-o7", recs[0].RequestID)
			assert.JSONEq(t, "null", string(recs[0].Before))
			var after officerView
			require.NoError(t, json.Unmarshal(recs[0].After, &after))
			assert.Equal(t, int64(1), after.Version)
			assert.Equal(t, "王芳", after.Name)

			r = admin.send(t, http.MethodPatch, "/v1/officers/O-7", `{"capacity":12,"regions":["pudong","huangpu"]}`, "If-Match", `"1"`)
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			recs = auditRecords(t, h, audit.Filter{EntityType: "officer", EntityID: "O-7"})
			require.Len(t, recs, 2)
			assert.Equal(t, "officer.update", recs[1].Action)
			var before officerView
			require.NoError(t, json.Unmarshal(recs[1].Before, &before))
			require.NoError(t, json.Unmarshal(recs[1].After, &after))
			assert.Equal(t, int64(1), before.Version)
			assert.Equal(t, 10, before.Capacity)
			assert.Equal(t, []string{"pudong"}, before.Regions)
			assert.Equal(t, int64(2), after.Version)
			assert.Equal(t, 12, after.Capacity)
			assert.Equal(t, []string{"pudong", "huangpu"}, after.Regions)

			// Refused writes record nothing.
			n := len(auditRecords(t, h, audit.Filter{}))
			r = admin.send(t, http.MethodPatch, "/v1/officers/O-7", `{"capacity":13}`, "If-Match", `"1"`)
			require.Equal(t, http.StatusPreconditionFailed, r.status, string(r.body))
			r = admin.post(t, "/v1/officers", officerBody("O-7", nil))
			require.Equal(t, http.StatusConflict, r.status, string(r.body))
			assert.Len(t, auditRecords(t, h, audit.Filter{}), n)
			verifyTrail(t, h)
		})
	}
}

// TestAssignmentScope: officers are staff and every reader sees all of them, but their
// assignment history lists only the cases of customers the reader sees (also across
// pages); a portfolio move by an actor bound to a branch moves only that branch's cases;
// a batch plan by such an actor takes only stored applications it sees. Every move is
// recorded in the audit trail, one record per case.
func TestAssignmentScope(t *testing.T) {
	for name, h := range harnesses(t, Config{Now: creditClock, Authenticator: scopeAuth{}}) {
		t.Run(name, func(t *testing.T) {
			f := setupScope(t, h)
			root := h.scoped("boss", "admin", 1)
			cases := []string{planCase("X-in", f.person), planCase("X-grp", f.company), planCase("X-out", f.outsider),
				planCase("X-none", ""), planCase("X-unplaced", f.unplaced)}
			r := root.post(t, "/v1/assignments/plan", `{"apply":true,"reason":"batch","cases":[`+strings.Join(cases, ",")+`]}`,
				"X-Request-ID", "req-plan")
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			plan := decodeAs[planView](t, r)
			require.Len(t, plan.Plan.Assignments, 5, string(r.body))
			recs := auditRecords(t, h, audit.Filter{Action: "assignment.plan"})
			require.Len(t, recs, 5, "one record per placement")
			for _, rec := range recs {
				assert.Equal(t, "assignment", rec.EntityType)
				assert.Equal(t, "req-plan", rec.RequestID)
				assert.JSONEq(t, "null", string(rec.Before), "the cases had no owner")
				var sp spellView
				require.NoError(t, json.Unmarshal(rec.After, &sp))
				assert.Equal(t, rec.EntityID, sp.Application)
				assert.Equal(t, "o1", sp.Officer)
			}

			// Officers themselves are seen by every reader.
			for _, c := range []scoped{h.scoped("aud", "auditor", f.branch), h.scoped("o2", "officer", f.branch2)} {
				assert.Equal(t, http.StatusOK, c.get(t, "/v1/officers/o1").status, c.actor)
				r := c.get(t, "/v1/officers")
				require.Equal(t, http.StatusOK, r.status)
				assert.Len(t, decodeAs[officerList](t, r).Items, 8, c.actor)
			}

			all := []string{"X-in", "X-grp", "X-out", "X-none", "X-unplaced"}
			inside := []string{"X-in", "X-grp"}
			for _, tt := range []struct {
				who  scoped
				want []string
			}{
				{root, all},
				{h.scoped("aud", "auditor", 1), all},
				{h.scoped("aud", "auditor", f.branch), inside},
				{h.scoped("aud", "auditor", f.group), []string{"X-grp"}},
				{h.scoped("aud", "auditor", f.branch2), []string{"X-out"}},
				{h.scoped("o1", "officer", f.branch), inside},
				{h.scoped("o1", "officer", 1), inside}, // its own customers only
				{h.scoped("o2", "officer", 1), []string{"X-out"}},
				{h.scoped("o2", "officer", f.branch), nil},
			} {
				for _, limit := range []int{1, 2, 50} {
					got := applications(historyAs(t, tt.who, "o1", limit))
					assert.ElementsMatch(t, tt.want, got, "%s, limit %d", tt.who.actor, limit)
				}
			}

			// A plan by an actor bound to branch 1 takes only stored applications it sees:
			// unknown and outside ones are refused alike.
			inApp := openApplication(t, h.as("boss/admin"), f.person, "consumer", "150000")
			outApp := openApplication(t, h.as("boss/admin"), f.outsider, "consumer", "150000")
			branchAdmin := h.scoped("ba", "admin", f.branch)
			before := rowCount(t, h.store, "assignments")
			var unknown, outside Problem
			for _, tt := range []struct {
				app  string
				into *Problem
			}{{"L-NOPE", &unknown}, {outApp.ID, &outside}} {
				for _, apply := range []string{"false", "true"} {
					r := branchAdmin.post(t, "/v1/assignments/plan", `{"apply":`+apply+`,"cases":[`+planCase(tt.app, "")+`]}`)
					require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.body))
					*tt.into = problemOf(t, r)
				}
			}
			assert.Equal(t, unknown.Errors, outside.Errors)
			require.Len(t, outside.Errors, 1)
			assert.Equal(t, "cases[0].application_id", outside.Errors[0].Path)
			r = branchAdmin.post(t, "/v1/assignments/plan", `{"cases":[`+planCase(inApp.ID, f.outsider)+`]}`)
			require.Equal(t, http.StatusUnprocessableEntity, r.status, "the case's customer is the application's")
			assert.Equal(t, "cases[0].customer_id", problemOf(t, r).Errors[0].Path)
			assert.Equal(t, before, rowCount(t, h.store, "assignments"))
			r = branchAdmin.post(t, "/v1/assignments/plan", `{"apply":true,"cases":[`+planCase(inApp.ID, "")+`]}`)
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			require.Len(t, decodeAs[planView](t, r).Plan.Assignments, 1)
			got := applications(historyAs(t, h.scoped("aud", "auditor", f.branch), "o1", 50))
			assert.Contains(t, got, inApp.ID)
			for _, sp := range historyAs(t, root, "o1", 50) {
				if sp.Application == inApp.ID {
					assert.Equal(t, f.person, sp.Customer, "the application's customer")
				}
			}

			// A portfolio move by the branch's admin moves only the branch's cases.
			r = root.post(t, "/v1/officers", `{"id":"o3","name":"staff o3","branch":"BJ-CY","regions":["北京市"],
				"kinds":["individual","enterprise"],"authority":"50000000","capacity":10,"seniority_years":3}`)
			require.Equal(t, http.StatusCreated, r.status, string(r.body))
			r = branchAdmin.post(t, "/v1/officers/o1/reassign", `{"dry_run":true}`)
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			assert.NotContains(t, string(r.body), "X-out")
			assert.NotContains(t, string(r.body), "X-none")
			r = branchAdmin.post(t, "/v1/officers/o1/reassign", `{"reason":"o1 leaves"}`, "X-Request-ID", "req-move")
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			for _, hidden := range []string{"X-out", "X-none", "X-unplaced", f.outsider} {
				assert.NotContains(t, string(r.body), hidden)
			}
			movedPlan := decodeAs[planView](t, r)
			var moved []string
			for _, a := range movedPlan.Plan.Assignments {
				moved = append(moved, a.Case)
				assert.Equal(t, "o3", a.Officer)
			}
			assert.ElementsMatch(t, []string{"X-in", "X-grp", inApp.ID}, moved)
			var open []string
			for _, sp := range historyAs(t, root, "o1", 50) {
				if sp.Open {
					open = append(open, sp.Application)
				}
			}
			assert.ElementsMatch(t, []string{"X-out", "X-none", "X-unplaced"}, open, "outside cases stay")

			recs = auditRecords(t, h, audit.Filter{Action: "officer.reassign"})
			require.Len(t, recs, 3, "one record per moved case")
			for _, rec := range recs {
				assert.Equal(t, "ba", rec.Actor)
				assert.Equal(t, "req-move", rec.RequestID)
				var before, after spellView
				require.NoError(t, json.Unmarshal(rec.Before, &before))
				require.NoError(t, json.Unmarshal(rec.After, &after))
				assert.Equal(t, "o1", before.Officer)
				assert.False(t, before.Open)
				assert.Equal(t, "o3", after.Officer)
				assert.Equal(t, "o1 leaves", after.Reason)
				assert.Equal(t, rec.EntityID, after.Application)
			}
			verifyTrail(t, h)
		})
	}
}
