package customerdb_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/customer/customertest"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/customerdb"
	"github.com/creditkit/creditkit/server/store/storetest"
	"github.com/creditkit/creditkit/tree"
)

var ctx = context.Background()

// addNode stores a node under parent in a tree transaction of its own.
func addNode(t *testing.T, st *store.Store, repo *customerdb.Repo, r tree.Row) customerdb.Node {
	t.Helper()
	var n customerdb.Node
	require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) error {
		v, err := repo.LockTree(ctx, tx)
		if err != nil {
			return err
		}
		if r.ID, err = repo.NextNodeID(ctx, tx); err != nil {
			return err
		}
		n, err = repo.InsertNodeTx(ctx, tx, v, r)
		return err
	}))
	return n
}

// addCustomer registers a person and places it under parent in one transaction.
func addCustomer(t *testing.T, st *store.Store, repo *customerdb.Repo, name string, seq int, parent tree.ID) customer.Customer {
	t.Helper()
	d, err := repo.Prepare(customertest.Person(name, customertest.ResidentID("110105", time.Date(1980, 1, 1+seq%28, 0, 0, 0, 0, time.UTC), seq), "13800000000", "BJ01", "o-1"))
	require.NoError(t, err)
	var c customer.Customer
	require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) error {
		v, err := repo.LockTree(ctx, tx)
		if err != nil {
			return err
		}
		id, err := repo.NextNodeID(ctx, tx)
		if err != nil {
			return err
		}
		if c, err = repo.RegisterTx(ctx, tx, d, "o-1", id); err != nil {
			return err
		}
		_, err = repo.InsertNodeTx(ctx, tx, v, tree.Row{ID: id, Parent: parent, Kind: tree.KindCustomer, Name: c.Name(), Customer: c.Number.String()})
		return err
	}))
	return c
}

func addExposure(st *store.Store, repo *customerdb.Repo, number string, cents int64) error {
	return st.Tx(ctx, func(tx *sql.Tx) error {
		v, err := repo.LockTree(ctx, tx)
		if err != nil {
			return err
		}
		_, err = repo.AddExposureTx(ctx, tx, v, number, cents)
		return err
	})
}

func TestTreePersistence(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			st, repo := openRepo(t, db.DSN, customerdb.Config{})
			require.NoError(t, repo.EnsureRoot(ctx, "示例银行"))
			require.NoError(t, repo.EnsureRoot(ctx, "another name"), "a second call changes nothing")
			v0, err := repo.TreeVersion(ctx)
			require.NoError(t, err)

			br := addNode(t, st, repo, tree.Row{Parent: customerdb.RootID, Kind: tree.KindBranch, Name: "北京分行",
				Limit: decimal.NewNullDecimal(decimal.RequireFromString("1000000")), Attrs: map[string]string{"code": "BJ01"}})
			grp := addNode(t, st, repo, tree.Row{Parent: br.ID, Kind: tree.KindGroup, Name: "华辰集团",
				Limit: decimal.NewNullDecimal(decimal.RequireFromString("500000.50"))})
			a := addCustomer(t, st, repo, "张三", 11, grp.ID)
			b := addCustomer(t, st, repo, "李四", 13, br.ID)
			require.NoError(t, addExposure(st, repo, a.Number.String(), 30000050))
			require.NoError(t, addExposure(st, repo, b.Number.String(), 100))
			require.NoError(t, addExposure(st, repo, b.Number.String(), -40))

			var amount *tree.AmountError
			require.ErrorAs(t, addExposure(st, repo, b.Number.String(), -61), &amount, "exposure never goes negative")
			assert.ErrorIs(t, amount, tree.ErrNegative)
			require.ErrorIs(t, addExposure(st, repo, "P00000000000", 5), tree.ErrNotFound)

			v, rows, err := repo.LoadTree(ctx)
			require.NoError(t, err)
			assert.Greater(t, v, v0)
			tr, err := tree.Build(rows)
			require.NoError(t, err)
			total, err := tr.Exposure(br.ID)
			require.NoError(t, err)
			assert.Equal(t, "300001.1", total.String())
			gt, err := tr.Exposure(grp.ID)
			require.NoError(t, err)
			assert.Equal(t, "300000.5", gt.String())
			root := tr.Root()
			assert.Equal(t, "示例银行", root.Name)
			g, err := tr.Get(grp.ID)
			require.NoError(t, err)
			assert.Equal(t, "500000.5", g.Limit.Decimal.String())
			bn, err := tr.Get(br.ID)
			require.NoError(t, err)
			assert.Equal(t, map[string]string{"code": "BJ01"}, bn.Attrs)

			// Changes since a version: the nodes whose row or exposure changed.
			changes, err := repo.TreeChanges(ctx, nil, v0)
			require.NoError(t, err)
			assert.Len(t, changes, 4)
			vb, err := repo.TreeVersion(ctx)
			require.NoError(t, err)
			require.NoError(t, addExposure(st, repo, b.Number.String(), 1))
			changes, err = repo.TreeChanges(ctx, nil, vb)
			require.NoError(t, err)
			require.Len(t, changes, 1)
			assert.Equal(t, b.Number.String(), changes[0].Customer)
			assert.Equal(t, "0.61", changes[0].Exposure.String())

			// Optimistic node versions.
			cur, err := repo.GetNode(ctx, grp.ID)
			require.NoError(t, err)
			cur.Name = "华辰控股集团"
			require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) error {
				v, err := repo.LockTree(ctx, tx)
				if err != nil {
					return err
				}
				_, err = repo.UpdateNodeTx(ctx, tx, v, cur, cur.Version)
				return err
			}))
			err = st.Tx(ctx, func(tx *sql.Tx) error {
				v, err := repo.LockTree(ctx, tx)
				if err != nil {
					return err
				}
				_, err = repo.UpdateNodeTx(ctx, tx, v, cur, cur.Version)
				return err
			})
			var ve *customerdb.NodeVersionError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, int64(2), ve.Actual)
			got, err := repo.GetNode(ctx, grp.ID)
			require.NoError(t, err)
			assert.Equal(t, "华辰控股集团", got.Name)
			_, err = repo.GetNode(ctx, 999)
			require.ErrorIs(t, err, tree.ErrNotFound)
		})
	}
}

