package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/server/store/storetest"
)

type linkJSON struct {
	From      string  `json:"from"`
	To        string  `json:"to"`
	Kind      string  `json:"kind"`
	Share     *string `json:"share"`
	CreatedBy string  `json:"created_by"`
}

type relatedJSON struct {
	Limit *string `json:"limit"`
	Items []struct {
		Customers []struct {
			Number   string `json:"number"`
			Exposure string `json:"exposure"`
		} `json:"customers"`
		Exposure        string `json:"exposure"`
		Common          int64  `json:"common"`
		UnderOneGroup   bool   `json:"under_one_group"`
		ShouldFormGroup bool   `json:"should_form_group"`
		Over            bool   `json:"over"`
		Excess          string `json:"excess"`
	} `json:"items"`
}

func (c csClient) links(t *testing.T, number string) []linkJSON {
	t.Helper()
	r := c.get(t, "/v1/customers/"+number+"/links")
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var v struct{ Items []linkJSON }
	require.NoError(t, json.Unmarshal(r.body, &v))
	return v.Items
}

func (c csClient) related(t *testing.T, query string) relatedJSON {
	t.Helper()
	r := c.get(t, "/v1/tree/related"+query)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var v relatedJSON
	require.NoError(t, json.Unmarshal(r.body, &v))
	return v
}

func (c csClient) putLink(t *testing.T, from, body string) response {
	t.Helper()
	return c.do(t, http.MethodPut, "/v1/customers/"+from+"/links", body)
}

func fieldsOf(t *testing.T, r response) []string {
	t.Helper()
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.body))
	var p Problem
	require.NoError(t, json.Unmarshal(r.body, &p))
	var out []string
	for _, f := range p.Errors {
		out = append(out, f.Path+":"+f.Rule)
	}
	return out
}

// setExposure raises a customer's exposure straight in the database, as a drawn loan would.
func setExposure(t *testing.T, h *harness, number, amount string) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, h.store.Tx(ctx, func(tx *sql.Tx) error {
		return h.srv.addExposure(ctx, tx, number, decimal.RequireFromString(amount))
	}))
}

