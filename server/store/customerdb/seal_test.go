package customerdb

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the pre-0007 database
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/customer/customertest"
	"github.com/creditkit/creditkit/server/pii"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/storetest"
	"github.com/creditkit/creditkit/tree"
)

var sctx = context.Background()

func newRing(t testing.TB, active []byte, retired ...[]byte) *pii.Keyring {
	t.Helper()
	ring, err := pii.NewKeyring(active, retired...)
	require.NoError(t, err)
	return ring
}

func openWith(t testing.TB, dsn string, ring *pii.Keyring) (*store.Store, *Repo) {
	t.Helper()
	st, err := store.Open(sctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	r, err := New(st, Config{Keyring: ring})
	require.NoError(t, err)
	return st, r
}

// secretPerson is the i-th individual, every personal value distinctive, so a scan of the
// database for it finds nothing else; its street has characters encoding/json escapes.
func secretPerson(i int) customer.Customer {
	birth := time.Date(1971, 3, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)
	c := customertest.Person(fmt.Sprintf("秘密%d", i), customertest.ResidentID("330106", birth, 100+i),
		fmt.Sprintf("1597531%04d", i), "BJ01", "o-1")
	c.Individual.Email = fmt.Sprintf("secret.person%d@example.org", i)
	c.Individual.Address.Street = fmt.Sprintf(`紫金巷%d号 <"A&B"> 单元`, 700+i)
	return c
}

// secretCompany is the i-th enterprise, with distinctive personal values.
func secretCompany(i int) customer.Customer {
	c := customertest.Company(fmt.Sprintf("秘密公司%d", i), customertest.CreditCode(fmt.Sprintf("91330106MA2B%05d", 30000+i)), "BJ01", "o-1")
	c.Enterprise.ContactMobile = fmt.Sprintf("1867531%04d", i)
	c.Enterprise.Address.Street = fmt.Sprintf("青石街%d号", 500+i)
	return c
}

// personalValues lists the personal values of c, as a scan of the database looks for them.
func personalValues(c customer.Customer) []string {
	if in := c.Individual; in != nil {
		return []string{in.DocNumber, in.Mobile, in.Email, in.Address.Street}
	}
	e := c.Enterprise
	return []string{e.CreditCode, e.ContactMobile, e.Address.Street}
}

// tableNames lists the tables of the store's database (its schema, on PostgreSQL).
func tableNames(t testing.TB, st *store.Store) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if st.Dialect() == store.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	rows, err := st.Query(sctx, q)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		out = append(out, n)
	}
	require.NoError(t, rows.Err())
	sort.Strings(out)
	return out
}

// scanForPlaintext reads every column of every row of every table and reports each
// occurrence of a value of secrets in a text or binary column.
func scanForPlaintext(t testing.TB, st *store.Store, secrets []string) []string {
	t.Helper()
	var found []string
	tables := tableNames(t, st)
	require.Contains(t, tables, "customers")
	require.Contains(t, tables, "customer_revisions")
	for _, table := range tables {
		rows, err := st.Query(sctx, `SELECT * FROM `+table)
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			for i, v := range vals {
				var b []byte
				switch x := v.(type) {
				case string:
					b = []byte(x)
				case []byte:
					b = x
				default:
					continue
				}
				for _, s := range secrets {
					if s != "" && bytes.Contains(b, []byte(s)) {
						found = append(found, fmt.Sprintf("%s.%s holds %q", table, cols[i], s))
					}
				}
			}
		}
		require.NoError(t, rows.Err())
		rows.Close()
	}
	return found
}

