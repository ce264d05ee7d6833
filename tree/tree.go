package tree

import (
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/shopspring/decimal"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// ID identifies a node. IDs are positive; 0 means "none" (the root's parent). The server
// persists them as BIGINT.
type ID int64

// MaxDepth is the number of levels a tree may have: the root is at depth 0 and the deepest
// node at depth MaxDepth-1. The bound lets every node keep its ancestors in a fixed array, which
// makes IsAncestor a single comparison.
const MaxDepth = 16

// Well-known attribute keys. Attributes are free-form strings; these two are the ones the
// issue names.
const (
	AttrRegion  = "region"
	AttrOfficer = "officer"
)

// node is the stored form of a node. Money is in hundredths (see toCents). The fields a
// subtree search reads (key, children, attrs, kind) come first, so a scan touches one cache
// line per node plus the key's bytes.
type node struct {
	key      string  // search key: lower-case name, then pinyin spelling and initials
	children []int32 // slots of the children, ordered by ID
	attrs    map[string]string
	parent   int32 // slot of the parent, -1 for the root
	size     int32 // nodes in the subtree, self included
	kind     Kind
	depth    uint8
	hasLimit bool
	id       ID
	own      int64 // the customer's own exposure
	total    int64 // exposure of the whole subtree
	limit    int64
	anc      [MaxDepth]int32 // anc[d] is the slot of the ancestor at depth d; anc[depth] is self
	name     string
	customer string
}

// Tree is the customer tree: one bank at the root, branches, nested customer groups and
// customers as leaves, with exposure and limits rolled up and related-party links between
// customers.
//
// Concurrency: a Tree is safe for concurrent use. It holds one sync.RWMutex: readers (Get,
// Children, Path, IsAncestor, Search, Exposure, Headroom, CheckIncrease, Connected, Rows, JSON
// export) share it, and writers (Add, Rename, SetAttrs, Move, Remove, SetExposure, SetLimit,
// Link, Unlink) hold it alone, so each call sees one consistent tree. Every value returned is a
// copy: changing it never changes the tree, and later changes to the tree never change it.
//
// Every write either applies entirely or, on error, changes nothing.
//
// The zero Tree is empty and stays empty: every lookup fails with ErrNotFound and every Add
// with ErrUnknownParent. Make a usable one with New, Build or Import.
type Tree struct {
	mu        sync.RWMutex
	nodes     []node
	free      []int32
	byID      idIndex
	byCust    map[string]int32
	root      int32
	nextID    ID
	links     map[linkKey]Link
	pinyin    map[rune][2]string // per-tree cache: rune → full spelling, initial
	scratch   []byte             // reused by searchKey under the write lock
	collators sync.Pool          // *collate.Collator; a Collator is not safe for concurrent use
	// totals[s] is node s's subtree total as a decimal, made by the first reader after the
	// total changed (readers store it atomically under the read lock; writers never touch
	// it but to grow or clear the slice), so reading an unchanged total allocates nothing.
	totals []atomic.Pointer[decimalTotal]
}

// decimalTotal is a total in hundredths and the same amount as a decimal.
type decimalTotal struct {
	cents int64
	dec   decimal.Decimal
}

// zeroCents is the decimal of 0.00, shared: decimals are immutable.
var zeroCents = fromCents(0)

// totalOf returns the subtree total of slot s as a decimal. The caller holds a lock.
func (t *Tree) totalOf(s int32) decimal.Decimal {
	c := t.nodes[s].total
	if c == 0 {
		return zeroCents
	}
	p := &t.totals[s]
	if d := p.Load(); d != nil && d.cents == c {
		return d.dec
	}
	d := &decimalTotal{cents: c, dec: fromCents(c)}
	p.Store(d)
	return d.dec
}

// Node is a copy of one node as it was when read.
type Node struct {
	ID       ID                  `json:"id"`
	Parent   ID                  `json:"parent,omitempty"` // 0 for the root
	Kind     Kind                `json:"kind"`
	Name     string              `json:"name"`
	Customer string              `json:"customer,omitempty"` // customer number, for KindCustomer
	Attrs    map[string]string   `json:"attrs,omitempty"`
	Depth    int                 `json:"depth"`    // 0 for the root
	Size     int                 `json:"size"`     // nodes in the subtree, self included
	Children int                 `json:"children"` // number of direct children
	Exposure decimal.Decimal     `json:"exposure"` // the customer's own exposure; zero for others
	Total    decimal.Decimal     `json:"total"`    // exposure of the whole subtree
	Limit    decimal.NullDecimal `json:"limit"`    // the node's own limit, if any
}

func newTree(capacity int) *Tree {
	t := &Tree{
		nodes:  make([]node, 0, capacity),
		byID:   newIDIndex(capacity),
		byCust: make(map[string]int32, capacity),
		root:   -1,
		nextID: 1,
		links:  map[linkKey]Link{},
		pinyin: map[rune][2]string{},
	}
	t.collators.New = func() any { return collate.New(language.Chinese, collate.Loose) }
	return t
}

// New returns a tree holding only its root, the bank described by root (Kind must be KindBank,
// Parent 0; ID 0 means 1). It fails with an *InputError listing every problem with root.
func New(root Row) (*Tree, error) {
	if root.ID == 0 {
		root.ID = 1
	}
	return Build([]Row{root})
}

func (t *Tree) slot(id ID) (int32, error) {
	s, ok := t.byID.get(id)
	if !ok {
		return 0, &NotFoundError{ID: id}
	}
	return s, nil
}

func (t *Tree) customerSlot(number string) (int32, error) {
	s, ok := t.byCust[number]
	if !ok {
		return 0, &NotFoundError{Customer: number}
	}
	return s, nil
}

func (t *Tree) view(s int32) Node {
	n := &t.nodes[s]
	v := Node{
		ID: n.id, Kind: n.kind, Name: n.name, Customer: n.customer,
		Depth: int(n.depth), Size: int(n.size), Children: len(n.children),
		Exposure: zeroCents, Total: t.totalOf(s),
	}
	switch {
	case n.own == n.total: // a customer: its subtree is itself
		v.Exposure = v.Total
	case n.own != 0:
		v.Exposure = fromCents(n.own)
	}
	if n.parent >= 0 {
		v.Parent = t.nodes[n.parent].id
	}
	if len(n.attrs) > 0 {
		v.Attrs = maps.Clone(n.attrs)
	}
	if n.hasLimit {
		v.Limit = decimal.NewNullDecimal(fromCents(n.limit))
	}
	return v
}

// Root returns the bank at the root (the zero Node for the zero Tree).
func (t *Tree) Root() Node {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.byID.len() == 0 {
		return Node{}
	}
	return t.view(t.root)
}

// Len returns the number of nodes in the tree.
func (t *Tree) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.byID.len()
}

