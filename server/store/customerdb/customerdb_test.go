package customerdb_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/customer/customertest"
	"github.com/creditkit/creditkit/server/pii"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/customerdb"
	"github.com/creditkit/creditkit/server/store/storetest"
)

// testRing is a keyring with a fresh key for one test.
func testRing(t testing.TB) *pii.Keyring {
	t.Helper()
	ring, err := pii.NewKeyring(pii.GenerateKey())
	require.NoError(t, err)
	return ring
}

// openRepo opens a fresh database of db's kind for one test; a nil cfg.Keyring gets a
// fresh key.
func openRepo(t testing.TB, dsn string, cfg customerdb.Config) (*store.Store, *customerdb.Repo) {
	t.Helper()
	if cfg.Keyring == nil {
		cfg.Keyring = testRing(t)
	}
	st, err := store.Open(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	repo, err := customerdb.New(st, cfg)
	require.NoError(t, err)
	return st, repo
}

func TestConformance(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			customertest.Run(t, func(t *testing.T) customer.Store {
				dsn := storetest.SQLiteDSN(t)
				if db.Name == "postgres" {
					dsn, _ = storetest.PostgresDSN(t)
				}
				_, repo := openRepo(t, dsn, customerdb.Config{})
				return repo
			})
		})
	}
}
