package audit

import (
	"context"
	"database/sql"
	"testing"

	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/storetest"
)

// BenchmarkAppend measures a committed transaction holding one audit record on SQLite
// (WAL, synchronous=FULL); compare with store's BenchmarkDurableWrite for the cost the
// record adds to a write.
func BenchmarkAppend(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, storetest.SQLiteDSN(b))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	l := New(st, Config{})
	e := entry(1)
	b.ReportAllocs()
	for b.Loop() {
		if err := st.Tx(ctx, func(tx *sql.Tx) error {
			_, err := l.Append(ctx, tx, e)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPrepare measures the CPU part of an append: encoding, masking and hashing.
func BenchmarkPrepare(b *testing.B) {
	l := New(nil, Config{})
	e := entry(1)
	b.ReportAllocs()
	for b.Loop() {
		r, err := l.prepare(e)
		if err != nil {
			b.Fatal(err)
		}
		_ = hashRecord(r)
	}
}
