package pii

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/server/store/storetest"
)

// people is a table shaped like the customer repository's sealed columns, with the
// Rotator a repository writes for it.
type people struct{ st *store.Store }

func (p people) create(ctx context.Context) error {
	return p.st.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE people (id TEXT NOT NULL PRIMARY KEY, mobile TEXT NOT NULL, mobile_idx TEXT NOT NULL)`)
		return err
	})
}

func (p people) insert(ctx context.Context, ring *Keyring, id, mobile string) error {
	return p.st.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, p.st.Rebind(`INSERT INTO people (id, mobile, mobile_idx) VALUES (?, ?, ?)`),
			id, ring.Seal(mobile, "people/"+id+"/mobile"), ring.Index("mobile", mobile))
		return err
	})
}

func (p people) Name() string { return "people" }

func (p people) RotateBatch(ctx context.Context, ring *Keyring, cursor string, limit int) (next string, changed int, err error) {
	err = p.st.Tx(ctx, func(tx *sql.Tx) error {
		next, changed = "", 0
		rows, err := tx.QueryContext(ctx, p.st.Rebind(`SELECT id, mobile FROM people WHERE id > ? ORDER BY id LIMIT ?`), cursor, limit)
		if err != nil {
			return err
		}
		type row struct{ id, mobile string }
		var batch []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.mobile); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range batch {
			next = r.id
			aad := "people/" + r.id + "/mobile"
			sealed, ch, err := ring.Reseal(r.mobile, aad)
			if err != nil {
				return err
			}
			if !ch {
				continue
			}
			plain, err := ring.Open(sealed, aad)
			if err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, p.st.Rebind(`UPDATE people SET mobile = ?, mobile_idx = ? WHERE id = ? AND mobile = ?`),
				sealed, ring.Index("mobile", plain), r.id, r.mobile)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				changed++
			}
		}
		return nil
	})
	return next, changed, err
}

func (p people) find(ctx context.Context, ring *Keyring, mobile string) (string, error) {
	idx := ring.Indexes("mobile", mobile)
	args := make([]any, len(idx))
	q := `SELECT id FROM people WHERE mobile_idx IN (?`
	for i, v := range idx {
		args[i] = v
		if i > 0 {
			q += `, ?`
		}
	}
	var id string
	err := p.st.QueryRow(ctx, q+`)`, args...).Scan(&id)
	return id, err
}

func TestRotate(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			ctx := context.Background()
			st, err := store.Open(ctx, db.DSN)
			require.NoError(t, err)
			defer st.Close()
			now := time.Unix(1_700_000_000, 0)
			p := people{st}
			require.NoError(t, p.create(ctx))

			old := testRing(t, testKey(1))
			require.NoError(t, CheckKeys(ctx, st, old, now))
			for i := range 23 {
				require.NoError(t, p.insert(ctx, old, fmt.Sprintf("p%03d", i), fmt.Sprintf("138%08d", i)))
			}

			newOnly := testRing(t, testKey(2))
			err = CheckKeys(ctx, st, newOnly, now)
			require.ErrorIs(t, err, ErrMissingKey, "a server without the old key must not start")
			assert.Contains(t, err.Error(), old.ActiveID())

			next := testRing(t, testKey(2), testKey(1))
			id, err := p.find(ctx, next, "13800000007")
			require.NoError(t, err, "search finds old-key rows during the rotation")
			assert.Equal(t, "p007", id)

			var progress []int
			rep, err := Rotate(ctx, st, next, []Rotator{p}, RotateConfig{Batch: 5, Now: func() time.Time { return now },
				Progress: func(name string, n int) { progress = append(progress, n) }})
			require.NoError(t, err)
			assert.Equal(t, map[string]int{"people": 23}, rep.Changed)
			assert.Equal(t, []string{old.ActiveID()}, rep.Retired)
			assert.Equal(t, []int{5, 10, 15, 20, 23, 23}, progress, "batches of 5, then an empty one")

			rows, err := st.Query(ctx, `SELECT id, mobile FROM people ORDER BY id`)
			require.NoError(t, err)
			n := 0
			for rows.Next() {
				var id, mobile string
				require.NoError(t, rows.Scan(&id, &mobile))
				kid, err := KeyID(mobile)
				require.NoError(t, err)
				assert.Equal(t, next.ActiveID(), kid)
				plain, err := newOnly.Open(mobile, "people/"+id+"/mobile")
				require.NoError(t, err)
				assert.Equal(t, fmt.Sprintf("138%08d", n), plain)
				n++
			}
			require.NoError(t, rows.Err())
			rows.Close()
			assert.Equal(t, 23, n)

			require.NoError(t, CheckKeys(ctx, st, newOnly, now), "the old key is retired: the new key alone suffices")
			id, err = p.find(ctx, newOnly, "13800000022")
			require.NoError(t, err, "indexes were recomputed")
			assert.Equal(t, "p022", id)

			rep, err = Rotate(ctx, st, newOnly, []Rotator{p}, RotateConfig{})
			require.NoError(t, err)
			assert.Equal(t, 0, rep.Changed["people"], "a second run changes nothing")

			require.ErrorIs(t, CheckKeys(ctx, st, old, now), ErrMissingKey, "the new key has sealed data: it is needed")
			back := testRing(t, testKey(1), testKey(2))
			require.NoError(t, CheckKeys(ctx, st, back, now), "making a retired key active again un-retires it")
			require.ErrorIs(t, CheckKeys(ctx, st, newOnly, now), ErrMissingKey)
		})
	}
}

type failing struct{ after int }

func (f *failing) Name() string { return "failing" }
func (f *failing) RotateBatch(_ context.Context, _ *Keyring, cursor string, _ int) (string, int, error) {
	if f.after == 0 {
		return "", 0, errors.New("disk on fire")
	}
	f.after--
	return cursor + "x", 1, nil
}

type stuck struct{}

func (stuck) Name() string { return "stuck" }
func (stuck) RotateBatch(context.Context, *Keyring, string, int) (string, int, error) {
	return "same", 0, nil
}

func TestRotateStopsAndRetiresNothing(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, storetest.SQLiteDSN(t))
	require.NoError(t, err)
	defer st.Close()
	old := testRing(t, testKey(1))
	require.NoError(t, CheckKeys(ctx, st, old, time.Now()))
	next := testRing(t, testKey(2), testKey(1))

	rep, err := Rotate(ctx, st, next, nil, RotateConfig{})
	require.NoError(t, err)
	assert.Empty(t, rep.Retired, "no rotators: nothing re-sealed, nothing retired")

	rep, err = Rotate(ctx, st, next, []Rotator{&failing{after: 2}}, RotateConfig{})
	require.Error(t, err)
	assert.Equal(t, 2, rep.Changed["failing"])
	assert.Empty(t, rep.Retired)
	_, err = Rotate(ctx, st, next, []Rotator{stuck{}}, RotateConfig{})
	require.ErrorContains(t, err, "did not move")
	require.ErrorIs(t, CheckKeys(ctx, st, testRing(t, testKey(2)), time.Now()), ErrMissingKey, "the old key is still needed")
}
