package server

import (
	"context"
	"database/sql"
	"sync"

	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store/creditdb"
)

// maxAssessmentBatch bounds how many assessments one group commit writes.
const maxAssessmentBatch = 256

// assessmentWriter stores the assessments of POST /v1/assessments with group commit:
// requests that arrive while a transaction is being written and synced wait for the next
// one, which then stores all of them, so one commit (one fsync on SQLite) serves many
// requests under load and exactly one when alone. Every request is answered only after the
// transaction holding its row has committed. A batch that fails is retried row by row, so
// one bad row fails alone.
//
// No goroutine runs while nothing is pending: the first request that finds the writer
// idle starts one, which exits when the queue is empty.
type assessmentWriter struct {
	s *Server

	mu      sync.Mutex
	pending []*pendingAssessment
	running bool
}

type pendingAssessment struct {
	actor perm.Actor
	row   *creditdb.Assessment
	done  chan error // receives the outcome once
}

func newAssessmentWriter(s *Server) *assessmentWriter { return &assessmentWriter{s: s} }

// write stores row, made by actor, and returns once it is committed (or failed). It sets
// row.ID. ctx is not used to cancel the write: other requests' rows share the transaction.
func (w *assessmentWriter) write(actor perm.Actor, row *creditdb.Assessment) error {
	p := &pendingAssessment{actor: actor, row: row, done: make(chan error, 1)}
	w.mu.Lock()
	w.pending = append(w.pending, p)
	if !w.running {
		w.running = true
		go w.run()
	}
	w.mu.Unlock()
	return <-p.done
}

func (w *assessmentWriter) run() {
	for {
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

// commit writes batch in one transaction and tells every request the outcome.
func (w *assessmentWriter) commit(batch []*pendingAssessment) {
	err := w.tx(batch)
	if err != nil && len(batch) > 1 {
		for _, p := range batch {
			p.done <- w.tx([]*pendingAssessment{p})
		}
		return
	}
	for _, p := range batch {
		p.done <- err
	}
}

func (w *assessmentWriter) tx(batch []*pendingAssessment) error {
	ctx, cancel := context.WithTimeout(context.Background(), w.s.cfg.WriteTimeout)
	defer cancel()
	return w.s.cfg.Store.Tx(ctx, func(tx *sql.Tx) error {
		for _, p := range batch {
			if err := w.s.recordAssessmentTx(ctx, tx, p.actor, p.row); err != nil {
				return err
			}
		}
		return nil
	})
}
