package store

import (
	"context"
	"database/sql"
	"io/fs"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/server/store/storetest"
)

func fixedNow() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) }

// eachDatabase runs fn on a fresh SQLite database and, when configured, PostgreSQL.
func eachDatabase(t *testing.T, fn func(t *testing.T, dsn string)) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, db.DSN)
		})
	}
}

func open(t *testing.T, cfg Config, dsn string) *Store {
	t.Helper()
	s, err := cfg.Open(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpenMigratesAndIsIdempotent(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, Config{Now: fixedNow}, dsn)
		v, err := s.SchemaVersion(ctx)
		require.NoError(t, err)
		ms, err := loadMigrations(nil, s.Dialect())
		require.NoError(t, err)
		assert.Equal(t, len(ms), v)
		require.NoError(t, s.Close())

		again := open(t, Config{}, dsn)
		var n int
		require.NoError(t, again.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n))
		assert.Equal(t, len(ms), n, "reopening applies nothing twice")
		var at string
		require.NoError(t, again.QueryRow(ctx, `SELECT applied_at FROM schema_migrations WHERE version = ?`, 1).Scan(&at))
		assert.Equal(t, "2026-11-28T12:00:00Z", at, "the first Open's clock stamped it")
	})
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, Config{}, dsn)
		require.NoError(t, s.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, s.Rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`), 999, "0999_future.sql", "2030-01-01T00:00:00Z")
			return err
		}))
		require.NoError(t, s.Close())

		_, err := Open(ctx, dsn)
		require.ErrorIs(t, err, ErrSchemaTooNew)
	})
}

func TestOpenRefusesRenamedMigration(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dsn string) {
		s := open(t, Config{}, dsn)
		require.NoError(t, s.Close())
		// The embedded migrations with the first one renamed.
		other := fstest.MapFS{}
		entries, err := fs.ReadDir(embeddedFS, "migrations")
		require.NoError(t, err)
		for i, e := range entries {
			b, err := fs.ReadFile(embeddedFS, "migrations/"+e.Name())
			require.NoError(t, err)
			name := e.Name()
			if i == 0 {
				name = "0001_other.sql"
			}
			other[name] = &fstest.MapFile{Data: b}
		}
		_, err = Config{migrations: other}.Open(context.Background(), dsn)
		require.ErrorIs(t, err, ErrSchemaMismatch)
	})
}

func TestFailedMigrationAppliesNothing(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		broken := fstest.MapFS{
			"0001_good.sql": {Data: []byte("CREATE TABLE good (id {{serial}}, data {{blob}});")},
			"0002_bad.sql":  {Data: []byte("CREATE TABLE bad (id BIGINT PRIMARY KEY); INSERT INTO no_such_table VALUES (1);")},
		}
		_, err := Config{migrations: broken}.Open(ctx, dsn)
		var me *MigrationError
		require.ErrorAs(t, err, &me)
		assert.Equal(t, 2, me.Version)

		good := fstest.MapFS{"0001_good.sql": broken["0001_good.sql"]}
		s := open(t, Config{migrations: good}, dsn)
		v, err := s.SchemaVersion(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, v, "the failed run left no trace, so 0001 applies now")
		require.NoError(t, s.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, s.Rebind(`INSERT INTO good (data) VALUES (?)`), []byte{0, 1, 2})
			return err
		}))
		var data []byte
		require.NoError(t, s.QueryRow(ctx, `SELECT data FROM good WHERE id = ?`, 1).Scan(&data))
		assert.Equal(t, []byte{0, 1, 2}, data, "serial starts at 1 and blob round-trips")
	})
}

func TestLoadMigrationsRejectsBadSets(t *testing.T) {
	tests := []struct {
		name string
		give fstest.MapFS
	}{
		{"gap", fstest.MapFS{"0001_a.sql": {Data: []byte("SELECT 1;")}, "0003_c.sql": {Data: []byte("SELECT 1;")}}},
		{"duplicate", fstest.MapFS{"0001_a.sql": {Data: []byte("SELECT 1;")}, "0001_b.sql": {Data: []byte("SELECT 1;")}}},
		{"no number", fstest.MapFS{"first.sql": {Data: []byte("SELECT 1;")}}},
		{"short number", fstest.MapFS{"1_a.sql": {Data: []byte("SELECT 1;")}}},
		{"zero", fstest.MapFS{"0000_a.sql": {Data: []byte("SELECT 1;")}}},
		{"unknown macro", fstest.MapFS{"0001_a.sql": {Data: []byte("CREATE TABLE a (id {{uuid}});")}}},
		{"unterminated macro", fstest.MapFS{"0001_a.sql": {Data: []byte("CREATE TABLE a (id {{serial);")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadMigrations(tt.give, SQLite)
			var me *MigrationError
			require.ErrorAs(t, err, &me)
		})
	}
}

func TestEmbeddedMigrationsLoad(t *testing.T) {
	for _, d := range []Dialect{SQLite, Postgres} {
		ms, err := loadMigrations(nil, d)
		require.NoError(t, err)
		require.NotEmpty(t, ms)
		for _, m := range ms {
			assert.NotContains(t, m.sql, "{{", m.name)
		}
	}
}

func TestOpenRejectsBadDSN(t *testing.T) {
	tests := []struct {
		name string
		give string
	}{
		{"empty", ""},
		{"sqlite prefix only", "sqlite:"},
		{"memory", ":memory:"},
		{"file URI", "file:x.db?_pragma=foreign_keys(0)"},
		{"query in path", "x.db?_pragma=foreign_keys(0)"},
		{"fragment in path", "x.db#frag"},
		{"malformed postgres", "postgres://user@host:notaport/db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(context.Background(), tt.give)
			require.ErrorIs(t, err, ErrBadDSN)
		})
	}
}

func TestSQLiteConnectionSettings(t *testing.T) {
	ctx := context.Background()
	s := open(t, Config{}, storetest.SQLiteDSN(t))
	for name, db := range map[string]*sql.DB{"writer": s.writer, "reader": s.reader} {
		var mode string
		var fk, busy, sync int
		require.NoError(t, db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode), name)
		require.NoError(t, db.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk), name)
		require.NoError(t, db.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&busy), name)
		require.NoError(t, db.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync), name)
		assert.Equal(t, "wal", mode, name)
		assert.Equal(t, 1, fk, name)
		assert.Equal(t, 5000, busy, name)
		assert.Equal(t, 2, sync, name+": synchronous=FULL")
	}
	_, err := s.reader.ExecContext(ctx, `INSERT INTO sequences (name, value) VALUES ('x', 1)`)
	require.Error(t, err, "the reader pool is read-only")
	assert.Equal(t, 1, s.writer.Stats().MaxOpenConnections, "one writer")
}

func TestForeignKeysAreEnforced(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		fk := fstest.MapFS{
			"0001_sequences.sql": {Data: []byte("CREATE TABLE sequences (name TEXT NOT NULL PRIMARY KEY, value BIGINT NOT NULL);")},
			"0002_fk.sql": {Data: []byte(`CREATE TABLE parent (id BIGINT NOT NULL PRIMARY KEY);
				CREATE TABLE child (id BIGINT NOT NULL PRIMARY KEY, parent BIGINT NOT NULL REFERENCES parent (id));`)},
		}
		s := open(t, Config{migrations: fk}, dsn)
		err := s.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, s.Rebind(`INSERT INTO child (id, parent) VALUES (?, ?)`), 1, 42)
			return err
		})
		require.Error(t, err)
	})
}

func TestNextInSequenceIsUniqueUnderConcurrency(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, Config{}, dsn)
		const workers, draws = 6, 20
		var (
			mu   sync.Mutex
			seen = map[int64]bool{}
			wg   sync.WaitGroup
		)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range draws {
					var v int64
					err := s.Tx(ctx, func(tx *sql.Tx) error {
						var err error
						v, err = s.NextInSequence(ctx, tx, "customer")
						return err
					})
					if !assert.NoError(t, err) {
						return
					}
					mu.Lock()
					assert.False(t, seen[v], "drawn twice: %d", v)
					seen[v] = true
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		assert.Len(t, seen, workers*draws)
		for i := int64(1); i <= workers*draws; i++ {
			assert.True(t, seen[i], "gap at %d", i)
		}
	})
}

func TestNextInSequenceRollsBack(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, Config{}, dsn)
		draw := func(commit bool) int64 {
			var v int64
			err := s.Tx(ctx, func(tx *sql.Tx) error {
				var err error
				if v, err = s.NextInSequence(ctx, tx, "n"); err != nil {
					return err
				}
				if !commit {
					return context.Canceled
				}
				return nil
			})
			if commit {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, context.Canceled)
			}
			return v
		}
		assert.Equal(t, int64(1), draw(true))
		assert.Equal(t, int64(2), draw(false))
		assert.Equal(t, int64(2), draw(true), "a rolled-back draw is returned to the sequence")
	})
}

func TestRebind(t *testing.T) {
	tests := []struct {
		name string
		give string
		want string
	}{
		{"none", "SELECT 1", "SELECT 1"},
		{"two", "SELECT a FROM t WHERE a = ? AND b = ?", "SELECT a FROM t WHERE a = $1 AND b = $2"},
		{"string literal", "SELECT '?' , ?", "SELECT '?' , $1"},
		{"quoted identifier", `SELECT "a?" FROM t WHERE x = ?`, `SELECT "a?" FROM t WHERE x = $1`},
		{"comment", "SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2"},
		{"comment at end", "SELECT ? -- why?", "SELECT $1 -- why?"},
		{"unterminated literal", "SELECT 'a?", "SELECT 'a?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Postgres.Rebind(tt.give))
			assert.Equal(t, tt.give, SQLite.Rebind(tt.give))
		})
	}
}

func TestDialectText(t *testing.T) {
	for _, d := range []Dialect{SQLite, Postgres} {
		b, err := d.MarshalText()
		require.NoError(t, err)
		var got Dialect
		require.NoError(t, got.UnmarshalText(b))
		assert.Equal(t, d, got)
	}
	_, err := Dialect(0).MarshalText()
	require.Error(t, err)
	var d Dialect
	require.Error(t, d.UnmarshalText([]byte("mysql")))
	assert.Equal(t, "Dialect(0)", Dialect(0).String())
}

func FuzzRebind(f *testing.F) {
	for _, s := range []string{"SELECT ?", "'?'", `"?"`, "-- ?\n?", "'", "--"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		out := Postgres.Rebind(q)
		if len(out) < len(q) {
			t.Fatalf("Rebind lost bytes: %q -> %q", q, out)
		}
	})
}

// TestConcurrentOpensMigrateOnce starts several processes' worth of Open on one fresh
// database at once, as replicas starting together would: each succeeds and the migrations
// are applied once.
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		const n = 3
		type opened struct {
			s   *Store
			err error
		}
		results := make(chan opened, n)
		for range n {
			go func() {
				s, err := Open(ctx, dsn)
				results <- opened{s, err}
			}()
		}
		for range n {
			r := <-results
			require.NoError(t, r.err)
			t.Cleanup(func() { r.s.Close() })
		}
		s := open(t, Config{}, dsn)
		var count int
		require.NoError(t, s.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, 1).Scan(&count))
		assert.Equal(t, 1, count)
	})
}

// TestReadInsideAWriteTransaction checks that every open write transaction can still read
// through Query: with one connection per pool, a read inside Tx must not wait for the
// connection the transaction itself holds.
func TestReadInsideAWriteTransaction(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dsn string) {
		s := open(t, Config{MaxConns: 1}, dsn)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := s.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := s.NextInSequence(ctx, tx, "reads"); err != nil {
				return err
			}
			var n int
			return s.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
		})
		require.NoError(t, err)
	})
}

// TestPreparedReadsStayCorrect checks the statement cache: repeated reads see new data, a
// bad query still reports its error, and Close closes the cached statements.
func TestPreparedReadsStayCorrect(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s, err := Open(ctx, dsn)
		require.NoError(t, err)
		const q = `SELECT value FROM sequences WHERE name = ?`
		for want := int64(1); want <= 3; want++ {
			require.NoError(t, s.Tx(ctx, func(tx *sql.Tx) error {
				_, err := s.NextInSequence(ctx, tx, "prepared")
				return err
			}))
			var got int64
			require.NoError(t, s.QueryRow(ctx, q, "prepared").Scan(&got))
			assert.Equal(t, want, got)
		}
		assert.Equal(t, int64(1), s.nstmts.Load())
		require.Error(t, s.QueryRow(ctx, `SELECT nope FROM nowhere WHERE x = ?`, 1).Scan(new(int)))
		_, err = s.Query(ctx, `SELECT nope FROM nowhere`)
		require.Error(t, err)
		assert.Equal(t, int64(1), s.nstmts.Load(), "a query that does not prepare is not cached")
		require.NoError(t, s.Close())
		require.Error(t, s.QueryRow(ctx, q, "prepared").Scan(new(int64)), "closed")
	})
}
