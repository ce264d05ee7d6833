package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/server/audit"
)

// This file tests the security layer on the loan applications and the portfolio (issue 9
// §3, §4): applications follow their customer's data scope, every application write is on
// the audit trail, and analytics are computed over the caller's scope only.

// appScopeFixture is setupScope's bank with one application per customer, opened by the
// bank's admin: the person's and the company's (branch 1, officer o1), the outsider's
// (branch 2, officer o2) and the unplaced customer's.
type appScopeFixture struct {
	scopeFixture
	apps    map[string]appJSON // customer number → its application
	missing response           // GET of an application that does not exist, as the root admin
}

func setupAppScope(t *testing.T, h *harness) appScopeFixture {
	t.Helper()
	f := appScopeFixture{scopeFixture: setupScope(t, h), apps: map[string]appJSON{}}
	admin := h.as("boss/admin")
	for _, number := range []string{f.person, f.outsider, f.unplaced} {
		f.apps[number] = openApplication(t, admin, number, "consumer", "200000")
	}
	f.apps[f.company] = openApplication(t, admin, f.company, "working_capital", "300000")
	f.missing = h.scoped("boss", "admin", 1).get(t, "/v1/applications/L9999999999")
	require.Equal(t, http.StatusNotFound, f.missing.status)
	return f
}

// listIDs pages through GET /v1/applications (query q, pages of two) as c and returns the
// IDs, sorted.
func listIDs(t *testing.T, c scoped, q string) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for range 20 {
		path := "/v1/applications?limit=2" + q
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := c.get(t, path)
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		var page struct {
			Items      []appJSON `json:"items"`
			NextCursor string    `json:"next_cursor"`
		}
		require.NoError(t, json.Unmarshal(r.body, &page))
		for _, a := range page.Items {
			ids = append(ids, a.ID)
		}
		if page.NextCursor == "" {
			sort.Strings(ids)
			return ids
		}
		require.NotEmpty(t, page.Items, "a page before the last is never empty")
		cursor = page.NextCursor
	}
	t.Fatal("too many pages")
	return nil
}

func (f appScopeFixture) ids(numbers ...string) []string {
	var out []string
	for _, n := range numbers {
		out = append(out, f.apps[n].ID)
	}
	sort.Strings(out)
	return out
}

