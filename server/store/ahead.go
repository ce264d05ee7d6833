package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// Ahead hands out values of one named counter (see NextInSequence) drawn ahead in blocks,
// each block in a short transaction of its own. A writer that knows a new entity's number
// before its transaction begins can encode, seal and audit the entity first, in the
// request, and keep its transaction, which on SQLite is the one writer of the database,
// to the statements alone.
//
// Values are unique across every process on the database, as the counter's are, and
// increase within one Ahead, but values of a block not handed out when the process stops
// are never used: the counter has gaps, as it has when a write that drew a value fails.
// The block grows (doubling, from minAhead to maxAhead) while blocks last less than a
// second, so a busy writer draws about once a second, and shrinks back when it is idle, so
// a quiet one leaves small gaps.
//
// Next must not be called inside a transaction of the Store: on SQLite the draw would wait
// for that transaction's connection. An Ahead is safe for concurrent use.
type Ahead struct {
	st   *Store
	name string

	mu         sync.Mutex
	next, last int64 // the block: values next..last are still to hand out
	size       int   // the size of the next block
	drawn      time.Time
}

const (
	minAhead = 16
	maxAhead = 4096
)

// Ahead returns the hand-out of the named counter's values for this Store. Every call
// returns a new Ahead with blocks of its own: keep one per counter.
func (s *Store) Ahead(name string) *Ahead { return &Ahead{st: s, name: name, size: minAhead, next: 1} }

// Next returns the next value, drawing a new block first when the current one is used up.
func (a *Ahead) Next(ctx context.Context) (int64, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.next > a.last {
		if err := a.draw(ctx); err != nil {
			return 0, err
		}
	}
	v := a.next
	a.next++
	return v, nil
}

// draw replaces the used-up block by a new one. The caller holds mu, so concurrent callers
// wait for one draw instead of each drawing.
func (a *Ahead) draw(ctx context.Context) error {
	now := time.Now()
	switch {
	case a.drawn.IsZero():
	case now.Sub(a.drawn) < time.Second:
		a.size = min(2*a.size, maxAhead)
	case now.Sub(a.drawn) > 10*time.Second:
		a.size = minAhead
	}
	var first int64
	err := a.st.Tx(ctx, func(tx *sql.Tx) (err error) {
		first, err = a.st.DrawInSequence(ctx, tx, a.name, a.size)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: draw ahead: %w", err)
	}
	a.next, a.last, a.drawn = first, first+int64(a.size)-1, now
	return nil
}
