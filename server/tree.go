package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"

	"github.com/creditkit/creditkit/server/store/customerdb"
	"github.com/creditkit/creditkit/tree"
)

// treeCache is the server's in-memory customer tree: a cache of the tree_nodes and
// tree_exposure tables, never the only copy. Every read first compares the database's tree
// version (one indexed read, TreeVersion) with the version the cache reflects, and when
// another process (or another goroutine's transaction) has written since, it reads the
// rows stamped with a later version and applies them; if they cannot be applied one by
// one, it rebuilds the whole tree from the database.
type treeCache struct {
	repo *customerdb.Repo
	log  *slog.Logger

	mu      sync.Mutex // serialises catching up
	cur     atomic.Pointer[tree.Tree]
	version atomic.Int64 // the tree version cur reflects (at least)
	links   linkState    // the related-party links cur holds (links.go); guarded by mu
}

// reloadAbove is the number of changed nodes above which catching up rebuilds the whole
// tree instead of applying the changes one by one.
const reloadAbove = 50_000

// load builds the cache from the database.
func (tc *treeCache) load(ctx context.Context) error {
	v, rows, err := tc.repo.LoadTree(ctx)
	if err != nil {
		return err
	}
	t, err := tree.Build(rows)
	if err != nil {
		return fmt.Errorf("server: the customer tree in the database is inconsistent: %w", err)
	}
	if err := tc.loadLinks(ctx, nil, t); err != nil {
		return err
	}
	tc.cur.Store(t)
	tc.version.Store(v)
	return nil
}

// fresh returns the tree as of at least the latest committed version.
func (tc *treeCache) fresh(ctx context.Context) (*tree.Tree, error) {
	v, err := tc.repo.TreeVersion(ctx)
	if err != nil {
		return nil, err
	}
	if v <= tc.version.Load() {
		return tc.cur.Load(), nil
	}
	return tc.catchUp(ctx, nil, v)
}

// catchUp brings the cache up to at least version target, reading the changes through tx
// (nil: as committed). Inside a tree writer's transaction it must run right after
// LockTree, before the transaction writes, with target one below the locked version: the
// transaction then sees exactly the committed changes.
func (tc *treeCache) catchUp(ctx context.Context, tx *sql.Tx, target int64) (*tree.Tree, error) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	from := tc.version.Load()
	if from >= target {
		return tc.cur.Load(), nil
	}
	nodes, err := tc.repo.TreeChanges(ctx, tx, from)
	if err != nil {
		return nil, err
	}
	t := tc.cur.Load()
	if len(nodes) > reloadAbove {
		err = errors.New("too many changes to apply one by one")
	} else {
		err = applyNodes(t, nodes)
	}
	if err == nil {
		err = tc.catchUpLinks(ctx, tx, t)
	}
	if err != nil {
		tc.log.Warn("rebuilding the customer tree from the database", "from_version", from, "to_version", target, "reason", err.Error())
		return tc.rebuild(ctx, tx, target)
	}
	tc.version.Store(target)
	return t, nil
}

// rebuild replaces the cache by the whole tree read from the database. The caller holds mu.
func (tc *treeCache) rebuild(ctx context.Context, tx *sql.Tx, target int64) (*tree.Tree, error) {
	var (
		rows []tree.Row
		v    int64
		err  error
	)
	if tx != nil {
		// Inside a writer's transaction: read what it sees, at the version below its own.
		var nodes []customerdb.Node
		if nodes, err = tc.repo.TreeChanges(ctx, tx, -1); err == nil {
			rows = make([]tree.Row, len(nodes))
			for i, n := range nodes {
				rows[i] = n.Row
			}
			v = target
		}
	} else {
		v, rows, err = tc.repo.LoadTree(ctx)
	}
	if err != nil {
		return nil, err
	}
	t, err := tree.Build(rows)
	if err != nil {
		return nil, fmt.Errorf("server: the customer tree in the database is inconsistent: %w", err)
	}
	if err := tc.loadLinks(ctx, tx, t); err != nil {
		return nil, err
	}
	tc.cur.Store(t)
	tc.version.Store(v)
	return t, nil
}

// applyNodes makes t hold the given nodes as stored: new ones are added (parents first),
// changed ones moved, renamed, re-attributed, re-limited and re-exposed. Applying a node
// already as stored changes nothing, so overlapping catch-ups are harmless.
func applyNodes(t *tree.Tree, nodes []customerdb.Node) error {
	pending := nodes
	for len(pending) > 0 {
		var later []customerdb.Node
		for _, n := range pending {
			ok, err := applyNode(t, n)
			if err != nil {
				return fmt.Errorf("node %d: %w", n.ID, err)
			}
			if !ok {
				later = append(later, n)
			}
		}
		if len(later) == len(pending) {
			return fmt.Errorf("node %d: its parent %d is not in the tree", later[0].ID, later[0].Parent)
		}
		pending = later
	}
	return nil
}

