package tree

import (
	"cmp"
	"math/big"
	"slices"

	"github.com/shopspring/decimal"
)

// Link is a related-party link (关联关系) between two customers of the tree, named by customer
// number. Control is directed (From controls To) and carries From's share of To, between 0.5
// and 1; the other kinds are symmetric and carry no share.
type Link struct {
	From  string          `json:"from"`
	To    string          `json:"to"`
	Kind  LinkKind        `json:"kind"`
	Share decimal.Decimal `json:"share"` // ownership share for LinkControl, e.g. 0.6; zero otherwise
}

type linkKey struct {
	from, to string
	kind     LinkKind
}

func keyOf(l Link) linkKey {
	if l.Kind != LinkControl && l.To < l.From {
		l.From, l.To = l.To, l.From
	}
	return linkKey{l.From, l.To, l.Kind}
}

var (
	half = decimal.New(5, -1)
	one  = decimal.New(1, 0)
)

// ValidShare reports whether share can be a control link's: from 0.5 to 1, written with at
// most 18 decimal places. The exponent is looked at first: comparing 0e999999999 or
// 1e-999999999 with 0.5 would build a power of ten with that many digits.
func ValidShare(share decimal.Decimal) bool {
	if e := share.Exponent(); e > 0 || e < -18 {
		return false
	}
	return !share.LessThan(half) && !share.GreaterThan(one)
}

// addLink checks l against the tree and stores it, adding problems under path otherwise.
// Callers hold the write lock.
func (t *Tree) addLink(ps *problems, path string, l Link) {
	before := len(*ps)
	if !l.Kind.Valid() {
		ps.add(ErrInvalid, path+".kind", "oneof", "link kind %d is not a known kind", uint8(l.Kind))
	}
	if _, ok := t.byCust[l.From]; !ok {
		ps.add(ErrNotFound, path+".from", "exists", "customer %q is not in the tree", l.From)
	}
	if _, ok := t.byCust[l.To]; !ok {
		ps.add(ErrNotFound, path+".to", "exists", "customer %q is not in the tree", l.To)
	}
	if l.From == l.To {
		ps.add(ErrInvalid, path+".to", "nefield", "a customer cannot be linked to itself")
	}
	switch {
	case l.Kind == LinkControl && !ValidShare(l.Share):
		ps.add(ErrInvalid, path+".share", "range", "control needs a share from 0.5 to 1")
	case l.Kind != LinkControl && !l.Share.IsZero():
		ps.add(ErrInvalid, path+".share", "excluded", "only a control link carries a share")
	}
	if len(*ps) > before {
		return
	}
	k := keyOf(l)
	l.From, l.To = k.from, k.to
	t.links[k] = l
}

// Link records a related-party link between two customers of the tree; linking the same pair
// with the same kind again replaces the link (so a control share can be updated). It fails,
// changing nothing, with an *InputError: ErrNotFound for a customer not in the tree, ErrInvalid
// for an unknown kind, a self-link, or a share outside 0.5–1 on control (or any share on another
// kind). Removing a customer removes its links.
func (t *Tree) Link(l Link) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	var ps problems
	t.addLink(&ps, "link", l)
	return ps.err()
}

// Unlink removes the link between from and to of the given kind (either direction for the
// symmetric kinds). It fails with ErrNotFound when there is no such link.
func (t *Tree) Unlink(from, to string, kind LinkKind) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := keyOf(Link{From: from, To: to, Kind: kind})
	if _, ok := t.links[k]; !ok {
		return &InputError{Problems: []Problem{{Path: "link", Rule: "exists", Message: "no such link", Err: ErrNotFound}}}
	}
	delete(t.links, k)
	return nil
}

// Links returns the links that touch customer, ordered by kind, then From, then To.
func (t *Tree) Links(customer string) []Link {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var out []Link
	for _, l := range t.links {
		if l.From == customer || l.To == customer {
			out = append(out, l)
		}
	}
	sortLinks(out)
	return out
}

func (t *Tree) linkList() []Link {
	out := make([]Link, 0, len(t.links))
	for _, l := range t.links {
		out = append(out, l)
	}
	sortLinks(out)
	return out
}