// Get returns the node with the given ID, or a *NotFoundError (ErrNotFound).
func (t *Tree) Get(id ID) (Node, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	s, err := t.slot(id)
	if err != nil {
		return Node{}, err
	}
	return t.view(s), nil
}

// Customer returns the leaf holding the customer number, or a *NotFoundError (ErrNotFound).
func (t *Tree) Customer(number string) (Node, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	s, err := t.customerSlot(number)
	if err != nil {
		return Node{}, err
	}
	return t.view(s), nil
}

// Children returns the direct children of id in name order, using Chinese (pinyin) collation
// so that 安 sorts before 北 and "Bank of X" sorts with Latin names; equal names are ordered by
// ID. It fails with ErrNotFound for an unknown id.
func (t *Tree) Children(id ID) ([]Node, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	s, err := t.slot(id)
	if err != nil {
		return nil, err
	}
	out := make([]Node, 0, len(t.nodes[s].children))
	for _, c := range t.nodes[s].children {
		out = append(out, t.view(c))
	}
	col := t.collators.Get().(*collate.Collator)
	defer t.collators.Put(col)
	slices.SortStableFunc(out, func(a, b Node) int {
		if c := col.CompareString(a.Name, b.Name); c != 0 {
			return c
		}
		return cmpID(a.ID, b.ID)
	})
	return out, nil
}

