// Package tree is the customer tree (客户树): one bank at the root, branches that nest (head
// office → region → branch → sub-branch), customer groups that nest (a group may be a
// conglomerate, 集团客户, with one group-wide limit, 统一授信), and customers as leaves, each
// known only by its customer number and carrying its exposure.
//
// What it does:
//   - Navigation: Add, Rename, SetAttrs, Move (cycle-safe), Remove (empty or cascade), Get,
//     Customer, Children (pinyin name order), Path (breadcrumbs), IsAncestor in O(1).
//   - Search inside a subtree by name prefix or substring, pinyin spelling and initials, kind
//     and attributes, with a limit and a stable order — also how a server scopes what a user
//     may see.
//   - Exposure: every node reports its subtree total in O(1); SetExposure costs O(depth).
//     Headroom is the least (limit − exposure) over a node and its ancestors; CheckIncrease
//     lists every limit an increase would breach.
//   - Related parties: typed links between customers, connected sets by union-find, the sets
//     not yet under one group, and each set's exposure against a large-exposure limit.
//   - Persistence: Build rebuilds a tree from rows in O(n), reporting every inconsistency;
//     Rows, MarshalJSON and Import round-trip it.
//
// Representation: nodes live in one slice; each keeps its parent, its children ordered by ID,
// its depth and its ancestors by depth in a fixed array of MaxDepth slots, so IsAncestor is one
// comparison and Move rewrites the arrays of the moved subtree only. Money is held as int64
// hundredths (分), so amounts finer than 0.01 are refused with ErrPrecision, and rolled up
// without allocation; every amount in the API is a decimal.Decimal.
//
// Usage:
//
//	t, err := tree.Build(rows) // rows from the store, in any order
//	if err != nil {
//		var ie *tree.InputError // every problem, each with a path, a rule and a message
//		...
//	}
//	breaches, err := t.CheckIncrease("C000123", decimal.RequireFromString("5000000"))
//	if len(breaches) > 0 {
//		// block the approval: breaches[i].Node's limit would be exceeded
//	}
//	hits, err := t.Search(branchID, tree.Query{Text: "hr", Kinds: []tree.Kind{tree.KindGroup}, Limit: 20})
package tree
