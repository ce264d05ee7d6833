package audit

import (
	"context"
	"database/sql"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/storetest"
)

// TestVerifyFindsTampering tampers with a trail of 6 records directly in the database, one
// way per case, and checks Verify names the first bad record and what happened to it.
func TestVerifyFindsTampering(t *testing.T) {
	tests := []struct {
		name    string
		tamper  []string // statements without arguments, run in one transaction
		anchor  bool     // verify with an anchor at the last record taken before tampering
		seq     int64
		problem Problem
	}{
		{"actor changed", []string{`UPDATE audit_log SET actor = 'mallory' WHERE seq = 3`}, false, 3, Changed},
		{"after changed", []string{`UPDATE audit_log SET after_data = '{"mobile":"139****9999"}' WHERE seq = 4`}, false, 4, Changed},
		{"time changed", []string{`UPDATE audit_log SET at = at + 1 WHERE seq = 2`}, false, 2, Changed},
		{"request ID changed", []string{`UPDATE audit_log SET request_id = 'other' WHERE seq = 1`}, false, 1, Changed},
		{"hash changed", []string{`UPDATE audit_log SET hash = '` + Genesis + `' WHERE seq = 5`}, false, 5, Changed},
		{"prev hash changed", []string{`UPDATE audit_log SET prev_hash = '` + Genesis + `' WHERE seq = 5`}, false, 5, Changed},
		{"middle deleted", []string{`DELETE FROM audit_log WHERE seq = 3`}, false, 3, Deleted},
		{"first deleted", []string{`DELETE FROM audit_log WHERE seq = 1`}, false, 1, Deleted},
		{"last deleted", []string{`DELETE FROM audit_log WHERE seq = 6`}, false, 6, Deleted},
		{"deleted and renumbered", []string{`DELETE FROM audit_log WHERE seq = 3`, `UPDATE audit_log SET seq = seq - 1 WHERE seq > 3`,
			`UPDATE audit_head SET seq = 5`}, false, 3, Reordered},
		{"swapped", []string{`UPDATE audit_log SET seq = 100 WHERE seq = 3`, `UPDATE audit_log SET seq = 3 WHERE seq = 4`,
			`UPDATE audit_log SET seq = 4 WHERE seq = 100`}, false, 3, Reordered},
		{"head rewound", []string{`DELETE FROM audit_log WHERE seq = 6`,
			`UPDATE audit_head SET seq = 5, hash = (SELECT hash FROM audit_log WHERE seq = 5)`}, true, 6, Deleted},
		{"head hash changed", []string{`UPDATE audit_head SET hash = '` + Genesis + `'`}, false, 6, Changed},
	}
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, db.DSN)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					tamper(t, ctx, st, []string{`DELETE FROM audit_log`, `UPDATE audit_head SET seq = 0, hash = '` + Genesis + `'`})
					l := New(st, Config{Now: newClock().now})
					for i := range 6 {
						appendOne(t, ctx, st, l, entry(i))
					}
					before, err := l.Verify(ctx)
					require.NoError(t, err)
					tamper(t, ctx, st, tt.tamper)
					var anchors []Anchor
					if tt.anchor {
						anchors = append(anchors, before.Head)
					}
					_, err = l.Verify(ctx, anchors...)
					var ce *ChainError
					require.ErrorAs(t, err, &ce)
					require.ErrorIs(t, err, ErrBroken)
					assert.Equal(t, tt.seq, ce.Seq, ce.Error())
					assert.Equal(t, tt.problem, ce.Problem, ce.Error())
				})
			}
		})
	}
}

func tamper(t *testing.T, ctx context.Context, st *store.Store, stmts []string) {
	t.Helper()
	require.NoError(t, st.Tx(ctx, func(tx *sql.Tx) error {
		for _, q := range stmts {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	}))
}

func TestVerifyAnchors(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, storetest.SQLiteDSN(t))
	l := New(st, Config{})
	var recs []Record
	for i := range 3 {
		recs = append(recs, appendOne(t, ctx, st, l, entry(i)))
	}
	_, err := l.Verify(ctx, Anchor{Seq: 2, Hash: recs[1].Hash}, Anchor{Seq: 3, Hash: recs[2].Hash})
	require.NoError(t, err)
	_, err = l.Verify(ctx, Anchor{Seq: 2, Hash: recs[0].Hash})
	var ce *ChainError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, ChainError{Seq: 2, Problem: Changed, Detail: ce.Detail}, *ce)
	_, err = l.Verify(ctx, Anchor{Seq: 9, Hash: recs[0].Hash})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, Deleted, ce.Problem)
	assert.Equal(t, int64(4), ce.Seq)

	// A whole rewrite of the newest record, hash and head included, passes the chain
	// alone and fails against an anchor.
	l2 := New(st, Config{})
	forged := recs[2]
	forged.Actor = "mallory"
	forged.Hash = hashRecord(forged)
	tamper(t, ctx, st, []string{
		`UPDATE audit_log SET actor = 'mallory', hash = '` + forged.Hash + `' WHERE seq = 3`,
		`UPDATE audit_head SET hash = '` + forged.Hash + `'`,
	})
	_, err = l2.Verify(ctx)
	require.NoError(t, err, "undetectable without an anchor")
	_, err = l2.Verify(ctx, Anchor{Seq: 3, Hash: recs[2].Hash})
	require.ErrorIs(t, err, ErrBroken)
}

func TestAnchorText(t *testing.T) {
	a := Anchor{Seq: 12, Hash: Genesis}
	got, err := ParseAnchor(a.String())
	require.NoError(t, err)
	assert.Equal(t, a, got)
	for _, bad := range []string{"", "12", "12:", "0:" + Genesis, "-1:" + Genesis, "x:" + Genesis, "12:" + Genesis[:63], "12:" + Genesis + "0",
		"12:" + "G" + Genesis[1:]} {
		_, err := ParseAnchor(bad)
		require.Error(t, err, bad)
	}
}

func TestProblemString(t *testing.T) {
	assert.Equal(t, "changed", Changed.String())
	assert.Equal(t, "deleted", Deleted.String())
	assert.Equal(t, "reordered", Reordered.String())
	assert.Equal(t, "Problem(0)", Problem(0).String())
}
