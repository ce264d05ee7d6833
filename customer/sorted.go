package customer

import "strings"

// sortedIndex is an ordered set of entries (by entryLess) with number 0: a B+tree whose
// leaves hold up to leafCap entries, chained in order. An inner node keeps beside its separators a compact
// array of their first eight bytes (k0): a descent bisects that array, comparing whole
// separators only where heads are equal. A leaf keeps its entries in order in three
// parallel arrays — the heads, the rest of the keys (pointer-free) and the text and its names —
// and is searched by a scan of the heads and a bisection of equal heads (see
// leafNode.lowerBound) that reads the text only when two texts longer than the inline 32
// bytes share them; an insert shifts those arrays, the pointer part being 24 bytes an entry.
//
// It only grows: MemStore holds one entry per text and keeps a text whose customers have all
// been renamed away (GetOrInsert finds it again), so there is no delete.
//
// A sortedIndex is not safe for concurrent use; the store guards it with its lock.
type sortedIndex struct {
	root   *innerNode // nil while the tree is one leaf
	first  *leafNode  // the leftmost leaf, and the whole tree when root is nil
	height int        // inner levels above the leaves
	n      int
}

// Sizes chosen so that a leaf (16 + 62×64 bytes) fits a 4 KiB allocation.
const (
	leafCap  = 62
	innerCap = 56
)

// leafNode keeps its entries in order, split in three parallel arrays: k0 holds the first
// eight bytes of the texts, key the rest of what orders them (bytes 8–32 of the text and its
// length; no pointers), ref the text and its names. The entries' numbers are not stored: a
// sortedIndex holds entries with number 0 (one per text). A search reads ref only when two
// texts longer than the inline 32 bytes share them, so a leaf full of one short name
// (王伟 ×80) is searched without touching ref; an insert shifts k0 and key (no write
// barriers) and the 24-byte refs.
type leafNode struct {
	n    int
	next *leafNode
	k0   [leafCap]uint64
	key  [leafCap]leafKey
	ref  [leafCap]leafRef
}

// leafKey is the pointer-free part of an entry after its first eight bytes.
type leafKey struct {
	k1, k2, k3 uint64
	tlen       int // len(text)
}

// leafRef is the part of an entry with pointers.
type leafRef struct {
	text  string
	names *textNames
}

// at returns the i-th entry in order.
func (l *leafNode) at(i int) entry {
	k, r := &l.key[i], &l.ref[i]
	return entry{k0: l.k0[i], k1: k.k1, k2: k.k2, k3: k.k3, text: r.text, names: r.names}
}

// set puts e at position i.
func (l *leafNode) set(i int, e *entry) {
	l.k0[i] = e.k0
	l.key[i] = leafKey{k1: e.k1, k2: e.k2, k3: e.k3, tlen: len(e.text)}
	l.ref[i] = leafRef{text: e.text, names: e.names}
}

// belowRest reports whether the i-th entry, whose head equals e's, is below e:
// entryLess(l.at(i), *e), reading the text only where entryLess does.
func (l *leafNode) belowRest(i int, e *entry) bool {
	k := &l.key[i]
	switch {
	case k.k1 != e.k1:
		return k.k1 < e.k1
	case k.k2 != e.k2:
		return k.k2 < e.k2
	case k.k3 != e.k3:
		return k.k3 < e.k3
	case k.tlen > headLen || len(e.text) > headLen:
		if c := strings.Compare(l.ref[i].text, e.text); c != 0 {
			return c < 0
		}
	case k.tlen != len(e.text):
		return k.tlen < len(e.text)
	}
	return 0 < e.num // the stored entry's number is 0
}

// innerNode has n children; sep[i] (i < n-1) is the first entry of child i+1 when it was
// split off: every entry under child i+1 is ≥ sep[i] and every entry under child i is below.
type innerNode struct {
	n     int
	k0    [innerCap]uint64
	sep   [innerCap]entry
	inner [innerCap]*innerNode // children, when the level below is inner
	leaf  [innerCap]*leafNode  // children, when the level below is leaves
}

func newSortedIndex() *sortedIndex { return &sortedIndex{first: &leafNode{}} }

// Len returns the number of entries.
func (t *sortedIndex) Len() int { return t.n }

