package tree

import (
	"github.com/shopspring/decimal"
)

// Exposure returns the total exposure of the subtree under id (for a customer, its own
// exposure), in O(1). It fails with ErrNotFound.
//
// The decimal of a total is kept until the total changes, so reading an unchanged total
// allocates nothing; the value returned is immutable like every decimal.
func (t *Tree) Exposure(id ID) (decimal.Decimal, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	s, ok := t.byID.get(id)
	if !ok {
		return decimal.Decimal{}, &NotFoundError{ID: id}
	}
	return t.totalOf(s), nil
}

// SetExposure sets a customer's exposure (outstanding plus approved-but-undrawn) and rolls the
// change up to every ancestor, in O(depth). It fails, changing nothing, with ErrNotFound for an
// unknown customer, an *AmountError (ErrNegative, ErrPrecision, ErrOverflow) for a bad amount or
// an ancestor total that would overflow.
func (t *Tree) SetExposure(customer string, exposure decimal.Decimal) error {
	c, err := toCents("exposure", exposure)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	s, err := t.customerSlot(customer)
	if err != nil {
		return err
	}
	n := &t.nodes[s]
	delta := c - n.own
	if delta > 0 {
		if err := t.canAddAlong(s, delta); err != nil {
			return err
		}
	}
	n.own = c
	for d := int(n.depth); d >= 0; d-- {
		t.nodes[n.anc[d]].total += delta
	}
	return nil
}

// SetLimit sets the credit limit of a bank, branch or group node; a null limit removes it
// (the node then bounds nothing). It fails, changing nothing, with ErrNotFound, ErrInvalid for
// a customer node, or an *AmountError for a negative, too precise or too large limit.
func (t *Tree) SetLimit(id ID, limit decimal.NullDecimal) error {
	var c int64
	if limit.Valid {
		var err error
		if c, err = toCents("limit", limit.Decimal); err != nil {
			return err
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	s, err := t.slot(id)
	if err != nil {
		return err
	}
	n := &t.nodes[s]
	if n.kind == KindCustomer && limit.Valid {
		return &InputError{Problems: []Problem{{Path: "limit", Rule: "excluded", Message: "a customer node carries no limit", Err: ErrInvalid}}}
	}
	n.limit, n.hasLimit = c, limit.Valid
	return nil
}

// Headroom returns the least (limit − total exposure) over id and its ancestors, and whether
// any of them has a limit at all (a node without a limit bounds nothing; if none has one, the
// headroom is unbounded and ok is false). Headroom is negative where a limit is already
// exceeded. It costs O(depth) and fails with ErrNotFound.
func (t *Tree) Headroom(id ID) (headroom decimal.Decimal, ok bool, err error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	s, err := t.slot(id)
	if err != nil {
		return decimal.Decimal{}, false, err
	}
	n := &t.nodes[s]
	var least int64
	for d := int(n.depth); d >= 0; d-- {
		a := &t.nodes[n.anc[d]]
		if !a.hasLimit {
			continue
		}
		if h := a.limit - a.total; !ok || h < least {
			least, ok = h, true
		}
	}
	if !ok {
		return decimal.Decimal{}, false, nil
	}
	return fromCents(least), true, nil
}

// Breach is one limit that an increase of exposure would exceed: the node that carries the
// limit, the limit, the node's current total exposure, and its headroom before the increase
// (limit − exposure; negative when already exceeded).
type Breach struct {
	Node     ID              `json:"node"`
	Name     string          `json:"name"`
	Kind     Kind            `json:"kind"`
	Limit    decimal.Decimal `json:"limit"`
	Exposure decimal.Decimal `json:"exposure"`
	Headroom decimal.Decimal `json:"headroom"`
}

// CheckIncrease returns every limit, on the customer's ancestors from the nearest up to the
// bank, that raising the customer's exposure by amount would exceed (exposure + amount >
// limit). None means the increase fits. The loan workflow blocks approval on a non-empty
// result. It changes nothing, costs O(depth), and fails with ErrNotFound for an unknown
// customer or an *AmountError for a negative, too precise or too large amount.
func (t *Tree) CheckIncrease(customer string, amount decimal.Decimal) ([]Breach, error) {
	c, err := toCents("amount", amount)
	if err != nil {
		return nil, err
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	s, err := t.customerSlot(customer)
	if err != nil {
		return nil, err
	}
	n := &t.nodes[s]
	var out []Breach
	for d := int(n.depth) - 1; d >= 0; d-- {
		a := &t.nodes[n.anc[d]]
		if !a.hasLimit {
			continue
		}
		if after, ok := addCents(a.total, c); ok && after <= a.limit {
			continue
		}
		out = append(out, Breach{
			Node: a.id, Name: a.name, Kind: a.kind, Limit: fromCents(a.limit),
			Exposure: fromCents(a.total), Headroom: fromCents(a.limit - a.total),
		})
	}
	return out, nil
}
