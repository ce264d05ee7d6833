// Package storetest gives tests fresh, isolated databases for server/store: an SQLite file
// in t.TempDir() always, and a private schema on the PostgreSQL named by the
// CREDITKIT_TEST_POSTGRES environment variable when it is set.
//
//	for _, db := range storetest.Databases(t) {
//		t.Run(db.Name, func(t *testing.T) {
//			s, err := store.Open(ctx, db.DSN)
//			...
//		})
//	}
//
// It does not import store, so store's own tests can use it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// EnvPostgres is the environment variable that holds the DSN of a PostgreSQL server for
// tests; when it is empty, PostgreSQL tests are skipped.
const EnvPostgres = "CREDITKIT_TEST_POSTGRES"

// Database is a fresh, empty database for one test.
type Database struct {
	Name string // "sqlite" or "postgres"
	DSN  string // what store.Open takes
}

// Databases returns a fresh SQLite database and, when EnvPostgres is set, a fresh
// PostgreSQL schema; each is removed when t ends.
func Databases(t testing.TB) []Database {
	t.Helper()
	dbs := []Database{{Name: "sqlite", DSN: SQLiteDSN(t)}}
	if dsn, ok := PostgresDSN(t); ok {
		dbs = append(dbs, Database{Name: "postgres", DSN: dsn})
	}
	return dbs
}

// SQLiteDSN returns the path of a not yet existing SQLite file in t.TempDir().
func SQLiteDSN(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "creditkit.db")
}

// PostgresDSN creates a schema with a random name on the PostgreSQL of EnvPostgres and
// returns a DSN whose search_path is that schema, so parallel tests never collide; the
// schema is dropped when t ends. It returns false when EnvPostgres is empty and fails t
// when the server does not answer.
func PostgresDSN(t testing.TB) (string, bool) {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		return "", false
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("storetest: %s is not a URL", EnvPostgres)
	}
	cc, err := pgx.ParseConfig(base)
	if err != nil {
		t.Fatalf("storetest: %s: %v", EnvPostgres, err)
	}
	admin := stdlib.OpenDB(*cc)
	t.Cleanup(func() { admin.Close() })

	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("storetest: random schema name: %v", err)
	}
	schema := "t_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("storetest: create schema on %s: %v", EnvPostgres, err)
	}
	t.Cleanup(func() { dropSchema(t, admin, schema) })

	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), true
}

func dropSchema(t testing.TB, admin *sql.DB, schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
		t.Errorf("storetest: drop schema %s: %v", schema, err)
	}
}
