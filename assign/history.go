package assign

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// Entry is one spell of ownership: Officer owned Case from From (inclusive) until To
// (exclusive; zero while the spell is open), for Reason.
type Entry struct {
	Officer string    `json:"officer"`
	Case    string    `json:"case"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Reason  string    `json:"reason"`
}

// History is a dated record of who owned each case, answering "who owned this case on date
// D". The zero value is an empty history ready to use; it is safe for concurrent use. It
// must not be copied after first use.
type History struct {
	mu     sync.RWMutex
	byCase map[string][]Entry // per case, in time order, only the last may be open
}

// Record gives caseID to officerID from at, closing the case's open spell at the same
// instant. Errors: ErrInvalid when an ID is empty, at is zero, or at falls before the start
// of the case's open spell (history is append-only).
func (h *History) Record(caseID, officerID string, at time.Time, reason string) error {
	if caseID == "" || officerID == "" || at.IsZero() {
		return fmt.Errorf("%w: history needs a case, an officer and a time", ErrInvalid)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.byCase == nil {
		h.byCase = map[string][]Entry{}
	}
	es := h.byCase[caseID]
	if n := len(es); n > 0 {
		last := &es[n-1]
		if at.Before(last.From) {
			return fmt.Errorf("%w: case %q is owned since %s, cannot record a change at %s",
				ErrInvalid, caseID, last.From.Format(time.RFC3339), at.Format(time.RFC3339))
		}
		last.To = at
	}
	h.byCase[caseID] = append(es, Entry{Officer: officerID, Case: caseID, From: at, Reason: reason})
	return nil
}

// RecordPlan records every assignment of p at time at with reason, in order. It stops at the
// first error, which is one of Record's.
func (h *History) RecordPlan(p Plan, at time.Time, reason string) error {
	for _, a := range p.Assignments {
		if err := h.Record(a.Case, a.Officer, at, reason); err != nil {
			return err
		}
	}
	return nil
}

// Owner returns the officer who owned caseID at instant at, and false when nobody did.
func (h *History) Owner(caseID string, at time.Time) (string, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	es := h.byCase[caseID]
	// the last spell that started at or before at
	k, _ := slices.BinarySearchFunc(es, at, func(e Entry, t time.Time) int {
		if e.From.After(t) {
			return 1
		}
		return -1
	})
	if k == 0 {
		return "", false
	}
	e := es[k-1]
	if !e.To.IsZero() && !at.Before(e.To) {
		return "", false
	}
	return e.Officer, true
}

// Entries returns a copy of caseID's spells in time order.
func (h *History) Entries(caseID string) []Entry {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return slices.Clone(h.byCase[caseID])
}

// Portfolio returns the cases officerID owned at instant at, sorted.
func (h *History) Portfolio(officerID string, at time.Time) []string {
	h.mu.RLock()
	var ids []string
	for id := range h.byCase {
		ids = append(ids, id)
	}
	h.mu.RUnlock()
	var out []string
	for _, id := range ids {
		if o, ok := h.Owner(id, at); ok && o == officerID {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}