// TestApplicationScope: an application belongs to its customer's scope. Outside it, GET
// and every command answer 404 with the words of a missing application (and change
// nothing), lists leave it out (pages stay full), and opening an application for a
// customer outside the scope is refused like one for a customer that does not exist. An
// officer sees the applications of their customers and the cases assigned to them.
func TestApplicationScope(t *testing.T) {
	for name, h := range harnesses(t, Config{Now: creditClock, Authenticator: scopeAuth{}}) {
		t.Run(name, func(t *testing.T) {
			f := setupAppScope(t, h)
			same404 := func(t *testing.T, r response) {
				t.Helper()
				require.Equal(t, http.StatusNotFound, r.status, string(r.body))
				p, m := problemOf(t, r), problemOf(t, f.missing)
				assert.Equal(t, m.Type, p.Type)
				assert.Equal(t, m.Title, p.Title)
				assert.Equal(t, m.Detail, p.Detail, "the same words as a missing one")
			}
			visible := map[string]struct {
				actor scoped
				sees  []string // customer numbers whose applications the actor sees
			}{
				"root auditor":         {h.scoped("aud0", "auditor", 1), []string{f.person, f.company, f.outsider, f.unplaced}},
				"branch auditor":       {h.scoped("aud1", "auditor", f.branch), []string{f.person, f.company}},
				"group auditor":        {h.scoped("aud3", "auditor", f.group), []string{f.company}},
				"other branch auditor": {h.scoped("aud2", "auditor", f.branch2), []string{f.outsider}},
				"officer o1":           {h.scoped("o1", "officer", f.branch), []string{f.person, f.company}},
				"officer o2 at root":   {h.scoped("o2", "officer", 1), []string{f.outsider}},
				"branch approver":      {h.scoped("a1", "approver", f.branch), []string{f.person, f.company}},
			}
			all := []string{f.person, f.company, f.outsider, f.unplaced}
			for who, v := range visible {
				t.Run(who, func(t *testing.T) {
					sees := map[string]bool{}
					for _, n := range v.sees {
						sees[n] = true
					}
					for _, n := range all {
						r := v.actor.get(t, "/v1/applications/"+f.apps[n].ID)
						if sees[n] {
							require.Equal(t, http.StatusOK, r.status, string(r.body))
							continue
						}
						same404(t, r)
					}
					assert.Equal(t, f.ids(v.sees...), listIDs(t, v.actor, ""))
					assert.Equal(t, f.ids(v.sees...), listIDs(t, v.actor, "&status=draft"))
					// Asking for an outside customer's applications by name finds none.
					if !sees[f.outsider] {
						assert.Empty(t, listIDs(t, v.actor, "&customer="+f.outsider))
					}
				})
			}

			t.Run("commands outside the scope", func(t *testing.T) {
				before := h.tableCounts(t)
				records := len(auditRecords(t, h, audit.Filter{EntityType: "application"}))
				app := f.apps[f.person]
				o2 := h.scoped("o2", "officer", 1)
				same404(t, o2.send(t, http.MethodPost, "/v1/applications/"+app.ID+"/documents",
					`{"action":"receive","kind":"application_form","reference":"dms://x"}`, "If-Match", `"1"`))
				same404(t, o2.send(t, http.MethodPost, "/v1/applications/"+app.ID+"/withdraw", "", "If-Match", `"1"`))
				// A stale If-Match does not tell an outside application from a missing one.
				same404(t, o2.send(t, http.MethodPost, "/v1/applications/"+app.ID+"/submit", "", "If-Match", `"7"`))
				same404(t, h.scoped("a2", "approver", f.branch2).send(t, http.MethodPost, "/v1/applications/"+app.ID+"/decisions",
					`{"stage":1,"verdict":"reject","comment":"不同意"}`, "If-Match", `"1"`))
				assert.Equal(t, before, h.tableCounts(t))
				assert.Len(t, auditRecords(t, h, audit.Filter{EntityType: "application"}), records)
			})

			t.Run("opening an application for a customer outside the scope", func(t *testing.T) {
				before := h.tableCounts(t)
				body := func(number string) string {
					return fmt.Sprintf(`{"customer":%q,"product":"consumer","amount":"100000","term_months":12,
						"purpose":"装修","repayment":"equal_instalments","security":"none"}`, number)
				}
				o1 := h.scoped("o1", "officer", f.branch)
				never, err := customer.NewNumber(customer.KindIndividual, 987654)
				require.NoError(t, err)
				nobody := o1.post(t, "/v1/applications", body(never.String()))
				require.Equal(t, http.StatusUnprocessableEntity, nobody.status, string(nobody.body))
				for _, number := range []string{f.outsider, f.unplaced} {
					r := o1.post(t, "/v1/applications", body(number))
					require.Equal(t, nobody.status, r.status, string(r.body))
					p, m := problemOf(t, r), problemOf(t, nobody)
					m.RequestID, p.RequestID = "", ""
					assert.Equal(t, m, p, "the answer for a customer that does not exist")
				}
				assert.Equal(t, before, h.tableCounts(t))
				// Inside the scope it is opened, by the officer as maker.
				r := o1.post(t, "/v1/applications", body(f.person))
				require.Equal(t, http.StatusCreated, r.status, string(r.body))
				assert.Equal(t, "o1", decodeApp(t, r).Maker)
			})

			t.Run("an officer sees the cases assigned to them", func(t *testing.T) {
				app := prepare(t, h, h.as("boss/admin"), f.apps[f.person], goodPersonFacts)
				require.Equal(t, "o1", app.Officer)
				// The person's relationship moves to o2; o1 keeps the case it reviews.
				root := h.scoped("boss", "admin", 1)
				r := root.get(t, "/v1/customers/"+f.person)
				require.Equal(t, http.StatusOK, r.status, string(r.body))
				r = root.send(t, http.MethodPatch, "/v1/customers/"+f.person, `{"officer":"o2"}`,
					"If-Match", r.header.Get("ETag"), "Content-Type", "application/merge-patch+json")
				require.Equal(t, http.StatusOK, r.status, string(r.body))

				o1 := h.scoped("o1", "officer", f.branch)
				require.Equal(t, http.StatusOK, o1.get(t, "/v1/applications/"+app.ID).status, "the assigned officer")
				assert.Contains(t, listIDs(t, o1, ""), app.ID)
				o2 := h.scoped("o2", "officer", 1)
				require.Equal(t, http.StatusOK, o2.get(t, "/v1/applications/"+app.ID).status, "the customer's officer")
				assert.Contains(t, listIDs(t, o2, ""), app.ID)
				// Bound to the other branch, o2 does not see it: the subtree comes first.
				same404(t, h.scoped("o2", "officer", f.branch2).get(t, "/v1/applications/"+app.ID))
				// o3 is neither.
				same404(t, h.scoped("o3", "officer", f.branch).get(t, "/v1/applications/"+app.ID))
				assert.NotContains(t, listIDs(t, h.scoped("o3", "officer", f.branch), ""), app.ID)
			})
		})
	}
}

