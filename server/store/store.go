package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// ErrBadDSN reports a data source name Open cannot use.
var ErrBadDSN = errors.New("store: bad data source name")

// Config holds the optional settings of Open. The zero value is the documented default.
type Config struct {
	// Now stamps applied migrations; nil means time.Now.
	Now func() time.Time
	// BusyTimeout is how long an SQLite connection waits for the write lock before it fails
	// with SQLITE_BUSY; zero means 5 s. Ignored for PostgreSQL.
	BusyTimeout time.Duration
	// MaxConns caps the open connections of each pool: the PostgreSQL write and read pools
	// each, and the SQLite read pool (SQLite always has exactly one write connection); zero
	// means max(4, GOMAXPROCS) for SQLite and 16 for PostgreSQL.
	MaxConns int
	// Log receives what the Store does in the background and fails at (SQLite's
	// checkpoints); nil means slog.Default().
	Log *slog.Logger

	migrations fs.FS // nil means the embedded migrations; tests set their own
}

// Store is an open database with its schema migrated to the version of this binary. It is
// safe for concurrent use. Writes go through one connection pool and reads through another:
// on SQLite the writer pool holds exactly one connection (SQLite allows one writer at a
// time, and queueing in Go is fairer than spinning on SQLITE_BUSY) and every write
// transaction takes the write lock at BEGIN, so a transaction never fails half-way on a
// lock upgrade; the reader pool is read-only and runs in parallel thanks to WAL. On
// PostgreSQL both are ordinary pools of MaxConns connections.
type Store struct {
	dialect Dialect
	writer  *sql.DB
	reader  *sql.DB

	stmts  sync.Map     // query text → *sql.Stmt prepared on the reader pool
	nstmts atomic.Int64 // entries in stmts

	wstmts  sync.Map     // query text → *sql.Stmt prepared on the writer pool, or pendingStmt
	nwstmts atomic.Int64 // entries in wstmts

	bg        sync.WaitGroup // background statement preparation
	ckpt      *checkpointer  // SQLite: copies the log into the database beside the writer
	closeOnce sync.Once
	closeErr  error
}

// maxCachedStatements bounds the prepared read statements a Store keeps, and its write
// statements; queries beyond it (only a program building unbounded query texts gets there)
// run unprepared.
const maxCachedStatements = 512

// Open connects to dsn and applies the embedded migrations with the zero Config.
// See Config.Open.
func Open(ctx context.Context, dsn string) (*Store, error) {
	return Config{}.Open(ctx, dsn)
}

// Open connects to dsn, configures the connections and applies the migrations this binary
// embeds that the database lacks, all in one transaction; it is idempotent. A dsn that
// starts with postgres:// or postgresql:// is PostgreSQL (any pgx connection parameter,
// such as search_path or sslmode, may be given); anything else is the path of an SQLite
// database file, optionally prefixed by "sqlite:", created if missing (its directory must
// exist). SQLite runs in WAL mode with foreign keys on, synchronous=FULL (a committed write
// survives power loss) and a busy timeout.
//
// Open fails with ErrBadDSN for an unusable dsn, with ErrSchemaTooNew when the database
// was migrated by a newer binary, with ErrSchemaMismatch when an applied migration differs
// from the embedded one of the same version, and with a *MigrationError when a migration
// fails; nothing is applied then.
func (cfg Config) Open(ctx context.Context, dsn string) (*Store, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	var (
		s   *Store
		err error
	)
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		s, err = openPostgres(dsn, cfg)
	} else {
		s, err = openSQLite(strings.TrimPrefix(dsn, "sqlite:"), cfg)
	}
	if err != nil {
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: connect to %v: %w", s.dialect, err)
	}
	if err := migrate(ctx, s, cfg.migrations, cfg.Now); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func openPostgres(dsn string, cfg Config) (*Store, error) {
	cc, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the password; say only that it is malformed.
		return nil, fmt.Errorf("%w: malformed PostgreSQL URL", ErrBadDSN)
	}
	n := cfg.MaxConns
	if n <= 0 {
		n = 16
	}
	// Two pools, as on SQLite: a write transaction that reads through Query (a customer
	// look-up, the tree's version check) then never waits for a connection that other
	// open write transactions hold, which with one shared pool could starve every writer
	// until its deadline.
	pool := func() *sql.DB {
		db := stdlib.OpenDB(*cc)
		db.SetMaxOpenConns(n)
		db.SetMaxIdleConns(n)
		db.SetConnMaxIdleTime(5 * time.Minute)
		return db
	}
	return &Store{dialect: Postgres, writer: pool(), reader: pool()}, nil
}