// fillArchive writes customers through every write path: registrations (placed in the tree
// and not), updates of every personal field, a close and a contact. It returns the
// customers as stored and every personal value they ever held.
func fillArchive(t *testing.T, st *store.Store, r *Repo) ([]customer.Customer, []string) {
	t.Helper()
	require.NoError(t, r.EnsureRoot(sctx, "银行"))
	var (
		out     []customer.Customer
		secrets []string
	)
	for i := range 4 {
		for _, c := range []customer.Customer{secretPerson(i), secretCompany(i)} {
			secrets = append(secrets, personalValues(c)...)
			d, err := r.Prepare(c)
			require.NoError(t, err)
			var stored customer.Customer
			require.NoError(t, st.Tx(sctx, func(tx *sql.Tx) error {
				if i%2 == 0 {
					stored, err = r.RegisterTx(sctx, tx, d, "o-1", 0)
					return err
				}
				v, err := r.LockTree(sctx, tx)
				if err != nil {
					return err
				}
				id, err := r.NextNodeID(sctx, tx)
				if err != nil {
					return err
				}
				if stored, err = r.RegisterTx(sctx, tx, d, "o-1", id); err != nil {
					return err
				}
				_, err = r.InsertNodeTx(sctx, tx, v, tree.Row{ID: id, Parent: RootID, Kind: tree.KindCustomer,
					Name: stored.Name(), Customer: stored.Number.String()})
				return err
			}))
			out = append(out, stored)
		}
	}
	// Change every personal field of two customers.
	p := out[0]
	p.Individual.DocNumber = customertest.ResidentID("110108", p.Individual.BirthDate, 300) // same birth and gender
	p.Individual.Mobile, p.Individual.Email = "15975319999", "changed.person@example.org"
	p.Individual.Address.Street = "新改路99号"
	secrets = append(secrets, personalValues(p)...)
	p, err := r.Update(sctx, p, "o-1")
	require.NoError(t, err)
	out[0] = p
	e := out[1]
	e.Enterprise.CreditCode = customertest.CreditCode("91330106MA2B99999")
	e.Enterprise.ContactMobile, e.Enterprise.Address.Street = "18675319999", "新改街88号"
	secrets = append(secrets, personalValues(e)...)
	e, err = r.Update(sctx, e, "o-1")
	require.NoError(t, err)
	out[1] = e
	closed, err := r.Close(sctx, out[2].Number, out[2].Version, "o-1")
	require.NoError(t, err)
	out[2] = closed
	_, err = r.AddContact(sctx, out[3].Number, customer.Contact{Officer: "o-1", Channel: customer.ChannelPhone, Note: "called"})
	require.NoError(t, err)
	return out, secrets
}

func TestNothingInPlaintext(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			ring := newRing(t, pii.GenerateKey())
			st, r := openWith(t, db.DSN, ring)
			stored, secrets := fillArchive(t, st, r)
			assert.Empty(t, scanForPlaintext(t, st, secrets), "no personal value in plaintext in any table")

			// Everything reads back opened.
			for _, c := range stored {
				got, err := r.Get(sctx, c.Number)
				require.NoError(t, err)
				assert.Equal(t, c, got)
				raw, err := r.GetJSON(sctx, c.Number)
				require.NoError(t, err)
				want, err := json.Marshal(c)
				require.NoError(t, err)
				assert.Equal(t, string(want), string(raw.JSON), "GetJSON is what encoding/json writes for the customer")
			}
			hist, err := r.History(sctx, stored[0].Number)
			require.NoError(t, err)
			require.Len(t, hist, 2)
			assert.Contains(t, hist[1].Changes, customer.Change{Path: "individual.mobile", Old: "15975310000", New: "15975319999"})
			assert.Contains(t, hist[1].Changes, customer.Change{Path: "individual.address.street", Old: `紫金巷700号 <"A&B"> 单元`, New: "新改路99号"})
			hist, err = r.History(sctx, stored[1].Number)
			require.NoError(t, err)
			assert.Contains(t, hist[1].Changes, customer.Change{Path: "enterprise.contact_mobile", Old: "18675310000", New: "18675319999"})

			// Exact searches go through the blind indexes.
			for _, q := range []customer.Query{
				{Mobile: "15975319999"}, {Mobile: "+8615975319999"}, {IDNumber: strings.ToLower(stored[0].Individual.DocNumber)},
				{CreditCode: stored[1].Enterprise.CreditCode}, {Mobile: "18675319999"},
			} {
				p, err := r.Search(sctx, q)
				require.NoError(t, err)
				require.Len(t, p.Customers, 1, "%+v", q)
				raws, _, err := r.SearchJSON(sctx, q)
				require.NoError(t, err)
				require.Len(t, raws, 1)
				want, _ := json.Marshal(p.Customers[0])
				assert.Equal(t, string(want), string(raws[0].JSON))
			}
			p, err := r.Search(sctx, customer.Query{Mobile: "15975310000"})
			require.NoError(t, err)
			assert.Empty(t, p.Customers, "the old mobile is no longer indexed")
			all, err := r.List(sctx, 50, "")
			require.NoError(t, err)
			assert.Len(t, all.Customers, len(stored))

			// Duplicates are still found, for registrations and updates.
			var dup *customer.DuplicateError
			_, err = r.Register(sctx, secretPerson(1), "o-1")
			require.ErrorAs(t, err, &dup)
			assert.Equal(t, stored[2].Number, dup.Existing)
			_, err = r.Register(sctx, secretCompany(3), "o-1")
			require.ErrorAs(t, err, &dup)
			assert.Equal(t, stored[7].Number, dup.Existing)
			c := stored[4]
			c.Individual.DocNumber = stored[0].Individual.DocNumber
			c.Individual.BirthDate, c.Individual.Gender = stored[0].Individual.BirthDate, stored[0].Individual.Gender
			_, err = r.Update(sctx, c, "o-1")
			require.ErrorAs(t, err, &dup)
			assert.Equal(t, stored[0].Number, dup.Existing)
		})
	}
}

