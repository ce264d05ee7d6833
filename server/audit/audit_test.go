package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/storetest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func openStore(t *testing.T, dsn string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

var officer = perm.New("O-0007", "Li Lei", "officer", perm.CustomerWrite)

type customerDoc struct {
	Number string `json:"number"`
	Name   string `json:"name"`
	Mobile string `json:"mobile"`
}

func appendOne(t *testing.T, ctx context.Context, st *store.Store, l *Log, e Entry) Record {
	t.Helper()
	var rec Record
	require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		rec, err = l.Append(ctx, tx, e)
		return err
	}))
	return rec
}

func entry(i int) Entry {
	return Entry{Actor: officer, Action: "customer.update", EntityType: "customer", EntityID: fmt.Sprintf("C%07d", i%3),
		Before:    customerDoc{Number: fmt.Sprintf("C%07d", i%3), Name: "张三", Mobile: "13812345678"},
		After:     customerDoc{Number: fmt.Sprintf("C%07d", i%3), Name: "张三", Mobile: fmt.Sprintf("139%08d", i)},
		RequestID: fmt.Sprintf("req-%d", i)}
}

func TestAppendChainsAndMasks(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, db.DSN)
			l := New(st, Config{Now: newClock().now})
			empty, err := l.Verify(ctx)
			require.NoError(t, err)
			assert.Equal(t, Report{Head: Anchor{Hash: Genesis}}, empty)

			first := appendOne(t, ctx, st, l, entry(1))
			assert.Equal(t, int64(1), first.Seq)
			assert.Equal(t, Genesis, first.PrevHash)
			assert.Len(t, first.Hash, 64)
			assert.JSONEq(t, `{"number":"C0000001","name":"张三","mobile":"138****5678"}`, string(first.Before))
			assert.JSONEq(t, `{"number":"C0000001","name":"张三","mobile":"139****0001"}`, string(first.After))
			second := appendOne(t, ctx, st, l, Entry{Actor: officer, Action: "customer.create", EntityType: "customer", EntityID: "C0000009"})
			assert.Equal(t, first.Hash, second.PrevHash)
			assert.Equal(t, "null", string(second.Before))
			assert.Equal(t, "null", string(second.After))

			page, err := l.List(ctx, Filter{})
			require.NoError(t, err)
			require.Len(t, page.Items, 2)
			assert.Equal(t, first, page.Items[0], "what is read is what was appended")
			assert.Equal(t, second, page.Items[1])

			rep, err := l.Verify(ctx, Anchor{Seq: 1, Hash: first.Hash})
			require.NoError(t, err)
			assert.Equal(t, Report{Records: 2, Head: Anchor{Seq: 2, Hash: second.Hash}}, rep)
			head, err := l.Head(ctx)
			require.NoError(t, err)
			assert.Equal(t, rep.Head, head)
		})
	}
}

func TestAppendRollsBackWithTheWrite(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, storetest.SQLiteDSN(t))
	l := New(st, Config{})
	appendOne(t, ctx, st, l, entry(1))
	err := st.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := l.Append(ctx, tx, entry(2)); err != nil {
			return err
		}
		return fmt.Errorf("the write failed")
	})
	require.Error(t, err)
	rec := appendOne(t, ctx, st, l, entry(3))
	assert.Equal(t, int64(2), rec.Seq, "the rolled-back record left no gap")
	_, err = l.Verify(ctx)
	require.NoError(t, err)
}

