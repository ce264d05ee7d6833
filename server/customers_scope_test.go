package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/customer/customertest"
	"github.com/creditkit/creditkit/server/audit"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/pii"
	"github.com/creditkit/creditkit/tree"
)

// csAuth authenticates the actors of the customer scope tests: X-Cust-Actor is
// "id/role/node" (roleActor).
type csAuth struct{}

func (csAuth) Authenticate(_ context.Context, header func(string) string) (perm.Actor, error) {
	return roleActor("X-Cust-Actor", header("X-Cust-Actor"))
}

// csClient sends requests as one actor.
type csClient struct {
	h     *harness
	actor string
}

func csAs(h *harness, id, role string, node int64) csClient {
	return csClient{h: h, actor: fmt.Sprintf("%s/%s/%d", id, role, node)}
}

// do sends a request with an optional JSON body and headers given as name, value pairs.
func (c csClient) do(t *testing.T, method, path, body string, headers ...string) response {
	t.Helper()
	req := custReq(method, path, body, headers...)
	req.Header.Set("X-Cust-Actor", c.actor)
	return c.h.do(t, req)
}

func (c csClient) get(t *testing.T, path string) response {
	t.Helper()
	return c.do(t, http.MethodGet, path, "")
}

// csFixture is a bank with branch A (holding group G) and branch B, and customers: pA
// (person in A, officer o1), cA (company in A, o1), pG (person in G, o2), pB (person in
// B, o1) and unplaced (a person of o1 outside the tree).
type csFixture struct {
	a, g, b                    int64
	pA, cA, pG, pB, unplaced   string
	pAID, pAMobile, pAEmail    string
	cACode                     string
	nodeOf                     map[string]int64 // customer number → its tree node
	names                      map[string]string
	missing                    string // a valid customer number that does not exist
	admin, branchAdmin, branch csClient
}

const (
	csMobile = "13812345678"
	csEmail  = "zhang.san@example.com"
)

func setupCS(t *testing.T, h *harness) csFixture {
	t.Helper()
	f := csFixture{nodeOf: map[string]int64{}, names: map[string]string{}}
	f.admin = csAs(h, "boss", "admin", 0)
	node := func(parent int64, kind, name string) int64 {
		r := f.admin.do(t, http.MethodPost, "/v1/tree/nodes", fmt.Sprintf(`{"parent":%d,"kind":%q,"name":%q}`, parent, kind, name))
		require.Equal(t, http.StatusCreated, r.status, string(r.body))
		return int64(custJSON(t, r)["id"].(float64))
	}
	f.a = node(1, "branch", "北京分行")
	f.g = node(f.a, "group", "华辰集团")
	f.b = node(1, "branch", "上海分行")
	register := func(c customer.Customer, parent int64) string {
		b, err := json.Marshal(c)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		for _, k := range []string{"number", "status", "version", "created_at", "updated_at"} {
			delete(m, k)
		}
		m["parent"] = parent
		b, err = json.Marshal(m)
		require.NoError(t, err)
		r := f.admin.do(t, http.MethodPost, "/v1/customers", string(b))
		require.Equal(t, http.StatusCreated, r.status, string(r.body))
		v := custJSON(t, r)
		num := v["number"].(string)
		f.nodeOf[num] = int64(v["node"].(float64))
		f.names[num] = c.Name()
		return num
	}
	born := func(y int) time.Time { return time.Date(y, 3, 14, 0, 0, 0, 0, time.UTC) }
	f.pAID, f.pAMobile, f.pAEmail = customertest.ResidentID("110105", born(1985), 17), csMobile, csEmail
	pa := customertest.Person("张伟", f.pAID, f.pAMobile, "BJ01", "o1")
	pa.Individual.Email = f.pAEmail
	f.pA = register(pa, f.a)
	f.cACode = customertest.CreditCode("91350100M000100Y4")
	f.cA = register(customertest.Company("华辰科技有限公司", f.cACode, "BJ01", "o1"), f.a)
	f.pG = register(customertest.Person("王芳", customertest.ResidentID("110105", born(1986), 18), "13900000001", "BJ01", "o2"), f.g)
	f.pB = register(customertest.Person("李娜", customertest.ResidentID("310115", born(1990), 21), "13900139000", "SH01", "o1"), f.b)
	un, err := h.srv.customers.repo.Register(t.Context(),
		customertest.Person("赵六", customertest.ResidentID("110105", born(1970), 33), "13700000002", "BJ01", "o1"), "seed")
	require.NoError(t, err)
	f.unplaced = un.Number.String()
	n, err := customer.NewNumber(customer.KindIndividual, 9_999_999)
	require.NoError(t, err)
	f.missing = n.String()
	f.branchAdmin = csAs(h, "ba", "admin", f.a)
	f.branch = csAs(h, "aud", "auditor", f.a)
	return f
}