// TestSealedValuesAreBound moves a sealed value to another row and to another field: it
// no longer opens.
func TestSealedValuesAreBound(t *testing.T) {
	ring := newRing(t, pii.GenerateKey())
	st, r := openWith(t, storetest.SQLiteDSN(t), ring)
	a, err := r.Register(sctx, secretPerson(1), "o-1")
	require.NoError(t, err)
	b, err := r.Register(sctx, secretPerson(2), "o-1")
	require.NoError(t, err)
	sealedMobile := func(n customer.Number) string {
		var data string
		require.NoError(t, st.QueryRow(sctx, `SELECT data FROM customers WHERE number = ?`, n.String()).Scan(&data))
		var c customer.Customer
		require.NoError(t, json.Unmarshal([]byte(data), &c))
		return c.Individual.Mobile
	}
	ma, mb := sealedMobile(a.Number), sealedMobile(b.Number)
	require.True(t, strings.HasPrefix(ma, "v1."+ring.ActiveID()+"."), ma)
	replace := func(n customer.Number, from, to string) {
		require.NoError(t, st.Tx(sctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(sctx, st.Rebind(`UPDATE customers SET data = REPLACE(data, ?, ?) WHERE number = ?`), from, to, n.String())
			return err
		}))
	}
	replace(b.Number, mb, ma)
	_, err = r.Get(sctx, b.Number)
	require.ErrorIs(t, err, pii.ErrDecrypt, "another row's value")
	_, err = r.GetJSON(sctx, b.Number)
	require.ErrorIs(t, err, pii.ErrDecrypt)
	_, _, err = r.SearchJSON(sctx, customer.Query{Mobile: a.Individual.Mobile})
	require.NoError(t, err, "a's own row is intact")
	replace(b.Number, ma, mb)
	got, err := r.Get(sctx, b.Number)
	require.NoError(t, err)
	assert.Equal(t, b, got)

	var data string
	require.NoError(t, st.QueryRow(sctx, `SELECT data FROM customers WHERE number = ?`, a.Number.String()).Scan(&data))
	var sealed customer.Customer
	require.NoError(t, json.Unmarshal([]byte(data), &sealed))
	replace(a.Number, sealed.Individual.Email, ma) // a's mobile in a's e-mail field
	_, err = r.Get(sctx, a.Number)
	require.ErrorIs(t, err, pii.ErrDecrypt, "another field's value")

	_, err = New(st, Config{})
	require.Error(t, err, "a Keyring is required")
	other := newRing(t, pii.GenerateKey())
	r2, err := New(st, Config{Keyring: other})
	require.NoError(t, err)
	_, err = r2.Get(sctx, b.Number)
	require.ErrorIs(t, err, pii.ErrUnknownKey, "a keyring without the key opens nothing")
}

