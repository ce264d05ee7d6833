package tree

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/shopspring/decimal"
)

// Row is the flat, persistable form of one node: what the server's store keeps per node and
// what Build reads back. Exposure is allowed only on customers and Limit only on the bank,
// branches and groups; both are non-negative with at most two decimal places.
type Row struct {
	ID       ID                  `json:"id"`
	Parent   ID                  `json:"parent,omitempty"` // 0 for the root
	Kind     Kind                `json:"kind"`
	Name     string              `json:"name"`
	Customer string              `json:"customer,omitempty"` // customer number, required for KindCustomer only
	Exposure decimal.Decimal     `json:"exposure"`
	Limit    decimal.NullDecimal `json:"limit"`
	Attrs    map[string]string   `json:"attrs,omitempty"`
}

// rowValues are a row's amounts in hundredths.
type rowValues struct {
	own, limit int64
	hasLimit   bool
}

// rowPath is the JSON path of a field of rows[i], or the bare field when i < 0 (a single row
// given to Add). It is only formatted when a problem is found.
func rowPath(i int, field string) string {
	if i < 0 {
		return field
	}
	return "rows[" + itoa(i) + "]." + field
}

// checkRow adds the problems of row i taken alone (not its place in the tree) to ps and returns
// its amounts. root says whether the row may be the bank.
func checkRow(ps *problems, i int, r Row, root bool) rowValues {
	var v rowValues
	path := func(f string) string { return rowPath(i, f) }
	switch {
	case !r.Kind.Valid():
		ps.add(ErrKind, path("kind"), "oneof", "kind %d is not a known kind", uint8(r.Kind))
	case r.Kind == KindBank && !root:
		ps.add(ErrKind, path("kind"), "placement", "a bank can only be the root")
	}
	if r.Name == "" {
		ps.add(ErrInvalid, path("name"), "required", "name is empty")
	}
	switch {
	case r.Kind == KindCustomer && r.Customer == "":
		ps.add(ErrInvalid, path("customer"), "required", "a customer node needs a customer number")
	case r.Kind != KindCustomer && r.Customer != "":
		ps.add(ErrInvalid, path("customer"), "excluded", "only a customer node holds a customer number")
	}
	if !r.Exposure.IsZero() {
		if r.Kind != KindCustomer {
			ps.add(ErrInvalid, path("exposure"), "excluded", "only a customer carries exposure; a %s's is the sum below it", r.Kind)
		}
		c, err := toCents("exposure", r.Exposure)
		if err != nil {
			ps.add(unwrapAmount(err), path("exposure"), "amount", "%v", err)
		}
		v.own = c
	}
	if r.Limit.Valid {
		if r.Kind == KindCustomer {
			ps.add(ErrInvalid, path("limit"), "excluded", "a customer node carries no limit; limits sit on groups and branches")
		}
		c, err := toCents("limit", r.Limit.Decimal)
		if err != nil {
			ps.add(unwrapAmount(err), path("limit"), "amount", "%v", err)
		}
		v.limit, v.hasLimit = c, true
	}
	return v
}

func unwrapAmount(err error) error {
	if ae, ok := err.(*AmountError); ok {
		return ae.Err
	}
	return ErrInvalid
}