// csList pages through GET path (which has no limit) with limit and returns every
// customer number, checking that no page is longer than limit or repeats a customer.
func csList(t *testing.T, c csClient, path string, limit int) []string {
	t.Helper()
	var out []string
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	cursor := ""
	for range 100 {
		p := fmt.Sprintf("%s%slimit=%d", path, sep, limit)
		if cursor != "" {
			p += "&cursor=" + cursor
		}
		r := c.get(t, p)
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		var page struct {
			Items      []map[string]any `json:"items"`
			NextCursor string           `json:"next_cursor"`
		}
		require.NoError(t, json.Unmarshal(r.body, &page))
		require.LessOrEqual(t, len(page.Items), limit)
		for _, it := range page.Items {
			n := it["number"].(string)
			require.NotContains(t, out, n, "a customer shown twice")
			out = append(out, n)
		}
		if page.NextCursor == "" {
			slices.Sort(out)
			return out
		}
		cursor = page.NextCursor
	}
	t.Fatal("the list does not end")
	return nil
}

func sorted(s ...string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// csIndividual returns the individual part of a customer response.
func csIndividual(t *testing.T, r response) map[string]any {
	t.Helper()
	m := custJSON(t, r)
	ind, ok := m["individual"].(map[string]any)
	require.True(t, ok, string(r.body))
	return ind
}

// csNotFoundLike checks that r is the same 404 as the answer for a customer that does not
// exist (want), so existence is not leaked.
func csNotFoundLike(t *testing.T, want, r response) {
	t.Helper()
	require.Equal(t, http.StatusNotFound, r.status, string(r.body))
	var a, b Problem
	require.NoError(t, json.Unmarshal(want.body, &a))
	require.NoError(t, json.Unmarshal(r.body, &b))
	assert.Equal(t, a.Type, b.Type)
	assert.Equal(t, a.Detail, b.Detail)
}

func TestCustomerScopeOfABranch(t *testing.T) {
	for name, h := range harnesses(t, Config{Authenticator: csAuth{}}) {
		t.Run(name, func(t *testing.T) {
			f := setupCS(t, h)
			aud := f.branch
			missing := aud.get(t, "/v1/customers/"+f.missing)
			require.Equal(t, http.StatusNotFound, missing.status)

			// Inside: seen, masked for the auditor, with the same ETag as the admin's.
			r := aud.get(t, "/v1/customers/"+f.pA)
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			ind := csIndividual(t, r)
			assert.Equal(t, "138****5678", ind["mobile"])
			assert.Equal(t, pii.MaskIdentity(f.pAID), ind["doc_number"])
			assert.Equal(t, "z***@example.com", ind["email"])
			assert.Equal(t, pii.MaskAddress("建国路1号"), ind["address"].(map[string]any)["street"])
			assert.Equal(t, f.admin.get(t, "/v1/customers/"+f.pA).header.Get("ETag"), r.header.Get("ETag"))
			assert.NotContains(t, string(r.body), f.pAID)
			assert.NotContains(t, string(r.body), f.pAMobile)

			// Outside the subtree, and outside the tree: the same 404 as a missing customer.
			for _, num := range []string{f.pB, f.unplaced} {
				for _, suffix := range []string{"", "/contacts", "/history", "/path"} {
					csNotFoundLike(t, missing, aud.get(t, "/v1/customers/"+num+suffix))
				}
			}

			// Lists and searches hold only the subtree, whatever the page size.
			inside := sorted(f.pA, f.cA, f.pG)
			for _, limit := range []int{1, 2, 50} {
				assert.Equal(t, inside, csList(t, aud, "/v1/customers", limit), "limit %d", limit)
			}
			assert.Equal(t, sorted(f.pA, f.cA, f.pG, f.pB, f.unplaced), csList(t, f.admin, "/v1/customers", 2))
			assert.Empty(t, csList(t, aud, "/v1/customers?q="+f.names[f.pB], 10))
			assert.Empty(t, csList(t, aud, "/v1/customers?mobile=13900139000", 10))
			assert.Empty(t, csList(t, aud, "/v1/customers?number="+f.pB, 10))
			assert.Equal(t, []string{f.pA}, csList(t, aud, "/v1/customers?mobile="+csMobile, 10))
			assert.Equal(t, sorted(f.pA, f.cA), csList(t, aud, "/v1/customers?officer=o1", 1))
			r = aud.get(t, "/v1/customers?limit=50")
			require.Equal(t, http.StatusOK, r.status)
			assert.Contains(t, string(r.body), "138****5678")
			assert.NotContains(t, string(r.body), f.pAMobile)
			assert.NotContains(t, string(r.body), f.cACode)

			// The breadcrumbs start at the actor's node.
			r = aud.get(t, "/v1/customers/"+f.pG+"/path")
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			var path treeNodeList
			require.NoError(t, json.Unmarshal(r.body, &path))
			var names []string
			for _, n := range path.Items {
				names = append(names, n.Name)
			}
			assert.Equal(t, []string{"北京分行", "华辰集团", "王芳"}, names)

			// The tree outside the subtree does not exist for the actor.
			missingNode := aud.get(t, "/v1/tree/nodes/99999")
			require.Equal(t, http.StatusNotFound, missingNode.status)
			for _, p := range []string{"/v1/tree/nodes/%d", "/v1/tree/nodes/%d/children", "/v1/tree/nodes/%d/exposure", "/v1/tree/nodes/%d/search"} {
				for _, id := range []int64{1, f.b, f.nodeOf[f.pB]} {
					r := aud.get(t, fmt.Sprintf(p, id))
					assert.Equal(t, http.StatusNotFound, r.status, "%s %d: %s", p, id, r.body)
				}
			}
			r = aud.get(t, "/v1/tree/nodes/root")
			assert.Equal(t, http.StatusNotFound, r.status)
			r = aud.get(t, fmt.Sprintf("/v1/tree/nodes/%d", f.nodeOf[f.pB]))
			var a, b Problem
			require.NoError(t, json.Unmarshal(r.body, &a))
			require.NoError(t, json.Unmarshal(missingNode.body, &b))
			assert.Equal(t, strings.ReplaceAll(b.Detail, "99999", strconv.FormatInt(f.nodeOf[f.pB], 10)), a.Detail)
			for _, id := range []int64{f.a, f.g, f.nodeOf[f.pA]} {
				for _, p := range []string{"/v1/tree/nodes/%d", "/v1/tree/nodes/%d/exposure"} {
					r := aud.get(t, fmt.Sprintf(p, id))
					assert.Equal(t, http.StatusOK, r.status, "%s %d: %s", p, id, r.body)
				}
			}
			r = aud.get(t, fmt.Sprintf("/v1/tree/nodes/%d/search?kind=customer", f.a))
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			assert.Equal(t, sorted(f.pA, f.cA, f.pG), csNodeCustomers(t, r))
			r = aud.get(t, fmt.Sprintf("/v1/tree/nodes/%d/children", f.a))
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			assert.Equal(t, sorted(f.pA, f.cA), csNodeCustomers(t, r))
		})
	}
}

// csNodeCustomers returns the customer numbers of the nodes of a node page.
func csNodeCustomers(t *testing.T, r response) []string {
	t.Helper()
	var page treeNodePage
	require.NoError(t, json.Unmarshal(r.body, &page), string(r.body))
	var out []string
	for _, n := range page.Items {
		if n.Customer != "" {
			out = append(out, n.Customer)
		}
	}
	slices.Sort(out)
	return out
}

func TestCustomerWritesOfABranch(t *testing.T) {
	for name, h := range harnesses(t, Config{Authenticator: csAuth{}}) {
		t.Run(name, func(t *testing.T) {
			f := setupCS(t, h)
			ba := f.branchAdmin
			missing := ba.get(t, "/v1/customers/"+f.missing)
			before := custSnapshot(t, h)
			// Writes about a customer outside: 404, nothing changes.
			for _, num := range []string{f.pB, f.unplaced} {
				csNotFoundLike(t, missing, ba.do(t, http.MethodPatch, "/v1/customers/"+num, `{"tags":["x"]}`, "If-Match", `"1"`))
				csNotFoundLike(t, missing, ba.do(t, http.MethodPost, "/v1/customers/"+num+"/close", "", "If-Match", `"1"`))
				csNotFoundLike(t, missing, ba.do(t, http.MethodPost, "/v1/customers/"+num+"/contacts", `{"channel":"visit","note":"x"}`))
			}
			// A parent outside is refused like a missing one.
			person := func(seq int, parent any) string { return custPerson(t, "周"+strconv.Itoa(seq), seq, parent) }
			for _, parent := range []any{f.b, 1, f.nodeOf[f.pB]} {
				r := ba.do(t, http.MethodPost, "/v1/customers", person(500, parent))
				require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.body))
				p := problemOf(t, r)
				require.Len(t, p.Errors, 1)
				assert.Equal(t, "parent", p.Errors[0].Path)
				assert.Equal(t, "exists", p.Errors[0].Rule)
			}
			r := ba.do(t, http.MethodPost, "/v1/customers", person(500, 99999))
			require.Equal(t, http.StatusUnprocessableEntity, r.status)
			assert.Equal(t, "exists", problemOf(t, r).Errors[0].Rule)
			// Tree writes outside the subtree, or of the actor's own node.
			r = ba.do(t, http.MethodPost, "/v1/tree/nodes", fmt.Sprintf(`{"parent":%d,"kind":"group","name":"x"}`, f.b))
			assert.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.body))
			r = ba.do(t, http.MethodPatch, fmt.Sprintf("/v1/tree/nodes/%d", f.b), `{"name":"x"}`, "If-Match", `"1"`)
			assert.Equal(t, http.StatusNotFound, r.status, string(r.body))
			r = ba.do(t, http.MethodPatch, fmt.Sprintf("/v1/tree/nodes/%d", f.a), `{"limit":"1"}`, "If-Match", `"1"`)
			assert.Equal(t, http.StatusForbidden, r.status, string(r.body))
			r = ba.do(t, http.MethodPost, fmt.Sprintf("/v1/tree/nodes/%d/move", f.a), fmt.Sprintf(`{"parent":%d}`, f.b))
			assert.Equal(t, http.StatusForbidden, r.status, string(r.body))
			r = ba.do(t, http.MethodPost, fmt.Sprintf("/v1/tree/nodes/%d/move", f.b), fmt.Sprintf(`{"parent":%d}`, f.a))
			assert.Equal(t, http.StatusNotFound, r.status, string(r.body))
			r = ba.do(t, http.MethodPost, fmt.Sprintf("/v1/tree/nodes/%d/move", f.g), fmt.Sprintf(`{"parent":%d}`, f.b))
			assert.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.body))
			assert.Equal(t, before, custSnapshot(t, h), "refused writes change nothing")

			// Inside: works; without a parent the customer goes under the actor's node.
			r = ba.do(t, http.MethodPost, "/v1/customers", person(501, nil))
			require.Equal(t, http.StatusCreated, r.status, string(r.body))
			num := custJSON(t, r)["number"].(string)
			r = ba.get(t, "/v1/customers/"+num+"/path")
			require.Equal(t, http.StatusOK, r.status)
			var path treeNodeList
			require.NoError(t, json.Unmarshal(r.body, &path))
			require.Len(t, path.Items, 2)
			assert.Equal(t, tree.ID(f.a), path.Items[0].ID)
			r = ba.do(t, http.MethodPost, "/v1/tree/nodes", fmt.Sprintf(`{"parent":%d,"kind":"group","name":"新组"}`, f.a))
			require.Equal(t, http.StatusCreated, r.status, string(r.body))
			grp := int64(custJSON(t, r)["id"].(float64))
			r = ba.do(t, http.MethodPost, fmt.Sprintf("/v1/tree/nodes/%d/move", grp), fmt.Sprintf(`{"parent":%d}`, f.g))
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			r = ba.do(t, http.MethodPatch, fmt.Sprintf("/v1/tree/nodes/%d", grp), `{"limit":"100"}`, "If-Match", r.header.Get("ETag"))
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			r = ba.do(t, http.MethodPatch, "/v1/customers/"+f.pA, `{"tags":["vip"]}`, "If-Match", `"1"`)
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			assert.Equal(t, f.pAMobile, csIndividual(t, r)["mobile"], "the admin sees personal data")
		})
	}
}

