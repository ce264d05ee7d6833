package customerdb_test

import (
	"database/sql"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/server/store/customerdb"
	"github.com/creditkit/creditkit/server/store/storetest"
	"github.com/creditkit/creditkit/tree"
)

func TestLinksPersistence(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			st, repo := openRepo(t, db.DSN, customerdb.Config{})
			require.NoError(t, repo.EnsureRoot(ctx, "示例银行"))
			br := addNode(t, st, repo, tree.Row{Parent: customerdb.RootID, Kind: tree.KindBranch, Name: "北京分行"})
			a := addCustomer(t, st, repo, "张三", 11, br.ID).Number.String()
			b := addCustomer(t, st, repo, "李四", 13, br.ID).Number.String()
			write := func(fn func(tx *sql.Tx, v int64) error) int64 {
				var v int64
				require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) (err error) {
					if v, err = repo.LockTree(ctx, tx); err != nil {
						return err
					}
					return fn(tx, v)
				}))
				return v
			}
			lv0, err := repo.LinksVersion(ctx, nil)
			require.NoError(t, err)
			assert.Zero(t, lv0)

			// A symmetric link written in either order is one row, in canonical order.
			hi, lo := max(a, b), min(a, b)
			v1 := write(func(tx *sql.Tx, v int64) error {
				l, prev, err := repo.PutLinkTx(ctx, tx, v, tree.Link{From: hi, To: lo, Kind: tree.LinkMutualGuarantee}, "u1")
				assert.Nil(t, prev)
				assert.Equal(t, lo, l.From)
				return err
			})
			write(func(tx *sql.Tx, v int64) error {
				_, prev, err := repo.PutLinkTx(ctx, tx, v, tree.Link{From: lo, To: hi, Kind: tree.LinkMutualGuarantee}, "u2")
				require.NotNil(t, prev)
				assert.Equal(t, "u1", prev.CreatedBy)
				return err
			})
			// Control is directed and keeps its share.
			v3 := write(func(tx *sql.Tx, v int64) error {
				_, _, err := repo.PutLinkTx(ctx, tx, v, tree.Link{From: b, To: a, Kind: tree.LinkControl, Share: decimal.RequireFromString("0.6")}, "u1")
				return err
			})
			assert.Greater(t, v3, v1)
			tv, err := repo.TreeVersion(ctx)
			require.NoError(t, err)
			lv, ls, err := repo.LoadLinks(ctx, nil)
			require.NoError(t, err)
			assert.Equal(t, tv, lv, "a link write stamps the tree version it locked")
			require.Len(t, ls, 2)
			assert.Equal(t, tree.LinkControl, ls[0].Kind)
			assert.Equal(t, "0.6", ls[0].Share.String())
			assert.Equal(t, "u2", ls[1].CreatedBy)
			of, err := repo.LinksOf(ctx, a)
			require.NoError(t, err)
			assert.Len(t, of, 2)

			// The links build into a tree.
			_, rows, err := repo.LoadTree(ctx)
			require.NoError(t, err)
			tr, err := tree.Build(rows)
			require.NoError(t, err)
			for _, l := range ls {
				require.NoError(t, tr.Link(l.Link))
			}
			assert.Len(t, tr.Links(a), 2)

			// Delete either order; a missing link is ErrNoLink.
			write(func(tx *sql.Tx, v int64) error {
				old, err := repo.DeleteLinkTx(ctx, tx, v, hi, lo, tree.LinkMutualGuarantee)
				assert.Equal(t, lo, old.From)
				return err
			})
			require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) error {
				v, err := repo.LockTree(ctx, tx)
				require.NoError(t, err)
				_, err = repo.DeleteLinkTx(ctx, tx, v, a, b, tree.LinkControl)
				assert.ErrorIs(t, err, customerdb.ErrNoLink, "control is directed: a does not control b")
				return nil
			}))
			_, ls, err = repo.LoadLinks(ctx, nil)
			require.NoError(t, err)
			assert.Len(t, ls, 1)
		})
	}
}
