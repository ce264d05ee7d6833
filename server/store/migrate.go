package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var embeddedFS embed.FS

var (
	// ErrSchemaTooNew reports a database migrated by a newer binary than this one; Open
	// refuses it rather than run old code against an unknown schema.
	ErrSchemaTooNew = errors.New("store: database schema is newer than this binary")
	// ErrSchemaMismatch reports an applied migration whose name differs from the embedded
	// migration of the same version.
	ErrSchemaMismatch = errors.New("store: applied migration differs from this binary's")
)

// MigrationError reports a migration that could not be read or applied.
type MigrationError struct {
	Version int    // the migration's number, 0 when unknown
	Name    string // the file name
	Err     error
}

func (e *MigrationError) Error() string {
	return fmt.Sprintf("store: migration %s: %v", e.Name, e.Err)
}

// Unwrap returns the underlying error.
func (e *MigrationError) Unwrap() error { return e.Err }

type migration struct {
	version int
	name    string // the file name, e.g. 0001_sequences.sql
	sql     string
}

// loadMigrations reads NNNN_name.sql files from fsys. Versions must run 1, 2, 3, ... with
// no gap or duplicate, so a lost or misnumbered file fails loudly.
func loadMigrations(fsys fs.FS, d Dialect) ([]migration, error) {
	if fsys == nil {
		sub, err := fs.Sub(embeddedFS, "migrations")
		if err != nil {
			return nil, &MigrationError{Name: "migrations", Err: err}
		}
		fsys = sub
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, &MigrationError{Name: ".", Err: err}
	}
	var out []migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || path.Ext(name) != ".sql" {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 || len(num) != 4 {
			return nil, &MigrationError{Name: name, Err: errors.New("name must be NNNN_description.sql")}
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, &MigrationError{Version: v, Name: name, Err: err}
		}
		q, err := d.expand(string(b))
		if err != nil {
			return nil, &MigrationError{Version: v, Name: name, Err: err}
		}
		out = append(out, migration{version: v, name: name, sql: q})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, &MigrationError{Version: m.version, Name: m.name, Err: fmt.Errorf("expected version %d", i+1)}
		}
	}
	return out, nil
}

// pgMigrationLock is the key of the PostgreSQL advisory lock that serialises migrations
// of several processes starting at once ("creditkit" in ASCII, truncated to 63 bits).
const pgMigrationLock = 0x637265646974

// migrate applies the migrations of fsys that the database lacks, in one transaction.
func migrate(ctx context.Context, s *Store, fsys fs.FS, now func() time.Time) error {
	ms, err := loadMigrations(fsys, s.dialect)
	if err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *sql.Tx) error {
		if s.dialect == Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, pgMigrationLock); err != nil {
				return fmt.Errorf("store: lock migrations: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    BIGINT NOT NULL PRIMARY KEY,
			name       TEXT   NOT NULL,
			applied_at TEXT   NOT NULL
		)`); err != nil {
			return fmt.Errorf("store: create schema_migrations: %w", err)
		}
		applied, err := appliedMigrations(ctx, tx)
		if err != nil {
			return err
		}
		for v, name := range applied {
			if v > len(ms) {
				return fmt.Errorf("%w: database has migration %d (%s), this binary knows up to %d", ErrSchemaTooNew, v, name, len(ms))
			}
			if ms[v-1].name != name {
				return fmt.Errorf("%w: version %d is %s in the database, %s here", ErrSchemaMismatch, v, name, ms[v-1].name)
			}
		}
		for _, m := range ms {
			if _, ok := applied[m.version]; ok {
				continue
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return &MigrationError{Version: m.version, Name: m.name, Err: err}
			}
			if _, err := tx.ExecContext(ctx, s.dialect.Rebind(
				`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
				m.version, m.name, now().UTC().Format(time.RFC3339Nano)); err != nil {
				return &MigrationError{Version: m.version, Name: m.name, Err: err}
			}
		}
		return nil
	})
}

func appliedMigrations(ctx context.Context, tx *sql.Tx) (map[int]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT version, name FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("store: read schema_migrations: %w", err)
	}
	defer rows.Close()
	applied := map[int]string{}
	for rows.Next() {
		var (
			v    int
			name string
		)
		if err := rows.Scan(&v, &name); err != nil {
			return nil, fmt.Errorf("store: read schema_migrations: %w", err)
		}
		applied[v] = name
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read schema_migrations: %w", err)
	}
	return applied, nil
}

// SchemaVersion returns the highest applied migration version.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	if err := s.QueryRow(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return int(v.Int64), nil
}
