package main

import (
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServeLoggerBuffersInfoAndFlushesWarnings(t *testing.T) {
	var out syncBuffer
	log, sink := newServeLogger(&out, slog.LevelInfo)
	log.Debug("below the level")
	log.Info("request", "status", 200)
	// A warning is written before Warn returns, with what was buffered before it.
	log.With("part", "store").Warn("slow commit", "ms", 250)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2, out.String())
	var rec map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &rec))
	assert.Equal(t, "slow commit", rec["msg"])
	assert.Equal(t, "store", rec["part"], "WithAttrs keeps flushing")

	// An info line reaches the output within the flush interval, without a warning.
	log.Info("later")
	require.Eventually(t, func() bool { return strings.Contains(out.String(), `"msg":"later"`) },
		10*logFlushEvery, logFlushEvery/10)

	// Close writes out what is left.
	log.WithGroup("g").Info("last", "k", "v")
	require.NoError(t, sink.Close())
	assert.Contains(t, out.String(), `"g":{"k":"v"}`)
	assert.NotContains(t, out.String(), "below the level")
}

func TestServeLoggerConcurrentRecordsStayWhole(t *testing.T) {
	var out syncBuffer
	log, sink := newServeLogger(&out, slog.LevelInfo)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				log.Info("request", "g", g, "i", i, "pad", strings.Repeat("x", 200))
				if i%100 == 0 {
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, sink.Close())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 8*500)
	for _, l := range lines {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &rec), l)
	}
}
