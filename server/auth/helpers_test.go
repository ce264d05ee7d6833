package auth

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/server/audit"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/storetest"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var admin = perm.Admin("root", "Root")

type fixture struct {
	st    *store.Store
	clock *fakeClock
	trail *audit.Log
	keys  *KeyStore
	roles *RoleStore
}

func newFixture(t testing.TB, dsn string) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	clock := newFakeClock()
	trail := audit.New(st, audit.Config{Now: clock.Now})
	cfg := KeyStoreConfig{Audit: trail, Now: clock.Now}
	f := &fixture{st: st, clock: clock, trail: trail, keys: NewKeyStore(st, cfg), roles: NewRoleStore(st, cfg)}
	// The bank (1), a branch (2) under it and a group (3) under the branch, written the
	// way the tree repository writes them.
	require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) error {
		for _, n := range []struct {
			id     int64
			parent any
			kind   string
		}{{1, nil, "bank"}, {2, int64(1), "branch"}, {3, int64(2), "group"}} {
			if _, err := tx.ExecContext(ctx, st.Rebind(`INSERT INTO tree_nodes (id, parent, kind, name, name_key, customer, attrs,
				credit_limit, version, changed, created_at, updated_at) VALUES (?, ?, ?, ?, ?, NULL, '{}', NULL, 1, 0, 0, 0)`),
				n.id, n.parent, n.kind, n.kind, []byte(n.kind)); err != nil {
				return err
			}
		}
		return nil
	}))
	return f
}

func sqliteFixture(t testing.TB) *fixture { return newFixture(t, storetest.SQLiteDSN(t)) }

func headers(h map[string]string) func(string) string {
	return func(name string) string { return h[name] }
}

func bearer(token string) func(string) string {
	return headers(map[string]string{"Authorization": "Bearer " + token})
}
