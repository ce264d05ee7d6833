package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/customer/customertest"
	"github.com/creditkit/creditkit/server/pii"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/customerdb"
)

// TestRotateDataCustomers runs creditkit keys rotate-data over a real customer archive:
// every customer and revision is re-sealed under the new key, the old key is retired, and
// with the new key alone every customer opens and is found by its mobile.
func TestRotateDataCustomers(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	oldKey, newKey := pii.GenerateKey(), pii.GenerateKey()
	oldRing, err := pii.NewKeyring(oldKey)
	require.NoError(t, err)

	st, err := store.Open(ctx, filepath.Join(dir, "creditkit.db"))
	require.NoError(t, err)
	require.NoError(t, pii.CheckKeys(ctx, st, oldRing, timeNow()))
	repo, err := customerdb.New(st, customerdb.Config{Keyring: oldRing})
	require.NoError(t, err)
	var stored []customer.Customer
	for i := range 7 {
		id := customertest.ResidentID("110105", time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i), i+1)
		c, err := repo.Register(ctx, customertest.Person(fmt.Sprintf("轮换%d", i), id, fmt.Sprintf("1391234%04d", i), "BJ01", "o-1"), "test")
		require.NoError(t, err)
		stored = append(stored, c)
	}
	c := stored[0]
	c.Individual.Mobile = "13912349999"
	c, err = repo.Update(ctx, c, "test")
	require.NoError(t, err)
	stored[0] = c
	require.NoError(t, st.Close())

	env := map[string]string{pii.EnvDataKey: pii.EncodeKey(newKey) + "," + pii.EncodeKey(oldKey)}
	out, _, code, err := runSecurityCmd(keysCmd(env), "rotate-data", "--batch", "3", "--data", dir)
	require.NoError(t, err, out)
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "customers: 7 row(s) re-encrypted")
	assert.Contains(t, out, "customer_revisions: 1 row(s) re-encrypted", "the update changed a mobile")
	assert.Contains(t, out, "retired key(s) ["+oldRing.ActiveID()+"]")

	out, _, _, err = runSecurityCmd(keysCmd(env), "rotate-data", "--data", dir)
	require.NoError(t, err, out)
	assert.Contains(t, out, "customers: 0 row(s) re-encrypted", "running it again finds nothing to do")

	newOnly, err := pii.NewKeyring(newKey)
	require.NoError(t, err)
	st, err = store.Open(ctx, filepath.Join(dir, "creditkit.db"))
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, pii.CheckKeys(ctx, st, newOnly, timeNow()), "the old key is no longer needed")
	repo, err = customerdb.New(st, customerdb.Config{Keyring: newOnly})
	require.NoError(t, err)
	for _, c := range stored {
		p, err := repo.Search(ctx, customer.Query{Mobile: c.Individual.Mobile})
		require.NoError(t, err)
		require.Len(t, p.Customers, 1, c.Individual.Mobile)
		assert.Equal(t, c, p.Customers[0])
	}
	hist, err := repo.History(ctx, stored[0].Number)
	require.NoError(t, err)
	require.Len(t, hist, 2)
	assert.Equal(t, []customer.Change{{Path: "individual.mobile", Old: "13912340000", New: "13912349999"}}, hist[1].Changes)
	var data string
	require.NoError(t, st.QueryRow(ctx, `SELECT data FROM customers WHERE number = ?`, stored[3].Number.String()).Scan(&data))
	assert.NotContains(t, data, stored[3].Individual.Mobile)
	assert.True(t, strings.Contains(data, `"mobile":"v1.`+newOnly.ActiveID()+`.`), data)
}
