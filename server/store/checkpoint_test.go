package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestCheckpointerCopiesTheLog: pages committed to SQLite's log reach the database file
// without a commit crossing SQLite's own checkpoint threshold (1,000 pages); here ~150.
func TestCheckpointerCopiesTheLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ckpt.db")
	s := open(t, Config{}, path)
	ctx := context.Background()
	size := func() int64 {
		fi, err := os.Stat(path)
		require.NoError(t, err)
		return fi.Size()
	}
	before := size()
	require.NoError(t, s.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE filler (b TEXT)`); err != nil {
			return err
		}
		for range 150 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO filler VALUES (?)`, strings.Repeat("x", 4000)); err != nil {
				return err
			}
		}
		return nil
	}))
	require.Eventually(t, func() bool { return size() >= before+150*4000 }, 5*time.Second, 10*time.Millisecond,
		"the database file holds the rows: the log was checkpointed")
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "closing again is harmless")
}