// TestOpenJSONEscapes checks openJSON against encoding/json for values it must escape.
func TestOpenJSONEscapes(t *testing.T) {
	ring := newRing(t, pii.GenerateKey())
	for _, street := range []string{"plain 1", `<script>&"\`, "\u2028\u2029\x01\t", "北京\xff路", "a\"b"} {
		c := secretPerson(3)
		c.Number, _ = customer.NewNumber(customer.KindIndividual, 42)
		c.Individual.Address.Street = street
		c.Individual.Email = ""
		sealed, err := sealCustomer(ring, c)
		require.NoError(t, err)
		got, err := openJSON(ring, c.Number, sealed)
		require.NoError(t, err)
		want, err := json.Marshal(c)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got), "%q", street)
	}
	e := secretCompany(1)
	e.Number, _ = customer.NewNumber(customer.KindEnterprise, 7)
	sealed, err := sealCustomer(ring, e)
	require.NoError(t, err)
	got, err := openJSON(ring, e.Number, sealed)
	require.NoError(t, err)
	want, _ := json.Marshal(e)
	assert.Equal(t, string(want), string(got))
}

// legacyMacros are store's migration macros, for building a database as a binary before
// migration 0007 did.
var legacyMacros = map[string][2]string{
	"serial": {"INTEGER PRIMARY KEY AUTOINCREMENT", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"},
	"blob":   {"BLOB", "BYTEA"},
}

// createLegacyDatabase creates the schema of migrations 0001 to 0006 — a database of the
// binary before personal data was sealed — and returns a connection to it.
func createLegacyDatabase(t *testing.T, name, dsn string) *sql.DB {
	t.Helper()
	driver, src, pg := "sqlite", dsn, name == "postgres"
	if pg {
		driver = "pgx"
	}
	db, err := sql.Open(driver, src)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	_, err = db.ExecContext(sctx, `CREATE TABLE schema_migrations (version BIGINT NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`)
	require.NoError(t, err)
	files, err := filepath.Glob("../migrations/*.sql")
	require.NoError(t, err)
	sort.Strings(files)
	for _, f := range files {
		base := filepath.Base(f)
		if base >= "0007" {
			break
		}
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		q := string(b)
		for m, v := range legacyMacros {
			q = strings.ReplaceAll(q, "{{"+m+"}}", v[map[bool]int{false: 0, true: 1}[pg]])
		}
		_, err = db.ExecContext(sctx, q)
		require.NoError(t, err, base)
		var version int
		_, err = fmt.Sscanf(base, "%04d", &version)
		require.NoError(t, err)
		ins := `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`
		if pg {
			ins = store.Postgres.Rebind(ins)
		}
		_, err = db.ExecContext(sctx, ins, version, base, time.Now().UTC().Format(time.RFC3339Nano))
		require.NoError(t, err)
	}
	return db
}

// legacyRegister writes c and its revisions the way customerdb did before migration 0007:
// every column and the JSON in plaintext. updates are later versions of c (number set by
// legacyRegister), each stored with its revision.
func legacyRegister(t *testing.T, db *sql.DB, pg bool, r *Repo, seq int, c customer.Customer, updates ...func(*customer.Customer)) customer.Customer {
	t.Helper()
	bind := store.SQLite.Rebind
	if pg {
		bind = store.Postgres.Rebind
	}
	c = normalize(c)
	num, err := customer.NewNumber(c.Kind, uint64(seq))
	require.NoError(t, err)
	now := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	c.Number, c.Status, c.Version, c.CreatedAt, c.UpdatedAt = num, customer.StatusActive, 1, now, now
	plainKeys := func(c customer.Customer) keys {
		k := r.keysOf(c)
		k.identity, k.docID, k.mobile = identityOf(c)
		return k
	}
	k := plainKeys(c)
	data, err := json.Marshal(c)
	require.NoError(t, err)
	_, err = db.ExecContext(sctx, bind(`INSERT INTO customers (number, ord, kind, status, name, name_key, prefix_key, branch, officer,
		identity, doc_id, mobile, birth, region, node, version, created_at, updated_at, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		num.String(), ord(num), c.Kind.String(), c.Status.String(), k.name, k.nameKey, k.prefixKey,
		c.Branch, c.Officer, k.identity, k.docID, k.mobile, k.birth, k.region, nil,
		c.Version, now.UnixNano(), now.UnixNano(), string(data))
	require.NoError(t, err)
	for _, s := range k.spellings {
		_, err = db.ExecContext(sctx, bind(`INSERT INTO customer_spellings (spelling, ord) VALUES (?, ?)`), s, ord(num))
		require.NoError(t, err)
	}
	rev := func(version int64, action string, changes []customer.Change) {
		if changes == nil {
			changes = []customer.Change{}
		}
		b, err := json.Marshal(changes)
		require.NoError(t, err)
		_, err = db.ExecContext(sctx, bind(`INSERT INTO customer_revisions (number, version, at, actor, action, changes)
			VALUES (?, ?, ?, ?, ?, ?)`), num.String(), version, now.UnixNano(), "legacy", action, string(b))
		require.NoError(t, err)
	}
	rev(1, "register", nil)
	for _, u := range updates {
		old := c.Clone()
		u(&c)
		c = normalize(c)
		c.Version++
		k := plainKeys(c)
		data, err := json.Marshal(c)
		require.NoError(t, err)
		_, err = db.ExecContext(sctx, bind(`UPDATE customers SET identity = ?, doc_id = ?, mobile = ?, version = ?, data = ? WHERE ord = ?`),
			k.identity, k.docID, k.mobile, c.Version, string(data), ord(num))
		require.NoError(t, err)
		rev(c.Version, "update", customer.Diff(old, c))
	}
	return c
}

// TestPlaintextRowsAreSealedOnOpen builds a database as the binary before migration 0007
// left it — plaintext columns, JSON and revisions — then opens it: Open applies 0007 and
// New seals every row, losing nothing.
func TestPlaintextRowsAreSealedOnOpen(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			pg := db.Name == "postgres"
			legacy := createLegacyDatabase(t, db.Name, db.DSN)
			ring := newRing(t, pii.GenerateKey())
			helper := &Repo{idx: customer.NewIndexer(), ring: ring}
			var (
				want    []customer.Customer
				secrets []string
			)
			for i := range 7 {
				c := secretPerson(i)
				secrets = append(secrets, personalValues(c)...)
				var updates []func(*customer.Customer)
				if i%3 == 0 {
					updates = append(updates, func(c *customer.Customer) {
						c.Individual.Mobile = fmt.Sprintf("1597532%04d", i)
						c.Individual.Address.Street = fmt.Sprintf("旧改路%d号", i)
					})
					secrets = append(secrets, fmt.Sprintf("1597532%04d", i), fmt.Sprintf("旧改路%d号", i))
				}
				want = append(want, legacyRegister(t, legacy, pg, helper, i+1, c, updates...))
				e := secretCompany(i)
				secrets = append(secrets, personalValues(e)...)
				want = append(want, legacyRegister(t, legacy, pg, helper, i+1, e))
			}
			for _, kind := range []string{"individual", "enterprise"} {
				_, err := legacy.ExecContext(sctx, `INSERT INTO sequences (name, value) VALUES ('customer.`+kind+`', 7)`)
				require.NoError(t, err)
			}
			{
				var changes string
				require.NoError(t, legacy.QueryRowContext(sctx, `SELECT changes FROM customer_revisions WHERE version = 2 ORDER BY number LIMIT 1`).Scan(&changes))
				require.Contains(t, changes, "1597532", "the legacy revision holds plaintext")
			}
			require.NoError(t, legacy.Close())

			st, err := store.Open(sctx, db.DSN)
			require.NoError(t, err)
			t.Cleanup(func() { st.Close() })
			require.NotEmpty(t, scanForPlaintext(t, st, secrets), "migration 0007 alone seals nothing")
			r, err := New(st, Config{Keyring: ring})
			require.NoError(t, err)
			assert.Empty(t, scanForPlaintext(t, st, secrets), "New sealed every row")
			var unsealed int
			require.NoError(t, st.QueryRow(sctx, `SELECT (SELECT COUNT(*) FROM customers WHERE pii_key IS NULL) +
				(SELECT COUNT(*) FROM customer_revisions WHERE pii_key IS NULL)`).Scan(&unsealed))
			assert.Zero(t, unsealed)
			n, err := r.SealPlaintext(sctx)
			require.NoError(t, err)
			assert.Zero(t, n, "sealing again finds nothing")

			for _, c := range want {
				got, err := r.Get(sctx, c.Number)
				require.NoError(t, err)
				assert.Equal(t, c, got, "nothing lost")
				p, err := r.Search(sctx, customer.Query{Mobile: mobileOf(c)})
				require.NoError(t, err)
				require.Len(t, p.Customers, 1)
				assert.Equal(t, c.Number, p.Customers[0].Number)
			}
			hist, err := r.History(sctx, want[0].Number)
			require.NoError(t, err)
			require.Len(t, hist, 2)
			assert.Contains(t, hist[1].Changes, customer.Change{Path: "individual.mobile", Old: "15975310000", New: "15975320000"})
			var dup *customer.DuplicateError
			_, err = r.Register(sctx, secretPerson(5), "o-1")
			require.ErrorAs(t, err, &dup, "duplicates of sealed legacy rows are found")
			assert.Equal(t, want[10].Number, dup.Existing)
			fresh, err := r.Register(sctx, secretPerson(50), "o-1")
			require.NoError(t, err)
			assert.Equal(t, uint64(9), fresh.Number.Sequence(),
				"the sequences carry on after 7, past the 8 the refused duplicate drew ahead")
		})
	}
}