func TestCustomerScopeOfAnOfficer(t *testing.T) {
	for name, h := range harnesses(t, Config{Authenticator: csAuth{}}) {
		t.Run(name, func(t *testing.T) {
			f := setupCS(t, h)
			o1 := csAs(h, "o1", "officer", 0)
			missing := o1.get(t, "/v1/customers/"+f.missing)

			// Its own customers, in and out of the tree, unmasked; nobody else's.
			assert.Equal(t, sorted(f.pA, f.cA, f.pB, f.unplaced), csList(t, o1, "/v1/customers", 1))
			assert.Empty(t, csList(t, o1, "/v1/customers?officer=o2", 10))
			assert.Equal(t, sorted(f.pA, f.cA, f.pB, f.unplaced), csList(t, o1, "/v1/customers?officer=o1", 10))
			r := o1.get(t, "/v1/customers/"+f.pA)
			require.Equal(t, http.StatusOK, r.status)
			assert.Equal(t, f.pAMobile, csIndividual(t, r)["mobile"])
			assert.Equal(t, f.pAID, csIndividual(t, r)["doc_number"])
			csNotFoundLike(t, missing, o1.get(t, "/v1/customers/"+f.pG))
			csNotFoundLike(t, missing, o1.get(t, "/v1/customers/"+f.pG+"/history"))
			csNotFoundLike(t, missing, o1.do(t, http.MethodPost, "/v1/customers/"+f.pG+"/contacts", `{"channel":"visit","note":"x"}`))

			// Bound to branch A as well: its own customers there.
			o1a := csAs(h, "o1", "officer", f.a)
			assert.Equal(t, sorted(f.pA, f.cA), csList(t, o1a, "/v1/customers", 1))

			// The tree hides other officers' customers; branches and groups stay.
			r = o1.get(t, fmt.Sprintf("/v1/tree/nodes/%d", f.nodeOf[f.pG]))
			assert.Equal(t, http.StatusNotFound, r.status)
			r = o1.get(t, fmt.Sprintf("/v1/tree/nodes/%d", f.g))
			assert.Equal(t, http.StatusOK, r.status)
			r = o1.get(t, fmt.Sprintf("/v1/tree/nodes/%d/children?limit=1", f.g))
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			assert.Empty(t, csNodeCustomers(t, r))
			r = o1.get(t, "/v1/tree/nodes/root/search?kind=customer&limit=200")
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			assert.Equal(t, sorted(f.pA, f.cA, f.pB), csNodeCustomers(t, r))
			r = o1.get(t, fmt.Sprintf("/v1/tree/nodes/%d/children?limit=1", f.a))
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			var page treeNodePage
			require.NoError(t, json.Unmarshal(r.body, &page))
			require.Len(t, page.Items, 1)

			// It registers its own customers only.
			r = o1.do(t, http.MethodPost, "/v1/customers", strings.Replace(custPerson(t, "陈七", 600, f.a), `"officer":"o-1"`, `"officer":""`, 1))
			require.Equal(t, http.StatusCreated, r.status, string(r.body))
			assert.Equal(t, "o1", custJSON(t, r)["officer"])
			r = o1.do(t, http.MethodPost, "/v1/customers", custPerson(t, "陈八", 601, f.a))
			require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.body))
			assert.Equal(t, "officer", problemOf(t, r).Errors[0].Path)
			r = o1.do(t, http.MethodPatch, "/v1/customers/"+f.pA, `{"officer":"o2"}`, "If-Match", `"1"`)
			require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.body))
			assert.Equal(t, "officer", problemOf(t, r).Errors[0].Path)
		})
	}
}

