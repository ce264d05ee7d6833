package customer

import "math/bits"

// flatMap is a hash table from uint64 keys to V: open addressing with linear probing in one
// array of slots, each holding its key and value. A look-up usually reads one cache line,
// where a Go map reads a table header and then a group, two dependent misses in a table of a
// million. The keys given are hashes or otherwise spread (they are mixed again); key 0 is
// stored as 1, so the two share a slot (callers check what they find, see identityIndex).
//
// Deletion shifts later keys back, leaving no tombstones. The table doubles when three
// quarters full, and moves its keys to the new array a few clusters at each later put
// rather than all at once, as a Go map does: no put waits for a million keys to move.
// While the move lasts, a key is in exactly one of the two arrays.
type flatMap[V any] struct {
	slots []flatSlot[V]
	shift uint // 64 − log2(len(slots))
	n     int  // keys, in both arrays

	old      []flatSlot[V] // the array being moved into slots; nil when none
	oldShift uint
	next     int // the next slot of old to move
	left     int // slots of old still to move
}

type flatSlot[V any] struct {
	key uint64 // 0: empty
	val V
}

// moveStep is how many slots of the old array each put moves, at least: the move ends
// after len(old)/moveStep puts, long before the new array fills.
const moveStep = 8

func flatKey(k uint64) uint64 { return max(k, 1) }

func home(k uint64, shift uint) int { return int((k * 0x9e3779b97f4a7c15) >> shift) }

func (m *flatMap[V]) len() int { return m.n }

// find returns the slot of k (a flatKey) in s, or nil.
func find[V any](s []flatSlot[V], shift uint, k uint64) *flatSlot[V] {
	if len(s) == 0 {
		return nil
	}
	mask := len(s) - 1
	for i := home(k, shift); ; i = (i + 1) & mask {
		if s[i].key == k {
			return &s[i]
		}
		if s[i].key == 0 {
			return nil
		}
	}
}

// lookup returns the slot of k (a flatKey), in either array, or nil.
func (m *flatMap[V]) lookup(k uint64) *flatSlot[V] {
	if s := find(m.slots, m.shift, k); s != nil || m.old == nil {
		return s
	}
	return find(m.old, m.oldShift, k)
}

// peek reads the slot where the search for k starts, and returns its key: a load the
// processor can start early, so that a later get finds the slot in cache.
func (m *flatMap[V]) peek(k uint64) uint64 {
	if len(m.slots) == 0 {
		return 0
	}
	return m.slots[home(flatKey(k), m.shift)].key
}

// get returns the value of k.
func (m *flatMap[V]) get(k uint64) (V, bool) {
	if m.n > 0 {
		if s := m.lookup(flatKey(k)); s != nil {
			return s.val, true
		}
	}
	var zero V
	return zero, false
}

// put sets the value of k.
func (m *flatMap[V]) put(k uint64, v V) {
	k = flatKey(k)
	if s := m.lookup(k); s != nil {
		s.val = v
	} else {
		if 4*(m.n+1) > 3*len(m.slots) {
			m.grow()
		}
		insert(m.slots, m.shift, k, v)
		m.n++
	}
	if m.old != nil {
		m.move(moveStep)
	}
}

// insert puts k, which s lacks, at the end of its probe sequence.
func insert[V any](s []flatSlot[V], shift uint, k uint64, v V) {
	mask := len(s) - 1
	i := home(k, shift)
	for s[i].key != 0 {
		i = (i + 1) & mask
	}
	s[i] = flatSlot[V]{key: k, val: v}
}

// delete removes k, if present.
func (m *flatMap[V]) delete(k uint64) {
	if m.n == 0 {
		return
	}
	k = flatKey(k)
	if remove(m.slots, m.shift, k) || m.old != nil && remove(m.old, m.oldShift, k) {
		m.n--
	}
}

// remove deletes k from s, moving back the keys after it that would no longer be found.
func remove[V any](s []flatSlot[V], shift uint, k uint64) bool {
	if len(s) == 0 {
		return false
	}
	mask := len(s) - 1
	i := home(k, shift)
	for ; s[i].key != k; i = (i + 1) & mask {
		if s[i].key == 0 {
			return false
		}
	}
	for j := i; ; {
		j = (j + 1) & mask
		if s[j].key == 0 {
			break
		}
		// The key at j stays if its home lies cyclically in (i, j]: the hole at i is not
		// on its search path.
		h := home(s[j].key, shift)
		if i <= j && i < h && h <= j || i > j && (i < h || h <= j) {
			continue
		}
		s[i] = s[j]
		i = j
	}
	s[i] = flatSlot[V]{}
	return true
}

// grow starts moving the keys to an array twice as large (finishing an earlier move first).
func (m *flatMap[V]) grow() {
	if m.old != nil {
		m.move(len(m.old))
	}
	size := max(2*len(m.slots), 64)
	m.old, m.oldShift = m.slots, m.shift
	m.slots = make([]flatSlot[V], size)
	m.shift = uint(64 - bits.TrailingZeros(uint(size)))
	if len(m.old) == 0 {
		m.old = nil
		return
	}
	// Start after an empty slot (there is one: the array is at most three quarters full),
	// so that the moved part always ends at the end of a cluster.
	e := 0
	for m.old[e].key != 0 {
		e++
	}
	m.next, m.left = (e+1)&(len(m.old)-1), len(m.old)
}

// move moves at least n slots of the old array, then on to the end of a cluster, clearing
// them. Every key left in old lies in a cluster that has not been touched, so its search
// path in old is intact, and a key whose home is in the moved part is not in old: the search
// meets a cleared slot and stops.
func (m *flatMap[V]) move(n int) {
	mask := len(m.old) - 1
	for m.left > 0 {
		s := &m.old[m.next]
		empty := s.key == 0
		if !empty {
			insert(m.slots, m.shift, s.key, s.val)
			*s = flatSlot[V]{}
		}
		m.next = (m.next + 1) & mask
		m.left--
		n--
		if n <= 0 && empty {
			break
		}
	}
	if m.left == 0 {
		m.old = nil
	}
}
