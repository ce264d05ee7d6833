package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/server/audit"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store/customerdb"
	"github.com/creditkit/creditkit/tree"
)

// Limits of a node's fields.
const (
	treeMaxName      = 128 // characters
	treeMaxAttrs     = 32
	treeMaxAttrKey   = 64  // bytes
	treeMaxAttrValue = 256 // characters
)

// nodeInput is a new branch or group.
type nodeInput struct {
	Parent tree.ID
	Kind   tree.Kind
	Name   string
	Attrs  map[string]string
	Limit  decimal.NullDecimal
}

// nodePatch is a change of a node: each field nil is unchanged. Attrs is merged key by
// key, a nil value deleting the key, after every attribute is removed when ClearAttrs.
type nodePatch struct {
	Name       *string
	Limit      *decimal.NullDecimal
	Attrs      map[string]*string
	ClearAttrs bool
}

// checkNodeFields validates a node's name, attributes and limit, every problem at once.
func checkNodeFields(name string, attrs map[string]string, limit decimal.NullDecimal) []FieldError {
	var fe []FieldError
	add := func(path, rule, en, zh string) {
		fe = append(fe, FieldError{Path: path, Rule: rule, Message: en, MessageZH: zh})
	}
	switch {
	case strings.TrimSpace(name) == "":
		add("name", "required", "must not be empty", "名称不能为空")
	case utf8.RuneCountInString(name) > treeMaxName:
		add("name", "max", fmt.Sprintf("must be at most %d characters", treeMaxName), fmt.Sprintf("名称最多%d个字符", treeMaxName))
	case strings.ContainsFunc(name, unicode.IsControl):
		add("name", "printable", "must not hold control characters", "名称不能包含控制字符")
	}
	if len(attrs) > treeMaxAttrs {
		add("attrs", "max", fmt.Sprintf("at most %d attributes", treeMaxAttrs), fmt.Sprintf("属性最多%d个", treeMaxAttrs))
	}
	for k, v := range attrs {
		if k == "" || len(k) > treeMaxAttrKey || strings.ContainsFunc(k, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.')
		}) {
			add("attrs", "key", fmt.Sprintf("attribute names are 1 to %d of a-z, 0-9, _, - and .", treeMaxAttrKey),
				"属性名只能由小写字母、数字、_、-和.组成")
			break
		}
		if utf8.RuneCountInString(v) > treeMaxAttrValue || strings.ContainsFunc(v, unicode.IsControl) {
			add("attrs."+k, "value", fmt.Sprintf("must be at most %d printable characters", treeMaxAttrValue),
				fmt.Sprintf("属性值最多%d个可打印字符", treeMaxAttrValue))
		}
	}
	if limit.Valid {
		// The exponent is checked before any arithmetic: comparing or rounding 0e999999999 or
		// 1e-999999999 builds a power of ten with that many digits, minutes of work.
		d, max := limit.Decimal, "must be at most "+tree.MaxAmount().String()
		switch exp := d.Exponent(); {
		case d.Sign() < 0:
			add("limit", "min", "must not be negative", "限额不能为负数")
		case exp > 15 && d.Sign() > 0: // 10^16 or more
			add("limit", "max", max, "限额不能超过"+tree.MaxAmount().String())
		case exp > 15 || exp < -20 || !d.Shift(2).IsInteger():
			add("limit", "precision", "must have at most two decimal places", "限额最多两位小数")
		case d.GreaterThan(tree.MaxAmount()):
			add("limit", "max", max, "限额不能超过"+tree.MaxAmount().String())
		}
	}
	return fe
}

// createNode adds a branch or group in a transaction of its own; see createNodeTx.
func (s *Server) createNode(ctx context.Context, actor perm.Actor, in nodeInput) (customerdb.Node, error) {
	var out customerdb.Node
	err := s.treeTx(ctx, func(tx *sql.Tx, tl *treeLock) (err error) {
		out, err = s.createNodeTx(ctx, tx, tl, actor, in)
		return err
	})
	return out, err
}

