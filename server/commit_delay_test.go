package server

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// returnsWithin reports whether fn returns within d.
func returnsWithin(d time.Duration, fn func()) bool {
	done := make(chan struct{})
	go func() { fn(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

func TestCommitDelayer(t *testing.T) {
	d := newCommitDelayer()
	d.max = time.Hour // so that any wait shows
	var n atomic.Int64
	queued := func() int { return int(n.Load()) }

	assert.True(t, returnsWithin(5*time.Second, func() { d.wait(queued) }), "nothing queued: no wait")
	n.Store(fullBatch)
	assert.True(t, returnsWithin(5*time.Second, func() { d.wait(queued) }), "a full batch queued: no wait")

	// Fewer than a full batch: it waits until the batch fills.
	n.Store(fullBatch - 1)
	waited := make(chan struct{})
	go func() { d.wait(queued); close(waited) }()
	select {
	case <-waited:
		t.Fatal("returned before the batch filled")
	case <-time.After(50 * time.Millisecond):
	}
	n.Store(fullBatch)
	d.queued(fullBatch)
	assert.True(t, returnsWithin(5*time.Second, func() { <-waited }), "a filled batch ends the wait")

	// The signal of a batch that filled while no one waited does not cut the next wait short.
	d.queued(fullBatch)
	n.Store(3)
	waited = make(chan struct{})
	go func() { d.wait(queued); close(waited) }()
	select {
	case <-waited:
		t.Fatal("a stale signal ended the wait")
	case <-time.After(50 * time.Millisecond):
	}
	d.queued(fullBatch)
	<-waited

	// The delay bounds the wait.
	short := newCommitDelayer()
	short.max = time.Millisecond
	assert.True(t, returnsWithin(5*time.Second, func() { short.wait(queued) }))
}