func TestAppendRejects(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, storetest.SQLiteDSN(t))
	l := New(st, Config{})
	ok := entry(1)
	tests := []struct {
		name string
		edit func(e *Entry)
	}{
		{"no actor", func(e *Entry) { e.Actor = perm.Actor{} }},
		{"no action", func(e *Entry) { e.Action = "" }},
		{"upper-case action", func(e *Entry) { e.Action = "Customer.Update" }},
		{"space in entity type", func(e *Entry) { e.EntityType = "loan application" }},
		{"long action", func(e *Entry) { e.Action = strings.Repeat("a", 65) }},
		{"NUL in entity ID", func(e *Entry) { e.EntityID = "C\x00" }},
		{"invalid UTF-8 actor", func(e *Entry) { e.Actor = perm.New("\xff", "", "x") }},
		{"long request ID", func(e *Entry) { e.RequestID = strings.Repeat("r", 257) }},
		{"unencodable before", func(e *Entry) { e.Before = func() {} }},
		{"raw JSON that is not JSON", func(e *Entry) { e.After = json.RawMessage(`{"a":`) }},
		{"bytes that are not JSON", func(e *Entry) { e.After = []byte(`nope`) }},
		{"huge document", func(e *Entry) { e.After = json.RawMessage(`"` + strings.Repeat("x", MaxDocument) + `"`) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ok
			tt.edit(&e)
			err := st.Tx(ctx, func(tx *sql.Tx) error { _, err := l.Append(ctx, tx, e); return err })
			require.ErrorIs(t, err, ErrInvalid)
		})
	}
	failing := New(st, Config{Mask: func([]byte) ([]byte, error) { return nil, fmt.Errorf("mask broke") }})
	err := st.Tx(ctx, func(tx *sql.Tx) error { _, err := failing.Append(ctx, tx, ok); return err })
	require.ErrorIs(t, err, ErrInvalid)
	bad := New(st, Config{Mask: func([]byte) ([]byte, error) { return []byte("{"), nil }})
	err = st.Tx(ctx, func(tx *sql.Tx) error { _, err := bad.Append(ctx, tx, ok); return err })
	require.ErrorIs(t, err, ErrInvalid)
	head, err := l.Head(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(0), head.Seq, "nothing was appended")
}

func TestAppendTakesRawJSON(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, storetest.SQLiteDSN(t))
	l := New(st, Config{})
	rec := appendOne(t, ctx, st, l, Entry{Actor: officer, Action: "customer.update", EntityType: "customer",
		Before: json.RawMessage(" { \"email\" : \"zhang.san@example.com\" } "), After: []byte(`{"doc_number":"11010519491231002X"}`)})
	assert.Equal(t, `{"email":"z***@example.com"}`, string(rec.Before))
	assert.Equal(t, `{"doc_number":"110105********002X"}`, string(rec.After))
	custom := New(st, Config{Mask: func(b []byte) ([]byte, error) { return []byte(`"redacted"`), nil }})
	rec = appendOne(t, ctx, st, custom, Entry{Actor: officer, Action: "x", EntityType: "y", After: map[string]string{"a": "b"}})
	assert.Equal(t, `"redacted"`, string(rec.After))
	assert.Equal(t, "null", string(rec.Before), "null is not passed to the mask")
}

// TestConcurrentAppendersFormOneChain runs appenders through three separate Stores on one
// database — three connection pools, as three server processes would have.
func TestConcurrentAppendersFormOneChain(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			ctx := context.Background()
			const procs, workers, each = 3, 4, 10
			if testing.Short() && db.Name == "sqlite" {
				t.Log("short: fewer appends")
			}
			var logs []*Log
			var stores []*store.Store
			for range procs {
				st := openStore(t, db.DSN)
				stores = append(stores, st)
				logs = append(logs, New(st, Config{}))
			}
			var wg sync.WaitGroup
			for p := range procs {
				for w := range workers {
					wg.Go(func() {
						for i := range each {
							e := entry(i)
							e.Actor = perm.New(fmt.Sprintf("p%d-w%d", p, w), "", "officer")
							err := stores[p].Tx(ctx, func(tx *sql.Tx) error {
								if _, err := tx.ExecContext(ctx, stores[p].Rebind(`INSERT INTO sequences (name, value) VALUES (?, 1)
									ON CONFLICT (name) DO UPDATE SET value = sequences.value + 1`), "work"); err != nil {
									return err
								}
								_, err := logs[p].Append(ctx, tx, e)
								return err
							})
							assert.NoError(t, err)
						}
					})
				}
			}
			wg.Wait()
			rep, err := logs[0].Verify(ctx)
			require.NoError(t, err)
			assert.Equal(t, int64(procs*workers*each), rep.Records)
			seen := map[string]int{}
			cursor := ""
			for {
				page, err := logs[1].List(ctx, Filter{Cursor: cursor, Limit: MaxLimit})
				require.NoError(t, err)
				for _, r := range page.Items {
					seen[r.Actor]++
				}
				if cursor = page.NextCursor; cursor == "" {
					break
				}
			}
			assert.Len(t, seen, procs*workers)
			for actor, n := range seen {
				assert.Equal(t, each, n, actor)
			}
		})
	}
}