func TestCustomerMasking(t *testing.T) {
	for name, h := range harnesses(t, Config{Authenticator: csAuth{}}) {
		t.Run(name, func(t *testing.T) {
			f := setupCS(t, h)
			auditor := csAs(h, "aud", "auditor", 0)
			clerk := csAs(h, "clerk", "clerk", 0)
			o2 := csAs(h, "o2", "officer", 0)
			for _, c := range []struct {
				who    csClient
				masked bool
			}{{f.admin, false}, {auditor, true}, {clerk, true}, {csAs(h, "o1", "officer", 0), false}} {
				r := c.who.get(t, "/v1/customers/"+f.cA)
				require.Equal(t, http.StatusOK, r.status, string(r.body))
				ent := custJSON(t, r)["enterprise"].(map[string]any)
				if c.masked {
					assert.Equal(t, pii.MaskCreditCode(f.cACode), ent["credit_code"], c.who.actor)
					assert.Equal(t, "138****0001", ent["contact_mobile"], c.who.actor)
					assert.Equal(t, pii.MaskAddress("五四路100号"), ent["address"].(map[string]any)["street"], c.who.actor)
				} else {
					assert.Equal(t, f.cACode, ent["credit_code"], c.who.actor)
					assert.Equal(t, "13800000001", ent["contact_mobile"], c.who.actor)
				}
			}
			// Every officer sees its own customers unmasked.
			r := o2.get(t, "/v1/customers/"+f.pG)
			require.Equal(t, http.StatusOK, r.status)
			assert.Equal(t, "13900000001", csIndividual(t, r)["mobile"])

			// A masked caller echoing what it was shown changes nothing personal.
			r = clerk.get(t, "/v1/customers/"+f.pA)
			require.Equal(t, http.StatusOK, r.status)
			shown := custJSON(t, r)
			ind := shown["individual"].(map[string]any)
			ind["name"] = "张伟明"
			patch, err := json.Marshal(map[string]any{"individual": ind})
			require.NoError(t, err)
			r = clerk.do(t, http.MethodPatch, "/v1/customers/"+f.pA, string(patch), "If-Match", `"1"`)
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			assert.Equal(t, "138****5678", csIndividual(t, r)["mobile"])
			r = f.admin.get(t, "/v1/customers/"+f.pA)
			ind = csIndividual(t, r)
			assert.Equal(t, "张伟明", ind["name"])
			assert.Equal(t, f.pAMobile, ind["mobile"])
			assert.Equal(t, f.pAID, ind["doc_number"])
			assert.Equal(t, f.pAEmail, ind["email"])
			assert.Equal(t, "建国路1号", ind["address"].(map[string]any)["street"])
			// A new value is a change.
			r = clerk.do(t, http.MethodPatch, "/v1/customers/"+f.pA, `{"individual":{"mobile":"13700001111"}}`, "If-Match", `"2"`)
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			assert.Equal(t, "137****1111", csIndividual(t, r)["mobile"])
			assert.Equal(t, "13700001111", csIndividual(t, f.admin.get(t, "/v1/customers/"+f.pA))["mobile"])

			// The history shows personal changes masked to masked callers.
			r = auditor.get(t, "/v1/customers/"+f.pA+"/history")
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			assert.Contains(t, string(r.body), "138****5678")
			assert.Contains(t, string(r.body), "137****1111")
			assert.NotContains(t, string(r.body), "13700001111")
			assert.NotContains(t, string(r.body), f.pAMobile)
			r = f.admin.get(t, "/v1/customers/"+f.pA+"/history")
			assert.Contains(t, string(r.body), "13700001111")
			// Lists mask row by row: the officer sees its own unmasked, the auditor none.
			r = auditor.get(t, "/v1/customers?limit=200")
			assert.NotContains(t, string(r.body), "13700001111")
			assert.NotContains(t, string(r.body), f.cACode)
		})
	}
}

