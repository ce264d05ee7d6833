package customerdb

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/tree"
)

// ErrNoLink reports a related-party link that is not stored.
var ErrNoLink = errors.New("customerdb: no such link")

// StoredLink is one stored related-party link: the tree.Link, in canonical order (the
// symmetric kinds From < To), with who set it as it stands and when.
type StoredLink struct {
	tree.Link
	CreatedAt time.Time
	CreatedBy string
}

// CanonicalLink returns l as it is stored and as tree.Tree keeps it: a symmetric link
// (every kind but control) with its customers in byte order, and a share of exactly zero.
func CanonicalLink(l tree.Link) tree.Link {
	if l.Kind != tree.LinkControl {
		if l.To < l.From {
			l.From, l.To = l.To, l.From
		}
		l.Share = decimal.Zero
	}
	return l
}

const linkColumns = `from_number, to_number, kind, share, created_at, created_by`

func scanLink(s rowScanner) (StoredLink, error) {
	var (
		l           StoredLink
		kind, share string
		at          int64
	)
	if err := s.Scan(&l.From, &l.To, &kind, &share, &at, &l.CreatedBy); err != nil {
		return StoredLink{}, err
	}
	if err := l.Kind.UnmarshalText([]byte(kind)); err != nil {
		return StoredLink{}, fmt.Errorf("customerdb: link %s-%s: %w", l.From, l.To, err)
	}
	d, err := decimal.NewFromString(share)
	if err != nil {
		return StoredLink{}, fmt.Errorf("customerdb: link %s-%s share: %w", l.From, l.To, err)
	}
	l.Share, l.CreatedAt = d, time.Unix(0, at).UTC()
	return l, nil
}

// PutLinkTx stores l inside tx, stamped with version (from LockTree): a new link is
// inserted, an existing one (same customers and kind, either order for the symmetric
// kinds) replaced. by is the actor's ID. It returns the link as stored and the link it
// replaced, if any. The caller checks l against the tree first (both customers placed,
// a known kind, not a self-link, a control share from 0.5 to 1).
func (r *Repo) PutLinkTx(ctx context.Context, tx *sql.Tx, version int64, l tree.Link, by string) (stored StoredLink, prev *StoredLink, err error) {
	l = CanonicalLink(l)
	if !l.Kind.Valid() {
		return StoredLink{}, nil, fmt.Errorf("customerdb: link kind %d: %w", uint8(l.Kind), tree.ErrInvalid)
	}
	old, err := r.getLinkTx(ctx, tx, l.From, l.To, l.Kind)
	switch {
	case err == nil:
		prev = &old
	case !errors.Is(err, ErrNoLink):
		return StoredLink{}, nil, err
	}
	now := r.now().UTC()
	if _, err := r.st.TxExec(ctx, tx, `INSERT INTO related_links (from_number, to_number, kind, share, created_at, created_by, changed)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (from_number, to_number, kind) DO UPDATE SET share = excluded.share,
		created_at = excluded.created_at, created_by = excluded.created_by, changed = excluded.changed`,
		l.From, l.To, l.Kind.String(), l.Share.String(), now.UnixNano(), by, version); err != nil {
		return StoredLink{}, nil, fmt.Errorf("customerdb: put link %s-%s: %w", l.From, l.To, err)
	}
	if err := r.stampLinks(ctx, tx, version); err != nil {
		return StoredLink{}, nil, err
	}
	return StoredLink{Link: l, CreatedAt: now, CreatedBy: by}, prev, nil
}

// DeleteLinkTx removes the link between from and to of kind (either order for the
// symmetric kinds) inside tx, stamped with version (from LockTree), and returns it. It
// fails with ErrNoLink when there is none.
func (r *Repo) DeleteLinkTx(ctx context.Context, tx *sql.Tx, version int64, from, to string, kind tree.LinkKind) (StoredLink, error) {
	l := CanonicalLink(tree.Link{From: from, To: to, Kind: kind})
	old, err := r.getLinkTx(ctx, tx, l.From, l.To, l.Kind)
	if err != nil {
		return StoredLink{}, err
	}
	if _, err := r.st.TxExec(ctx, tx, `DELETE FROM related_links WHERE from_number = ? AND to_number = ? AND kind = ?`,
		l.From, l.To, l.Kind.String()); err != nil {
		return StoredLink{}, fmt.Errorf("customerdb: delete link %s-%s: %w", l.From, l.To, err)
	}
	if err := r.stampLinks(ctx, tx, version); err != nil {
		return StoredLink{}, err
	}
	return old, nil
}

