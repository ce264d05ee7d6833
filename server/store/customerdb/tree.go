package customerdb

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/tree"
)

// RootID is the ID of the bank, the root of the tree; EnsureRoot creates it.
const RootID tree.ID = 1

// nodeSequence names the sequence node IDs are drawn from.
const nodeSequence = "tree_node"

var (
	// ErrStaleNode is wrapped by *NodeVersionError.
	ErrStaleNode = errors.New("customerdb: stale node version")
	// ErrNodeCursor reports a children cursor Children did not issue.
	ErrNodeCursor = errors.New("customerdb: invalid node cursor")
)

// NodeVersionError says a node update expected another version than the stored one. It
// wraps ErrStaleNode.
type NodeVersionError struct {
	ID       tree.ID
	Expected int64
	Actual   int64
}

func (e *NodeVersionError) Error() string {
	return fmt.Sprintf("customerdb: node %d is at version %d, not %d", e.ID, e.Actual, e.Expected)
}

// Unwrap returns ErrStaleNode.
func (e *NodeVersionError) Unwrap() error { return ErrStaleNode }

// Node is one stored node of the tree: the tree.Row the in-memory tree is built from
// (Exposure is the customer's own, zero for other kinds), the node's own version, which
// changes with its name, attributes, limit or parent, and its times.
type Node struct {
	tree.Row
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// EnsureRoot creates the bank, node RootID, named name, unless it exists; several processes
// may call it at once. It also starts the node sequence above RootID.
func (r *Repo) EnsureRoot(ctx context.Context, name string) error {
	if name == "" {
		return fmt.Errorf("customerdb: root: %w: empty name", tree.ErrInvalid)
	}
	now := r.now().UTC().UnixNano()
	return r.st.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := r.st.TxExec(ctx, tx, `INSERT INTO sequences (name, value) VALUES (?, ?)
			ON CONFLICT (name) DO NOTHING`, nodeSequence, int64(RootID)); err != nil {
			return fmt.Errorf("customerdb: root: %w", err)
		}
		if _, err := r.st.TxExec(ctx, tx, `INSERT INTO tree_nodes (id, parent, kind, name, name_key,
			customer, attrs, credit_limit, version, changed, created_at, updated_at)
			VALUES (?, NULL, 'bank', ?, ?, NULL, '{}', NULL, 1, 0, ?, ?) ON CONFLICT (id) DO NOTHING`,
			int64(RootID), name, r.idx.NameKey(name), now, now); err != nil {
			return fmt.Errorf("customerdb: root: %w", err)
		}
		return nil
	})
}

// TreeVersion returns the tree's version as committed: one indexed read.
func (r *Repo) TreeVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := r.st.QueryRow(ctx, `SELECT version FROM tree_state WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("customerdb: tree version: %w", err)
	}
	return v, nil
}

// LockTree starts a change of the tree inside tx: it bumps the tree's version and returns
// the new value, which every node or exposure row tx writes must carry. On PostgreSQL the
// version row stays locked until tx ends, so tree writers of every process run one after
// another and each sees the others' committed changes; on SQLite the write lock does that.
// Call it before reading what the change depends on.
func (r *Repo) LockTree(ctx context.Context, tx *sql.Tx) (int64, error) {
	var v int64
	if err := r.st.TxQueryRow(ctx, tx, `UPDATE tree_state SET version = version + 1 WHERE id = 1 RETURNING version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("customerdb: lock tree: %w", err)
	}
	return v, nil
}

// NextNodeID draws the ID of a new node inside tx, from the store's sequence "tree_node"
// (store.Store.NextInSequence); NewNodeID draws one ahead of the transaction.
func (r *Repo) NextNodeID(ctx context.Context, tx *sql.Tx) (tree.ID, error) {
	v, err := r.st.NextInSequence(ctx, tx, nodeSequence)
	if err != nil {
		return 0, fmt.Errorf("customerdb: node id: %w", err)
	}
	return tree.ID(v), nil
}

const nodeColumns = `n.id, n.parent, n.kind, n.name, n.customer, n.attrs, n.credit_limit, e.cents, n.version, n.created_at, n.updated_at`