// csTrail returns the audit records about one entity, oldest first.
func csTrail(t *testing.T, h *harness, entityType, id string) []audit.Record {
	t.Helper()
	page, err := h.srv.trail.List(t.Context(), audit.Filter{EntityType: entityType, EntityID: id, Limit: audit.MaxLimit})
	require.NoError(t, err)
	return page.Items
}

func TestCustomerWritesAreAudited(t *testing.T) {
	for name, h := range harnesses(t, Config{Authenticator: csAuth{}}) {
		t.Run(name, func(t *testing.T) {
			f := setupCS(t, h)
			ba := f.branchAdmin
			recs := csTrail(t, h, "customer", f.pA)
			require.Len(t, recs, 1)
			assert.Equal(t, "customer.create", recs[0].Action)
			assert.Equal(t, "boss", recs[0].Actor)
			assert.Equal(t, "admin", recs[0].Role)
			assert.Equal(t, "null", string(recs[0].Before))
			assert.Contains(t, string(recs[0].After), `"mobile":"138****5678"`)
			assert.NotContains(t, string(recs[0].After), f.pAMobile)
			assert.NotContains(t, string(recs[0].After), f.pAID)
			assert.NotContains(t, string(recs[0].After), f.pAEmail)

			// Concurrent registrations share a commit, each with its own record.
			var wg sync.WaitGroup
			nums := make([]string, 8)
			for i := range nums {
				wg.Go(func() {
					c := csAs(h, fmt.Sprintf("ba%d", i), "admin", f.a)
					r := c.do(t, http.MethodPost, "/v1/customers", custPerson(t, "并发"+strconv.Itoa(i), 700+i, f.g),
						"X-Request-ID", fmt.Sprintf("req-%d", i), "Idempotency-Key", fmt.Sprintf("key-%d", i))
					if assert.Equal(t, http.StatusCreated, r.status, string(r.body)) {
						nums[i] = custJSON(t, r)["number"].(string)
					}
				})
			}
			wg.Wait()
			for i, num := range nums {
				recs := csTrail(t, h, "customer", num)
				require.Len(t, recs, 1, num)
				assert.Equal(t, fmt.Sprintf("ba%d", i), recs[0].Actor)
				assert.Equal(t, fmt.Sprintf("req-%d", i), recs[0].RequestID)
				assert.Equal(t, "customer.create", recs[0].Action)
			}

			// Update: before and after, masked.
			r := ba.do(t, http.MethodPatch, "/v1/customers/"+f.pA, `{"individual":{"mobile":"13700001111"}}`, "If-Match", `"1"`, "X-Request-ID", "req-upd")
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			r = ba.do(t, http.MethodPost, "/v1/customers/"+f.pA+"/contacts", `{"channel":"visit","note":"上门"}`)
			require.Equal(t, http.StatusCreated, r.status, string(r.body))
			r = ba.do(t, http.MethodPost, "/v1/customers/"+f.pA+"/close", "", "If-Match", `"2"`)
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			recs = csTrail(t, h, "customer", f.pA)
			require.Len(t, recs, 4)
			upd, contact, closed := recs[1], recs[2], recs[3]
			assert.Equal(t, []string{"customer.update", "customer.contact.add", "customer.close"}, []string{upd.Action, contact.Action, closed.Action})
			for _, rec := range recs[1:] {
				assert.Equal(t, "ba", rec.Actor)
				assert.Equal(t, "admin", rec.Role)
				assert.Equal(t, f.pA, rec.EntityID)
			}
			assert.Equal(t, "req-upd", upd.RequestID)
			assert.Contains(t, string(upd.Before), `"mobile":"138****5678"`)
			assert.Contains(t, string(upd.After), `"mobile":"137****1111"`)
			assert.NotContains(t, string(upd.After), "13700001111")
			assert.Contains(t, string(contact.After), "上门")
			assert.Contains(t, string(closed.Before), `"status":"active"`)
			assert.Contains(t, string(closed.After), `"status":"closed"`)

			// Tree writes.
			r = ba.do(t, http.MethodPost, "/v1/tree/nodes", fmt.Sprintf(`{"parent":%d,"kind":"group","name":"新组"}`, f.a))
			require.Equal(t, http.StatusCreated, r.status, string(r.body))
			id := strconv.FormatInt(int64(custJSON(t, r)["id"].(float64)), 10)
			r = ba.do(t, http.MethodPatch, "/v1/tree/nodes/"+id, `{"name":"改名","limit":"100"}`, "If-Match", `"1"`)
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			r = ba.do(t, http.MethodPost, "/v1/tree/nodes/"+id+"/move", fmt.Sprintf(`{"parent":%d}`, f.g))
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			recs = csTrail(t, h, "tree.node", id)
			require.Len(t, recs, 3)
			assert.Equal(t, []string{"tree.node.create", "tree.node.update", "tree.node.move"}, []string{recs[0].Action, recs[1].Action, recs[2].Action})
			assert.Contains(t, string(recs[1].Before), `"name":"新组"`)
			assert.Contains(t, string(recs[1].After), `"name":"改名"`)
			assert.Contains(t, string(recs[1].After), `"limit":"100.00"`)
			assert.Contains(t, string(recs[2].Before), fmt.Sprintf(`"parent":%d`, f.a))
			assert.Contains(t, string(recs[2].After), fmt.Sprintf(`"parent":%d`, f.g))

			// Refused writes leave no record; the trail verifies; the auditor reads it.
			r = ba.do(t, http.MethodPatch, "/v1/customers/"+f.pB, `{"tags":["x"]}`, "If-Match", `"1"`)
			require.Equal(t, http.StatusNotFound, r.status)
			assert.Empty(t, csTrail(t, h, "customer", f.pB)[1:])
			_, err := h.srv.trail.Verify(t.Context())
			require.NoError(t, err)
			r = csAs(h, "aud", "auditor", 0).get(t, "/v1/audit?entity_type=customer&entity_id="+f.pA)
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			assert.NotContains(t, string(r.body), f.pAMobile)
			assert.Contains(t, string(r.body), "customer.close")
		})
	}
}