func sortLinks(ls []Link) {
	slices.SortFunc(ls, func(a, b Link) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
}

// dropLinks removes every link touching one of the customers. Callers hold the write lock.
func (t *Tree) dropLinks(customers []string) {
	if len(customers) == 0 || len(t.links) == 0 {
		return
	}
	gone := make(map[string]bool, len(customers))
	for _, c := range customers {
		gone[c] = true
	}
	for k := range t.links {
		if gone[k.from] || gone[k.to] {
			delete(t.links, k)
		}
	}
}

// Connected is one set of customers joined, directly or through others, by related-party
// links: they count as one borrower for large-exposure purposes.
type Connected struct {
	Customers []string        `json:"customers"` // customer numbers, sorted
	Exposure  decimal.Decimal `json:"exposure"`  // combined exposure of the customers
	// Common is the deepest node that holds all the customers; UnderOneGroup says whether it
	// is a group node. When false, the customers "should form a group customer".
	Common        ID   `json:"common"`
	UnderOneGroup bool `json:"under_one_group"`
	// Limit is the large-exposure limit the set was measured against; Over says the combined
	// exposure exceeds it and Excess by how much (zero when not over).
	Limit  decimal.Decimal `json:"limit"`
	Over   bool            `json:"over"`
	Excess decimal.Decimal `json:"excess"`
}

// LargeExposureLimit returns ratio × capital, the large-exposure limit for one connected set
// (Basel's large-exposure framework uses 25% of Tier 1 capital: ratio 0.25). It fails with
// ErrNegative for a negative capital or ratio.
func LargeExposureLimit(capital, ratio decimal.Decimal) (decimal.Decimal, error) {
	if capital.Sign() < 0 {
		return decimal.Decimal{}, &AmountError{Field: "capital", Amount: capital, Err: ErrNegative}
	}
	if ratio.Sign() < 0 {
		return decimal.Decimal{}, &AmountError{Field: "ratio", Amount: ratio, Err: ErrNegative}
	}
	return capital.Mul(ratio), nil
}

// Connected returns every set of two or more customers connected by links (computed
// transitively with union-find, O(links · α)), with their combined exposure measured against
// the large-exposure limit. Sets come largest exposure first, then by first customer number.
// It fails with ErrNegative for a negative limit.
func (t *Tree) Connected(limit decimal.Decimal) ([]Connected, error) {
	if limit.Sign() < 0 {
		return nil, &AmountError{Field: "limit", Amount: limit, Err: ErrNegative}
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	idx := map[string]int{}
	var names []string
	var uf unionFind
	id := func(c string) int {
		if i, ok := idx[c]; ok {
			return i
		}
		idx[c] = len(names)
		names = append(names, c)
		uf.grow()
		return len(names) - 1
	}
	for k := range t.links {
		uf.union(id(k.from), id(k.to))
	}
	sets := map[int][]string{}
	for i, c := range names {
		r := uf.find(i)
		sets[r] = append(sets[r], c)
	}
	out := make([]Connected, 0, len(sets))
	for _, cs := range sets {
		slices.Sort(cs)
		sum := new(big.Int)
		common := t.byCust[cs[0]]
		for _, c := range cs {
			s := t.byCust[c]
			bigCents(sum, t.nodes[s].own)
			common = t.lca(common, s)
		}
		exp := fromBigCents(sum)
		g := Connected{
			Customers: cs, Exposure: exp, Common: t.nodes[common].id,
			UnderOneGroup: t.nodes[common].kind == KindGroup, Limit: limit, Excess: decimal.Zero,
		}
		if exp.GreaterThan(limit) {
			g.Over, g.Excess = true, exp.Sub(limit)
		}
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b Connected) int {
		return cmp.Or(b.Exposure.Cmp(a.Exposure), cmp.Compare(a.Customers[0], b.Customers[0]))
	})
	return out, nil
}

// Ungrouped returns the connected sets (see Connected) whose customers are not all under one
// group node: the report of customers that should form a group customer (集团客户). Limit,
// Over and Excess are measured against the given large-exposure limit.
func (t *Tree) Ungrouped(limit decimal.Decimal) ([]Connected, error) {
	all, err := t.Connected(limit)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(c Connected) bool { return c.UnderOneGroup }), nil
}

// unionFind is a disjoint-set forest with path halving and union by size.
type unionFind struct {
	parent []int
	size   []int
}

func (u *unionFind) grow() {
	u.parent = append(u.parent, len(u.parent))
	u.size = append(u.size, 1)
}

func (u *unionFind) find(x int) int {
	for u.parent[x] != x {
		u.parent[x] = u.parent[u.parent[x]]
		x = u.parent[x]
	}
	return x
}

func (u *unionFind) union(a, b int) {
	a, b = u.find(a), u.find(b)
	if a == b {
		return
	}
	if u.size[a] < u.size[b] {
		a, b = b, a
	}
	u.parent[b] = a
	u.size[a] += u.size[b]
}