// TestAppendBatch appends batches (across the 50-row insert boundary) between single
// appends: one chain, in order, that verifies, with masked documents; a batch with a bad
// entry writes nothing.
func TestAppendBatch(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, db.DSN)
			l := New(st, Config{Now: newClock().now})
			appendOne(t, ctx, st, l, entry(0))
			var batch []Entry
			for i := 1; i <= 120; i++ {
				batch = append(batch, entry(i))
			}
			var recs []Record
			require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) error {
				var err error
				recs, err = l.AppendBatch(ctx, tx, batch)
				return err
			}))
			require.Len(t, recs, 120)
			assert.Equal(t, int64(2), recs[0].Seq)
			assert.Equal(t, int64(121), recs[119].Seq)
			assert.JSONEq(t, `{"number":"C0000002","name":"张三","mobile":"139****0005"}`, string(recs[4].After))
			last := appendOne(t, ctx, st, l, entry(121))
			assert.Equal(t, recs[119].Hash, last.PrevHash)

			bad := append([]Entry{entry(200)}, Entry{Action: "customer.update", EntityType: "customer"})
			err := st.Tx(ctx, func(tx *sql.Tx) error {
				_, err := l.AppendBatch(ctx, tx, bad)
				return err
			})
			require.ErrorIs(t, err, ErrInvalid)

			rep, err := l.Verify(ctx)
			require.NoError(t, err)
			assert.Equal(t, int64(122), rep.Records)
			page, err := l.List(ctx, Filter{Limit: 200})
			require.NoError(t, err)
			require.Len(t, page.Items, 122)
			assert.Equal(t, recs[60], page.Items[61], "what is read is what was appended")
		})
	}
}

// TestMaskSkipsDocumentsWithoutPersonalFields: a document that names no personal field is
// stored as it came (compacted), one that does is masked.
func TestMaskSkipsDocumentsWithoutPersonalFields(t *testing.T) {
	st := openStore(t, storetest.SQLiteDSN(t))
	l := New(st, Config{})
	plain, err := l.document("after", json.RawMessage(`{"score": 612, "grade": "A", "id": "A-1"}`))
	require.NoError(t, err)
	assert.Equal(t, `{"score":612,"grade":"A","id":"A-1"}`, string(plain))
	masked, err := l.document("after", json.RawMessage(`{"changes":[{"path":"individual.mobile","old":"13812345678","new":"13912345678"}]}`))
	require.NoError(t, err)
	assert.NotContains(t, string(masked), "13812345678")
	assert.NotContains(t, string(masked), "13912345678")

	// A value the log encodes itself is stored as json.Marshal writes it when it names no
	// personal field, and masked when it does.
	type head struct {
		Grade string         `json:"grade"`
		Note  string         `json:"note"`
		Extra map[string]int `json:"extra"`
	}
	v := head{Grade: "A", Note: "评级 <&>", Extra: map[string]int{"b": 2, "a": 1}}
	got, err := l.document("after", v)
	require.NoError(t, err)
	want, err := json.Marshal(v)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
	got, err = l.document("after", struct {
		Mobile string `json:"mobile"`
	}{"13812345678"})
	require.NoError(t, err)
	assert.NotContains(t, string(got), "13812345678")
	assert.True(t, json.Valid(got))
}
