package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"sync"
)

// defaultHeapFloor is serve's --heap-floor: 64 MiB.
const defaultHeapFloor = 64 << 20

// maxGCPercent bounds the percentage the heap floor sets, whatever the live heap.
const maxGCPercent = 10_000

// The heap floor keeps Go's garbage collector from collecting a small heap many times a
// second. The collector starts a cycle once the heap has grown by GOGC percent (100) over
// what the last cycle left live. The server's live heap is small (~8 MB with the demo
// bank) while an assessment allocates ~45 KB, so at 9k assessments a second it collected
// ~50 times a second, ~10% of its CPU. After every cycle, the floor sets the percentage so
// that the next cycle starts at about floor bytes of heap, never earlier than GOGC=100
// would; once the live heap reaches half the floor it is GOGC=100. It costs up to floor
// bytes of memory, and GOMEMLIMIT, when set, still caps the heap. serve starts it unless
// GOGC is set, which then decides alone.
var heapFloors struct {
	sync.Mutex
	active   []uint64 // the floors of the servers running; the largest applies
	gen      int      // incremented at every first start, so an older sentinel stops
	restore  int      // the percentage before the first start
	lastSent int      // the percentage last set, -1 for none
}

// startHeapFloor applies floor (bytes) until stop is called. Several may run at once (in
// tests, several servers in one process): the largest floor applies, and the last stop
// restores the percentage found at the first start.
func startHeapFloor(floor uint64) (stop func()) {
	h := &heapFloors
	h.Lock()
	defer h.Unlock()
	if len(h.active) == 0 && currentGCPercent() < 0 {
		return func() {} // the collector is off (debug.SetGCPercent(-1)): leave it so
	}
	h.active = append(h.active, floor)
	if len(h.active) == 1 {
		h.gen++
		h.restore = currentGCPercent()
		h.lastSent = -1
		armGCSentinel(h.gen)
	}
	tuneHeapFloorLocked()
	var once sync.Once
	return func() {
		once.Do(func() {
			h.Lock()
			defer h.Unlock()
			i := slices.Index(h.active, floor)
			h.active = slices.Delete(h.active, i, i+1)
			if len(h.active) == 0 {
				h.gen++ // the armed sentinel sees a newer generation and is not armed again
				debug.SetGCPercent(h.restore)
				return
			}
			tuneHeapFloorLocked()
		})
	}
}

// gcSentinel is garbage that the collector finalizes at every cycle: its finalizer tunes
// the percentage and arms it again. It holds a pointer so that it is never placed in the
// tiny allocator's blocks, whose objects may never be finalized.
type gcSentinel struct {
	gen int
	_   *int
}

func armGCSentinel(gen int) {
	runtime.SetFinalizer(&gcSentinel{gen: gen}, onGCCycle)
}

func onGCCycle(s *gcSentinel) {
	h := &heapFloors
	h.Lock()
	defer h.Unlock()
	if s.gen != h.gen {
		return
	}
	tuneHeapFloorLocked()
	runtime.SetFinalizer(s, onGCCycle)
}

// tuneHeapFloorLocked sets the percentage for the largest active floor and the live heap
// the last cycle found.
func tuneHeapFloorLocked() {
	h := &heapFloors
	if len(h.active) == 0 {
		return
	}
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	p := gcPercentFor(s[0].Value.Uint64(), slices.Max(h.active), h.restore)
	if p != h.lastSent {
		debug.SetGCPercent(p)
		h.lastSent = p
	}
}

// gcPercentFor is the GOGC percentage at which a heap of live bytes grows to floor bytes
// before the next cycle, never less than base nor more than maxGCPercent.
func gcPercentFor(live, floor uint64, base int) int {
	if live == 0 {
		return maxGCPercent
	}
	p := uint64(base)
	if live < floor {
		p = max(p, (floor-live)*100/live)
	}
	return int(min(p, maxGCPercent))
}

// currentGCPercent is the GOGC percentage in force (100 unless GOGC or
// debug.SetGCPercent changed it; negative for off).
func currentGCPercent() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(int64(s[0].Value.Uint64()))
}