// Build makes a tree from rows in any order, in O(n). It checks every row and reports EVERY
// inconsistency at once in one *InputError: a bad or misplaced kind (ErrKind, including nodes
// under a customer and a second bank), a root count other than one (ErrRoot), an unknown
// parent (ErrUnknownParent), a cycle (ErrCycle, once per cycle), a duplicate ID
// (ErrDuplicateID), a duplicate customer (ErrDuplicateCustomer), a negative, too precise or too
// large amount (ErrNegative, ErrPrecision, ErrOverflow), exposure or limit on the wrong kind or
// an empty name (ErrInvalid), and a node deeper than MaxDepth (ErrTooDeep). Problem paths are
// "rows[i].field". The tree's next assigned ID is one above the largest row ID.
func Build(rows []Row) (*Tree, error) {
	n := len(rows)
	t := newTree(n)
	var ps problems
	t.nodes = t.nodes[:n]
	t.totals = make([]atomic.Pointer[decimalTotal], n)
	parent := make([]int32, n) // slot of the parent; -1 root or unresolved
	roots := 0
	var maxID ID
	var dupIDs, dupCusts []int // rows whose ID or customer number an earlier row already has
	for i, r := range rows {
		v := checkRow(&ps, i, r, r.Parent == 0)
		if r.ID <= 0 {
			ps.add(ErrInvalid, rowPath(i, "id"), "positive", "id %d must be positive", r.ID)
		} else {
			if !t.byID.set(r.ID, int32(i)) {
				dupIDs = append(dupIDs, i)
			}
		}
		if r.Kind == KindCustomer && r.Customer != "" {
			k := len(t.byCust)
			t.byCust[r.Customer] = int32(i)
			if len(t.byCust) == k {
				dupCusts = append(dupCusts, i)
			}
		}
		maxID = max(maxID, r.ID)
		// Field by field into the zeroed slot: a composite literal would copy the whole node
		// (with write barriers for its pointers) for every row.
		nd := &t.nodes[i]
		nd.id, nd.parent, nd.size, nd.kind, nd.hasLimit = r.ID, -1, 1, r.Kind, v.hasLimit
		nd.own, nd.total, nd.limit = v.own, v.own, v.limit
		nd.name, nd.customer = r.Name, r.Customer
		if len(r.Attrs) > 0 {
			nd.attrs = cloneAttrs(r.Attrs)
		}
		parent[i] = -1
	}
	// The single map write above kept the last row of a duplicated ID or number; keep the
	// first instead, and report the others.
	skip := map[int]bool{}
	if len(dupIDs) > 0 {
		first := map[ID]int{}
		for i := len(rows) - 1; i >= 0; i-- {
			first[rows[i].ID] = i
		}
		for _, i := range dupIDs {
			skip[i] = true
		}
		for i, r := range rows {
			if r.ID > 0 && first[r.ID] == i {
				t.byID.set(r.ID, int32(i))
			} else if r.ID > 0 {
				skip[i] = true
				ps.add(ErrDuplicateID, rowPath(i, "id"), "unique", "node %d appears more than once", r.ID)
			}
		}
	}
	if len(dupCusts) > 0 {
		first := map[string]int{}
		for i := len(rows) - 1; i >= 0; i-- {
			if rows[i].Kind == KindCustomer && rows[i].Customer != "" {
				first[rows[i].Customer] = i
			}
		}
		for i, r := range rows {
			if r.Kind != KindCustomer || r.Customer == "" {
				continue
			}
			if first[r.Customer] == i {
				t.byCust[r.Customer] = int32(i)
			} else {
				ps.add(ErrDuplicateCustomer, rowPath(i, "customer"), "unique", "customer %q appears more than once", r.Customer)
			}
		}
	}
	// Resolve parents and count children.
	counts := make([]int32, n)
	for i, r := range rows {
		if r.Parent == 0 {
			if r.Kind != KindBank {
				ps.add(ErrRoot, rowPath(i, "parent"), "required", "only the bank may have no parent; a %s needs one", r.Kind)
				continue
			}
			roots++
			if roots == 1 {
				t.root = int32(i)
			}
			continue
		}
		p, ok := t.byID.get(r.Parent)
		if !ok {
			ps.add(ErrUnknownParent, rowPath(i, "parent"), "exists", "parent %d of node %d does not exist", r.Parent, r.ID)
			continue
		}
		if pk := rows[p].Kind; r.Kind.Valid() && pk.Valid() && !canHold(pk, r.Kind) && r.Kind != KindBank {
			if pk == KindCustomer {
				ps.add(ErrKind, rowPath(i, "parent"), "placement", "customer node %d cannot have children", r.Parent)
			} else {
				ps.add(ErrKind, rowPath(i, "parent"), "placement", "a %s may not sit under a %s", r.Kind, pk)
			}
		}
		if skip[i] || r.ID <= 0 { // a duplicate or invalid ID: already reported, keep it out of the tree
			continue
		}
		parent[i] = p
		counts[p]++
	}
	if roots != 1 {
		ps.add(ErrRoot, "rows", "one_root", "found %d roots; a tree has exactly one bank at the root", roots)
	}
	// Children lists carved from one backing array, each with its exact capacity.
	backing := make([]int32, 0, n)
	for i := range t.nodes {
		if c := counts[i]; c > 0 {
			t.nodes[i].children = backing[len(backing) : len(backing) : len(backing)+int(c)]
			backing = backing[:len(backing)+int(c)]
		}
	}
	sorted := true
	for i := range n {
		if p := parent[i]; p >= 0 {
			cs := t.nodes[p].children
			if k := len(cs); k > 0 && t.nodes[cs[k-1]].id > t.nodes[i].id {
				sorted = false
			}
			t.nodes[p].children = append(cs, int32(i))
		}
	}
	if !sorted {
		for i := range t.nodes {
			if len(t.nodes[i].children) > 1 {
				slices.SortFunc(t.nodes[i].children, func(a, b int32) int { return cmpID(t.nodes[a].id, t.nodes[b].id) })
			}
		}
	}
	// Breadth-first from the root: parents before children, depth and ancestors on the way.
	order := make([]int32, 0, n)
	reached := make([]bool, n)
	if t.root >= 0 && roots >= 1 {
		r := &t.nodes[t.root]
		r.anc[0] = t.root
		order = append(order, t.root)
		reached[t.root] = true
		for k := 0; k < len(order); k++ {
			s := order[k]
			pn := &t.nodes[s]
			for _, c := range pn.children {
				cn := &t.nodes[c]
				if int(pn.depth)+1 >= MaxDepth {
					ps.add(ErrTooDeep, rowPath(int(c), "parent"), "depth", "node %d would be deeper than %d levels", cn.id, MaxDepth)
					continue
				}
				cn.depth = pn.depth + 1
				cn.anc = pn.anc
				cn.anc[cn.depth] = c
				reached[c] = true
				order = append(order, c)
			}
		}
	}
	// Nodes not reached hang below an unknown parent (reported) or sit on or below a cycle.
	if len(order) < n {
		walk := make([]int32, n) // which walk first visited the slot, 0 none
		for i := range n {
			if reached[i] || walk[i] != 0 {
				continue
			}
			mark := int32(i) + 1
			j := int32(i)
			for j >= 0 && !reached[j] && walk[j] == 0 {
				walk[j] = mark
				j = parent[j]
			}
			if j >= 0 && walk[j] == mark { // came back to this walk: a cycle through j
				ids := []ID{t.nodes[j].id}
				for k := parent[j]; k != j; k = parent[k] {
					ids = append(ids, t.nodes[k].id)
				}
				ps.add(ErrCycle, rowPath(int(j), "parent"), "acyclic", "nodes %v form a cycle", ids)
			}
		}
	}
	// Totals and sizes, children before parents.
	for k := len(order) - 1; k > 0; k-- {
		cn := &t.nodes[order[k]]
		pn := &t.nodes[parent[order[k]]]
		sum, ok := addCents(pn.total, cn.total)
		if !ok {
			ps.add(ErrOverflow, rowPath(int(order[k]), "exposure"), "range", "the subtree total of node %d is out of range", pn.id)
			continue
		}
		pn.total = sum
		pn.size += cn.size
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	// Names repeat (people share names; groups are numbered), and so do their keys: a memo
	// of the keys computed so far makes a repeated name cost one map lookup and share its
	// key's bytes. It holds at most maxKeyMemo names, so unique names cost little more.
	memo := make(map[string]string)
	for i := range t.nodes {
		nd := &t.nodes[i]
		nd.parent = parent[i]
		key, ok := memo[nd.name]
		if !ok {
			key = t.searchKey(nd.name)
			if len(memo) < maxKeyMemo {
				memo[nd.name] = key
			}
		}
		nd.key = key
	}
	t.nextID = maxID + 1
	return t, nil
}

// maxKeyMemo bounds the memo of search keys Build keeps while it runs.
const maxKeyMemo = 1 << 16

// Rows returns every node as a Row, parents before children (pre-order, siblings by ID), so
// Build(t.Rows()) rebuilds the same tree.
func (t *Tree) Rows() []Row {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.rows()
}

func (t *Tree) rows() []Row {
	out := make([]Row, 0, t.byID.len())
	if t.byID.len() == 0 {
		return out
	}
	stack := []int32{t.root}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := &t.nodes[s]
		r := Row{ID: n.id, Kind: n.kind, Name: n.name, Customer: n.customer, Attrs: cloneAttrs(n.attrs)}
		if n.parent >= 0 {
			r.Parent = t.nodes[n.parent].id
		}
		if n.kind == KindCustomer {
			r.Exposure = fromCents(n.own)
		}
		if n.hasLimit {
			r.Limit = decimal.NewNullDecimal(fromCents(n.limit))
		}
		out = append(out, r)
		for i := len(n.children) - 1; i >= 0; i-- {
			stack = append(stack, n.children[i])
		}
	}
	return out
}