// childFor returns the child of x that holds (or would hold) e: the number of separators
// at or below e, found by binary search (heads first, whole entries where heads are equal).
func (x *innerNode) childFor(e *entry) int {
	lo, hi := 0, x.n-1
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if k := x.k0[m]; k < e.k0 || k == e.k0 && !entryLess(*e, x.sep[m]) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// lowerBound returns the position of the first entry of l not below e. It scans the heads
// (eight bytes an entry, contiguous) rather than bisecting them: the scan's loads do not
// depend on one another, so the processor fetches the leaf's cache lines in parallel (and
// the prefetcher streams them), where a binary search waits for one miss after another.
// Among the entries whose heads equal e's it bisects: their order may rest on texts longer
// than the inline 32 bytes, and each such comparison reads a text elsewhere in memory.
func (l *leafNode) lowerBound(e *entry) int {
	i := 0
	for i < l.n && l.k0[i] < e.k0 {
		i++
	}
	j := i
	for j < l.n && l.k0[j] == e.k0 {
		j++
	}
	for i < j {
		m := int(uint(i+j) >> 1)
		if l.belowRest(m, e) {
			i = m + 1
		} else {
			j = m
		}
	}
	return i
}

// path records the inner nodes and child positions of a descent.
type path struct {
	node [16]*innerNode
	pos  [16]int
}

// descend returns the leaf that holds (or would hold) e, filling p when it is not nil.
func (t *sortedIndex) descend(e *entry, p *path) *leafNode {
	if t.root == nil {
		return t.first
	}
	x := t.root
	for level := t.height; ; level-- {
		c := x.childFor(e)
		if p != nil {
			p.node[t.height-level], p.pos[t.height-level] = x, c
		}
		if level == 1 {
			return x.leaf[c]
		}
		x = x.inner[c]
	}
}

// GetOrInsert returns the names of the entry equal to e, or adds e and returns e.names.
func (t *sortedIndex) GetOrInsert(e entry) *textNames {
	var p path
	l := t.descend(&e, &p)
	i := l.lowerBound(&e)
	if i < l.n && !entryLess(e, l.at(i)) {
		return l.ref[i].names
	}
	t.insert(&p, l, i, e)
	return e.names
}

// insert puts e at position i of leaf l, reached by the descent p, splitting l if full.
func (t *sortedIndex) insert(p *path, l *leafNode, i int, e entry) {
	t.n++
	if l.n < leafCap {
		l.insertAt(i, e)
		return
	}
	// Split the full leaf in two halves and put e in its half.
	r := &leafNode{next: l.next}
	half := leafCap / 2
	copy(r.k0[:], l.k0[half:l.n])
	copy(r.key[:], l.key[half:l.n])
	copy(r.ref[:], l.ref[half:l.n])
	clear(l.ref[half:l.n])
	r.n = l.n - half
	l.n, l.next = half, r
	if i <= half {
		l.insertAt(i, e)
	} else {
		r.insertAt(i-half, e)
	}
	t.pushUp(p, r.at(0), nil, r)
}

// insertAt puts e at position i in order.
func (l *leafNode) insertAt(i int, e entry) {
	copy(l.k0[i+1:l.n+1], l.k0[i:l.n])
	copy(l.key[i+1:l.n+1], l.key[i:l.n])
	copy(l.ref[i+1:l.n+1], l.ref[i:l.n])
	l.set(i, &e)
	l.n++
}

// pushUp adds the new right sibling (inner or leaf) with separator sep beside the node at
// the end of p, splitting inner nodes as they fill and growing a new root at the top.
func (t *sortedIndex) pushUp(p *path, sep entry, rin *innerNode, rleaf *leafNode) {
	for level := t.height - 1; level >= 0; level-- {
		x, c := p.node[level], p.pos[level]
		if x.n < innerCap {
			x.insertChild(c+1, sep, rin, rleaf)
			return
		}
		// Split x: the right half moves to y; the separator between them goes up.
		y := &innerNode{}
		half := innerCap / 2
		y.n = x.n - half
		copy(y.inner[:], x.inner[half:x.n])
		copy(y.leaf[:], x.leaf[half:x.n])
		copy(y.sep[:], x.sep[half:x.n-1])
		copy(y.k0[:], x.k0[half:x.n-1])
		up := x.sep[half-1]
		clear(x.inner[half:x.n])
		clear(x.leaf[half:x.n])
		clear(x.sep[half-1 : x.n-1])
		x.n = half
		if c+1 <= half {
			x.insertChild(c+1, sep, rin, rleaf)
		} else {
			y.insertChild(c+1-half, sep, rin, rleaf)
		}
		sep, rin, rleaf = up, y, nil
	}
	// The root split (or the single leaf did): a new root above both halves.
	root := &innerNode{n: 2}
	root.sep[0], root.k0[0] = sep, sep.k0
	if t.root == nil {
		root.leaf[0], root.leaf[1] = t.first, rleaf
	} else {
		root.inner[0], root.inner[1] = t.root, rin
	}
	t.root = root
	t.height++
}

// insertChild puts a child at position c with sep (its lower bound) as separator c-1.
func (x *innerNode) insertChild(c int, sep entry, in *innerNode, leaf *leafNode) {
	copy(x.inner[c+1:x.n+1], x.inner[c:x.n])
	copy(x.leaf[c+1:x.n+1], x.leaf[c:x.n])
	copy(x.sep[c:x.n], x.sep[c-1:x.n-1])
	copy(x.k0[c:x.n], x.k0[c-1:x.n-1])
	x.inner[c], x.leaf[c] = in, leaf
	x.sep[c-1], x.k0[c-1] = sep, sep.k0
	x.n++
}

// AscendGreaterOrEqual calls fn for every entry not below pivot, in order, until fn returns
// false.
func (t *sortedIndex) AscendGreaterOrEqual(pivot entry, fn func(entry) bool) {
	l := t.descend(&pivot, nil)
	for i := l.lowerBound(&pivot); l != nil; l, i = l.next, 0 {
		for ; i < l.n; i++ {
			if !fn(l.at(i)) {
				return
			}
		}
	}
}
