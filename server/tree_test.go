package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/customer/customertest"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/storetest"
	"github.com/creditkit/creditkit/tree"
)

// custHarness is a server on the database dsn, with a store of its own (a process of its
// own, as far as the database can tell).
func custHarness(t *testing.T, dsn string) *harness {
	t.Helper()
	st, err := store.Open(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	srv, err := New(Config{Store: st, Keyring: testRing, RateLimit: unlimited, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	return &harness{srv: srv, store: st, logs: &syncBuffer{}}
}

// treeNode reads a node through the API.
func treeNode(t *testing.T, h *harness, id any) treeNodeView {
	t.Helper()
	r := h.get(t, fmt.Sprintf("/v1/tree/nodes/%v", id))
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var v treeNodeView
	require.NoError(t, json.Unmarshal(r.body, &v))
	return v
}

func treeExposure(t *testing.T, h *harness, id any) treeExposureView {
	t.Helper()
	r := h.get(t, fmt.Sprintf("/v1/tree/nodes/%v/exposure", id))
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var v treeExposureView
	require.NoError(t, json.Unmarshal(r.body, &v))
	return v
}

// addExposureVia adds amount to the customer's exposure through h's contract function, in a
// transaction of its own (as an approval would).
func addExposureVia(t *testing.T, h *harness, number, amount string) error {
	t.Helper()
	return h.store.Tx(context.Background(), func(tx *sql.Tx) error {
		return h.srv.addExposure(context.Background(), tx, number, decimal.RequireFromString(amount))
	})
}

// treeJSON is the whole cached tree, after the version check, as the tree exports it.
func treeJSON(t *testing.T, h *harness) string {
	t.Helper()
	tr, err := h.srv.customers.tree.fresh(context.Background())
	require.NoError(t, err)
	b, err := tr.MarshalJSON()
	require.NoError(t, err)
	return string(b)
}

// dbTreeJSON is the tree built afresh from the database.
func dbTreeJSON(t *testing.T, h *harness) string {
	t.Helper()
	_, rows, err := h.srv.customers.repo.LoadTree(context.Background())
	require.NoError(t, err)
	tr, err := tree.Build(rows)
	require.NoError(t, err)
	b, err := tr.MarshalJSON()
	require.NoError(t, err)
	return string(b)
}

func TestTreeNodes(t *testing.T) {
	h := newHarness(t, Config{})
	root := treeNode(t, h, "root")
	assert.Equal(t, tree.ID(1), root.ID)
	assert.Nil(t, root.Parent)
	assert.Equal(t, tree.KindBank, root.Kind)

	br := custNode(t, h, 1, "branch", "上海分行", "2000000")
	sub := custNode(t, h, br, "branch", "浦东支行", "")
	grp := custNode(t, h, sub, "group", "华辰集团", "1000000.5")
	n := treeNode(t, h, grp)
	assert.Equal(t, "1000000.50", *n.Limit)
	assert.Equal(t, 3, n.Depth)

	// Rename and re-limit need If-Match.
	r := h.do(t, custReq(http.MethodPatch, fmt.Sprintf("/v1/tree/nodes/%d", grp), `{"name":"华辰控股集团"}`))
	assert.Equal(t, http.StatusPreconditionRequired, r.status)
	r = h.do(t, custReq(http.MethodPatch, fmt.Sprintf("/v1/tree/nodes/%d", grp), `{"name":"华辰控股集团","limit":null,"attrs":{"region":"上海市"}}`, "If-Match", `"1"`))
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	n = treeNode(t, h, grp)
	assert.Equal(t, "华辰控股集团", n.Name)
	assert.Nil(t, n.Limit)
	assert.Equal(t, map[string]string{"region": "上海市"}, n.Attrs)
	assert.Equal(t, int64(2), n.Version)
	r = h.do(t, custReq(http.MethodPatch, fmt.Sprintf("/v1/tree/nodes/%d", grp), `{"limit":"800000"}`, "If-Match", `"1"`))
	assert.Equal(t, http.StatusPreconditionFailed, r.status)

	// Customers and exposure.
	a := custCreate(t, h, custPerson(t, "张三", 1, grp))
	b := custCreate(t, h, custPerson(t, "李四", 2, sub))
	require.NoError(t, addExposureVia(t, h, a["number"].(string), "300000"))
	require.NoError(t, addExposureVia(t, h, b["number"].(string), "50000.25"))
	ex := treeExposure(t, h, grp)
	assert.Equal(t, "300000.00", ex.Total)
	assert.Nil(t, ex.Limit, "no limit on the group any more")
	require.NotNil(t, ex.Headroom, "the branch's limit still applies")
	assert.Equal(t, "1649999.75", *ex.Headroom)
	ex = treeExposure(t, h, sub)
	assert.Equal(t, "350000.25", ex.Total)
	require.NotNil(t, ex.Headroom)
	assert.Equal(t, "1649999.75", *ex.Headroom, "the branch's limit binds")
	assert.Equal(t, br, int64(*ex.Binding))

	breaches, err := h.srv.limitBreaches(context.Background(), a["number"].(string), decimal.RequireFromString("1700000"))
	require.NoError(t, err)
	require.Len(t, breaches, 1)
	assert.Equal(t, fmt.Sprint(br), breaches[0].GroupID)
	assert.Equal(t, "1649999.75", breaches[0].Headroom.String())
	breaches, err = h.srv.limitBreaches(context.Background(), a["number"].(string), decimal.RequireFromString("1000"))
	require.NoError(t, err)
	assert.Empty(t, breaches)
	_, err = h.srv.limitBreaches(context.Background(), "P00000000013", decimal.RequireFromString("1"))
	assert.ErrorIs(t, err, ErrNotFound)

	err = addExposureVia(t, h, b["number"].(string), "-50000.26")
	assert.ErrorIs(t, err, ErrConflict, "exposure never goes below zero")
	err = addExposureVia(t, h, b["number"].(string), "0.001")
	var ve *ValidationError
	assert.ErrorAs(t, err, &ve)

	// Move: cycle-safe, and the exposure moves along.
	r = h.do(t, custReq(http.MethodPost, fmt.Sprintf("/v1/tree/nodes/%d/move", sub), fmt.Sprintf(`{"parent":%d}`, grp)))
	assert.Equal(t, http.StatusConflict, r.status, string(r.body))
	r = h.do(t, custReq(http.MethodPost, fmt.Sprintf("/v1/tree/nodes/%d/move", grp), `{"parent":1}`))
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	assert.Equal(t, "50000.25", treeExposure(t, h, sub).Total)
	assert.Equal(t, "350000.25", treeExposure(t, h, 1).Total)
	r = h.get(t, "/v1/customers/"+a["number"].(string)+"/path")
	require.Equal(t, http.StatusOK, r.status)
	var path treeNodeList
	require.NoError(t, json.Unmarshal(r.body, &path))
	assert.Len(t, path.Items, 3, "bank, group, customer")

	// Children in name order, in pages.
	for _, name := range []string{"北京分行", "Alpha", "安徽分行"} {
		custNode(t, h, 1, "branch", name, "")
	}
	var names []string
	cursor := ""
	for range 10 {
		r := h.get(t, "/v1/tree/nodes/root/children?limit=2&cursor="+cursor)
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		var page treeNodePage
		require.NoError(t, json.Unmarshal(r.body, &page))
		for _, n := range page.Items {
			names = append(names, n.Name)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	assert.Equal(t, []string{"Alpha", "安徽分行", "北京分行", "华辰控股集团", "上海分行"}, names)

	// Search inside a subtree.
	r = h.get(t, fmt.Sprintf("/v1/tree/nodes/%d/search?q=zs&kind=customer", grp))
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var hits treeNodePage
	require.NoError(t, json.Unmarshal(r.body, &hits))
	require.Len(t, hits.Items, 1)
	assert.Equal(t, "张三", hits.Items[0].Name)
	r = h.get(t, "/v1/tree/nodes/root/search?kind=branch&limit=2")
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	require.NoError(t, json.Unmarshal(r.body, &hits))
	assert.Len(t, hits.Items, 2)
	require.NotEmpty(t, hits.NextCursor)
	r = h.get(t, "/v1/tree/nodes/root/search?kind=branch&limit=2&cursor="+hits.NextCursor)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	require.NoError(t, json.Unmarshal(r.body, &hits))
	assert.Len(t, hits.Items, 2)
	r = h.get(t, "/v1/tree/nodes/root/search?kind=group&limit=2&cursor="+hits.NextCursor)
	assert.Equal(t, http.StatusBadRequest, r.status, "a cursor of another search")
	r = h.get(t, fmt.Sprintf("/v1/tree/nodes/root/search?attr.region=%s", "%E5%8C%97%E4%BA%AC%E5%B8%82"))
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	require.NoError(t, json.Unmarshal(r.body, &hits))
	assert.Len(t, hits.Items, 2, "customer nodes carry their region")

	assert.Equal(t, dbTreeJSON(t, h), treeJSON(t, h), "the cache is the database's tree")
}

// TestTwoServersOneDatabase writes through one server and reads through another on the same
// database, as two processes would.
func TestTwoServersOneDatabase(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			a, b := custHarness(t, db.DSN), custHarness(t, db.DSN)
			br := custNode(t, a, 1, "branch", "北京分行", "1000000")
			grp := custNode(t, a, br, "group", "华辰集团", "500000")
			x := custCreate(t, a, custPerson(t, "张三", 1, grp))
			num := x["number"].(string)

			r := b.get(t, "/v1/customers/"+num)
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			assert.Equal(t, "张三", custJSON(t, r)["individual"].(map[string]any)["name"])
			assert.Equal(t, "0.00", treeExposure(t, b, grp).Total)

			require.NoError(t, addExposureVia(t, a, num, "300000"))
			ex := treeExposure(t, b, grp)
			assert.Equal(t, "300000.00", ex.Total)
			assert.Equal(t, "200000.00", *ex.Headroom)
			breaches, err := b.srv.limitBreaches(context.Background(), num, decimal.RequireFromString("250000"))
			require.NoError(t, err)
			require.Len(t, breaches, 1)
			assert.Equal(t, "华辰集团", breaches[0].GroupName)

			// Move through b, read through a.
			r = b.do(t, custReq(http.MethodPost, fmt.Sprintf("/v1/tree/nodes/%d/move", grp), `{"parent":1}`))
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			r = a.get(t, "/v1/customers/"+num+"/path")
			require.Equal(t, http.StatusOK, r.status)
			var path treeNodeList
			require.NoError(t, json.Unmarshal(r.body, &path))
			require.Len(t, path.Items, 3)
			assert.Equal(t, "华辰集团", path.Items[1].Name)
			assert.Equal(t, "0.00", treeExposure(t, a, br).Total)
			assert.Equal(t, "300000.00", treeExposure(t, a, 1).Total)

			// The cycle check sees the other server's moves.
			inner := custNode(t, a, grp, "group", "华辰地产", "")
			r = b.do(t, custReq(http.MethodPost, fmt.Sprintf("/v1/tree/nodes/%d/move", grp), fmt.Sprintf(`{"parent":%d}`, inner)))
			assert.Equal(t, http.StatusConflict, r.status, string(r.body))

			// Rename through b, read through a; register through a, find through b.
			r = b.do(t, custReq(http.MethodPatch, fmt.Sprintf("/v1/tree/nodes/%d", br), `{"name":"北京市分行"}`, "If-Match", `"1"`))
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			assert.Equal(t, "北京市分行", treeNode(t, a, br).Name)
			y := custCreate(t, a, custPerson(t, "赵六", 2, inner))
			r = b.get(t, "/v1/customers?pinyin=zl")
			require.Equal(t, http.StatusOK, r.status)
			assert.Contains(t, string(r.body), y["number"].(string))
			r = b.get(t, fmt.Sprintf("/v1/tree/nodes/%d/search?q=zhaoliu", grp))
			require.Equal(t, http.StatusOK, r.status)
			assert.Contains(t, string(r.body), y["number"].(string))

			assert.Equal(t, treeJSON(t, a), treeJSON(t, b))
			assert.Equal(t, dbTreeJSON(t, a), treeJSON(t, b))
		})
	}
}

// TestTwoServersConcurrentWriters runs writes through both servers at once and checks that
// both caches end as the database's tree.
func TestTwoServersConcurrentWriters(t *testing.T) {
	if testing.Short() {
		t.Skip("concurrent writers through two servers")
	}
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			a, b := custHarness(t, db.DSN), custHarness(t, db.DSN)
			groups := []int64{custNode(t, a, 1, "branch", "一分行", ""), custNode(t, b, 1, "branch", "二分行", "")}
			for i := range 4 {
				groups = append(groups, custNode(t, a, groups[i%2], "group", fmt.Sprintf("集团%d", i), "100000000"))
			}
			var wg sync.WaitGroup
			errs := make(chan error, 200)
			for w, h := range []*harness{a, b, a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 15 {
						seq := 100*w + i
						parent := groups[2+(seq%4)]
						res, err := h.srv.App().Test(custReq(http.MethodPost, "/v1/customers", custPerson(t, fmt.Sprintf("客户%03d", seq), seq, parent)), -1)
						if err != nil {
							errs <- err
							continue
						}
						body, _ := io.ReadAll(res.Body)
						res.Body.Close()
						if res.StatusCode != http.StatusCreated {
							errs <- fmt.Errorf("register: %d %s", res.StatusCode, body)
							continue
						}
						var c map[string]any
						if err := json.Unmarshal(body, &c); err != nil {
							errs <- err
							continue
						}
						if err := h.store.Tx(context.Background(), func(tx *sql.Tx) error {
							return h.srv.addExposure(context.Background(), tx, c["number"].(string), decimal.NewFromInt(int64(seq+1)))
						}); err != nil {
							errs <- err
						}
						if i%5 == 0 {
							g := groups[2+(seq%4)]
							res, err := h.srv.App().Test(custReq(http.MethodPost, fmt.Sprintf("/v1/tree/nodes/%d/move", g), fmt.Sprintf(`{"parent":%d}`, groups[seq%2])), -1)
							if err != nil {
								errs <- err
								continue
							}
							res.Body.Close()
							if res.StatusCode != http.StatusOK {
								errs <- fmt.Errorf("move: %d", res.StatusCode)
							}
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			want := dbTreeJSON(t, a)
			assert.Equal(t, want, treeJSON(t, a))
			assert.Equal(t, want, treeJSON(t, b))
			total := 0
			for i := range 60 {
				total += i%15 + 100*(i/15) + 1
			}
			assert.Equal(t, fmt.Sprintf("%d.00", total), treeExposure(t, b, 1).Total)
		})
	}
}

// TestExposureSurvivesRestart reopens the database and rebuilds the tree: the roll-ups are
// the same.
func TestExposureSurvivesRestart(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			h := custHarness(t, db.DSN)
			br := custNode(t, h, 1, "branch", "北京分行", "1000000")
			grp := custNode(t, h, br, "group", "华辰集团", "500000")
			for i, amount := range []string{"100.10", "2000", "0.05"} {
				c := custCreate(t, h, custPerson(t, fmt.Sprintf("客户%d", i), i, grp))
				require.NoError(t, addExposureVia(t, h, c["number"].(string), amount))
			}
			c := custCreate(t, h, custPerson(t, "王五", 9, br))
			require.NoError(t, addExposureVia(t, h, c["number"].(string), "7"))
			require.NoError(t, addExposureVia(t, h, c["number"].(string), "-2"))
			before := []treeExposureView{treeExposure(t, h, 1), treeExposure(t, h, br), treeExposure(t, h, grp)}
			assert.Equal(t, "2105.15", before[0].Total)
			cached := treeJSON(t, h)
			require.NoError(t, h.store.Close())

			again := custHarness(t, db.DSN)
			after := []treeExposureView{treeExposure(t, again, 1), treeExposure(t, again, br), treeExposure(t, again, grp)}
			assert.Equal(t, before, after)
			assert.Equal(t, cached, treeJSON(t, again))
		})
	}
}