func openSQLite(path string, cfg Config) (*Store, error) {
	switch {
	case path == "":
		return nil, fmt.Errorf("%w: empty SQLite path", ErrBadDSN)
	case path == ":memory:" || strings.HasPrefix(path, "file:"):
		// An in-memory database is private to each connection, so the two pools would
		// see different databases; a file: URI would bypass the pragmas below.
		return nil, fmt.Errorf("%w: SQLite needs a plain file path", ErrBadDSN)
	case strings.ContainsAny(path, "?#"):
		return nil, fmt.Errorf("%w: SQLite path contains '?' or '#'", ErrBadDSN)
	}
	busy := cfg.BusyTimeout
	if busy <= 0 {
		busy = 5 * time.Second
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=" + url.QueryEscape(fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds())) +
		"&_pragma=" + url.QueryEscape("foreign_keys(1)") +
		"&_pragma=" + url.QueryEscape("journal_mode(WAL)") +
		"&_pragma=" + url.QueryEscape("synchronous(FULL)")
	// The writer keeps a page cache of 8 MiB rather than SQLite's 2 MiB: every registration
	// inserts into half a dozen indexes at random places, and pages read back from the OS
	// cost a system call each. (Much more costs more than it saves: SQLite walks the whole
	// cache's hash table at the end of many transactions; at 32 MiB that was 10% of the
	// writer.) Its temporary files are kept in memory: every statement of a transaction
	// that changes pages the transaction already changed keeps their old content in a
	// statement journal, in a temporary file by default, which under group commit was a
	// third of the writer's system calls. (It holds at most one statement's pages; readers
	// keep SQLite's default, as their sorts can be large.)
	writer, err := sql.Open("sqlite", base+"&_txlock=immediate&_pragma="+url.QueryEscape("cache_size(-8192)")+
		"&_pragma="+url.QueryEscape("temp_store(MEMORY)"))
	if err != nil {
		return nil, fmt.Errorf("store: open SQLite: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	reader, err := sql.Open("sqlite", base+"&_pragma="+url.QueryEscape("query_only(1)"))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("store: open SQLite: %w", err)
	}
	n := cfg.MaxConns
	if n <= 0 {
		n = max(4, runtime.GOMAXPROCS(0))
	}
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	reader.SetConnMaxIdleTime(5 * time.Minute)
	// Commit with fdatasync(2), as SQLite builds for Linux do: it syncs the data and the
	// size, skipping only the timestamps, and so halves a commit's wait on ext4 with the
	// same durability. The setting is process-wide; where it is unavailable (macOS,
	// Windows) SQLite keeps its own sync.
	_, _ = sqlite.Fdatasync(true)
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	ckpt, err := startCheckpointer(base, log)
	if err != nil {
		writer.Close()
		reader.Close()
		return nil, err
	}
	return &Store{dialect: SQLite, writer: writer, reader: reader, ckpt: ckpt}, nil
}

// Dialect returns the SQL dialect of the database.
func (s *Store) Dialect() Dialect { return s.dialect }

// Ping checks that the database answers on both pools.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.writer.PingContext(ctx); err != nil {
		return err
	}
	return s.reader.PingContext(ctx)
}

