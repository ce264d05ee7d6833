package tree

// idIndex maps node IDs to slots. IDs from a database sequence are dense, so IDs up to the end
// of a slice live in the slice (4 bytes each, one load to find); others go to a map. An ID that
// extends the slice by one (the next in sequence) grows the slice, amortised O(1).
type idIndex struct {
	dense  []int32 // dense[id] is slot+1, 0 when absent; dense[0] is unused
	sparse map[ID]int32
	n      int
}

func newIDIndex(capacity int) idIndex {
	return idIndex{dense: make([]int32, 1, capacity+1), sparse: map[ID]int32{}}
}

func (x *idIndex) get(id ID) (int32, bool) {
	if id > 0 && id < ID(len(x.dense)) {
		s := x.dense[id]
		return s - 1, s != 0
	}
	s, ok := x.sparse[id]
	return s, ok
}

// set stores slot for id and reports whether id was new.
func (x *idIndex) set(id ID, slot int32) bool {
	if id > 0 && id < ID(len(x.dense)) {
		isNew := x.dense[id] == 0
		x.dense[id] = slot + 1
		if isNew {
			x.n++
		}
		return isNew
	}
	if id == ID(len(x.dense)) && len(x.sparse) == 0 {
		x.dense = append(x.dense, slot+1)
		x.n++
		return true
	}
	if id > 0 && id == ID(len(x.dense)) {
		if _, dup := x.sparse[id]; !dup {
			x.dense = append(x.dense, slot+1)
			x.n++
			return true
		}
	}
	_, dup := x.sparse[id]
	x.sparse[id] = slot
	if !dup {
		x.n++
	}
	return !dup
}

func (x *idIndex) delete(id ID) {
	if id > 0 && id < ID(len(x.dense)) {
		if x.dense[id] != 0 {
			x.dense[id] = 0
			x.n--
		}
		return
	}
	if _, ok := x.sparse[id]; ok {
		delete(x.sparse, id)
		x.n--
	}
}

func (x *idIndex) len() int { return x.n }