// TestApplicationAudit: every application write appends one audit record in its own
// transaction — the action, the actor and role who did it, the application before and
// after — and an assess also records the assessment it stored. A refused command appends
// nothing. The chain verifies.
func TestApplicationAudit(t *testing.T) {
	for name, h := range harnesses(t, Config{Authenticator: headerAuth{}}) {
		t.Run(name, func(t *testing.T) {
			f := setupBank(t, h, "50000000")
			maker := h.as("m1/officer")
			a := prepare(t, h, maker, openApplication(t, maker, f.person, "consumer", "200000"), goodPersonFacts)
			r := h.as("a1/approver").send(t, http.MethodPost, "/v1/applications/"+a.ID+"/decisions", `{"stage":1,"verdict":"approve","comment":"同意"}`, a.Version-1)
			require.Equal(t, http.StatusPreconditionFailed, r.status, "a stale version is refused")
			a = h.as("a1/approver").command(t, a.ID, "decisions", `{"stage":1,"verdict":"approve","comment":"同意"}`, a.Version)
			require.Equal(t, "approved", a.Status)

			recs := auditRecords(t, h, audit.Filter{EntityType: "application", EntityID: a.ID})
			require.Len(t, recs, int(a.Version), "one record per write, none for the refused one")
			r = h.as("boss/admin").get(t, "/v1/applications/"+a.ID)
			require.Equal(t, http.StatusOK, r.status)
			full := decodeApp(t, r)
			require.Len(t, full.History, len(recs))
			actions := map[string]string{"create": "application.create", "receive_document": "application.document.receive",
				"verify_document": "application.document.verify", "submit": "application.submit", "assess": "application.assess",
				"assign": "application.assign", "start_review": "application.review", "approve": "application.approve"}
			var prevAfter json.RawMessage
			for i, rec := range recs {
				ev := full.History[i]
				assert.Equal(t, actions[ev.Action], rec.Action, "record %d", i)
				assert.Equal(t, ev.Actor, rec.Actor, "record %d", i)
				assert.Equal(t, "application", rec.EntityType)
				assert.Equal(t, a.ID, rec.EntityID)
				var after struct {
					Version int64  `json:"version"`
					Status  string `json:"status"`
				}
				require.NoError(t, json.Unmarshal(rec.After, &after))
				assert.Equal(t, ev.Version, after.Version)
				assert.Equal(t, ev.To, after.Status)
				if i == 0 {
					assert.Equal(t, "null", string(rec.Before), "a creation has no before")
				} else {
					assert.JSONEq(t, string(prevAfter), string(rec.Before), "record %d starts where the previous one ended", i)
				}
				prevAfter = rec.After
			}
			assert.Equal(t, "m1", recs[0].Actor)
			assert.Equal(t, "officer", recs[0].Role)
			last := recs[len(recs)-1]
			assert.Equal(t, "a1", last.Actor)
			assert.Equal(t, "approver", last.Role)
			assert.Contains(t, string(last.After), `"approved_amount":"200000"`)
			assert.NotContains(t, string(last.After), "经营", "free texts stay out of the trail")

			// The assessment the assess command stored is on record too, by its maker.
			var assessment string
			for _, ev := range full.History {
				if ev.Action == "assess" {
					assessment = ev.Details["assessment"]
				}
			}
			require.NotEmpty(t, assessment)
			ar := auditRecords(t, h, audit.Filter{EntityType: "assessment", EntityID: assessment})
			require.Len(t, ar, 1)
			assert.Equal(t, "assessment.create", ar[0].Action)
			assert.Equal(t, "o1", ar[0].Actor)
			assert.Contains(t, string(ar[0].After), f.person)

			verifyTrail(t, h)
		})
	}
}