// snapshotVersion is the version of the JSON export format.
const snapshotVersion = 1

// snapshot is the JSON export: every node as a row and every related-party link.
type snapshot struct {
	Version int    `json:"version"`
	Nodes   []Row  `json:"nodes"`
	Links   []Link `json:"links"`
}

// MarshalJSON exports the tree as {"version":1,"nodes":[rows...],"links":[links...]}, with
// amounts as strings. Import reads it back.
func (t *Tree) MarshalJSON() ([]byte, error) {
	t.mu.RLock()
	s := snapshot{Version: snapshotVersion, Nodes: t.rows(), Links: t.linkList()}
	t.mu.RUnlock()
	return json.Marshal(s)
}

// Import builds a tree from the JSON that MarshalJSON writes. Unknown fields are refused. It
// fails with an *InputError carrying every problem: malformed JSON or a wrong version
// (ErrInvalid), everything Build reports, and bad links (as Link reports them, at
// "links[i]").
func Import(data []byte) (*Tree, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s snapshot
	if err := dec.Decode(&s); err != nil {
		return nil, &InputError{Problems: []Problem{{Path: "", Rule: "json", Message: err.Error(), Err: ErrInvalid}}}
	}
	if dec.More() {
		return nil, &InputError{Problems: []Problem{{Path: "", Rule: "json", Message: "data after the JSON value", Err: ErrInvalid}}}
	}
	if s.Version != snapshotVersion {
		return nil, &InputError{Problems: []Problem{{Path: "version", Rule: "eq", Message: fmt.Sprintf("version %d is not %d", s.Version, snapshotVersion), Err: ErrInvalid}}}
	}
	t, err := Build(s.Nodes)
	if err != nil {
		return nil, err
	}
	var ps problems
	for i, l := range s.Links {
		t.addLink(&ps, fmt.Sprintf("links[%d]", i), l)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return t, nil
}