// nodeFrom joins each node with its exposure.
const nodeFrom = ` FROM tree_nodes n LEFT JOIN tree_exposure e ON e.node = n.id`

type rowScanner interface{ Scan(dest ...any) error }

func scanNode(s rowScanner) (Node, error) {
	var (
		n                        Node
		parent, cents            sql.NullInt64
		kind, attrs              string
		customer, limit          sql.NullString
		id, createdAt, updatedAt int64
	)
	if err := s.Scan(&id, &parent, &kind, &n.Name, &customer, &attrs, &limit, &cents, &n.Version, &createdAt, &updatedAt); err != nil {
		return Node{}, err
	}
	n.ID, n.Parent, n.Customer = tree.ID(id), tree.ID(parent.Int64), customer.String
	if err := n.Kind.UnmarshalText([]byte(kind)); err != nil {
		return Node{}, fmt.Errorf("customerdb: node %d: %w", id, err)
	}
	if attrs != "{}" {
		if err := json.Unmarshal([]byte(attrs), &n.Attrs); err != nil {
			return Node{}, fmt.Errorf("customerdb: node %d attrs: %w", id, err)
		}
	}
	if limit.Valid {
		d, err := decimal.NewFromString(limit.String)
		if err != nil {
			return Node{}, fmt.Errorf("customerdb: node %d limit: %w", id, err)
		}
		n.Limit = decimal.NewNullDecimal(d)
	}
	if n.Kind == tree.KindCustomer {
		n.Exposure = decimal.New(cents.Int64, -2)
	}
	n.CreatedAt, n.UpdatedAt = time.Unix(0, createdAt).UTC(), time.Unix(0, updatedAt).UTC()
	return n, nil
}

// GetNode returns the node id as committed, or a *tree.NotFoundError.
func (r *Repo) GetNode(ctx context.Context, id tree.ID) (Node, error) {
	return getNode(r.st.QueryRow(ctx, `SELECT `+nodeColumns+nodeFrom+` WHERE n.id = ?`, int64(id)), id)
}

// GetNodeTx is GetNode inside tx.
func (r *Repo) GetNodeTx(ctx context.Context, tx *sql.Tx, id tree.ID) (Node, error) {
	return getNode(r.st.TxQueryRow(ctx, tx, `SELECT `+nodeColumns+nodeFrom+` WHERE n.id = ?`, int64(id)), id)
}

func getNode(row *sql.Row, id tree.ID) (Node, error) {
	n, err := scanNode(row)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Node{}, &tree.NotFoundError{ID: id}
	case err != nil:
		return Node{}, fmt.Errorf("customerdb: node %d: %w", id, err)
	}
	return n, nil
}

// LoadTree reads the whole tree as committed: the version it reflects at least, and every
// node with its exposure, read by one statement, so the rows are one consistent state
// (possibly newer than the version, which only makes a later TreeChanges re-read them).
func (r *Repo) LoadTree(ctx context.Context) (int64, []tree.Row, error) {
	v, err := r.TreeVersion(ctx)
	if err != nil {
		return 0, nil, err
	}
	var count int
	if err := r.st.QueryRow(ctx, `SELECT COUNT(*) FROM tree_nodes`).Scan(&count); err != nil {
		return 0, nil, fmt.Errorf("customerdb: load tree: %w", err)
	}
	rows, err := r.st.Query(ctx, `SELECT `+nodeColumns+nodeFrom)
	if err != nil {
		return 0, nil, fmt.Errorf("customerdb: load tree: %w", err)
	}
	defer rows.Close()
	out := make([]tree.Row, 0, count+count/64)
	for rows.Next() {
		n, err := scanNode(rows)
		if err != nil {
			return 0, nil, fmt.Errorf("customerdb: load tree: %w", err)
		}
		out = append(out, n.Row)
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("customerdb: load tree: %w", err)
	}
	return v, out, nil
}

