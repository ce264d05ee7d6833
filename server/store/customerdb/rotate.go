package customerdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/server/pii"
	"github.com/creditkit/creditkit/server/store"
)

// Rotators returns the pii.Rotator of every table of the archive that holds sealed
// personal data: customers (the customer JSON and the blind indexes) and
// customer_revisions (the changes' old and new values). Each re-seals, under the active
// key, every row sealed with another key and every row still in plaintext (written before
// migration 0007), batch by batch, resumably: a row already under the active key is left
// alone.
func Rotators(st *store.Store) []pii.Rotator {
	return []pii.Rotator{customerRotator{st}, revisionRotator{st}}
}

// sealBatch is the number of rows per transaction of SealPlaintext.
const sealBatch = 500

// SealPlaintext seals every row written before migration 0007 (pii_key NULL) under the
// active key of the Repo's keyring, with its blind indexes, in transactions of a few
// hundred rows, and returns how many rows it sealed. New calls it; it is idempotent and
// safe to run from several processes at once (a row is sealed once).
func (r *Repo) SealPlaintext(ctx context.Context) (int, error) {
	total := 0
	for _, rot := range []func(ctx context.Context, ring *pii.Keyring, cursor string, limit int, plainOnly bool) (string, int, error){
		customerRotator{r.st}.rotate, revisionRotator{r.st}.rotate,
	} {
		cursor := ""
		for {
			next, n, err := rot(ctx, r.ring, cursor, sealBatch, true)
			total += n
			if err != nil {
				return total, fmt.Errorf("customerdb: seal the rows written before sealing: %w", err)
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	return total, nil
}

// forUpdate locks the rows a rotation batch reads on PostgreSQL, so no write slips between
// the read and the update; an SQLite write transaction already holds the database.
func forUpdate(st *store.Store) string {
	if st.Dialect() == store.Postgres {
		return ` FOR UPDATE`
	}
	return ""
}

// customerRotator re-seals the customers table; its cursor is the last ord it looked at.
type customerRotator struct{ st *store.Store }

// Name implements pii.Rotator.
func (customerRotator) Name() string { return "customers" }

// RotateBatch implements pii.Rotator.
func (c customerRotator) RotateBatch(ctx context.Context, ring *pii.Keyring, cursor string, limit int) (string, int, error) {
	return c.rotate(ctx, ring, cursor, limit, false)
}

// rotate re-seals up to limit rows after cursor that are in plaintext or, unless plainOnly,
// sealed with a key other than ring's active key.
func (c customerRotator) rotate(ctx context.Context, ring *pii.Keyring, cursor string, limit int, plainOnly bool) (string, int, error) {
	var after int64
	if cursor != "" {
		var err error
		if after, err = strconv.ParseInt(cursor, 10, 64); err != nil {
			return "", 0, fmt.Errorf("customerdb: bad rotation cursor %q", cursor)
		}
	}
	q := `SELECT ord, number, data, pii_key FROM customers WHERE ord > ? AND pii_key IS NULL`
	args := []any{after}
	if !plainOnly {
		q = `SELECT ord, number, data, pii_key FROM customers WHERE ord > ? AND (pii_key IS NULL OR pii_key <> ?)`
		args = append(args, ring.ActiveID())
	}
	q += ` ORDER BY ord LIMIT ?` + forUpdate(c.st)
	args = append(args, limit)
	type row struct {
		ord    int64
		number string
		data   string
		key    sql.NullString
	}
	var (
		next    string
		changed int
	)
	err := c.st.Tx(ctx, func(tx *sql.Tx) error {
		next, changed = "", 0
		batch, err := queryRows(ctx, tx, c.st.Rebind(q), args, func(rs *sql.Rows, x *row) error {
			return rs.Scan(&x.ord, &x.number, &x.data, &x.key)
		})
		if err != nil {
			return err
		}
		for _, x := range batch {
			next = strconv.FormatInt(x.ord, 10)
			cust, err := decodeCustomer([]byte(x.data))
			if err != nil {
				return fmt.Errorf("%s: %w", x.number, err)
			}
			if cust.Number.String() != x.number {
				return fmt.Errorf("customerdb: the row of %s holds customer %s", x.number, cust.Number)
			}
			if x.key.Valid {
				if err := openCustomer(ring, x.number, &cust); err != nil {
					return err
				}
			}
			data, err := sealCustomer(ring, cust)
			if err != nil {
				return err
			}
			id, doc, mobile := identityOf(cust)
			id, doc, mobile = blindIndexes(ring, id, doc, mobile)
			res, err := tx.ExecContext(ctx, c.st.Rebind(`UPDATE customers SET data = ?, identity = ?, doc_id = ?,
				mobile = ?, pii_key = ? WHERE ord = ? AND data = ?`),
				string(data), id, doc, mobile, ring.ActiveID(), x.ord, x.data)
			if err != nil {
				return fmt.Errorf("customerdb: re-seal %s: %w", x.number, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("customerdb: re-seal %s: %w", x.number, err)
			} else if n == 1 {
				changed++
			}
		}
		return nil
	})
	if err != nil {
		return "", 0, err
	}
	return next, changed, nil
}

// revisionRotator re-seals customer_revisions; its cursor is "<number>/<version>" of the
// last revision it looked at.
type revisionRotator struct{ st *store.Store }

// Name implements pii.Rotator.
func (revisionRotator) Name() string { return "customer_revisions" }

// RotateBatch implements pii.Rotator.
func (v revisionRotator) RotateBatch(ctx context.Context, ring *pii.Keyring, cursor string, limit int) (string, int, error) {
	return v.rotate(ctx, ring, cursor, limit, false)
}

func (v revisionRotator) rotate(ctx context.Context, ring *pii.Keyring, cursor string, limit int, plainOnly bool) (string, int, error) {
	var (
		afterNum string
		afterVer int64
	)
	if cursor != "" {
		n, ver, ok := strings.Cut(cursor, "/")
		var err error
		if afterVer, err = strconv.ParseInt(ver, 10, 64); !ok || err != nil {
			return "", 0, fmt.Errorf("customerdb: bad rotation cursor %q", cursor)
		}
		afterNum = n
	}
	q := `SELECT number, version, changes, pii_key FROM customer_revisions
		WHERE (number, version) > (?, ?) AND pii_key IS NULL`
	args := []any{afterNum, afterVer}
	if !plainOnly {
		q = `SELECT number, version, changes, pii_key FROM customer_revisions
		WHERE (number, version) > (?, ?) AND (pii_key IS NULL OR pii_key <> '' AND pii_key <> ?)`
		args = append(args, ring.ActiveID())
	}
	q += ` ORDER BY number, version LIMIT ?` + forUpdate(v.st)
	args = append(args, limit)
	type row struct {
		number  string
		version int64
		changes string
		key     sql.NullString
	}
	var (
		next    string
		changed int
	)
	err := v.st.Tx(ctx, func(tx *sql.Tx) error {
		next, changed = "", 0
		batch, err := queryRows(ctx, tx, v.st.Rebind(q), args, func(rs *sql.Rows, x *row) error {
			return rs.Scan(&x.number, &x.version, &x.changes, &x.key)
		})
		if err != nil {
			return err
		}
		for _, x := range batch {
			next = x.number + "/" + strconv.FormatInt(x.version, 10)
			var changes []customer.Change
			if err := json.Unmarshal([]byte(x.changes), &changes); err != nil {
				return fmt.Errorf("customerdb: revision %d of %s: %w", x.version, x.number, err)
			}
			if x.key.String != "" {
				if err := openChanges(ring, x.number, x.version, changes); err != nil {
					return err
				}
			}
			b, key, err := sealChanges(ring, x.number, x.version, changes)
			if err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, v.st.Rebind(`UPDATE customer_revisions SET changes = ?, pii_key = ?
				WHERE number = ? AND version = ? AND changes = ?`), string(b), key, x.number, x.version, x.changes)
			if err != nil {
				return fmt.Errorf("customerdb: re-seal revision %d of %s: %w", x.version, x.number, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("customerdb: re-seal revision %d of %s: %w", x.version, x.number, err)
			} else if n == 1 {
				changed++
			}
		}
		return nil
	})
	if err != nil {
		return "", 0, err
	}
	return next, changed, nil
}

// queryRows runs query in tx and scans every row with scan, closing the rows before it
// returns (a rotation batch updates the rows it read in the same transaction).
func queryRows[T any](ctx context.Context, tx *sql.Tx, query string, args []any, scan func(*sql.Rows, *T) error) ([]T, error) {
	rs, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []T
	for rs.Next() {
		var x T
		if err := scan(rs, &x); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rs.Err()
}
