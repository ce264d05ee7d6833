package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGCPercentFor(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live, floor uint64
		base, want  int
	}{
		{8 * mib, 64 * mib, 100, 700},    // the next cycle at 8 + 56 MiB
		{4 * mib, 64 * mib, 100, 1500},   // the runtime's smallest heap goal
		{32 * mib, 64 * mib, 100, 100},   // half the floor: GOGC=100 reaches it
		{48 * mib, 64 * mib, 100, 100},   // never below the base
		{600 * mib, 64 * mib, 100, 100},  // a large heap: the base
		{8 * mib, 64 * mib, 1000, 1000},  // a higher base stays
		{1024, 64 * mib, 100, 10_000},    // bounded
		{0, 64 * mib, 100, maxGCPercent}, // nothing live yet
	} {
		assert.Equal(t, c.want, gcPercentFor(c.live, c.floor, c.base), "live %d, floor %d, base %d", c.live, c.floor, c.base)
	}
}

// TestHeapFloor checks the floor raises the heap goal after collections, the largest of
// two floors applies, and the last stop restores the percentage. Not parallel: the
// percentage is the process's.
func TestHeapFloor(t *testing.T) {
	before := currentGCPercent()
	goal := func() uint64 {
		s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	// reaches waits for the finalizer of a collection to set a goal of at least n bytes.
	reaches := func(n uint64) bool {
		for range 100 {
			runtime.GC()
			if goal() >= n {
				return true
			}
			time.Sleep(10 * time.Millisecond)
		}
		return false
	}

	// The test's live heap is a few MiB: small floors stay under maxGCPercent.
	stopSmall := startHeapFloor(24 << 20)
	require.True(t, reaches(22<<20), "goal %d with a 24 MiB floor", goal())

	// A live heap past half the floor gets GOGC=100 at the next cycles, and the floor
	// again once it is gone: the sentinel runs after every cycle.
	held := make([]byte, 20<<20)
	held[len(held)-1] = 1
	assert.Eventually(t, func() bool { runtime.GC(); return goal() < 60<<20 }, 2*time.Second, 10*time.Millisecond,
		"goal %d with 20 MiB more live", goal())
	runtime.KeepAlive(held)
	held = nil
	assert.True(t, reaches(22<<20) && goal() < 40<<20, "goal %d with the 20 MiB gone", goal())

	stopLarge := startHeapFloor(48 << 20)
	assert.True(t, reaches(45<<20), "goal %d with a 48 MiB floor beside it", goal())
	stopLarge()
	stopLarge() // a second stop does nothing
	runtime.GC()
	assert.Less(t, goal(), uint64(40<<20), "the 48 MiB floor stopped")
	assert.True(t, reaches(22<<20), "goal %d with the 24 MiB floor still running", goal())
	stopSmall()
	assert.Equal(t, before, currentGCPercent())
	runtime.GC()
	runtime.GC() // the sentinel's last finalizer ran: it must not change the percentage
	time.Sleep(20 * time.Millisecond)
	assert.Equal(t, before, currentGCPercent())
	assert.Less(t, goal(), uint64(20<<20))
}

// A collector turned off stays off.
func TestHeapFloorLeavesGCOff(t *testing.T) {
	before := debug.SetGCPercent(-1)
	defer debug.SetGCPercent(before)
	require.Negative(t, currentGCPercent())
	stop := startHeapFloor(64 << 20)
	runtime.GC()
	assert.Negative(t, currentGCPercent())
	stop()
	assert.Negative(t, currentGCPercent())
}
