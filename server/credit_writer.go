package server

import (
	"context"
	"database/sql"
	"sync"
	"time"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store/creditdb"
)

// maxAssessmentBatch bounds how many assessments one group commit writes.
const maxAssessmentBatch = 256

// assessmentWriter stores the assessments of POST /v1/assessments with group commit:
// requests that arrive while a transaction is being written and synced wait for the next
// one, which then stores all of them (rows and audit records encoded in the requests, one
// multi-row INSERT, one commit and so one fsync on SQLite), so a commit serves many
// requests under load and exactly one when alone. Every request is answered only after
// the transaction holding its row has committed. A batch that fails is retried row by row,
// so one bad row fails alone.
//
// The scorecard and customer checks happen here, once per transaction: the transaction
// reads the active list, and a row assessed with a card that is no longer active for its
// kind (activated through any process since the request read its cached card) is assessed
// again with the active one before it is stored. So every stored assessment used the card
// active at its commit, at the cost of one small query per batch instead of per request.
// Likewise the transaction reads the batch's customers, whose references the requests
// may have taken from a cache (see refCache).
//
// No goroutine runs while nothing is pending: the first request that finds the writer
// idle starts one, which commits at once and exits when the queue is empty; under load it
// waits briefly for fuller batches (commitDelayer).
type assessmentWriter struct {
	s *Server

	mu      sync.Mutex
	pending []*pendingAssessment
	running bool
	delay   commitDelayer
}

type pendingAssessment struct {
	audited auditedWrite // the request's context and the row's audit record
	actor   perm.Actor
	row     *creditdb.Assessment
	ref     customerRef  // to assess again should the card have changed
	facts   credit.Facts // idem
	done    chan error   // receives the outcome once
	err     error        // set when the row failed on its own before the insert
}

func newAssessmentWriter(s *Server) *assessmentWriter {
	return &assessmentWriter{s: s, delay: newCommitDelayer()}
}

// write stores row (assessed from facts for ref, with its ID and creator set), made by
// actor in the request whose context is req, and returns once it is committed (or failed),
// with its audit record (assessment.create, stamped with req's request ID) in the same
// transaction. The row and its audit record are encoded, and the row's documents packed,
// here, in the request; the writer replaces them when the row had to be assessed again
// with a newly active card. Other requests' rows share the transaction, so no request
// context cancels it; the transaction has the server's write timeout.
func (w *assessmentWriter) write(req context.Context, actor perm.Actor, row *creditdb.Assessment, ref customerRef, facts credit.Facts) error {
	if req == nil {
		req = context.Background()
	}
	rec, err := w.s.prepareAudit(req, w.s.assessmentAudit(actor, row))
	if err != nil {
		return err
	}
	if err := row.Pack(); err != nil {
		return err
	}
	p := &pendingAssessment{audited: auditedWrite{req: req, rec: rec}, actor: actor, row: row, ref: ref, facts: facts,
		done: make(chan error, 1)}
	w.mu.Lock()
	w.pending = append(w.pending, p)
	if !w.running {
		w.running = true
		go w.run()
	}
	w.delay.queued(len(w.pending))
	w.mu.Unlock()
	return <-p.done
}

func (w *assessmentWriter) run() {
	for first := true; ; first = false {
		if !first {
			w.delay.wait(w.queued)
		}
		w.mu.Lock()
		n := min(len(w.pending), maxAssessmentBatch)
		if n == 0 {
			w.running = false
			w.mu.Unlock()
			return
		}
		batch := make([]*pendingAssessment, n)
		copy(batch, w.pending)
		rest := copy(w.pending, w.pending[n:])
		clear(w.pending[rest:])
		w.pending = w.pending[:rest]
		w.mu.Unlock()
		w.commit(batch)
	}
}

// queued returns how many rows are pending.
func (w *assessmentWriter) queued() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.pending)
}

// commit writes batch in one transaction and tells every request the outcome.
func (w *assessmentWriter) commit(batch []*pendingAssessment) {
	err := w.tx(batch)
	if err != nil && len(batch) > 1 {
		for _, p := range batch {
			if p.err == nil {
				p.err = w.tx([]*pendingAssessment{p})
			}
			p.done <- p.err
		}
		return
	}
	for _, p := range batch {
		if p.err == nil {
			p.err = err
		}
		p.done <- p.err
	}
}

// tx stores the rows of batch that have not failed in one transaction, after checking
// their scorecards against the active ones, and appends one audit record per row.
func (w *assessmentWriter) tx(batch []*pendingAssessment) error {
	s := w.s
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.WriteTimeout)
	defer cancel()
	start, stored := time.Now(), 0
	err := s.cfg.Store.Tx(ctx, func(tx *sql.Tx) error {
		set, err := s.activeSet(ctx, tx)
		if err != nil {
			return err
		}
		if err := s.refreshRefs(ctx, tx, batch); err != nil {
			return err
		}
		writes := make([]assessmentWrite, 0, len(batch))
		for _, p := range batch {
			if p.err != nil {
				continue
			}
			card, err := set.card(p.row.CustomerKind)
			if err != nil {
				p.err = err
				continue
			}
			if card.id != p.row.Scorecard {
				row, _, err := s.assessWith(card, p.ref, p.facts)
				if err == nil {
					row.ID, row.RequestID, row.CreatedBy = p.row.ID, p.row.RequestID, p.row.CreatedBy
					p.audited.rec, err = s.prepareAudit(p.audited.req, s.assessmentAudit(p.actor, &row))
				}
				if err != nil {
					p.err = err
					continue
				}
				*p.row = row
			}
			writes = append(writes, assessmentWrite{actor: p.actor, row: p.row, audited: &p.audited})
		}
		stored = len(writes)
		return s.recordAssessmentsTx(ctx, tx, writes)
	})
	if err == nil {
		s.metrics.observeCommit("assessments", stored, time.Since(start))
	}
	return err
}