// stampLinks records that the links changed at version.
func (r *Repo) stampLinks(ctx context.Context, tx *sql.Tx, version int64) error {
	if _, err := r.st.TxExec(ctx, tx, `UPDATE tree_state SET links_version = ? WHERE id = 1`, version); err != nil {
		return fmt.Errorf("customerdb: links version: %w", err)
	}
	return nil
}

func (r *Repo) getLinkTx(ctx context.Context, tx *sql.Tx, from, to string, kind tree.LinkKind) (StoredLink, error) {
	l, err := scanLink(r.st.TxQueryRow(ctx, tx, `SELECT `+linkColumns+` FROM related_links
		WHERE from_number = ? AND to_number = ? AND kind = ?`, from, to, kind.String()))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return StoredLink{}, fmt.Errorf("%w: %s %s-%s", ErrNoLink, kind, from, to)
	case err != nil:
		return StoredLink{}, fmt.Errorf("customerdb: link %s-%s: %w", from, to, err)
	}
	return l, nil
}

// LinksOf returns the links that touch customer, as committed, ordered by kind, then
// From, then To (tree.Tree.Links' order).
func (r *Repo) LinksOf(ctx context.Context, customer string) ([]StoredLink, error) {
	rows, err := r.st.Query(ctx, `SELECT `+linkColumns+` FROM related_links WHERE from_number = ?
		UNION SELECT `+linkColumns+` FROM related_links WHERE to_number = ?`, customer, customer)
	if err != nil {
		return nil, fmt.Errorf("customerdb: links of %s: %w", customer, err)
	}
	out, err := collectLinks(rows)
	if err != nil {
		return nil, fmt.Errorf("customerdb: links of %s: %w", customer, err)
	}
	sortStored(out)
	return out, nil
}

// LinksVersion returns the tree version of the last link write, as tx sees it (nil: as
// committed).
func (r *Repo) LinksVersion(ctx context.Context, tx *sql.Tx) (int64, error) {
	const q = `SELECT links_version FROM tree_state WHERE id = 1`
	var (
		v   int64
		err error
	)
	if tx != nil {
		err = tx.QueryRowContext(ctx, r.st.Rebind(q)).Scan(&v)
	} else {
		err = r.st.QueryRow(ctx, q).Scan(&v)
	}
	if err != nil {
		return 0, fmt.Errorf("customerdb: links version: %w", err)
	}
	return v, nil
}

// LoadLinks returns every link, as tx sees them (nil: as committed), with the links
// version they reflect at least, in tree.Tree.Links' order.
func (r *Repo) LoadLinks(ctx context.Context, tx *sql.Tx) (int64, []StoredLink, error) {
	v, err := r.LinksVersion(ctx, tx)
	if err != nil {
		return 0, nil, err
	}
	q := `SELECT ` + linkColumns + ` FROM related_links`
	var rows *sql.Rows
	if tx != nil {
		rows, err = tx.QueryContext(ctx, r.st.Rebind(q))
	} else {
		rows, err = r.st.Query(ctx, q)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("customerdb: load links: %w", err)
	}
	out, err := collectLinks(rows)
	if err != nil {
		return 0, nil, fmt.Errorf("customerdb: load links: %w", err)
	}
	sortStored(out)
	return v, out, nil
}

func collectLinks(rows *sql.Rows) ([]StoredLink, error) {
	defer rows.Close()
	var out []StoredLink
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func sortStored(ls []StoredLink) {
	slices.SortFunc(ls, func(a, b StoredLink) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
}