func TestChildrenPages(t *testing.T) {
	st, repo := openRepo(t, storetest.SQLiteDSN(t), customerdb.Config{})
	require.NoError(t, repo.EnsureRoot(ctx, "bank"))
	names := []string{"赵", "Bob", "张", "alice", "李", "阿", "王"}
	for _, n := range names {
		addNode(t, st, repo, tree.Row{Parent: customerdb.RootID, Kind: tree.KindBranch, Name: n})
	}
	var got []string
	cursor := ""
	for range 10 {
		page, next, err := repo.Children(ctx, customerdb.RootID, 3, cursor)
		require.NoError(t, err)
		for _, n := range page {
			got = append(got, n.Name)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	assert.Equal(t, []string{"alice", "Bob", "阿", "李", "王", "张", "赵"}, got)

	other := addNode(t, st, repo, tree.Row{Parent: customerdb.RootID, Kind: tree.KindBranch, Name: "x"})
	_, next, err := repo.Children(ctx, customerdb.RootID, 1, "")
	require.NoError(t, err)
	for _, bad := range []string{"!!", "AQ", "AgEB", next + "x"} {
		_, _, err := repo.Children(ctx, other.ID, 1, bad)
		assert.ErrorIs(t, err, customerdb.ErrNodeCursor, "%q", bad)
	}
	_, _, err = repo.Children(ctx, other.ID, 1, next)
	assert.ErrorIs(t, err, customerdb.ErrNodeCursor, "a cursor of another parent")
}

func TestSearchUsesIndexes(t *testing.T) {
	st, repo := openRepo(t, storetest.SQLiteDSN(t), customerdb.Config{})
	var last customer.Customer
	for i := range 30 {
		last = addCustomerNoTree(t, repo, fmt.Sprintf("客户%02d", i), i)
	}
	_ = st
	plans, err := customerdb.ExplainSearch(ctx, repo, []customer.Query{
		{},
		{NamePrefix: "客"},
		{Pinyin: "kh"},
		{Number: last.Number.String()},
		{IDNumber: last.Individual.DocNumber, Filters: map[string]string{"status": "active"}},
		{Pinyin: "kehu", Filters: map[string]string{"branch": "BJ01", "min_age": "30"}},
		{NamePrefix: "客户", Filters: map[string]string{"branch": "BJ01", "tag": "vip"}},
		{Filters: map[string]string{"branch": "BJ01"}},
		{Mobile: "13800000000", Filters: map[string]string{"branch": "BJ01"}},
		{Mobile: "13800000000"},
	})
	require.NoError(t, err)
	for _, p := range plans {
		for _, line := range strings.Split(strings.TrimSpace(p), "\n") {
			if strings.HasPrefix(line, "SCAN") {
				assert.Contains(t, line, "INDEX", "a full scan:\n%s", p)
			}
			if !strings.Contains(p, "(number=?)") && !strings.Contains(p, "(doc_id=?)") && !strings.Contains(p, "(mobile=?)") {
				assert.NotContains(t, line, "TEMP B-TREE", "a sort of more than one exact match:\n%s", p)
			}
		}
	}
}

func addCustomerNoTree(t *testing.T, repo *customerdb.Repo, name string, seq int) customer.Customer {
	t.Helper()
	c, err := repo.Register(ctx, customertest.Person(name, customertest.ResidentID("110105", time.Date(1980, 1, 1+seq%28, 0, 0, 0, 0, time.UTC), seq), "13800000000", "BJ01", "o-1"), "o-1")
	require.NoError(t, err)
	return c
}