func TestLinksOverHTTP(t *testing.T) {
	for name, h := range harnesses(t, Config{Authenticator: csAuth{}}) {
		t.Run(name, func(t *testing.T) {
			f := setupCS(t, h)
			admin := f.admin

			// Create, then replace (a new control share).
			r := admin.putLink(t, f.pA, `{"to":"`+f.cA+`","kind":"control","share":"0.6"}`)
			require.Equal(t, http.StatusCreated, r.status, string(r.body))
			r = admin.putLink(t, f.pA, `{"to":"`+f.cA+`","kind":"control","share":0.75}`)
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			// A symmetric link is stored in canonical order whichever end writes it.
			r = admin.putLink(t, f.pG, `{"to":"`+f.pA+`","kind":"same_controller"}`)
			require.Equal(t, http.StatusCreated, r.status, string(r.body))
			r = admin.putLink(t, f.pA, `{"to":"`+f.pG+`","kind":"same_controller","share":"0"}`)
			require.Equal(t, http.StatusOK, r.status, string(r.body))

			ls := admin.links(t, f.pA)
			require.Len(t, ls, 2)
			assert.Equal(t, "control", ls[0].Kind)
			assert.Equal(t, f.pA, ls[0].From)
			assert.Equal(t, f.cA, ls[0].To)
			require.NotNil(t, ls[0].Share)
			assert.Equal(t, "0.75", *ls[0].Share)
			assert.Equal(t, "boss", ls[0].CreatedBy)
			assert.Equal(t, "same_controller", ls[1].Kind)
			assert.Nil(t, ls[1].Share)
			assert.Len(t, admin.links(t, f.cA), 1)

			// Bad input: every field problem at once, or a 400/404.
			assert.Equal(t, []string{"to:nefield"}, fieldsOf(t, admin.putLink(t, f.pA, `{"to":"`+f.pA+`","kind":"key_management"}`)))
			assert.Equal(t, []string{"to:required", "kind:oneof"}, fieldsOf(t, admin.putLink(t, f.pA, `{"kind":"owner"}`)))
			assert.Equal(t, []string{"share:required"}, fieldsOf(t, admin.putLink(t, f.pA, `{"to":"`+f.cA+`","kind":"control"}`)))
			assert.Equal(t, []string{"share:range"}, fieldsOf(t, admin.putLink(t, f.pA, `{"to":"`+f.cA+`","kind":"control","share":"0.4"}`)))
			assert.Equal(t, []string{"share:excluded"}, fieldsOf(t, admin.putLink(t, f.pA, `{"to":"`+f.cA+`","kind":"mutual_guarantee","share":"0.5"}`)))
			assert.Equal(t, []string{"to:placed"}, fieldsOf(t, admin.putLink(t, f.pA, `{"to":"`+f.unplaced+`","kind":"mutual_guarantee"}`)))
			assert.Equal(t, []string{"number:placed"}, fieldsOf(t, admin.putLink(t, f.unplaced, `{"to":"`+f.pA+`","kind":"mutual_guarantee"}`)))
			assert.Equal(t, http.StatusBadRequest, admin.putLink(t, f.pA, `{"to":"`+f.cA+`","kind":"control","share":"0.6","x":1}`).status)
			missing := admin.get(t, "/v1/customers/"+f.missing)
			csNotFoundLike(t, missing, admin.putLink(t, f.pA, `{"to":"`+f.missing+`","kind":"mutual_guarantee"}`))
			csNotFoundLike(t, missing, admin.putLink(t, f.pA, `{"to":"nonsense","kind":"mutual_guarantee"}`))
			csNotFoundLike(t, missing, admin.get(t, "/v1/customers/"+f.missing+"/links"))

			// Scope: a branch-A admin neither writes nor sees links to branch B's customer.
			csNotFoundLike(t, missing, f.branchAdmin.putLink(t, f.pA, `{"to":"`+f.pB+`","kind":"mutual_guarantee"}`))
			r = admin.putLink(t, f.pA, `{"to":"`+f.pB+`","kind":"mutual_guarantee"}`)
			require.Equal(t, http.StatusCreated, r.status, string(r.body))
			assert.Len(t, admin.links(t, f.pA), 3)
			assert.Len(t, f.branch.links(t, f.pA), 2, "the link to a customer outside the scope is left out")
			csNotFoundLike(t, missing, f.branch.get(t, "/v1/customers/"+f.pB+"/links"))
			csNotFoundLike(t, missing, f.branchAdmin.do(t, http.MethodDelete, "/v1/customers/"+f.pA+"/links/"+f.pB+"/mutual_guarantee", ""))

			// The connected-groups report: one group of four, across branches.
			setExposure(t, h, f.pA, "300000")
			setExposure(t, h, f.cA, "500000")
			setExposure(t, h, f.pB, "250000.50")
			rep := admin.related(t, "?limit=1000000")
			require.NotNil(t, rep.Limit)
			assert.Equal(t, "1000000.00", *rep.Limit)
			require.Len(t, rep.Items, 1)
			g := rep.Items[0]
			assert.Len(t, g.Customers, 4)
			assert.Equal(t, "1050000.50", g.Exposure)
			assert.True(t, g.Over)
			assert.Equal(t, "50000.50", g.Excess)
			assert.Equal(t, int64(1), g.Common)
			assert.False(t, g.UnderOneGroup)
			assert.True(t, g.ShouldFormGroup)
			assert.Empty(t, f.branch.related(t, "?limit=1000000").Items, "a group with a member outside the scope is left out")
			unmeasured := admin.related(t, "")
			assert.Nil(t, unmeasured.Limit)
			require.Len(t, unmeasured.Items, 1)
			assert.False(t, unmeasured.Items[0].Over)
			assert.Equal(t, []string{"limit:min"}, fieldsOf(t, admin.get(t, "/v1/tree/related?limit=-1")))
			assert.Equal(t, []string{"limit:type"}, fieldsOf(t, admin.get(t, "/v1/tree/related?limit=abc")))
			assert.Equal(t, http.StatusBadRequest, admin.get(t, "/v1/tree/related?foo=1").status)

			// Delete through the other end's URL; then the group of three is inside branch A.
			r = admin.do(t, http.MethodDelete, "/v1/customers/"+f.pB+"/links/"+f.pA+"/mutual_guarantee", "")
			require.Equal(t, http.StatusNoContent, r.status, string(r.body))
			assert.Equal(t, http.StatusNotFound, admin.do(t, http.MethodDelete, "/v1/customers/"+f.pB+"/links/"+f.pA+"/mutual_guarantee", "").status)
			assert.Equal(t, http.StatusNotFound, admin.do(t, http.MethodDelete, "/v1/customers/"+f.pA+"/links/"+f.cA+"/owner", "").status)
			rep = f.branch.related(t, "?limit=1000000")
			require.Len(t, rep.Items, 1)
			assert.Equal(t, "800000.00", rep.Items[0].Exposure)
			assert.False(t, rep.Items[0].Over)
			assert.Equal(t, f.a, rep.Items[0].Common)
			assert.Len(t, admin.related(t, "?limit=1&ungrouped=true").Items, 1)
			// Control is removed from the controlled company's URL too.
			r = admin.do(t, http.MethodDelete, "/v1/customers/"+f.cA+"/links/"+f.pA+"/control", "")
			require.Equal(t, http.StatusNoContent, r.status, string(r.body))
			assert.Len(t, admin.links(t, f.pA), 1)

			// One audit record per write, in the write's transaction.
			r = csAs(h, "aud", "auditor", 0).get(t, "/v1/audit?entity_type=customer.link")
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			var page struct {
				Items []struct {
					Action   string `json:"action"`
					EntityID string `json:"entity_id"`
				} `json:"items"`
			}
			require.NoError(t, json.Unmarshal(r.body, &page))
			var actions []string
			for _, it := range page.Items {
				actions = append(actions, it.Action)
			}
			assert.Equal(t, []string{"customer.link.delete", "customer.link.delete", "customer.link.put", "customer.link.put",
				"customer.link.put", "customer.link.put", "customer.link.put"}, actions, "newest first")
			assert.Equal(t, f.pA+"/"+f.cA+"/control", page.Items[len(page.Items)-1].EntityID)

			// A restart (a new server on the same store) sees the links in its tree.
			srv, err := New(Config{Store: h.store, Keyring: testRing, RateLimit: unlimited, Authenticator: csAuth{},
				Logger: slog.New(slog.NewJSONHandler(&syncBuffer{}, nil))})
			require.NoError(t, err)
			h2 := &harness{srv: srv, store: h.store, logs: &syncBuffer{}}
			again := csAs(h2, "boss", "admin", 0)
			assert.Equal(t, admin.links(t, f.pA), again.links(t, f.pA))
			rep2 := again.related(t, "?limit=1000000")
			require.Len(t, rep2.Items, 1)
			assert.Len(t, rep2.Items[0].Customers, 2)
			assert.Equal(t, rep2.Items[0].Exposure, admin.related(t, "?limit=1000000").Items[0].Exposure)
		})
	}
}

