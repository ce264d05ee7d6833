package customer

import (
	"hash/maphash"
	"slices"
)

// The exact-match maps of MemStore are keyed by 64-bit integers, not strings: a slot is 16
// bytes instead of 40 to 56, and a probe compares integers instead of reading a key string
// elsewhere in memory. Over a million customers that is about 150 bytes a customer less.
// The tables are flatMaps: a look-up reads one slot.

var keySeed = maphash.MakeSeed()

// mobileKey is the key of a normalised mobile: its 11 digits as a number, or, for any other
// text, a hash with the top bit set (never a number of 11 digits). Hashes may collide; the
// search checks every candidate's mobile (matcher.match).
func mobileKey(m string) uint64 {
	if len(m) == 11 {
		var k uint64
		for i := range len(m) {
			d := m[i] - '0'
			if d > 9 {
				return maphash.String(keySeed, m) | 1<<63
			}
			k = k*10 + uint64(d)
		}
		return k
	}
	return maphash.String(keySeed, m) | 1<<63
}

// multiIndex maps a key to the customers (numKeys) under it, the first without an
// allocation.
type multiIndex struct {
	one  flatMap[uint64]     // key → first customer
	more map[uint64][]uint64 // key → the others, in insertion order
}

func newMultiIndex() multiIndex { return multiIndex{} }

func (x *multiIndex) add(key, num uint64) {
	if _, ok := x.one.get(key); !ok {
		x.one.put(key, num)
		return
	}
	if x.more == nil {
		x.more = make(map[uint64][]uint64)
	}
	x.more[key] = append(x.more[key], num)
}

func (x *multiIndex) remove(key, num uint64) {
	first, ok := x.one.get(key)
	if !ok {
		return
	}
	more := x.more[key]
	if first == num {
		if len(more) == 0 {
			x.one.delete(key)
			return
		}
		x.one.put(key, more[0])
		more = more[1:]
	} else {
		more = slices.DeleteFunc(more, func(k uint64) bool { return k == num })
	}
	if len(more) == 0 {
		delete(x.more, key)
	} else {
		x.more[key] = more
	}
}

// all returns the customers under key.
func (x *multiIndex) all(key uint64) []Number {
	first, ok := x.one.get(key)
	if !ok {
		return nil
	}
	out := []Number{numOf(first)}
	for _, k := range x.more[key] {
		out = append(out, numOf(k))
	}
	return out
}

// identityIndex finds the owner of an identity document or credit code by a 64-bit hash of
// it, checked against the owner's record. An identity whose hash another already holds (a
// collision, about one in 10^13 pairs) is kept in a map by value instead.
type identityIndex struct {
	byHash flatMap[uint64]     // hash → owner (numKey)
	other  map[identity]Number // identities whose hash was taken
}

func newIdentityIndex() identityIndex {
	return identityIndex{other: make(map[identity]Number)}
}

func identityHash(id identity) uint64 {
	return maphash.String(keySeed, id.ID) ^ uint64(id.Doc)*0x9e3779b97f4a7c15
}

// get returns the owner of id. recs finds the records, whose current identity is the one
// the index holds for them.
func (x *identityIndex) get(id identity, recs *recordIndex) (Number, bool) {
	if k, ok := x.byHash.get(identityHash(id)); ok {
		n := numOf(k)
		if r := recs.get(n); r != nil {
			if key, _ := identityKey(r.cur); key == id {
				return n, true
			}
		}
	}
	if len(x.other) == 0 {
		return Number{}, false
	}
	n, ok := x.other[id]
	return n, ok
}

// put records n as the owner of id, which has none.
func (x *identityIndex) put(id identity, n Number) {
	h := identityHash(id)
	if _, taken := x.byHash.get(h); taken {
		x.other[id] = n
		return
	}
	x.byHash.put(h, numKey(n))
}

// remove forgets n as the owner of id.
func (x *identityIndex) remove(id identity, n Number) {
	h := identityHash(id)
	if k, ok := x.byHash.get(h); ok && k == numKey(n) {
		x.byHash.delete(h)
		return
	}
	delete(x.other, id)
}