func cmpID(a, b ID) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Path returns the nodes from the root down to id, both included (the breadcrumbs). It fails
// with ErrNotFound for an unknown id.
func (t *Tree) Path(id ID) ([]Node, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	s, err := t.slot(id)
	if err != nil {
		return nil, err
	}
	n := &t.nodes[s]
	out := make([]Node, 0, n.depth+1)
	for d := 0; d <= int(n.depth); d++ {
		out = append(out, t.view(n.anc[d]))
	}
	return out, nil
}

// IsAncestor reports whether a is an ancestor of d or d itself. It costs O(1): every node keeps
// its ancestors by depth. It fails with ErrNotFound when either node is unknown.
func (t *Tree) IsAncestor(a, d ID) (bool, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	sa, err := t.slot(a)
	if err != nil {
		return false, err
	}
	sd, err := t.slot(d)
	if err != nil {
		return false, err
	}
	return t.isAncestor(sa, sd), nil
}

func (t *Tree) isAncestor(sa, sd int32) bool {
	da := t.nodes[sa].depth
	n := &t.nodes[sd]
	return da <= n.depth && n.anc[da] == sa
}

// insertChild adds child to p's children, keeping them ordered by ID.
func (t *Tree) insertChild(p, child int32) {
	id := t.nodes[child].id
	cs := t.nodes[p].children
	i, _ := slices.BinarySearchFunc(cs, id, func(s int32, id ID) int { return cmpID(t.nodes[s].id, id) })
	t.nodes[p].children = slices.Insert(cs, i, child)
}

// dropChild removes child from p's children.
func (t *Tree) dropChild(p, child int32) {
	id := t.nodes[child].id
	cs := t.nodes[p].children
	i, ok := slices.BinarySearchFunc(cs, id, func(s int32, id ID) int { return cmpID(t.nodes[s].id, id) })
	if ok {
		t.nodes[p].children = slices.Delete(cs, i, i+1)
	}
}

// Add inserts a node under r.Parent and returns its ID. r.ID 0 means "assign the next ID"
// (one above the largest ever seen); a caller that persists first may pass its own. Exposure is
// allowed only on customers, Limit only on the bank, branches and groups. It fails with an
// *InputError listing every problem (ErrUnknownParent, ErrDuplicateID, ErrDuplicateCustomer,
// ErrKind, ErrNegative, ErrPrecision, ErrOverflow, ErrTooDeep, ErrInvalid) and then changes
// nothing.
func (t *Tree) Add(r Row) (ID, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var ps problems
	v := checkRow(&ps, -1, r, false)
	if r.ID < 0 {
		ps.add(ErrInvalid, "id", "positive", "id %d must be positive or 0 (assign)", r.ID)
	}
	if r.ID > 0 {
		if _, dup := t.byID.get(r.ID); dup {
			ps.add(ErrDuplicateID, "id", "unique", "node %d already exists", r.ID)
		}
	}
	if r.Kind == KindCustomer && r.Customer != "" {
		if _, dup := t.byCust[r.Customer]; dup {
			ps.add(ErrDuplicateCustomer, "customer", "unique", "customer %q is already in the tree", r.Customer)
		}
	}
	p, ok := t.byID.get(r.Parent)
	switch {
	case !ok:
		ps.add(ErrUnknownParent, "parent", "exists", "parent %d does not exist", r.Parent)
	case r.Kind.Valid() && !canHold(t.nodes[p].kind, r.Kind):
		ps.add(ErrKind, "kind", "placement", "a %s may not sit under a %s", r.Kind, t.nodes[p].kind)
	case int(t.nodes[p].depth)+1 >= MaxDepth:
		ps.add(ErrTooDeep, "parent", "depth", "a child of %d would be deeper than %d levels", r.Parent, MaxDepth)
	}
	if ok && v.own > 0 {
		if err := t.canAddAlong(p, v.own); err != nil {
			ps.add(ErrOverflow, "exposure", "range", "%v", err)
		}
	}
	if err := ps.err(); err != nil {
		return 0, err
	}
	id := r.ID
	if id == 0 {
		id = t.nextID
	}
	if id >= t.nextID {
		t.nextID = id + 1
	}
	s := t.alloc()
	n := &t.nodes[s]
	*n = node{
		id: id, parent: p, size: 1, depth: t.nodes[p].depth + 1, kind: r.Kind,
		hasLimit: v.hasLimit, own: v.own, total: v.own, limit: v.limit,
		anc: t.nodes[p].anc, name: r.Name, customer: r.Customer, attrs: cloneAttrs(r.Attrs),
	}
	n.anc[n.depth] = s
	n.key = t.searchKey(r.Name)
	t.byID.set(id, s)
	if r.Kind == KindCustomer {
		t.byCust[r.Customer] = s
	}
	t.insertChild(p, s)
	for d := int(n.depth) - 1; d >= 0; d-- {
		a := &t.nodes[n.anc[d]]
		a.size++
		a.total += v.own
	}
	return id, nil
}

