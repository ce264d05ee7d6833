package customerdb_test

import (
	"context"
	"database/sql"
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

// TestRefMatchesTheCustomer checks Ref against the stored customer it stands for, for both
// kinds, before and after an update, and for a missing number.
func TestRefMatchesTheCustomer(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			ctx := context.Background()
			st, repo := openRepo(t, db.DSN, customerdb.Config{})
			person, err := repo.Register(ctx, customertest.Person("张三", "11010519491231002X", "13800138000", "BJ01", "o-7"), "test")
			require.NoError(t, err)
			company, err := repo.Register(ctx, customertest.Company("华辰控股集团有限公司", customertest.CreditCode("91330106MA2B30000"), "SH02", "o-3"), "test")
			require.NoError(t, err)
			check := func(c customer.Customer) {
				t.Helper()
				rec, err := repo.Lookup(ctx, c.Number)
				require.NoError(t, err)
				ref, err := repo.Ref(ctx, c.Number)
				require.NoError(t, err)
				province := ""
				if c.Individual != nil {
					province = c.Individual.Address.Province
				} else {
					province = c.Enterprise.Address.Province
				}
				require.Equal(t, customerdb.Ref{Number: c.Number, Kind: c.Kind, Status: rec.Customer.Status,
					Branch: rec.Customer.Branch, Officer: rec.Customer.Officer, Region: province, Node: rec.Node}, ref)
				require.NotEmpty(t, ref.Region)
			}
			check(person)
			check(company)
			person.Branch, person.Officer, person.Individual.Address.Province = "GZ03", "o-9", "广东省"
			person, err = repo.Update(ctx, person, "test")
			require.NoError(t, err)
			check(person)
			closed, err := repo.Close(ctx, company.Number, company.Version, "test")
			require.NoError(t, err)
			ref, err := repo.Ref(ctx, closed.Number)
			require.NoError(t, err)
			require.Equal(t, customer.StatusClosed, ref.Status)

			missing, err := customer.NewNumber(customer.KindIndividual, 999_999)
			require.NoError(t, err)
			_, err = repo.Ref(ctx, missing)
			require.ErrorIs(t, err, customer.ErrNotFound)

			// RefsTx reads the same references in a transaction: many numbers, repeated,
			// over three queries, the missing one absent.
			want := map[customer.Number]customerdb.Ref{}
			for _, n := range []customer.Number{person.Number, company.Number} {
				want[n], err = repo.Ref(ctx, n)
				require.NoError(t, err)
			}
			var ns []customer.Number
			for range 200 {
				ns = append(ns, missing, company.Number, person.Number)
			}
			var got map[customer.Number]customerdb.Ref
			require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) error { got, err = repo.RefsTx(ctx, tx, ns); return err }))
			require.Equal(t, want, got)
			require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) error { got, err = repo.RefsTx(ctx, tx, ns[:1]); return err }))
			require.Empty(t, got)
		})
	}
}