// TestConcurrentRegistrationsShareCommits registers many customers at once through the
// group commit: each gets its own number, a duplicate among them fails alone.
func TestConcurrentRegistrationsShareCommits(t *testing.T) {
	h := newHarness(t, Config{})
	br := custNode(t, h, 1, "branch", "北京分行", "")
	const n = 40
	var wg sync.WaitGroup
	statuses := make([]int, n)
	numbers := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seq := i
			if i == n-1 {
				seq = 0 // the same identity as customer 0: one of the two must fail
			}
			res, err := h.srv.App().Test(custReq(http.MethodPost, "/v1/customers", custPerson(t, fmt.Sprintf("并发%02d", i), seq, br)), -1)
			if !assert.NoError(t, err) {
				return
			}
			defer res.Body.Close()
			statuses[i] = res.StatusCode
			var c map[string]any
			if json.NewDecoder(res.Body).Decode(&c) == nil {
				numbers[i], _ = c["number"].(string)
			}
		}()
	}
	wg.Wait()
	created, conflicts := 0, 0
	seen := map[string]bool{}
	for i, s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
			assert.False(t, seen[numbers[i]])
			seen[numbers[i]] = true
		case http.StatusConflict:
			conflicts++
		default:
			t.Errorf("status %d", s)
		}
	}
	assert.Equal(t, n-1, created)
	assert.Equal(t, 1, conflicts)
	assert.Equal(t, n-1, treeNode(t, h, br).Children)
	assert.Equal(t, dbTreeJSON(t, h), treeJSON(t, h))
}

// TestCustomerOutsideTheTree: a customer registered without a place (through the archive
// alone) has no path and no limit above it.
func TestCustomerOutsideTheTree(t *testing.T) {
	h := newHarness(t, Config{})
	c, err := h.srv.customers.repo.Register(context.Background(), customertest.Person("孤立", customertest.ResidentID("110105",
		time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), 7), "13800000000", "BJ01", "o-1"), "o-1")
	require.NoError(t, err)
	r := h.get(t, "/v1/customers/"+c.Number.String()+"/path")
	assert.Equal(t, http.StatusNotFound, r.status)
	breaches, err := h.srv.limitBreaches(context.Background(), c.Number.String(), decimal.RequireFromString("1000"))
	require.NoError(t, err)
	assert.Empty(t, breaches)
	assert.ErrorIs(t, addExposureVia(t, h, c.Number.String(), "1"), ErrNotFound)
	ref, err := h.srv.lookupCustomer(context.Background(), c.Number.String())
	require.NoError(t, err)
	assert.Empty(t, ref.Node)
}