// TestLinksAcrossServers writes links through one server and reads them through another on
// the same database: the second's cached tree catches up by the tree version.
func TestLinksAcrossServers(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			a, b := replicas(t, db.DSN)
			f := setupBank(t, a, "1000000")
			admA, admB := a.as("boss/admin"), b.as("boss/admin")
			related := func(c caller) relatedJSON {
				r := c.get(t, "/v1/tree/related?limit=10")
				require.Equal(t, http.StatusOK, r.status, string(r.body))
				var v relatedJSON
				require.NoError(t, json.Unmarshal(r.body, &v))
				return v
			}
			assert.Empty(t, related(admB).Items) // b's tree is loaded and current

			r := admA.send(t, http.MethodPut, "/v1/customers/"+f.person+"/links", `{"to":"`+f.company+`","kind":"control","share":"0.51"}`, 0)
			require.Equal(t, http.StatusCreated, r.status, string(r.body))
			g := related(admB).Items
			require.Len(t, g, 1)
			assert.Len(t, g[0].Customers, 2)
			r = admB.get(t, "/v1/customers/"+f.company+"/links")
			require.Equal(t, http.StatusOK, r.status)
			assert.Contains(t, string(r.body), `"share":"0.51"`)

			r = admB.send(t, http.MethodDelete, "/v1/customers/"+f.person+"/links/"+f.company+"/control", "", 0)
			require.Equal(t, http.StatusNoContent, r.status, string(r.body))
			assert.Empty(t, related(admA).Items)
			assert.Empty(t, related(admB).Items)
		})
	}
}