// createNodeTx is the one write path that adds branches and groups: inside tx, holding the
// tree lock, it checks the node against the tree as committed and stores it.
func (s *Server) createNodeTx(ctx context.Context, tx *sql.Tx, tl *treeLock, actor perm.Actor, in nodeInput) (customerdb.Node, error) {
	fe := checkNodeFields(in.Name, in.Attrs, in.Limit)
	if in.Kind != tree.KindBranch && in.Kind != tree.KindGroup {
		fe = append(fe, FieldError{Path: "kind", Rule: "enum", Message: "must be branch or group (customers are created with POST /v1/customers)",
			MessageZH: "只能是branch或group"})
	}
	if len(fe) > 0 {
		return customerdb.Node{}, &ValidationError{Fields: fe}
	}
	if err := tl.acquire(ctx); err != nil {
		return customerdb.Node{}, err
	}
	p, err := tl.t.Get(in.Parent)
	if err == nil && !scopeIn(actor, tl.t).seesNode(in.Parent) {
		err = tree.ErrNotFound // outside the actor's subtree: like a missing node
	}
	switch {
	case errors.Is(err, tree.ErrNotFound):
		return customerdb.Node{}, fieldProblem("parent", "exists", "no tree node has this ID", "树节点不存在")
	case err != nil:
		return customerdb.Node{}, err
	case !treeCanHold(p.Kind, in.Kind):
		return customerdb.Node{}, fieldProblem("parent", "placement", "a "+in.Kind.String()+" may not sit under a "+p.Kind.String(),
			"该类节点不能挂在此节点下")
	case p.Depth+1 >= tree.MaxDepth:
		return customerdb.Node{}, fieldProblem("parent", "depth", fmt.Sprintf("the tree is at most %d levels deep", tree.MaxDepth),
			fmt.Sprintf("客户树最多%d层", tree.MaxDepth))
	}
	id, err := s.customers.repo.NextNodeID(ctx, tx)
	if err != nil {
		return customerdb.Node{}, err
	}
	n, err := s.customers.repo.InsertNodeTx(ctx, tx, tl.version, tree.Row{ID: id, Parent: in.Parent, Kind: in.Kind,
		Name: strings.TrimSpace(in.Name), Attrs: in.Attrs, Limit: in.Limit})
	if err != nil {
		return customerdb.Node{}, err
	}
	if err := s.audit(ctx, tx, nodeAudit(actor, "tree.node.create", nil, &n)); err != nil {
		return customerdb.Node{}, err
	}
	return n, nil
}

// treeNodeRecord is a branch or group as its audit records show it.
type treeNodeRecord struct {
	ID      tree.ID           `json:"id"`
	Parent  tree.ID           `json:"parent,omitempty"`
	Kind    tree.Kind         `json:"kind"`
	Name    string            `json:"name"`
	Attrs   map[string]string `json:"attrs,omitempty"`
	Limit   *string           `json:"limit"`
	Version int64             `json:"version"`
}

// nodeAudit is the audit entry of a write of a tree node: action, the node before (nil
// for a new one) and after.
func nodeAudit(actor perm.Actor, action string, before, after *customerdb.Node) audit.Entry {
	record := func(n *customerdb.Node) any {
		if n == nil {
			return nil
		}
		r := treeNodeRecord{ID: n.ID, Parent: n.Parent, Kind: n.Kind, Name: n.Name, Attrs: n.Attrs, Version: n.Version}
		if n.Limit.Valid {
			l := treeMoney(n.Limit.Decimal)
			r.Limit = &l
		}
		return r
	}
	id := after
	if id == nil {
		id = before
	}
	return audit.Entry{Actor: actor, Action: action, EntityType: "tree.node", EntityID: strconv.FormatInt(int64(id.ID), 10),
		Before: record(before), After: record(after)}
}

