package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"

	"github.com/creditkit/creditkit/server/store/storetest"
)

// TestWriteStatementsAreKept checks TxExec and TxQueryRow: the first transaction runs a
// query unprepared and has it prepared in the background; later transactions get the kept
// statement, see their own writes through it, and roll back like any other statement.
func TestWriteStatementsAreKept(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, Config{}, dsn)
		_, err := s.writer.ExecContext(ctx, `CREATE TABLE kept (k TEXT PRIMARY KEY, v BIGINT NOT NULL)`)
		require.NoError(t, err)
		const ins = `INSERT INTO kept (k, v) VALUES (?, ?)`
		const get = `SELECT v FROM kept WHERE k = ?`
		write := func(k string, v int64) {
			t.Helper()
			require.NoError(t, s.Tx(ctx, func(tx *sql.Tx) error {
				if _, err := s.TxExec(ctx, tx, ins, k, v); err != nil {
					return err
				}
				var got int64
				if err := s.TxQueryRow(ctx, tx, get, k).Scan(&got); err != nil {
					return err
				}
				assert.Equal(t, v, got, "the transaction sees its own write")
				return nil
			}))
		}
		write("a", 1)
		require.Eventually(t, func() bool {
			v, ok := s.wstmts.Load(ins)
			_, prepared := v.(*sql.Stmt)
			return ok && prepared
		}, 10*time.Second, 5*time.Millisecond, "prepared in the background")
		write("b", 2) // through the kept statements

		err = s.Tx(ctx, func(tx *sql.Tx) error {
			require.NotNil(t, s.TxStmt(ctx, tx, ins))
			if _, err := s.TxExec(ctx, tx, ins, "c", 3); err != nil {
				return err
			}
			return fmt.Errorf("roll back")
		})
		require.Error(t, err)
		_, err = s.writer.ExecContext(ctx, `SELECT 1`) // the pool is free again
		require.NoError(t, err)
		var n int
		require.NoError(t, s.QueryRow(ctx, `SELECT COUNT(*) FROM kept`).Scan(&n))
		assert.Equal(t, 2, n, "the rolled-back row is not there")

		// A statement that cannot be prepared fails in the transaction, every time.
		for range 2 {
			err = s.Tx(ctx, func(tx *sql.Tx) error {
				_, err := s.TxExec(ctx, tx, `INSERT INTO no_such_table VALUES (?)`, 1)
				return err
			})
			require.Error(t, err)
		}
		require.NoError(t, s.Close())
		require.NoError(t, s.Close(), "closing twice is fine")
	})
}

// TestCloseWhilePreparing closes the store while a preparation waits for the writer
// connection held by an open transaction: Close must not hang.
func TestCloseWhilePreparing(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, storetest.SQLiteDSN(t))
	require.NoError(t, err)
	tx, err := s.writer.BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = s.TxExec(ctx, tx, `INSERT INTO sequences (name, value) VALUES (?, 1)`, "close-test")
	require.NoError(t, err)
	require.NoError(t, tx.Rollback())
	done := make(chan error, 1)
	go func() { done <- s.Close() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Close hangs")
	}
}

// TestSQLiteCommitsWithFdatasync checks the process-wide switch Open makes.
func TestSQLiteCommitsWithFdatasync(t *testing.T) {
	open(t, Config{}, storetest.SQLiteDSN(t))
	assert.True(t, sqlite.FdatasyncEnabled(), "commits use fdatasync on Linux")
}

// TestLookupRow checks that a key look-up answers like QueryRow and refuses a context that
// is already done, on both databases.
func TestLookupRow(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, Config{}, dsn)
		require.NoError(t, s.Tx(ctx, func(tx *sql.Tx) error {
			_, err := s.NextInSequence(ctx, tx, "lookup")
			return err
		}))
		var v int64
		require.NoError(t, s.LookupRow(ctx, `SELECT value FROM sequences WHERE name = ?`, "lookup").Scan(&v))
		assert.Equal(t, int64(1), v)
		require.ErrorIs(t, s.LookupRow(ctx, `SELECT value FROM sequences WHERE name = ?`, "none").Scan(&v), sql.ErrNoRows)
		done, cancel := context.WithCancel(ctx)
		cancel()
		require.ErrorIs(t, s.LookupRow(done, `SELECT value FROM sequences WHERE name = ?`, "lookup").Scan(&v), context.Canceled)
	})
}