func (t *Tree) alloc() int32 {
	if k := len(t.free); k > 0 {
		s := t.free[k-1]
		t.free = t.free[:k-1]
		return s
	}
	t.nodes = append(t.nodes, node{})
	t.totals = append(t.totals, atomic.Pointer[decimalTotal]{})
	return int32(len(t.nodes) - 1)
}

func cloneAttrs(a map[string]string) map[string]string {
	if len(a) == 0 {
		return nil
	}
	return maps.Clone(a)
}

// canAddAlong reports an overflow if delta added to s and every ancestor would overflow.
func (t *Tree) canAddAlong(s int32, delta int64) error {
	n := &t.nodes[s]
	for d := 0; d <= int(n.depth); d++ {
		if _, ok := addCents(t.nodes[n.anc[d]].total, delta); !ok {
			return &AmountError{Field: "total", Amount: fromCents(t.nodes[n.anc[d]].total), Err: ErrOverflow}
		}
	}
	return nil
}

// Rename sets the name of id. It fails with ErrNotFound, or ErrInvalid for an empty name.
func (t *Tree) Rename(id ID, name string) error {
	if name == "" {
		return &InputError{Problems: []Problem{{Path: "name", Rule: "required", Message: "name is empty", Err: ErrInvalid}}}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	s, err := t.slot(id)
	if err != nil {
		return err
	}
	t.nodes[s].name = name
	t.nodes[s].key = t.searchKey(name)
	return nil
}

// SetAttrs replaces the attributes of id (nil clears them). It fails with ErrNotFound.
func (t *Tree) SetAttrs(id ID, attrs map[string]string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, err := t.slot(id)
	if err != nil {
		return err
	}
	t.nodes[s].attrs = cloneAttrs(attrs)
	return nil
}

// Move puts id, with its whole subtree, under parent. It costs O(size of the subtree + depth):
// the moved nodes' ancestor arrays are rewritten so IsAncestor stays O(1), and the exposure of
// the subtree moves from the old ancestors' totals to the new ones'. It fails, changing
// nothing, with a *MoveError (ErrOwnSubtree) when parent is id or below it, ErrNotFound for an
// unknown node, ErrUnknownParent for an unknown parent, ErrRoot for the root, ErrKind when the
// parent's kind may not hold id's kind, ErrTooDeep when the subtree would go below MaxDepth,
// and ErrOverflow when a new ancestor's total would overflow.
func (t *Tree) Move(id, parent ID) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, err := t.slot(id)
	if err != nil {
		return err
	}
	p, ok := t.byID.get(parent)
	if !ok {
		return &InputError{Problems: []Problem{{Path: "parent", Rule: "exists", Message: "parent does not exist", Err: ErrUnknownParent}}}
	}
	n := &t.nodes[s]
	if s == t.root {
		return &InputError{Problems: []Problem{{Path: "id", Rule: "root", Message: "the root cannot move", Err: ErrRoot}}}
	}
	if t.isAncestor(s, p) {
		return &MoveError{Node: id, Parent: parent}
	}
	pn := &t.nodes[p]
	if !canHold(pn.kind, n.kind) {
		return &InputError{Problems: []Problem{{Path: "parent", Rule: "placement", Message: "a " + n.kind.String() + " may not sit under a " + pn.kind.String(), Err: ErrKind}}}
	}
	if n.parent == p {
		return nil
	}
	// Height of the moved subtree, and the depth shift it undergoes.
	height := 0
	stack := []int32{s}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		height = max(height, int(t.nodes[c].depth-n.depth))
		stack = append(stack, t.nodes[c].children...)
	}
	newDepth := int(pn.depth) + 1
	if newDepth+height >= MaxDepth {
		return &InputError{Problems: []Problem{{Path: "parent", Rule: "depth", Message: "the subtree would be deeper than MaxDepth", Err: ErrTooDeep}}}
	}
	lca := t.lca(s, p)
	for d := int(pn.depth); d > int(t.nodes[lca].depth); d-- {
		if _, ok := addCents(t.nodes[pn.anc[d]].total, n.total); !ok {
			return &AmountError{Field: "total", Amount: fromCents(t.nodes[pn.anc[d]].total), Err: ErrOverflow}
		}
	}
	// Detach from the old ancestors below the common one, attach to the new.
	old := n.parent
	for d := int(n.depth) - 1; d > int(t.nodes[lca].depth); d-- {
		a := &t.nodes[n.anc[d]]
		a.total -= n.total
		a.size -= n.size
	}
	for d := int(pn.depth); d > int(t.nodes[lca].depth); d-- {
		a := &t.nodes[pn.anc[d]]
		a.total += n.total
		a.size += n.size
	}
	t.dropChild(old, s)
	n.parent = p
	t.insertChild(p, s)
	// Rewrite depth and ancestors of the subtree, parents before children.
	stack = append(stack[:0], s)
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		cn := &t.nodes[c]
		par := &t.nodes[cn.parent]
		cn.depth = par.depth + 1
		cn.anc = par.anc
		cn.anc[cn.depth] = c
		stack = append(stack, cn.children...)
	}
	return nil
}