// checkNodeInScope refuses a write of node n by an actor that does not see it (404, like a
// missing node) and, from an actor bound below the root, a write of its own node (403):
// the node an actor is bound to is changed from above.
func checkNodeInScope(actor perm.Actor, t *tree.Tree, n customerdb.Node) error {
	sc := scopeIn(actor, t)
	tn := tree.Node{ID: n.ID, Kind: n.Kind, Attrs: n.Attrs}
	if !sc.seesTreeNode(tn) {
		return fmt.Errorf("no tree node %d: %w", n.ID, ErrNotFound)
	}
	if sc.bound() && n.ID == sc.node {
		return fmt.Errorf("%w: node %d is the one you are bound to; it is changed from above", ErrForbidden, n.ID)
	}
	return nil
}

// updateNode changes a node in a transaction of its own; see updateNodeTx.
func (s *Server) updateNode(ctx context.Context, actor perm.Actor, id tree.ID, version int64, p nodePatch) (customerdb.Node, error) {
	var out customerdb.Node
	err := s.treeTx(ctx, func(tx *sql.Tx, tl *treeLock) (err error) {
		out, err = s.updateNodeTx(ctx, tx, tl, actor, id, version, p)
		return err
	})
	return out, customerProblem(err)
}

// updateNodeTx is the one write path that renames nodes, sets their limits and attributes.
// A customer's node follows its customer and is not changed here.
func (s *Server) updateNodeTx(ctx context.Context, tx *sql.Tx, tl *treeLock, actor perm.Actor, id tree.ID, version int64, p nodePatch) (customerdb.Node, error) {
	if err := tl.acquire(ctx); err != nil {
		return customerdb.Node{}, err
	}
	n, err := s.customers.repo.GetNodeTx(ctx, tx, id)
	if err != nil {
		return customerdb.Node{}, err
	}
	if err := checkNodeInScope(actor, tl.t, n); err != nil {
		return customerdb.Node{}, err
	}
	old := n
	if n.Version != version {
		return customerdb.Node{}, &customerdb.NodeVersionError{ID: id, Expected: version, Actual: n.Version}
	}
	if n.Kind == tree.KindCustomer {
		return customerdb.Node{}, fieldProblem("id", "kind", "a customer's node follows its customer: change the customer instead",
			"客户节点随客户信息变化，请修改客户")
	}
	if p.Name != nil {
		n.Name = strings.TrimSpace(*p.Name)
	}
	if p.Limit != nil {
		n.Limit = *p.Limit
	}
	if p.ClearAttrs || len(p.Attrs) > 0 {
		attrs := make(map[string]string, len(n.Attrs)+len(p.Attrs))
		if !p.ClearAttrs {
			for k, v := range n.Attrs {
				attrs[k] = v
			}
		}
		for k, v := range p.Attrs {
			if v == nil {
				delete(attrs, k)
			} else {
				attrs[k] = *v
			}
		}
		n.Attrs = attrs
	}
	if fe := checkNodeFields(n.Name, n.Attrs, n.Limit); len(fe) > 0 {
		return customerdb.Node{}, &ValidationError{Fields: fe}
	}
	out, err := s.customers.repo.UpdateNodeTx(ctx, tx, tl.version, n, version)
	if err != nil {
		return customerdb.Node{}, err
	}
	if err := s.audit(ctx, tx, nodeAudit(actor, "tree.node.update", &old, &out)); err != nil {
		return customerdb.Node{}, err
	}
	return out, nil
}

// moveNode moves a node in a transaction of its own; see moveNodeTx.
func (s *Server) moveNode(ctx context.Context, actor perm.Actor, id, parent tree.ID, version int64) (customerdb.Node, error) {
	var out customerdb.Node
	err := s.treeTx(ctx, func(tx *sql.Tx, tl *treeLock) (err error) {
		out, err = s.moveNodeTx(ctx, tx, tl, actor, id, parent, version)
		return err
	})
	return out, customerProblem(err)
}