// TestAhead checks values drawn ahead: unique across Aheads of one counter (as across
// processes) and draws inside transactions, increasing within one Ahead, in blocks that
// grow while they are used up fast; a failed draw hands nothing out and the next call draws.
func TestAhead(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, Config{}, dsn)
		stored := func() int64 {
			t.Helper()
			var v int64
			require.NoError(t, s.QueryRow(ctx, `SELECT value FROM sequences WHERE name = ?`, "a").Scan(&v))
			return v
		}
		a, b := s.Ahead("a"), s.Ahead("a")
		v, err := a.Next(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(1), v)
		assert.Equal(t, int64(minAhead), stored(), "one block drawn")
		for range minAhead { // the rest of the block, then a block twice as big
			_, err := a.Next(ctx)
			require.NoError(t, err)
		}
		assert.Equal(t, int64(3*minAhead), stored(), "the second block, drawn within a second, doubled")

		seen := map[int64]bool{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, ah := range []*Ahead{a, b, a, b} {
			wg.Go(func() {
				last := int64(0)
				for range 100 {
					v, err := ah.Next(ctx)
					if !assert.NoError(t, err) {
						return
					}
					mu.Lock()
					assert.False(t, seen[v], "value %d handed out twice", v)
					seen[v] = true
					mu.Unlock()
					assert.Greater(t, v, last)
					last = v
				}
			})
		}
		wg.Go(func() {
			for range 20 {
				assert.NoError(t, s.Tx(ctx, func(tx *sql.Tx) error {
					v, err := s.NextInSequence(ctx, tx, "a")
					mu.Lock()
					assert.False(t, seen[v], "value %d handed out twice", v)
					seen[v] = true
					mu.Unlock()
					return err
				}))
			}
		})
		wg.Wait()
		assert.Len(t, seen, 420)

		c := s.Ahead("a")
		done, cancel := context.WithCancel(ctx)
		cancel()
		_, err = c.Next(done)
		require.Error(t, err, "a draw under a cancelled context fails")
		v, err = c.Next(ctx)
		require.NoError(t, err)
		assert.False(t, seen[v])
	})
}

// TestPrepareInTx checks that under PrepareInTx a transaction binds each statement once,
// preparing in the transaction one not kept yet, and still sees its own writes.
func TestPrepareInTx(t *testing.T) {
	eachDatabase(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, Config{}, dsn)
		const q = `INSERT INTO sequences (name, value) VALUES (?, ?)`
		require.NoError(t, s.Tx(ctx, func(tx *sql.Tx) error {
			tctx := s.PrepareInTx(ctx, tx)
			first := s.TxStmt(tctx, tx, q)
			require.NotNil(t, first, "prepared in the transaction though not kept yet")
			assert.Same(t, first, s.TxStmt(tctx, tx, q), "bound once")
			for i := range 3 {
				if _, err := s.TxExec(tctx, tx, q, fmt.Sprint("p", i), i+1); err != nil {
					return err
				}
			}
			var n int
			require.NoError(t, s.TxQueryRow(tctx, tx, `SELECT COUNT(*) FROM sequences WHERE name LIKE ?`, "p%").Scan(&n))
			assert.Equal(t, 3, n)
			return nil
		}))
	})
}

// TestTxInsert checks multi-row inserts: every row stored, in chunks of up to the Rows'
// most, none for no rows, and a parameter count that is not whole rows refused.
func TestTxInsert(t *testing.T) {
	rows := InsertRows(`INSERT INTO pairs (a, b) VALUES `, 2, 8)
	assert.Equal(t, `INSERT INTO pairs (a, b) VALUES (?, ?), (?, ?)`, rows.texts[2])
	eachDatabase(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := open(t, Config{}, dsn)
		require.NoError(t, s.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `CREATE TABLE pairs (a BIGINT, b TEXT)`)
			return err
		}))
		var args []any
		for i := range 21 {
			args = append(args, i, fmt.Sprint("row", i))
		}
		require.NoError(t, s.Tx(ctx, func(tx *sql.Tx) error {
			if err := s.TxInsert(ctx, tx, rows, nil); err != nil {
				return err
			}
			return s.TxInsert(ctx, tx, rows, args)
		}))
		var n, sum int64
		require.NoError(t, s.QueryRow(ctx, `SELECT COUNT(*), SUM(a) FROM pairs WHERE b = 'row' || a`).Scan(&n, &sum))
		assert.Equal(t, []int64{21, 210}, []int64{n, sum}, "21 rows in chunks of 8, 8 and 5")
		err := s.Tx(ctx, func(tx *sql.Tx) error { return s.TxInsert(ctx, tx, rows, args[:3]) })
		require.ErrorContains(t, err, "3 parameters for rows of 2")
	})
}
