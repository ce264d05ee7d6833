package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/creditkit/creditkit/server/store"
)

func ExampleOpen() {
	dir, err := os.MkdirTemp("", "creditkit-store")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(dir, "creditkit.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	var first, second int64
	err = s.Tx(ctx, func(tx *sql.Tx) error {
		if first, err = s.NextInSequence(ctx, tx, "customer"); err != nil {
			return err
		}
		second, err = s.NextInSequence(ctx, tx, "customer")
		return err
	})
	version, _ := s.SchemaVersion(ctx)
	fmt.Println(s.Dialect(), version > 0, first, second, err)
	// Output: sqlite true 1 2 <nil>
}

// A writer that wants a new entity's number before its transaction draws it ahead.
func ExampleAhead() {
	s, done := openExample()
	defer done()
	ctx := context.Background()

	ids := s.Ahead("invoice") // keep one per counter
	first, _ := ids.Next(ctx)
	second, _ := ids.Next(ctx)
	// A draw inside a transaction comes after the block drawn ahead.
	var inTx int64
	err := s.Tx(ctx, func(tx *sql.Tx) (err error) {
		inTx, err = s.NextInSequence(ctx, tx, "invoice")
		return err
	})
	fmt.Println(first, second, inTx, err)
	// Output: 1 2 17 <nil>
}

// openExample opens a fresh SQLite database in a temporary directory; done removes it.
func openExample() (s *store.Store, done func()) {
	dir, err := os.MkdirTemp("", "creditkit-store")
	if err != nil {
		panic(err)
	}
	if s, err = store.Open(context.Background(), filepath.Join(dir, "creditkit.db")); err != nil {
		panic(err)
	}
	return s, func() { s.Close(); os.RemoveAll(dir) }
}

func ExampleDialect_Rebind() {
	fmt.Println(store.Postgres.Rebind("SELECT name FROM customers WHERE number = ? AND kind = ?"))
	// Output: SELECT name FROM customers WHERE number = $1 AND kind = $2
}
