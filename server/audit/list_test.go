package audit

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store/storetest"
)

func TestList(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, db.DSN)
			c := newClock()
			l := New(st, Config{Now: c.now})
			alice := perm.New("alice", "", "admin")
			bob := perm.New("bob", "", "approver")
			var all []Record
			for i := range 12 {
				e := entry(i)
				if i%2 == 1 {
					e.Actor = bob
					e.EntityType, e.EntityID, e.Action = "application", "A-1", "application.approve"
				} else {
					e.Actor = alice
				}
				all = append(all, appendOne(t, ctx, st, l, e))
			}
			seqs := func(rs []Record) []int64 {
				out := []int64{}
				for _, r := range rs {
					out = append(out, r.Seq)
				}
				return out
			}
			list := func(t *testing.T, f Filter) []int64 {
				t.Helper()
				limit := f.Limit
				if limit == 0 {
					limit = DefaultLimit
				}
				var got []int64
				for {
					p, err := l.List(ctx, f)
					require.NoError(t, err)
					require.LessOrEqual(t, len(p.Items), limit)
					got = append(got, seqs(p.Items)...)
					if p.NextCursor == "" {
						return got
					}
					f.Cursor = p.NextCursor
				}
			}
			tests := []struct {
				name string
				give Filter
				want []int64
			}{
				{"all", Filter{}, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
				{"pages of 5", Filter{Limit: 5}, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
				{"newest first, pages of 4", Filter{Newest: true, Limit: 4}, []int64{12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
				{"actor", Filter{Actor: "bob", Limit: 2}, []int64{2, 4, 6, 8, 10, 12}},
				{"entity type", Filter{EntityType: "application"}, []int64{2, 4, 6, 8, 10, 12}},
				{"entity", Filter{EntityType: "customer", EntityID: "C0000000"}, []int64{1, 7}},
				{"action", Filter{Action: "customer.update", Newest: true}, []int64{11, 9, 7, 5, 3, 1}},
				{"from", Filter{From: all[9].At}, []int64{10, 11, 12}},
				{"to", Filter{To: all[2].At}, []int64{1, 2}},
				{"range and actor", Filter{From: all[2].At, To: all[8].At, Actor: "alice", Limit: 1}, []int64{3, 5, 7}},
				{"no match", Filter{Actor: "carol"}, nil},
				{"empty range", Filter{From: all[3].At, To: all[3].At}, nil},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					assert.Equal(t, tt.want, list(t, tt.give))
				})
			}
			p, err := l.List(ctx, Filter{Limit: 12})
			require.NoError(t, err)
			assert.Empty(t, p.NextCursor, "an exact last page has no next cursor")
			assert.Equal(t, all, p.Items)
		})
	}
}

func TestListRejects(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, storetest.SQLiteDSN(t))
	l := New(st, Config{})
	now := time.Now()
	tests := []struct {
		name string
		give Filter
	}{
		{"negative limit", Filter{Limit: -1}},
		{"limit too high", Filter{Limit: MaxLimit + 1}},
		{"entity ID without type", Filter{EntityID: "C1"}},
		{"to before from", Filter{From: now, To: now.Add(-time.Second)}},
		{"garbage cursor", Filter{Cursor: "!!!"}},
		{"cursor of the other order", Filter{Cursor: EncodeCursor(3, true)}},
		{"long cursor", Filter{Cursor: strings.Repeat("A", 65)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := l.List(ctx, tt.give)
			require.ErrorIs(t, err, ErrBadFilter)
		})
	}
}

func TestCursor(t *testing.T) {
	for _, newest := range []bool{false, true} {
		for _, seq := range []int64{1, 42, 1<<63 - 1} {
			got, n, err := DecodeCursor(EncodeCursor(seq, newest))
			require.NoError(t, err)
			assert.Equal(t, seq, got)
			assert.Equal(t, newest, n)
		}
	}
	enc := func(s string) string { return strings.TrimRight(b64(s), "=") }
	for _, bad := range []string{"", "a1.o.1", enc("a1.o.0"), enc("a1.o.-1"), enc("a1.o.+1"), enc("a1.o.01"), enc("a1.x.1"),
		enc("a2.o.1"), enc("a1.o.1.2"), enc("a1.o.99999999999999999999"), enc("a1.o."), enc("a1.o.1x")} {
		_, _, err := DecodeCursor(bad)
		require.ErrorIs(t, err, ErrBadFilter, bad)
	}
}