// lca returns the deepest common ancestor of a and b.
func (t *Tree) lca(a, b int32) int32 {
	na, nb := &t.nodes[a], &t.nodes[b]
	d := min(na.depth, nb.depth)
	for na.anc[d] != nb.anc[d] {
		d--
	}
	return na.anc[d]
}

// Remove deletes id. Without cascade only a node with no children may go (else ErrNotEmpty);
// with cascade the whole subtree goes, with the related-party links of every customer in it.
// The exposure removed leaves the ancestors' totals. It fails with ErrNotFound for an unknown
// id and ErrRoot for the root, changing nothing.
func (t *Tree) Remove(id ID, cascade bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, err := t.slot(id)
	if err != nil {
		return err
	}
	if s == t.root {
		return &InputError{Problems: []Problem{{Path: "id", Rule: "root", Message: "the root cannot be removed", Err: ErrRoot}}}
	}
	n := &t.nodes[s]
	if len(n.children) > 0 && !cascade {
		return &InputError{Problems: []Problem{{Path: "id", Rule: "empty", Message: "the node has children; remove them or cascade", Err: ErrNotEmpty}}}
	}
	for d := int(n.depth) - 1; d >= 0; d-- {
		a := &t.nodes[n.anc[d]]
		a.total -= n.total
		a.size -= n.size
	}
	t.dropChild(n.parent, s)
	stack := []int32{s}
	var gone []string
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		cn := &t.nodes[c]
		stack = append(stack, cn.children...)
		t.byID.delete(cn.id)
		if cn.kind == KindCustomer {
			delete(t.byCust, cn.customer)
			gone = append(gone, cn.customer)
		}
		*cn = node{}
		t.totals[c].Store(nil)
		t.free = append(t.free, c)
	}
	t.dropLinks(gone)
	return nil
}