// TestScanVisible pages through a list of 0..n-1 keeping the multiples of k, against a
// fetch whose cursor is the index of the next row: every page is full but the last, the
// cursors chain without gaps or repeats, and a read bound cuts a page short with a cursor
// to go on from.
func TestScanVisible(t *testing.T) {
	list := func(n int, reads *int) func(int, string) ([]int, string, error) {
		return func(limit int, cursor string) ([]int, string, error) {
			*reads++
			from := 0
			if cursor != "" {
				var err error
				if from, err = strconv.Atoi(cursor); err != nil {
					return nil, "", err
				}
			}
			to := min(n, from+limit)
			var rows []int
			for i := from; i < to; i++ {
				rows = append(rows, i)
			}
			next := ""
			if to < n {
				next = strconv.Itoa(to)
			}
			return rows, next, nil
		}
	}
	for _, tc := range []struct{ n, k, limit int }{{100, 1, 10}, {100, 7, 3}, {1000, 50, 4}, {10, 3, 50}, {0, 1, 5}, {30, 31, 2}} {
		keep := func(i int) (int, bool, error) { return i * 10, i%tc.k == 0, nil }
		var got []int
		reads, cursor := 0, ""
		for range 1000 {
			page, next, err := scanVisible(tc.limit, 50, 1_000_000, cursor, list(tc.n, &reads), keep)
			require.NoError(t, err)
			if next != "" {
				require.Len(t, page, tc.limit, "%+v: only the last page is short", tc)
			}
			got = append(got, page...)
			if cursor = next; cursor == "" {
				break
			}
		}
		var want []int
		for i := 0; i < tc.n; i += tc.k {
			want = append(want, i*10)
		}
		assert.Equal(t, want, got, "%+v", tc)
		assert.LessOrEqual(t, reads, 2*tc.n/max(1, tc.limit)+tc.n/tc.k+10, "%+v: reads", tc)
	}
	// The read bound: a page may come back short, with a cursor.
	reads := 0
	page, next, err := scanVisible(5, 50, 20, "", list(1000, &reads), func(i int) (int, bool, error) { return i, i%100 == 99, nil })
	require.NoError(t, err)
	assert.Empty(t, page)
	assert.NotEmpty(t, next)
}