// moveNodeTx is the one write path that moves nodes: inside tx, holding the tree lock, it
// checks the move against the tree as committed — the root stays, the new parent exists
// and may hold the node, is not inside the node's own subtree (a *tree.MoveError, 409),
// and the subtree stays within tree.MaxDepth — and stores the new parent. version 0 means
// any version.
func (s *Server) moveNodeTx(ctx context.Context, tx *sql.Tx, tl *treeLock, actor perm.Actor, id, parent tree.ID, version int64) (customerdb.Node, error) {
	if err := tl.acquire(ctx); err != nil {
		return customerdb.Node{}, err
	}
	n, err := s.customers.repo.GetNodeTx(ctx, tx, id)
	if err != nil {
		return customerdb.Node{}, err
	}
	if err := checkNodeInScope(actor, tl.t, n); err != nil {
		return customerdb.Node{}, err
	}
	old := n
	if version != 0 && n.Version != version {
		return customerdb.Node{}, &customerdb.NodeVersionError{ID: id, Expected: version, Actual: n.Version}
	}
	if n.Parent == 0 {
		return customerdb.Node{}, fieldProblem("id", "root", "the bank at the root cannot move", "根节点不能移动")
	}
	t := tl.t
	p, err := t.Get(parent)
	if err == nil && !scopeIn(actor, t).seesNode(parent) {
		err = tree.ErrNotFound // outside the actor's subtree: like a missing node
	}
	switch {
	case errors.Is(err, tree.ErrNotFound):
		return customerdb.Node{}, fieldProblem("parent", "exists", "no tree node has this ID", "树节点不存在")
	case err != nil:
		return customerdb.Node{}, err
	}
	if inside, err := t.IsAncestor(id, parent); err != nil {
		return customerdb.Node{}, err
	} else if inside {
		return customerdb.Node{}, &tree.MoveError{Node: id, Parent: parent}
	}
	if !treeCanHold(p.Kind, n.Kind) {
		return customerdb.Node{}, fieldProblem("parent", "placement", "a "+n.Kind.String()+" may not sit under a "+p.Kind.String(),
			"该类节点不能挂在此节点下")
	}
	if n.Parent == parent {
		return n, nil
	}
	cur, err := t.Get(id)
	if err != nil {
		return customerdb.Node{}, err
	}
	if p.Depth+1 > cur.Depth {
		height, err := subtreeHeight(t, cur)
		if err != nil {
			return customerdb.Node{}, err
		}
		if p.Depth+1+height >= tree.MaxDepth {
			return customerdb.Node{}, fieldProblem("parent", "depth", fmt.Sprintf("the subtree would go deeper than %d levels", tree.MaxDepth),
				fmt.Sprintf("移动后客户树将超过%d层", tree.MaxDepth))
		}
	}
	n.Parent = parent
	out, err := s.customers.repo.UpdateNodeTx(ctx, tx, tl.version, n, n.Version)
	if err != nil {
		return customerdb.Node{}, err
	}
	if err := s.audit(ctx, tx, nodeAudit(actor, "tree.node.move", &old, &out)); err != nil {
		return customerdb.Node{}, err
	}
	return out, nil
}

// subtreeHeight returns how many levels lie below n: the deepest branch or group of its
// subtree, plus one if that holds anything.
func subtreeHeight(t *tree.Tree, n tree.Node) (int, error) {
	if n.Kind == tree.KindCustomer {
		return 0, nil
	}
	hits, err := t.Search(n.ID, tree.Query{Kinds: []tree.Kind{tree.KindBank, tree.KindBranch, tree.KindGroup}, Limit: tree.MaxSearchLimit})
	if err != nil {
		return 0, err
	}
	if len(hits) == tree.MaxSearchLimit {
		return 0, fieldProblem("id", "size", fmt.Sprintf("a subtree of more than %d branches and groups moves in parts", tree.MaxSearchLimit),
			"子树过大，请分批移动")
	}
	height := 0
	for _, h := range hits {
		d := h.Depth - n.Depth
		if h.Children > 0 {
			d++
		}
		height = max(height, d)
	}
	return height, nil
}
