package server

import "time"

// Under sustained load the assessment writer waits, before a commit, until fullBatch
// writes are queued, for at most commitDelay (PostgreSQL's commit_delay, for a batching
// writer). A commit costs about as much for a few rows as for dozens: the transaction, the
// index pages it touches, the audit chain's head, the log frames and the sync. Without the
// delay, POST assessment in a closed loop of 64 connections committed every ~1.3 ms with
// ~6 rows, its writer busy all the time with that fixed part while the requests it was
// not serving queued for the same two cores. With it, batches of ~30, ~9% less server CPU
// per assessment and ~6% more requests per second (BENCHMARKS.md). (Registrations do not
// wait: see groupCommit.)
const (
	fullBatch   = 64
	commitDelay = 2 * time.Millisecond
)

// commitDelayer makes a group commit under sustained load wait for a fuller batch. Only a
// commit that follows another at once waits (a write that finds the writer idle is
// committed immediately), so a lone request never waits.
type commitDelayer struct {
	full chan struct{} // signalled when fullBatch writes are queued
	max  time.Duration // commitDelay
}

func newCommitDelayer() commitDelayer {
	return commitDelayer{full: make(chan struct{}, 1), max: commitDelay}
}

// queued tells the delayer that a write joined the queue, which is now n long. The caller
// holds the queue's lock.
func (d commitDelayer) queued(n int) {
	if n == fullBatch {
		select {
		case d.full <- struct{}{}:
		default:
		}
	}
}

// wait returns once fullBatch writes are queued or after commitDelay, and at once when
// none or enough are queued. queued reports the queue's length (taking its lock).
func (d commitDelayer) wait(queued func() int) {
	select { // a signal from an earlier batch, drained before counting
	case <-d.full:
	default:
	}
	if n := queued(); n == 0 || n >= fullBatch {
		return
	}
	t := time.NewTimer(d.max)
	defer t.Stop()
	select {
	case <-d.full:
	case <-t.C:
	}
}
