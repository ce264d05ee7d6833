package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// logSink buffers the server's log lines and writes them out in batches: every request
// logs a line, and a write system call per line was a sixth of the CPU a GET costs. Lines
// reach the output at the latest flushEvery after they were logged, at once when the
// buffer fills, and at once after any record at warning level or above (flushingHandler),
// so what an operator must see is never held back. Close flushes what is left.
type logSink struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

// logFlushEvery bounds how long a buffered log line waits.
const logFlushEvery = 100 * time.Millisecond

func newLogSink(out io.Writer) *logSink {
	s := &logSink{w: bufio.NewWriterSize(out, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go s.flushLoop()
	return s
}

// Write implements io.Writer for the log handler: one call per record.
func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// Flush writes out what is buffered.
func (s *logSink) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Flush()
}

func (s *logSink) flushLoop() {
	defer close(s.done)
	t := time.NewTicker(logFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			_ = s.Flush()
		case <-s.stop:
			return
		}
	}
}

// Close stops the background flushes and writes out the rest. Log no more after it.
func (s *logSink) Close() error {
	close(s.stop)
	<-s.done
	return s.Flush()
}

// flushingHandler flushes the sink after every record at level flushAt or above.
type flushingHandler struct {
	slog.Handler
	sink    *logSink
	flushAt slog.Level
}

func (h flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= h.flushAt {
		if ferr := h.sink.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

func (h flushingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return flushingHandler{Handler: h.Handler.WithAttrs(as), sink: h.sink, flushAt: h.flushAt}
}

func (h flushingHandler) WithGroup(name string) slog.Handler {
	return flushingHandler{Handler: h.Handler.WithGroup(name), sink: h.sink, flushAt: h.flushAt}
}

// newServeLogger returns serve's JSON logger at level, writing through a buffered sink that
// the caller closes when it stops logging.
func newServeLogger(out io.Writer, level slog.Level) (*slog.Logger, *logSink) {
	sink := newLogSink(out)
	h := slog.NewJSONHandler(sink, &slog.HandlerOptions{Level: level})
	return slog.New(flushingHandler{Handler: h, sink: sink, flushAt: slog.LevelWarn}), sink
}
