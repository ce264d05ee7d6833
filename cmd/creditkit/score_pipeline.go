package main

import (
	"context"
	"errors"
	"io"
	"sync"
)

// runBatches is the pipeline of creditkit score: fill reads the next run of records into a
// batch (returning io.EOF once the input is exhausted, possibly with records in the batch),
// workers goroutines process batches (each with its own state from newWorker), and write
// receives them in input order on the calling goroutine. At most 4·workers batches exist at
// once, recycled: the reader waits for the writer to hand one back, which bounds memory
// whatever the size of the input. It stops at the first read or write error or when ctx is
// done, and returns that error. When ctx is done it returns at once, even if the reader is
// blocked on input that never ends (a terminal, a stalled pipe): that goroutine ends with the
// process, and nothing more is written.
func runBatches(ctx context.Context, fill func(*batch) error, workers int, newWorker func() func(*batch), write func(*batch) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers = max(workers, 1)
	n := 4 * workers
	free := make(chan *batch, n)
	for range n {
		free <- &batch{}
	}
	work := make(chan *batch, n)
	done := make(chan *batch, n)

	readErr := make(chan error, 1) // the reader's error, sent before it cancels
	go func() {
		defer close(work)
		for seq := 0; ; seq++ {
			var b *batch
			select {
			case b = <-free:
			case <-ctx.Done():
				return
			}
			b.reset(seq)
			err := fill(b)
			if len(b.recs) > 0 {
				work <- b // never blocks: work holds every batch there is
			} else {
				free <- b // nor does this: the batch was taken from free
				seq--
			}
			if err != nil {
				if !errors.Is(err, io.EOF) {
					readErr <- err
					cancel()
				}
				return
			}
		}
	}()

	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			process := newWorker()
			for b := range work {
				if ctx.Err() == nil {
					process(b)
				}
				done <- b
			}
		})
	}
	go func() {
		wg.Wait()
		close(done)
	}()

	pending := make(map[int]*batch, n)
	next := 0
	var writeErr error
	for {
		var b *batch
		var ok bool
		select {
		case b, ok = <-done:
		case <-ctx.Done():
			return firstError(readErr, writeErr, ctx.Err())
		}
		if !ok {
			break
		}
		pending[b.seq] = b
		for {
			nb, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if writeErr == nil && ctx.Err() == nil {
				if writeErr = write(nb); writeErr != nil {
					cancel()
				}
			}
			free <- nb // never blocks: free holds every batch there is
		}
	}
	return firstError(readErr, writeErr, ctx.Err())
}