// applyNode applies one stored node to t; it returns false when the node must wait for its
// parent (or for another move) to be applied first.
func applyNode(t *tree.Tree, n customerdb.Node) (bool, error) {
	cur, err := t.Get(n.ID)
	if errors.Is(err, tree.ErrNotFound) {
		if _, err := t.Get(n.Parent); err != nil {
			return false, nil
		}
		_, err := t.Add(n.Row)
		return err == nil, err
	}
	if err != nil {
		return false, err
	}
	if cur.Parent != n.Parent {
		if _, err := t.Get(n.Parent); err != nil {
			return false, nil
		}
		if err := t.Move(n.ID, n.Parent); err != nil {
			if errors.Is(err, tree.ErrOwnSubtree) {
				return false, nil // another move applied later in this batch frees the way
			}
			return false, err
		}
	}
	if cur.Name != n.Name {
		if err := t.Rename(n.ID, n.Name); err != nil {
			return false, err
		}
	}
	if !maps.Equal(cur.Attrs, n.Attrs) {
		if err := t.SetAttrs(n.ID, n.Attrs); err != nil {
			return false, err
		}
	}
	if cur.Limit.Valid != n.Limit.Valid || cur.Limit.Valid && !cur.Limit.Decimal.Equal(n.Limit.Decimal) {
		if err := t.SetLimit(n.ID, n.Limit); err != nil {
			return false, err
		}
	}
	if n.Kind == tree.KindCustomer && !cur.Exposure.Equal(n.Exposure) {
		if err := t.SetExposure(n.Customer, n.Exposure); err != nil {
			return false, err
		}
	}
	return true, nil
}

// treeLock is one transaction's hold on the tree. acquire locks the tree (bumping its
// version, which serialises tree writers across processes) and brings the cache up to the
// state the transaction builds on; t is then that state and version the value every node
// or exposure row the transaction writes carries. After the transaction commits, the
// cache catches up with it through the version check (refresh).
type treeLock struct {
	tc      *treeCache
	tx      *sql.Tx
	version int64      // 0 until acquired
	t       *tree.Tree // the tree as committed before this transaction

	// addsOnly, set by a transaction whose only tree writes are new nodes (a batch of
	// registrations), makes it collect them in added: after the commit the cache adds them
	// as stored instead of reading them back.
	addsOnly bool
	added    []customerdb.Node
}

// acquire locks the tree for the transaction, once. It must run before the transaction
// writes any node or exposure row.
func (l *treeLock) acquire(ctx context.Context) error {
	if l.version != 0 {
		return nil
	}
	v, err := l.tc.repo.LockTree(ctx, l.tx)
	if err != nil {
		return err
	}
	t, err := l.tc.catchUp(ctx, l.tx, v-1)
	if err != nil {
		return err
	}
	l.version, l.t = v, t
	return nil
}

// add brings the cache up to version after the commit of a transaction at that version
// whose only tree writes were the nodes (as stored): when the cache holds the version
// before it, as it does in the process that wrote them, it adds them without reading them
// back; otherwise, or should they not apply, it catches up as refresh does.
func (tc *treeCache) add(ctx context.Context, version int64, nodes []customerdb.Node) {
	tc.mu.Lock()
	if tc.version.Load() == version-1 {
		err := applyNodes(tc.cur.Load(), nodes)
		if err == nil {
			tc.version.Store(version)
			tc.mu.Unlock()
			return
		}
		tc.log.Warn("the customer tree could not add the nodes just written; reading them back", "error", err.Error())
	}
	tc.mu.Unlock()
	tc.refresh(ctx)
}

// refresh brings the cache up to the committed state after a transaction that locked the
// tree; a failure is logged (the next read catches up anyway).
func (tc *treeCache) refresh(ctx context.Context) {
	if _, err := tc.fresh(context.WithoutCancel(ctx)); err != nil {
		tc.log.Warn("the customer tree could not catch up after a write; the next read will", "error", err.Error())
	}
}

// treeTx runs fn in one write transaction whose tree lock fn acquires when it changes the
// tree, and lets the cache catch up after the commit.
func (s *Server) treeTx(ctx context.Context, fn func(tx *sql.Tx, tl *treeLock) error) error {
	var tl *treeLock
	err := s.cfg.Store.Tx(ctx, func(tx *sql.Tx) error {
		tl = &treeLock{tc: &s.customers.tree, tx: tx}
		return fn(tx, tl)
	})
	switch {
	case err != nil || tl.version == 0:
	case tl.addsOnly:
		s.customers.tree.add(ctx, tl.version, tl.added)
	default:
		s.customers.tree.refresh(ctx)
	}
	return err
}

// treeCanHold reports whether a node of kind parent may hold a child of kind child, as the tree
// package rules: branches under the bank or a branch, groups under the bank, a branch or a
// group, customers under a branch or a group.
func treeCanHold(parent, child tree.Kind) bool {
	switch child {
	case tree.KindBranch:
		return parent == tree.KindBank || parent == tree.KindBranch
	case tree.KindGroup:
		return parent == tree.KindBank || parent == tree.KindBranch || parent == tree.KindGroup
	case tree.KindCustomer:
		return parent == tree.KindBranch || parent == tree.KindGroup
	}
	return false
}
