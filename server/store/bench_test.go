package store

import (
	"context"
	"database/sql"
	"testing"

	"github.com/creditkit/creditkit/server/store/storetest"
)

// BenchmarkDurableWrite measures one committed write transaction on SQLite (WAL,
// synchronous=FULL): the floor under every durable POST.
func BenchmarkDurableWrite(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, storetest.SQLiteDSN(b))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Tx(ctx, func(tx *sql.Tx) error {
			_, err := s.NextInSequence(ctx, tx, "bench")
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}
