package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestProgressLine(t *testing.T) {
	tests := []struct {
		name               string
		rows, bytes, total int64
		elapsed            time.Duration
		want               string
	}{
		{"size known", 250000, 25 << 20, 100 << 20, 10 * time.Second,
			"scoring [######------------------]  25% 250,000 rows 25,000 rows/s ETA 0:30"},
		{"size unknown", 1234567, 0, 0, 2 * time.Second, "scoring 1,234,567 rows 617,283 rows/s"},
		{"just started", 0, 0, 100, 0, "scoring [------------------------]   0% 0 rows 0 rows/s"},
		{"done", 10, 100, 100, time.Second, "scoring [########################] 100% 10 rows 10 rows/s"},
		{"long", 100, 1, 10000, time.Hour, "scoring [------------------------]   0% 100 rows 0 rows/s ETA 9999:00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, progressLine("scoring", tt.rows, tt.bytes, tt.total, tt.elapsed))
		})
	}
}

func TestProgressDrawsAndClears(t *testing.T) {
	var buf syncBuffer
	p := startProgress(&buf, "scoring", 1000)
	p.update(10, 500)
	time.Sleep(450 * time.Millisecond)
	p.finish()
	out := buf.String()
	assert.Contains(t, out, "\rscoring [############------------]  50% 10 rows")
	assert.True(t, strings.HasSuffix(out, "\r"), "the line is cleared at the end")
	var nilProgress *progress
	nilProgress.update(1, 1)
	nilProgress.finish()
}

func TestThousands(t *testing.T) {
	for give, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", -1234567: "-1,234,567", 100000: "100,000"} {
		assert.Equal(t, want, thousands(give))
	}
}

// syncBuffer is a bytes.Buffer safe for the progress goroutine and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