// TreeChanges returns the nodes whose row or exposure changed after version since, in ID
// order, as the transaction tx sees them, or as committed when tx is nil. Inside a tree
// writer's transaction, call it right after LockTree, before writing: it then sees exactly
// the committed state the writer builds on.
func (r *Repo) TreeChanges(ctx context.Context, tx *sql.Tx, since int64) ([]Node, error) {
	q := `SELECT ` + nodeColumns + nodeFrom + ` WHERE n.changed > ?
		UNION SELECT ` + nodeColumns + ` FROM tree_exposure e JOIN tree_nodes n ON n.id = e.node WHERE e.changed > ?
		ORDER BY 1`
	var (
		rows *sql.Rows
		err  error
	)
	if tx != nil {
		rows, err = tx.QueryContext(ctx, r.st.Rebind(q), since, since)
	} else {
		rows, err = r.st.Query(ctx, q, since, since)
	}
	if err != nil {
		return nil, fmt.Errorf("customerdb: tree changes: %w", err)
	}
	defer rows.Close()
	var out []Node
	for rows.Next() {
		n, err := scanNode(rows)
		if err != nil {
			return nil, fmt.Errorf("customerdb: tree changes: %w", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("customerdb: tree changes: %w", err)
	}
	return out, nil
}

func encodeAttrs(a map[string]string) (string, error) {
	if len(a) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(a)
	return string(b), err
}

func limitArg(l decimal.NullDecimal) any {
	if !l.Valid {
		return nil
	}
	return l.Decimal.String()
}

// InsertNodeTx stores a new node inside tx, stamped with version (from LockTree), at node
// version 1; a customer node gets its exposure row too, at n.Exposure. The caller checks
// the node against the tree first (the parent exists and may hold it). It fails with
// tree.ErrDuplicateID or tree.ErrDuplicateCustomer when the ID or customer is taken.
func (r *Repo) InsertNodeTx(ctx context.Context, tx *sql.Tx, version int64, n tree.Row) (Node, error) {
	attrs, err := encodeAttrs(n.Attrs)
	if err != nil {
		return Node{}, fmt.Errorf("customerdb: node attrs: %w", err)
	}
	var parent, cust any
	if n.Parent != 0 {
		parent = int64(n.Parent)
	}
	if n.Kind == tree.KindCustomer {
		cust = n.Customer
	}
	now := r.now().UTC()
	res, err := r.st.TxExec(ctx, tx, `INSERT INTO tree_nodes (id, parent, kind, name, name_key, customer,
		attrs, credit_limit, version, changed, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
		ON CONFLICT DO NOTHING`,
		int64(n.ID), parent, n.Kind.String(), n.Name, r.idx.NameKey(n.Name), cust, attrs, limitArg(n.Limit),
		version, now.UnixNano(), now.UnixNano())
	if err != nil {
		return Node{}, fmt.Errorf("customerdb: insert node %d: %w", n.ID, err)
	}
	if k, err := res.RowsAffected(); err != nil {
		return Node{}, fmt.Errorf("customerdb: insert node %d: %w", n.ID, err)
	} else if k == 0 {
		if n.Kind == tree.KindCustomer {
			return Node{}, fmt.Errorf("customerdb: node %d or customer %s exists: %w", n.ID, n.Customer, tree.ErrDuplicateCustomer)
		}
		return Node{}, fmt.Errorf("customerdb: node %d exists: %w", n.ID, tree.ErrDuplicateID)
	}
	if n.Kind == tree.KindCustomer {
		cents, err := toCents(n.Exposure)
		if err != nil {
			return Node{}, err
		}
		if _, err := r.st.TxExec(ctx, tx, `INSERT INTO tree_exposure (customer, node, cents, changed) VALUES (?, ?, 0, ?)`,
			n.Customer, int64(n.ID), version); err != nil {
			return Node{}, fmt.Errorf("customerdb: exposure of %s: %w", n.Customer, err)
		}
		if cents != 0 {
			if _, err := r.AddExposureTx(ctx, tx, version, n.Customer, cents); err != nil {
				return Node{}, err
			}
		}
	}
	return Node{Row: n, Version: 1, CreatedAt: now, UpdatedAt: now}, nil
}

// UpdateNodeTx stores n's parent, name, attributes and limit inside tx, stamped with
// version (from LockTree), if the node is still at node version expected; the node version
// goes up by one. The caller checks the change against the tree first (a move must not
// form a cycle). Errors: *tree.NotFoundError, *NodeVersionError.
func (r *Repo) UpdateNodeTx(ctx context.Context, tx *sql.Tx, version int64, n Node, expected int64) (Node, error) {
	attrs, err := encodeAttrs(n.Attrs)
	if err != nil {
		return Node{}, fmt.Errorf("customerdb: node attrs: %w", err)
	}
	var parent any
	if n.Parent != 0 {
		parent = int64(n.Parent)
	}
	now := r.now().UTC()
	res, err := r.st.TxExec(ctx, tx, `UPDATE tree_nodes SET parent = ?, name = ?, name_key = ?, attrs = ?,
		credit_limit = ?, version = version + 1, changed = ?, updated_at = ? WHERE id = ? AND version = ?`,
		parent, n.Name, r.idx.NameKey(n.Name), attrs, limitArg(n.Limit), version, now.UnixNano(), int64(n.ID), expected)
	if err != nil {
		return Node{}, fmt.Errorf("customerdb: update node %d: %w", n.ID, err)
	}
	if k, err := res.RowsAffected(); err != nil {
		return Node{}, fmt.Errorf("customerdb: update node %d: %w", n.ID, err)
	} else if k == 0 {
		cur, err := r.GetNodeTx(ctx, tx, n.ID)
		if err != nil {
			return Node{}, err
		}
		return Node{}, &NodeVersionError{ID: n.ID, Expected: expected, Actual: cur.Version}
	}
	n.Version, n.UpdatedAt = expected+1, now
	return n, nil
}

// maxExposureCents is tree.MaxAmount in hundredths.
const maxExposureCents = int64(1e17)

// toCents converts an exposure to hundredths, refusing what the tree refuses.
func toCents(d decimal.Decimal) (int64, error) {
	switch {
	case d.Sign() < 0:
		return 0, &tree.AmountError{Field: "exposure", Amount: d, Err: tree.ErrNegative}
	case !d.Shift(2).IsInteger():
		return 0, &tree.AmountError{Field: "exposure", Amount: d, Err: tree.ErrPrecision}
	case d.GreaterThan(tree.MaxAmount()):
		return 0, &tree.AmountError{Field: "exposure", Amount: d, Err: tree.ErrOverflow}
	}
	return d.Shift(2).IntPart(), nil
}

// AddExposureTx changes the customer's exposure by delta hundredths (negative lowers it)
// inside tx, stamped with version (from LockTree), and returns the new exposure in
// hundredths. The exposure stays within 0..tree.MaxAmount and the sum of all exposure
// within the tree's range. Errors: *tree.NotFoundError for a customer without a node,
// *tree.AmountError (tree.ErrNegative, tree.ErrOverflow).
func (r *Repo) AddExposureTx(ctx context.Context, tx *sql.Tx, version int64, customer string, delta int64) (int64, error) {
	if delta < -maxExposureCents || delta > maxExposureCents {
		return 0, &tree.AmountError{Field: "amount", Amount: decimal.New(delta, -2), Err: tree.ErrOverflow}
	}
	var cents int64
	err := r.st.TxQueryRow(ctx, tx, `UPDATE tree_exposure SET cents = cents + ?, changed = ?
		WHERE customer = ? AND cents + ? >= 0 AND cents + ? <= ? RETURNING cents`,
		delta, version, customer, delta, delta, maxExposureCents).Scan(&cents)
	if errors.Is(err, sql.ErrNoRows) {
		var cur int64
		err := r.st.TxQueryRow(ctx, tx, `SELECT cents FROM tree_exposure WHERE customer = ?`, customer).Scan(&cur)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return 0, &tree.NotFoundError{Customer: customer}
		case err != nil:
			return 0, fmt.Errorf("customerdb: exposure of %s: %w", customer, err)
		}
		sentinel := tree.ErrNegative
		if delta > 0 {
			sentinel = tree.ErrOverflow
		}
		return 0, &tree.AmountError{Field: "exposure", Amount: decimal.New(cur, -2).Add(decimal.New(delta, -2)), Err: sentinel}
	}
	if err != nil {
		return 0, fmt.Errorf("customerdb: exposure of %s: %w", customer, err)
	}
	// The sum of all exposure bounds every subtree total; keep it within int64.
	res, err := r.st.TxExec(ctx, tx, `UPDATE tree_state SET total = total + ? WHERE id = 1 AND total <= ?`,
		delta, int64(math.MaxInt64)-max(delta, 0))
	if err != nil {
		return 0, fmt.Errorf("customerdb: exposure total: %w", err)
	}
	if k, err := res.RowsAffected(); err != nil {
		return 0, fmt.Errorf("customerdb: exposure total: %w", err)
	} else if k == 0 {
		return 0, &tree.AmountError{Field: "total", Amount: decimal.New(delta, -2), Err: tree.ErrOverflow}
	}
	return cents, nil
}

// Children returns one page of the direct children of parent in name order (the order of
// customer.Indexer.NameKey; ties by ID), as committed. limit is 1 or more; cursor is "" or
// the next cursor of an earlier page of the same parent. A bad cursor wraps ErrNodeCursor.
func (r *Repo) Children(ctx context.Context, parent tree.ID, limit int, cursor string) ([]Node, string, error) {
	if limit < 1 {
		return nil, "", fmt.Errorf("customerdb: children: limit %d", limit)
	}
	q := `SELECT ` + nodeColumns + `, n.name_key` + nodeFrom + ` WHERE n.parent = ?`
	args := []any{int64(parent)}
	if cursor != "" {
		key, id, p, err := decodeNodeCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		if p != parent {
			return nil, "", fmt.Errorf("%w: it belongs to another node", ErrNodeCursor)
		}
		q += ` AND (n.name_key, n.id) > (?, ?)`
		args = append(args, key, int64(id))
	}
	q += ` ORDER BY n.name_key, n.id LIMIT ?`
	args = append(args, limit+1)
	rows, err := r.st.Query(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("customerdb: children of %d: %w", parent, err)
	}
	defer rows.Close()
	var (
		out     []Node
		next    string
		lastKey []byte
	)
	for rows.Next() {
		n, key, err := scanNodeWithKey(rows)
		if err != nil {
			return nil, "", fmt.Errorf("customerdb: children of %d: %w", parent, err)
		}
		if len(out) == limit {
			next = encodeNodeCursor(lastKey, out[len(out)-1].ID, parent)
			break
		}
		out = append(out, n)
		lastKey = key
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("customerdb: children of %d: %w", parent, err)
	}
	return out, next, nil
}

// scanNodeWithKey scans nodeColumns followed by the name key.
func scanNodeWithKey(rows *sql.Rows) (Node, []byte, error) {
	var key []byte
	n, err := scanNode(scanFunc(func(dest ...any) error { return rows.Scan(append(dest, &key)...) }))
	return n, key, err
}

type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

const nodeCursorVersion = 1

// encodeNodeCursor makes the opaque cursor of a children page: version, parent, ID and
// name key of the last child returned.
func encodeNodeCursor(key []byte, id, parent tree.ID) string {
	b := make([]byte, 0, 1+20+len(key))
	b = append(b, nodeCursorVersion)
	b = binary.AppendUvarint(b, uint64(parent))
	b = binary.AppendUvarint(b, uint64(id))
	b = append(b, key...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeNodeCursor(s string) (key []byte, id, parent tree.ID, err error) {
	bad := func(reason string) ([]byte, tree.ID, tree.ID, error) {
		return nil, 0, 0, fmt.Errorf("%w: %s", ErrNodeCursor, reason)
	}
	if len(s) > 4096 {
		return bad("too long")
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return bad("not base64url")
	}
	if len(b) < 1 || b[0] != nodeCursorVersion {
		return bad("unknown version")
	}
	b = b[1:]
	p, n := binary.Uvarint(b)
	if n <= 0 || p == 0 || p > math.MaxInt64 {
		return bad("bad parent")
	}
	b = b[n:]
	i, n := binary.Uvarint(b)
	if n <= 0 || i == 0 || i > math.MaxInt64 {
		return bad("bad id")
	}
	return b[n:], tree.ID(i), tree.ID(p), nil
}
