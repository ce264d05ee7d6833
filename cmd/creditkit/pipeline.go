package main

import (
	"context"
	"errors"
	"io"
	"sync"
)

// Batch sizes of the pipeline: a batch closes at batchRows records or batchBytes bytes.
const (
	batchRows  = 512
	batchBytes = 256 << 10
)

// batch is a run of consecutive records of the input, processed by one worker and written in
// input order by the writer. Batches are recycled, so memory stays constant whatever the
// size of the input.
type batch struct {
	seq     int
	data    []byte // the records' bytes, one after another
	recs    []batchRecord
	read    int64 // input bytes consumed up to the end of this batch
	out     []byte
	rejects []reject
	rows    int // rows written to out
}

// batchRecord locates one record inside batch.data.
type batchRecord struct {
	start, end int
	line       int
	tooLong    bool
}

// reject is a row that could not be processed, with where it was and why.
type reject struct {
	line   int
	id     string
	reason string
}

func (b *batch) reset(seq int) {
	b.seq, b.data, b.recs, b.out, b.rejects, b.rows = seq, b.data[:0], b.recs[:0], b.out[:0], b.rejects[:0], 0
}

// record returns the i-th record's bytes.
func (b *batch) record(i int) []byte { return b.data[b.recs[i].start:b.recs[i].end] }

// fill reads records into b until it is full; it returns io.EOF once the input is exhausted
// (possibly with records in b).
func (b *batch) fill(rr *recordReader) error {
	for len(b.recs) < batchRows && len(b.data) < batchBytes {
		rec, err := rr.next()
		if err != nil {
			b.read = rr.read
			return err
		}
		start := len(b.data)
		b.data = append(b.data, rec.data...)
		b.recs = append(b.recs, batchRecord{start: start, end: len(b.data), line: rec.line, tooLong: rec.tooLong})
	}
	b.read = rr.read
	return nil
}

// runPipeline is runBatches over a recordReader: each batch is filled with whole records
// of rr.
func runPipeline(ctx context.Context, rr *recordReader, workers int, newWorker func() func(*batch), write func(*batch) error) error {
	return runBatches(ctx, func(b *batch) error { return b.fill(rr) }, workers, newWorker, write)
}

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

// firstError returns the reader's error if it sent one, else writeErr, else ctxErr.
func firstError(readErr <-chan error, writeErr, ctxErr error) error {
	select {
	case err := <-readErr:
		return err
	default:
	}
	if writeErr != nil {
		return writeErr
	}
	return ctxErr
}