func mobileOf(c customer.Customer) string {
	if c.Individual != nil {
		return c.Individual.Mobile
	}
	return c.Enterprise.ContactMobile
}

// TestRotation re-seals an archive under a new key with pii.Rotate and the Rotators: while
// it runs, searches and duplicate checks see rows under either key; afterwards the old key
// is retired and not needed any more.
func TestRotation(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			oldKey, newKey := pii.GenerateKey(), pii.GenerateKey()
			oldRing := newRing(t, oldKey)
			st, r := openWith(t, db.DSN, oldRing)
			require.NoError(t, pii.CheckKeys(sctx, st, oldRing, time.Now()))
			stored, secrets := fillArchive(t, st, r)

			both := newRing(t, newKey, oldKey)
			r2, err := New(st, Config{Keyring: both})
			require.NoError(t, err)
			// Mid-rotation: rows under the old key are found and guard their identity.
			p, err := r2.Search(sctx, customer.Query{Mobile: "15975319999"})
			require.NoError(t, err)
			require.Len(t, p.Customers, 1)
			var dup *customer.DuplicateError
			_, err = r2.Register(sctx, secretPerson(3), "o-1")
			require.ErrorAs(t, err, &dup, "an identity indexed under the old key is a duplicate")
			assert.Equal(t, stored[6].Number, dup.Existing)
			extra, err := r2.Register(sctx, secretPerson(9), "o-1")
			require.NoError(t, err)
			secrets = append(secrets, personalValues(extra)...)

			// One batch by hand, then the whole rotation resumes.
			rots := Rotators(st)
			next, changed, err := rots[0].RotateBatch(sctx, both, "", 2)
			require.NoError(t, err)
			assert.Equal(t, 2, changed)
			assert.NotEmpty(t, next)
			rep, err := pii.Rotate(sctx, st, both, rots, pii.RotateConfig{Batch: 3})
			require.NoError(t, err)
			assert.Equal(t, len(stored)-2, rep.Changed["customers"], "the rest of the customers; the new one was sealed under the new key")
			assert.Equal(t, 2, rep.Changed["customer_revisions"], "the two updates changed personal values")
			assert.Equal(t, []string{oldRing.ActiveID()}, rep.Retired)
			rep, err = pii.Rotate(sctx, st, both, rots, pii.RotateConfig{Batch: 3})
			require.NoError(t, err)
			assert.Zero(t, rep.Changed["customers"]+rep.Changed["customer_revisions"], "nothing left to re-seal")

			var keys []string
			rows, err := st.Query(sctx, `SELECT DISTINCT pii_key FROM customers UNION SELECT DISTINCT pii_key FROM customer_revisions WHERE pii_key <> ''`)
			require.NoError(t, err)
			for rows.Next() {
				var k sql.NullString
				require.NoError(t, rows.Scan(&k))
				keys = append(keys, k.String)
			}
			rows.Close()
			assert.Equal(t, []string{both.ActiveID()}, keys)
			assert.Empty(t, scanForPlaintext(t, st, secrets))

			// The old key is gone: everything opens and is found with the new key alone.
			newOnly := newRing(t, newKey)
			require.NoError(t, pii.CheckKeys(sctx, st, newOnly, time.Now()))
			r3, err := New(st, Config{Keyring: newOnly})
			require.NoError(t, err)
			for _, c := range stored {
				got, err := r3.Get(sctx, c.Number)
				require.NoError(t, err)
				assert.Equal(t, c, got)
				_, err = r3.History(sctx, c.Number)
				require.NoError(t, err)
				p, err := r3.Search(sctx, customer.Query{Mobile: mobileOf(c)})
				require.NoError(t, err)
				require.Len(t, p.Customers, 1)
				assert.Equal(t, c.Number, p.Customers[0].Number)
			}
			hist, err := r3.History(sctx, stored[0].Number)
			require.NoError(t, err)
			assert.Contains(t, hist[1].Changes, customer.Change{Path: "individual.mobile", Old: "15975310000", New: "15975319999"})
			_, err = r3.Register(sctx, secretPerson(1), "o-1")
			require.ErrorAs(t, err, &dup, "identities are guarded under the new key")

			_, _, err = rots[0].RotateBatch(sctx, both, "not a cursor", 2)
			require.Error(t, err)
			_, _, err = rots[1].RotateBatch(sctx, both, "P1", 2)
			require.Error(t, err)
		})
	}
}

