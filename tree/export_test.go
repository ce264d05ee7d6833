package tree

import (
	"fmt"
	"slices"
)

// CheckInvariants verifies the stored tree against its definition: parents and children agree,
// children are ordered by ID, depths and ancestor arrays are right, totals and sizes equal the
// sums below, and the indexes match the nodes. Tests only.
func CheckInvariants(t *Tree) error {
	t.mu.RLock()
	defer t.mu.RUnlock()
	live := 0
	for s := range t.nodes {
		n := &t.nodes[s]
		if n.kind == 0 {
			continue
		}
		live++
		if got, ok := t.byID.get(n.id); !ok || got != int32(s) {
			return fmt.Errorf("node %d: byID says %d, %v", n.id, got, ok)
		}
		if n.kind == KindCustomer && t.byCust[n.customer] != int32(s) {
			return fmt.Errorf("node %d: byCust mismatch", n.id)
		}
		if n.anc[n.depth] != int32(s) {
			return fmt.Errorf("node %d: anc[depth] is not self", n.id)
		}
		if int32(s) == t.root {
			if n.parent != -1 || n.depth != 0 {
				return fmt.Errorf("root %d has parent %d depth %d", n.id, n.parent, n.depth)
			}
		} else {
			p := &t.nodes[n.parent]
			if n.depth != p.depth+1 || !slices.Contains(p.children, int32(s)) {
				return fmt.Errorf("node %d: depth or parent link wrong", n.id)
			}
			if !slices.Equal(n.anc[:n.depth], p.anc[:p.depth+1]) {
				return fmt.Errorf("node %d: ancestors differ from parent's", n.id)
			}
			if !canHold(p.kind, n.kind) {
				return fmt.Errorf("node %d: %s under %s", n.id, n.kind, p.kind)
			}
		}
		total, size := n.own, int32(1)
		for i, c := range n.children {
			if t.nodes[c].parent != int32(s) {
				return fmt.Errorf("node %d: child %d has another parent", n.id, t.nodes[c].id)
			}
			if i > 0 && t.nodes[n.children[i-1]].id >= t.nodes[c].id {
				return fmt.Errorf("node %d: children not ordered by ID", n.id)
			}
			total += t.nodes[c].total
			size += t.nodes[c].size
		}
		if total != n.total || size != n.size {
			return fmt.Errorf("node %d: total %d size %d, want %d %d", n.id, n.total, n.size, total, size)
		}
	}
	if live != t.byID.len() {
		return fmt.Errorf("%d live nodes, %d IDs", live, t.byID.len())
	}
	for k := range t.links {
		if _, ok := t.byCust[k.from]; !ok {
			return fmt.Errorf("link from unknown customer %q", k.from)
		}
		if _, ok := t.byCust[k.to]; !ok {
			return fmt.Errorf("link to unknown customer %q", k.to)
		}
	}
	return nil
}
