package server

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/creditkit/creditkit/server/audit"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/tree"
)

// This file joins the security layer to the domains: the audit record every write
// appends in its own transaction, and the data scope every read of a customer, an
// application or analytics is filtered by.

// audit appends e to the audit trail inside tx — the write's own transaction, so the
// record commits or rolls back with the write — stamping it with the request's ID, and
// marks the request's Idempotency-Key committed. Every write path calls it once per
// entity it writes, as its last statement (Append holds the chain's lock until tx ends).
// e.Actor is the actor the write path acts for; Before and After are the entity as it
// was and is (personal data is masked by the trail).
func (s *Server) audit(ctx context.Context, tx *sql.Tx, e audit.Entry) error {
	if e.RequestID == "" {
		e.RequestID, _ = ctx.Value(requestIDKey{}).(string)
	}
	if _, err := s.trail.Append(ctx, tx, e); err != nil {
		return fmt.Errorf("server: audit %s: %w", e.Action, err)
	}
	return IdempotencyCommitted(ctx, s.cfg.Store, tx)
}

// auditedWrite is one request's write in a transaction that commits several requests'
// writes (a group commit): the request's context, for its Idempotency-Key, and the write's
// audit record, prepared in the request (prepareAudit).
type auditedWrite struct {
	req context.Context
	rec audit.Prepared
}

// prepareAudit prepares e, stamped with the ID of the request whose context is req, for a
// group commit: encoding and masking run in the request, on any core, rather than in the
// writer every request of the batch waits for.
func (s *Server) prepareAudit(req context.Context, e audit.Entry) (audit.Prepared, error) {
	if e.RequestID == "" {
		e.RequestID, _ = req.Value(requestIDKey{}).(string)
	}
	p, err := s.trail.Prepare(e)
	if err != nil {
		return audit.Prepared{}, fmt.Errorf("server: audit %s: %w", e.Action, err)
	}
	return p, nil
}

// auditBatch is audit for a transaction shared by several requests: one record per write,
// appended together (audit.AppendPrepared: three statements for the batch), and each
// request's Idempotency-Key marked committed. ctx is the transaction's own context.
func (s *Server) auditBatch(ctx context.Context, tx *sql.Tx, writes []auditedWrite) error {
	recs := make([]audit.Prepared, len(writes))
	for i, w := range writes {
		recs[i] = w.rec
	}
	if _, err := s.trail.AppendPrepared(ctx, tx, recs); err != nil {
		return fmt.Errorf("server: audit a batch of %d: %w", len(recs), err)
	}
	for _, w := range writes {
		if err := IdempotencyCommitted(valuesFrom{ctx, w.req}, s.cfg.Store, tx); err != nil {
			return err
		}
	}
	return nil
}

// valuesFrom is a context with the deadline and cancellation of its Context and the
// values of values: a group-committing writer's transaction runs under its own deadline
// but records each write with its request's ID and Idempotency-Key.
type valuesFrom struct {
	context.Context
	values context.Context
}

// Value returns the value of key in values.
func (v valuesFrom) Value(key any) any { return v.values.Value(key) }

// scope is the data scope of one request's actor over one snapshot of the tree: the
// customers (and their applications and assessments) the actor may see. Outside it a row
// does not exist for the actor: reads answer 404, lists and analytics leave it out.
type scope struct {
	actor perm.Actor
	t     *tree.Tree // nil when the actor sees the whole tree
	node  tree.ID    // the actor's node, the root of what it sees
}

// scopeOf returns the scope of a. Only an actor bound below the bank's root needs the
// tree, read as of the latest committed version.
func (s *Server) scopeOf(ctx context.Context, a perm.Actor) (scope, error) {
	sc := scope{actor: a, node: tree.ID(a.ScopeNode())}
	if sc.node == 1 {
		return sc, nil
	}
	t, err := s.customers.tree.fresh(ctx)
	if err != nil {
		return scope{}, err
	}
	sc.t = t
	return sc, nil
}

// all reports whether the actor sees every customer: bound to the root and not limited to
// its own customers. Lists can then skip filtering.
func (sc scope) all() bool { return sc.t == nil && !sc.actor.AssignedOnly && sc.actor.ID != "" }

// sees reports whether the actor sees a customer placed at node (0: not placed in the
// tree) whose responsible officer is officer. A customer outside the tree is seen only by
// actors bound to the root; an AssignedOnly actor sees only the customers whose officer
// it is.
func (sc scope) sees(node tree.ID, officer string) bool {
	a := sc.actor
	if a.ID == "" || a.AssignedOnly && (officer == "" || officer != a.ID) {
		return false
	}
	if sc.t == nil {
		return true
	}
	if node == 0 {
		return false
	}
	ok, err := sc.t.IsAncestor(sc.node, node)
	return err == nil && ok
}

// seesNode reports whether a tree node is inside the actor's subtree (the AssignedOnly
// limit applies to customers, not to the tree's structure).
func (sc scope) seesNode(node tree.ID) bool {
	if sc.actor.ID == "" {
		return false
	}
	if sc.t == nil {
		return true
	}
	ok, err := sc.t.IsAncestor(sc.node, node)
	return err == nil && ok
}

// lookupCustomerFor is lookupCustomer for actor a: a customer outside a's scope is not
// found, exactly like one that does not exist. Reads and writes about one customer (its
// record, assessments, applications) go through it.
func (s *Server) lookupCustomerFor(ctx context.Context, a perm.Actor, number string) (customerRef, error) {
	ref, err := s.lookupCustomer(ctx, number)
	if err != nil {
		return customerRef{}, err
	}
	if err := s.visibleTo(ctx, a, ref); err != nil {
		return customerRef{}, err
	}
	return ref, nil
}

// visibleTo returns nil when the customer of ref is in a's scope, and otherwise word for
// word the answer for a missing customer.
func (s *Server) visibleTo(ctx context.Context, a perm.Actor, ref customerRef) error {
	sc, err := s.scopeOf(ctx, a)
	if err != nil {
		return err
	}
	var node tree.ID
	if ref.Node != "" {
		n, err := strconv.ParseInt(ref.Node, 10, 64)
		if err != nil {
			return fmt.Errorf("server: customer %s has a malformed node %q", ref.Number, ref.Node)
		}
		node = tree.ID(n)
	}
	if !sc.sees(node, ref.Officer) {
		return errNoSuchCustomer()
	}
	return nil
}