// TestRotationWithConcurrentWrites rotates while customers are updated: no update is lost
// and every row ends under the new key.
func TestRotationWithConcurrentWrites(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			oldKey, newKey := pii.GenerateKey(), pii.GenerateKey()
			st, r := openWith(t, db.DSN, newRing(t, oldKey))
			var stored []customer.Customer
			for i := range 30 {
				c, err := r.Register(sctx, secretPerson(i), "o-1")
				require.NoError(t, err)
				stored = append(stored, c)
			}
			both := newRing(t, newKey, oldKey)
			r2, err := New(st, Config{Keyring: both})
			require.NoError(t, err)
			done := make(chan error, 1)
			go func() {
				_, err := pii.Rotate(sctx, st, both, Rotators(st), pii.RotateConfig{Batch: 4})
				done <- err
			}()
			for round := range 3 {
				for i := range stored {
					c := stored[i]
					c.Individual.Mobile = fmt.Sprintf("1597533%02d%02d", round, i)
					c, err := r2.Update(sctx, c, "o-1")
					require.NoError(t, err)
					stored[i] = c
				}
			}
			require.NoError(t, <-done)
			_, err = pii.Rotate(sctx, st, both, Rotators(st), pii.RotateConfig{})
			require.NoError(t, err)
			r3, err := New(st, Config{Keyring: newRing(t, newKey)})
			require.NoError(t, err)
			for _, c := range stored {
				got, err := r3.Get(sctx, c.Number)
				require.NoError(t, err)
				assert.Equal(t, c, got, "the update survived the rotation")
				hist, err := r3.History(sctx, c.Number)
				require.NoError(t, err)
				assert.Len(t, hist, 4)
				p, err := r3.Search(sctx, customer.Query{Mobile: c.Individual.Mobile})
				require.NoError(t, err)
				require.Len(t, p.Customers, 1)
			}
		})
	}
}
