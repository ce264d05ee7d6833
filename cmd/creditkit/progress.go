package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// isTerminal reports whether w is a terminal, where a progress bar belongs: not a file, a
// pipe or /dev/null.
func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}

// stderrIsTerminal decides whether creditkit score draws its progress bar on standard error;
// tests replace it to see the bar on a buffer.
var stderrIsTerminal = isTerminal

// progressInterval is how often the bar is redrawn at most.
const progressInterval = 200 * time.Millisecond

// progress is the progress bar of a run, drawn on a terminal by github.com/schollz/progressbar:
// for an input of known size a bar of the bytes consumed, with the share done, elapsed time
// and time left, and in front of it the rows done and rows per second; for an input of
// unknown size (a pipe) a spinner with the rows done and rows per second. A nil *progress
// draws nothing.
type progress struct {
	mu    sync.Mutex
	bar   *progressbar.ProgressBar
	verb  string
	sized bool
	start time.Time
	last  time.Time // of the last redraw
}

// startProgress starts a bar on w; total is the input size in bytes, 0 when unknown.
func startProgress(w io.Writer, verb string, total int64) *progress {
	p := &progress{verb: verb, sized: total > 0, start: time.Now()}
	desc := verb
	if p.sized {
		desc = progressDescription(verb, 0, 0)
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetWidth(24),
	}
	if p.sized {
		opts = append(opts, progressbar.OptionSetPredictTime(true), progressbar.OptionSetElapsedTime(true))
		p.bar = progressbar.NewOptions64(total, opts...)
	} else {
		opts = append(opts, progressbar.OptionShowCount(), progressbar.OptionShowTotalBytes(false),
			progressbar.OptionShowIts(), progressbar.OptionSetItsString("rows"),
			progressbar.OptionSpinnerType(14), progressbar.OptionSetElapsedTime(true),
			// No spinner ticker: progressbar v3.19.1 reads the bar's state from that goroutine
			// without its lock (a data race under -race). The spinner turns at each redraw.
			progressbar.OptionSetSpinnerChangeInterval(0))
		p.bar = progressbar.NewOptions64(-1, opts...)
	}
	return p
}

// update records the rows done and the input bytes consumed so far; the bar is redrawn
// every progressInterval at most.
func (p *progress) update(rows, bytes int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if !p.last.IsZero() && now.Sub(p.last) < progressInterval {
		return
	}
	p.last = now
	if !p.sized {
		_ = p.bar.Set64(rows)
		return
	}
	_ = p.bar.Set64(bytes)
	p.bar.Describe(progressDescription(p.verb, rows, now.Sub(p.start))) // draws the line
}

// finish clears the bar.
func (p *progress) finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.bar.Finish() // with OptionClearOnFinish: clears the line
}

// progressDescription is what a sized bar shows in front: "scoring 1,234,567 rows 98,765 rows/s".
func progressDescription(verb string, rows int64, elapsed time.Duration) string {
	rate := int64(0)
	if s := elapsed.Seconds(); s > 0 {
		rate = int64(float64(rows) / s)
	}
	return fmt.Sprintf("%s %s rows %s rows/s", verb, thousands(rows), thousands(rate))
}

// thousands formats n with comma separators: 1234567 → "1,234,567".
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
