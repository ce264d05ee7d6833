package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/server/perm"
)

// POST /v1/assessments takes the customer's reference (kind, status, node, officer) from a
// cache instead of the database: the look-up was ~10% of an assessment's CPU. The cache is
// only a guess on the way to a write, never the answer:
//
//   - A refusal (a customer closed, out of the caller's scope or missing) is decided on a
//     fresh read: a cached reference that would be refused is read again.
//   - The assessment writer reads the customers of a whole batch again, with one query, in
//     the transaction that stores the batch (refreshRefs), and decides every row whose
//     customer changed as a fresh look-up would have: refused if now closed, missing or
//     out of the caller's scope, assessed again if of another kind.
//
// So an assessment is stored only for a customer that was assessable at its commit, as
// read inside the committing transaction, which is closer than the look-up before the
// transaction that the cache replaced; and processes sharing a database need not tell
// each other about changes.
type refCache struct {
	mu   sync.RWMutex
	refs map[string]customerRef // by customer number
}

// maxCachedRefs bounds the cache; a full cache starts again empty.
const maxCachedRefs = 1 << 16

func (c *refCache) get(number string) (customerRef, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	ref, ok := c.refs[number]
	return ref, ok
}

func (c *refCache) put(ref customerRef) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.refs == nil || len(c.refs) >= maxCachedRefs {
		c.refs = make(map[string]customerRef)
	}
	c.refs[ref.Number] = ref
}

func (c *refCache) drop(number string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.refs, number)
}

// assessableCustomer returns the reference of customer number if actor may assess it, from
// the cache when it holds an assessable one, otherwise read from the database; or the
// answer POST /v1/assessments gives for it.
func (s *Server) assessableCustomer(ctx context.Context, actor perm.Actor, number string) (customerRef, error) {
	if n, err := customer.ParseNumber(number); err == nil {
		if ref, ok := s.credit.refs.get(n.String()); ok && s.assessable(ctx, actor, ref) == nil {
			s.metrics.refHits.Inc()
			return ref, nil
		}
	}
	s.metrics.refMisses.Inc()
	ref, err := s.lookupCustomer(ctx, number)
	if err != nil {
		return customerRef{}, assessableError(err)
	}
	if err := s.assessable(ctx, actor, ref); err != nil {
		return customerRef{}, err
	}
	s.credit.refs.put(ref)
	return ref, nil
}

// assessable returns nil when actor may assess the customer of ref: one in their scope,
// active, of a known kind; otherwise the answer POST /v1/assessments gives.
func (s *Server) assessable(ctx context.Context, actor perm.Actor, ref customerRef) error {
	if err := s.visibleTo(ctx, actor, ref); err != nil {
		return assessableError(err)
	}
	if ref.Status != customer.StatusActive {
		return &ValidationError{Fields: []FieldError{{Path: "customer", Rule: "active",
			Message: "the customer is closed", MessageZH: "客户已销户"}}}
	}
	if !ref.Kind.Valid() {
		return fmt.Errorf("server: customer %s has no kind", ref.Number)
	}
	return nil
}

// assessableError is err, from looking a customer up for an assessment, as the answer:
// a missing customer (or one out of scope) is a field error.
func assessableError(err error) error {
	if errors.Is(err, ErrNotFound) {
		return &ValidationError{Fields: []FieldError{{Path: "customer", Rule: "exists",
			Message: "no customer has this number", MessageZH: "客户不存在"}}}
	}
	return err
}

// refreshRefs reads the customers of batch's pending rows in tx and decides again every
// row whose customer changed since its request looked it up: it fails the row with the
// answer a fresh look-up gives, or sets its fresh reference (and, if the kind changed, the
// row's kind, so that the card check assesses it again). It drops changed customers from
// the cache.
func (s *Server) refreshRefs(ctx context.Context, tx *sql.Tx, batch []*pendingAssessment) error {
	pending := make([]*pendingAssessment, 0, len(batch))
	numbers := make([]customer.Number, 0, len(batch)) // numbers[i] is pending[i]'s customer
	for _, p := range batch {
		if p.err != nil {
			continue
		}
		n, err := customer.ParseNumber(p.ref.Number)
		if err != nil {
			return fmt.Errorf("server: customer number %q of a pending assessment: %w", p.ref.Number, err)
		}
		pending, numbers = append(pending, p), append(numbers, n)
	}
	stored, err := s.customers.repo.RefsTx(ctx, tx, numbers)
	if err != nil {
		return err
	}
	for i, p := range pending {
		r, ok := stored[numbers[i]]
		ref := refOf(r)
		if ok && ref == p.ref {
			continue
		}
		s.credit.refs.drop(p.ref.Number)
		s.metrics.refStale.Inc()
		if !ok {
			p.err = assessableError(errNoSuchCustomer())
			continue
		}
		if err := s.assessable(ctx, p.actor, ref); err != nil {
			p.err = err
			continue
		}
		if ref.Kind != p.ref.Kind {
			// The card of the new kind is not the row's: the card check assesses it again.
			p.row.CustomerKind = ref.Kind.String()
		}
		p.ref = ref
	}
	return nil
}
