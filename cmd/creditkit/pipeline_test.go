package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func lines(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "row %d\n", i)
	}
	return b.String()
}

// copyWorker echoes each record to the batch output after a random pause, so batches finish
// out of order.
func copyWorker() func(*batch) {
	rng := rand.New(rand.NewPCG(1, 2))
	return func(b *batch) {
		time.Sleep(time.Duration(rng.IntN(300)) * time.Microsecond)
		for i := range b.recs {
			b.out = append(b.out, b.record(i)...)
			b.out = append(b.out, '\n')
			b.rows++
		}
	}
}

func TestPipelineKeepsOrderAndBoundsBatches(t *testing.T) {
	const n = 20000
	in := lines(n)
	var out strings.Builder
	seen := map[*batch]bool{}
	rows := 0
	err := runPipeline(context.Background(), newRecordReader(strings.NewReader(in), formatJSONL), 5, copyWorker, func(b *batch) error {
		seen[b] = true
		rows += b.rows
		out.Write(b.out)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, in, out.String())
	assert.Equal(t, n, rows)
	assert.LessOrEqual(t, len(seen), 4*5, "batches are recycled, not allocated per chunk of input")
}

func TestPipelineWriteError(t *testing.T) {
	boom := errors.New("disk full")
	calls := 0
	err := runPipeline(context.Background(), newRecordReader(strings.NewReader(lines(50000)), formatJSONL), 3, copyWorker, func(b *batch) error {
		calls++
		if calls == 2 {
			return boom
		}
		return nil
	})
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, 2, calls, "no write after the failed one")
}

type breakingReader struct {
	r     io.Reader
	after int
}

func (b *breakingReader) Read(p []byte) (int, error) {
	if b.after <= 0 {
		return 0, errors.New("connection reset")
	}
	if len(p) > b.after {
		p = p[:b.after]
	}
	n, err := b.r.Read(p)
	b.after -= n
	return n, err
}

func TestPipelineReadError(t *testing.T) {
	r := &breakingReader{r: strings.NewReader(lines(100000)), after: 500000}
	err := runPipeline(context.Background(), newRecordReader(r, formatJSONL), 2, copyWorker, func(*batch) error { return nil })
	assert.EqualError(t, err, "connection reset")
}

func TestPipelineCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	err := runPipeline(ctx, newRecordReader(strings.NewReader(lines(200000)), formatJSONL), 2, copyWorker, func(*batch) error {
		once.Do(cancel)
		return nil
	})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestPipelineEmptyInput(t *testing.T) {
	called := false
	err := runPipeline(context.Background(), newRecordReader(strings.NewReader(""), formatCSV), 4, copyWorker, func(*batch) error {
		called = true
		return nil
	})
	require.NoError(t, err)
	assert.False(t, called)
}

// TestPipelineCancelWhileReaderBlocked: a cancel returns at once even when the input never
// ends (a terminal, a stalled pipe).
func TestPipelineCancelWhileReaderBlocked(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		errc <- runPipeline(ctx, newRecordReader(r, formatJSONL), 2, copyWorker, func(*batch) error { return nil })
	}()
	_, err := w.Write([]byte("one line\n"))
	require.NoError(t, err)
	cancel()
	select {
	case err := <-errc:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("runPipeline did not return after cancel")
	}
}