// TestPortfolioScope: the portfolio is computed over the caller's scope only. A branch
// analyst gets the branch's customers, grades, exposure, groups, applications and
// officers, equal to the figures computed by hand from what was written there; the other
// branch's analyst gets the rest; the bank's analyst gets everything.
func TestPortfolioScope(t *testing.T) {
	for name, h := range harnesses(t, Config{Now: creditClock, Authenticator: scopeAuth{}}) {
		t.Run(name, func(t *testing.T) {
			f := setupAppScope(t, h)
			admin := h.as("boss/admin")
			// Branch 1: the person's application approved, the company's left a draft.
			app := prepare(t, h, admin, f.apps[f.person], goodPersonFacts)
			app = h.as("a1/approver").command(t, app.ID, "decisions", `{"stage":1,"verdict":"approve","comment":"同意"}`, app.Version)
			require.Equal(t, "approved", app.Status)
			approved, err := decimal.NewFromString(app.ApprovedAmount)
			require.NoError(t, err)
			// Branch 2: the outsider assessed, its application withdrawn.
			require.Equal(t, http.StatusCreated, assessAs(t, h.scoped("boss", "admin", 1), f.outsider).status)
			out := f.apps[f.outsider]
			h.as("boss/admin").command(t, out.ID, "withdraw", `{"comment":"客户另有安排"}`, out.Version)

			portfolio := func(c scoped) portfolioJSON {
				t.Helper()
				r := c.get(t, "/v1/analytics/portfolio")
				require.Equal(t, http.StatusOK, r.status, string(r.body))
				var p portfolioJSON
				require.NoError(t, json.Unmarshal(r.body, &p), string(r.body))
				return p
			}
			bank := portfolio(h.scoped("risk0", "analyst", 1))
			branch := portfolio(h.scoped("risk1", "analyst", f.branch))
			other := portfolio(h.scoped("risk2", "analyst", f.branch2))

			// The bank: four customers, four applications.
			assert.Equal(t, 4, bank.Customers.Total)
			assert.Equal(t, 4, bank.Applications.Total)
			assert.Equal(t, 2, bank.Grades.Assessed)

			// Branch 1, by hand: the person and the company; one approved application of
			// the approved amount, one draft; the person assessed; the person's exposure;
			// the group with its limit; officer o1 with the approved case.
			assert.Equal(t, 2, branch.Customers.Total)
			assert.Equal(t, map[string]int{"individual": 1, "enterprise": 1}, branch.Customers.ByKind)
			assert.Equal(t, 2, branch.Applications.Total)
			assert.Equal(t, 1, branch.Applications.Approved)
			assert.Equal(t, 1, branch.Applications.ByStatus["draft"])
			assert.Zero(t, branch.Applications.ByStatus["withdrawn"])
			assert.Equal(t, approved.String(), branch.Applications.ApprovedAmount)
			assert.Equal(t, 1, branch.Grades.Assessed)
			assert.Equal(t, approved.String(), branch.Exposure.Total)
			require.Len(t, branch.Exposure.TopGroups, 1)
			assert.Equal(t, f.group, branch.Exposure.TopGroups[0].Node)
			require.NotNil(t, branch.Exposure.TopGroups[0].Limit)
			require.Len(t, branch.Officers, 1)
			assert.Equal(t, "o1", branch.Officers[0].Officer)
			assert.Equal(t, 1, branch.Officers[0].Approved)

			// Branch 2: the outsider, its withdrawn application and its assessment only.
			assert.Equal(t, 1, other.Customers.Total)
			assert.Equal(t, 1, other.Applications.Total)
			assert.Equal(t, 1, other.Applications.ByStatus["withdrawn"])
			assert.Zero(t, other.Applications.Approved)
			assert.Equal(t, "0", other.Exposure.Total)
			assert.Equal(t, 1, other.Grades.Assessed)
			assert.Empty(t, other.Exposure.TopGroups)
			assert.Empty(t, other.Officers)
			for _, s := range other.ScoreStability {
				if s.Kind == "enterprise" {
					assert.Zero(t, s.Assessments)
				}
			}

			// The branches and the unplaced customer make up the bank.
			assert.Equal(t, bank.Customers.Total, branch.Customers.Total+other.Customers.Total+1)
			assert.Equal(t, bank.Applications.Total, branch.Applications.Total+other.Applications.Total+1)
			assert.Equal(t, bank.Exposure.Total, branch.Exposure.Total)

			// An officer's portfolio is their own customers': the branch's two, and of
			// the group only their customers' exposure, without its limit.
			o1 := portfolio(h.scoped("o1", "officer", 1))
			assert.Equal(t, 2, o1.Customers.Total)
			assert.Equal(t, 2, o1.Applications.Total)
			for _, g := range o1.Exposure.TopGroups {
				assert.Nil(t, g.Limit, "an officer's view of a group is partial")
			}
			o2 := portfolio(h.scoped("o2", "officer", 1))
			assert.Equal(t, 1, o2.Customers.Total)
			assert.Equal(t, 1, o2.Applications.Total)
		})
	}
}