// Close closes the connection pools, waiting for queries in flight. It is safe to call
// more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		var err error
		if s.ckpt != nil {
			err = s.ckpt.stop()
		}
		for _, m := range []*sync.Map{&s.stmts, &s.wstmts} {
			m.Range(func(k, v any) bool {
				if st, ok := v.(*sql.Stmt); ok {
					err = errors.Join(err, st.Close())
				}
				m.Delete(k)
				return true
			})
		}
		err = errors.Join(err, s.writer.Close())
		if s.reader != s.writer {
			err = errors.Join(err, s.reader.Close())
		}
		s.bg.Wait() // a preparation still waiting for the writer fails once it is closed
		s.closeErr = err
	})
	return s.closeErr
}

// Tx runs fn in a write transaction and commits it when fn returns nil; otherwise, or when
// ctx ends, it rolls back and returns fn's error. fn must not keep tx. Write queries in fn
// use '?' placeholders through Rebind.
func (s *Store) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// Query runs a read-only query with '?' placeholders on the reader pool. The query is
// prepared once per connection and kept, so a repeated query is not parsed again.
func (s *Store) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := s.prepared(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.reader.QueryContext(ctx, s.dialect.Rebind(query), args...)
}

// LookupRow is QueryRow for a query answered by one seek of a primary or unique key (a
// customer by number, an application by ID): on SQLite it runs without ctx's cancellation
// once it has started, since it waits on nothing a cancellation could cut short and
// watching ctx costs two goroutines per query (database/sql's and the driver's), a tenth
// of a cached read's CPU. A ctx already done is still refused. On PostgreSQL, where a
// query waits on the network, it is QueryRow.
func (s *Store) LookupRow(ctx context.Context, query string, args ...any) *sql.Row {
	if s.dialect == SQLite && ctx.Err() == nil {
		ctx = context.WithoutCancel(ctx)
	}
	return s.QueryRow(ctx, query, args...)
}

// QueryRow runs a read-only query with '?' placeholders that returns at most one row on
// the reader pool, prepared as Query's are.
func (s *Store) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := s.prepared(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.reader.QueryRowContext(ctx, s.dialect.Rebind(query), args...)
}

// prepared returns the cached statement of query, preparing it on first use; nil when it
// cannot be prepared (the caller then runs it unprepared and gets the error itself) or
// the cache is full.
func (s *Store) prepared(ctx context.Context, query string) *sql.Stmt {
	if v, ok := s.stmts.Load(query); ok {
		return v.(*sql.Stmt)
	}
	if s.nstmts.Load() >= maxCachedStatements {
		return nil
	}
	st, err := s.reader.PrepareContext(ctx, s.dialect.Rebind(query))
	if err != nil {
		return nil
	}
	if v, loaded := s.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return v.(*sql.Stmt)
	}
	s.nstmts.Add(1)
	return st
}

// Rebind rewrites the '?' placeholders of query for the store's dialect; see
// Dialect.Rebind.
func (s *Store) Rebind(query string) string { return s.dialect.Rebind(query) }

// NextInSequence draws the next value of the named counter (1 for a new name) inside tx,
// so the value is used only if tx commits; concurrent transactions, also from other
// processes on one PostgreSQL, never draw the same value. Ahead draws values ahead of
// the transactions that use them.
func (s *Store) NextInSequence(ctx context.Context, tx *sql.Tx, name string) (int64, error) {
	return s.DrawInSequence(ctx, tx, name, 1)
}

// DrawInSequence draws the next n (at least 1) values of the named counter inside tx, as
// NextInSequence draws one, and returns the first; they are first to first+n-1.
func (s *Store) DrawInSequence(ctx context.Context, tx *sql.Tx, name string, n int) (int64, error) {
	var last int64
	err := s.TxQueryRow(ctx, tx, `INSERT INTO sequences (name, value) VALUES (?, ?)
		 ON CONFLICT (name) DO UPDATE SET value = sequences.value + excluded.value
		 RETURNING value`, name, n).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("store: sequence %q: %w", name, err)
	}
	return last - int64(n) + 1, nil
}
