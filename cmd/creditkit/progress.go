package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// isTerminal reports whether w is a terminal (a character device), where a progress line
// belongs. A library such as golang.org/x/term would tell a terminal from /dev/null too;
// writing the line to /dev/null is harmless.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress draws one self-rewriting status line on a terminal: rows done, rows per second,
// and with a known input size a bar, the share done and the time left. It is a small
// stand-in for a progress-bar library (such as github.com/schollz/progressbar), which the
// module does not depend on.
type progress struct {
	w     io.Writer
	total int64 // input bytes, 0 when unknown
	verb  string
	start time.Time
	rows  atomic.Int64
	bytes atomic.Int64
	stop  chan struct{}
	wg    sync.WaitGroup
	width int // width of the last line drawn
}

// startProgress starts redrawing every 200 ms until finish.
func startProgress(w io.Writer, verb string, total int64) *progress {
	p := &progress{w: w, total: total, verb: verb, start: time.Now(), stop: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.draw(time.Since(p.start))
			}
		}
	}()
	return p
}

// update records rows done and input bytes consumed; safe from any goroutine.
func (p *progress) update(rows, bytes int64) {
	if p == nil {
		return
	}
	p.rows.Store(rows)
	p.bytes.Store(bytes)
}

// finish stops the redrawing and clears the line; safe on a nil progress.
func (p *progress) finish() {
	if p == nil {
		return
	}
	close(p.stop)
	p.wg.Wait()
	fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.width))
}

func (p *progress) draw(elapsed time.Duration) {
	line := progressLine(p.verb, p.rows.Load(), p.bytes.Load(), p.total, elapsed)
	pad := max(p.width-len(line), 0)
	p.width = len(line)
	fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
}

// progressLine renders the status: "scoring [#####-----] 42% 1,234,567 rows 98,765 rows/s ETA 0:13".
func progressLine(verb string, rows, bytes, total int64, elapsed time.Duration) string {
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(rows) / s
	}
	var b strings.Builder
	b.WriteString(verb)
	eta := ""
	if total > 0 {
		share := math.Min(float64(bytes)/float64(total), 1)
		const width = 24
		filled := int(share * width)
		fmt.Fprintf(&b, " [%s%s] %3.0f%%", strings.Repeat("#", filled), strings.Repeat("-", width-filled), share*100)
		if share > 0 && share < 1 {
			eta = " ETA " + clock(time.Duration(float64(elapsed)*(1-share)/share).Round(time.Second))
		}
	}
	fmt.Fprintf(&b, " %s rows %s rows/s%s", thousands(rows), thousands(int64(rate)), eta)
	return b.String()
}

// clock formats a duration as h:mm:ss or m:ss.
func clock(d time.Duration) string {
	s := int64(d.Seconds())
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
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