// TestApplicationIdempotency: a POST repeated with its Idempotency-Key opens one
// application with one audit record, and the repeat gets the stored answer.
func TestApplicationIdempotency(t *testing.T) {
	for name, h := range harnesses(t, Config{Authenticator: headerAuth{}}) {
		t.Run(name, func(t *testing.T) {
			f := setupBank(t, h, "50000000")
			body := fmt.Sprintf(`{"customer":%q,"product":"consumer","amount":"100000","term_months":12,
				"purpose":"装修","repayment":"equal_instalments","security":"none"}`, f.person)
			post := func() response {
				req := httptest.NewRequest(http.MethodPost, "/v1/applications", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Test-Actor", "m1/officer")
				req.Header.Set(HeaderIdempotencyKey, "open-once-1")
				return h.do(t, req)
			}
			first := post()
			require.Equal(t, http.StatusCreated, first.status, string(first.body))
			again := post()
			require.Equal(t, http.StatusCreated, again.status, string(again.body))
			assert.Equal(t, "true", again.header.Get(HeaderIdempotentReplayed))
			assert.Equal(t, string(first.body), string(again.body))
			a := decodeApp(t, first)
			assert.Len(t, auditRecords(t, h, audit.Filter{EntityType: "application"}), 1)
			assert.Len(t, auditRecords(t, h, audit.Filter{EntityType: "application", EntityID: a.ID}), 1)
			assert.Equal(t, 1, h.tableCounts(t)["applications"])
		})
	}
}
