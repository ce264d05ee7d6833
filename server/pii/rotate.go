package pii

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/creditkit/creditkit/server/store"
)

// ErrMissingKey reports a database holding values sealed with a key the keyring lacks.
var ErrMissingKey = errors.New("pii: the database has data sealed with keys that are not configured")

// CheckKeys matches the keyring with the data keys the database has seen (table
// data_keys), in one transaction: every key that is not retired must be in the keyring —
// otherwise it fails with ErrMissingKey naming the missing key IDs, so a server with a
// wrong or freshly generated key refuses to start instead of writing data its peers
// cannot read — and the active key is recorded (and un-retired, if it had been). Call it
// at start, before the first Seal.
func CheckKeys(ctx context.Context, st *store.Store, ring *Keyring, now time.Time) error {
	return st.Tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM data_keys WHERE retired_at IS NULL ORDER BY id`)
		if err != nil {
			return fmt.Errorf("pii: read data keys: %w", err)
		}
		var missing []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("pii: read data keys: %w", err)
			}
			if !ring.Has(id) {
				missing = append(missing, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("pii: read data keys: %w", err)
		}
		if len(missing) > 0 {
			return fmt.Errorf("%w: %s (this server has %s); configure them in %s",
				ErrMissingKey, strings.Join(missing, ", "), strings.Join(ring.IDs(), ", "), EnvDataKey)
		}
		if _, err := tx.ExecContext(ctx, st.Rebind(`INSERT INTO data_keys (id, added_at) VALUES (?, ?)
			ON CONFLICT (id) DO UPDATE SET retired_at = NULL`), ring.ActiveID(), now.UnixNano()); err != nil {
			return fmt.Errorf("pii: record the active key: %w", err)
		}
		return nil
	})
}

// Rotator re-seals one table's personal data under the active key, a batch at a time; the
// customer repository implements it over its table.
type Rotator interface {
	// Name says what the rotator re-seals, for progress reports, e.g. "customers".
	Name() string
	// RotateBatch looks at up to limit rows after cursor ("" for the first batch), in the
	// order of a unique key, and in one transaction re-seals with ring.Reseal every value
	// not under ring.ActiveID() and recomputes its blind indexes with ring.Index. It must
	// not lose a concurrent write: update each row only if its sealed values are still the
	// ones it read (or lock the rows first). It returns the cursor of the last row it
	// looked at, "" when there were none left, and how many rows it changed.
	RotateBatch(ctx context.Context, ring *Keyring, cursor string, limit int) (next string, changed int, err error)
}

// RotateConfig tunes Rotate. The zero value is the documented default.
type RotateConfig struct {
	// Batch is the number of rows per transaction; 0 means 500.
	Batch int
	// Progress, when not nil, is called after every batch with the rotator's name and the
	// rows it has changed so far.
	Progress func(name string, changed int)
	// Now stamps retired keys; nil means time.Now.
	Now func() time.Time
}

// RotateReport is what Rotate did.
type RotateReport struct {
	Changed map[string]int // rows changed per rotator
	Retired []string       // key IDs marked retired in data_keys
}

// Rotate re-seals every value under ring's active key through rotators, then marks every
// other key retired in data_keys, so servers no longer need it. The procedure: put the new
// key first in every server's key list (the old ones after it) and restart them, so none
// seals with an old key any more; run Rotate; drop the old keys once no backup needs them. With no rotators it
// changes and retires nothing (there is nothing it knows how to re-seal). A failure stops
// the rotation and retires nothing; running Rotate again resumes (values already under the
// active key are left alone).
func Rotate(ctx context.Context, st *store.Store, ring *Keyring, rotators []Rotator, cfg RotateConfig) (RotateReport, error) {
	if cfg.Batch <= 0 {
		cfg.Batch = 500
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	rep := RotateReport{Changed: map[string]int{}}
	if err := CheckKeys(ctx, st, ring, cfg.Now()); err != nil {
		return rep, err
	}
	if len(rotators) == 0 {
		return rep, nil
	}
	for _, r := range rotators {
		cursor, total := "", 0
		for {
			next, changed, err := r.RotateBatch(ctx, ring, cursor, cfg.Batch)
			if err != nil {
				return rep, fmt.Errorf("pii: rotate %s after %q: %w", r.Name(), cursor, err)
			}
			total += changed
			rep.Changed[r.Name()] = total
			if cfg.Progress != nil {
				cfg.Progress(r.Name(), total)
			}
			if next == "" {
				break
			}
			if next == cursor {
				return rep, fmt.Errorf("pii: rotate %s: the cursor did not move from %q", r.Name(), cursor)
			}
			cursor = next
		}
	}
	err := st.Tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, st.Rebind(`SELECT id FROM data_keys WHERE retired_at IS NULL AND id <> ? ORDER BY id`), ring.ActiveID())
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, st.Rebind(`UPDATE data_keys SET retired_at = ? WHERE retired_at IS NULL AND id <> ?`),
			cfg.Now().UnixNano(), ring.ActiveID()); err != nil {
			return err
		}
		rep.Retired = slices.Clone(ids)
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("pii: retire keys: %w", err)
	}
	return rep, nil
}
