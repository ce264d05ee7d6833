package server

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/store/customerdb"
	"github.com/creditkit/creditkit/tree"
)

// treeNodeView is a node as the API shows it. Amounts are decimal strings with two
// places; limit is null when the node has none.
type treeNodeView struct {
	ID        tree.ID           `json:"id"`
	Parent    *tree.ID          `json:"parent"` // null for the root
	Kind      tree.Kind         `json:"kind"`
	Name      string            `json:"name"`
	Customer  string            `json:"customer,omitempty"`
	Attrs     map[string]string `json:"attrs"`
	Depth     int               `json:"depth"`
	Size      int               `json:"size"`     // nodes in the subtree, itself included
	Children  int               `json:"children"` // direct children
	Exposure  string            `json:"exposure"` // the customer's own; 0.00 for other kinds
	Total     string            `json:"total"`    // exposure of the whole subtree
	Limit     *string           `json:"limit"`
	Version   int64             `json:"version,omitempty"`
	CreatedAt *time.Time        `json:"created_at,omitempty"`
	UpdatedAt *time.Time        `json:"updated_at,omitempty"`
}

// treeNodeList is a list of nodes, such as breadcrumbs.
type treeNodeList struct {
	Items []treeNodeView `json:"items"`
}

// treeNodePage is one page of nodes.
type treeNodePage struct {
	Items      []treeNodeView `json:"items"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

func treeMoney(d decimal.Decimal) string { return d.StringFixed(2) }

// viewTreeNode shows the cached node n; the stored row db, when given, supplies the fields
// it holds (it is the truth where they differ) and the version.
func viewTreeNode(n tree.Node, db *customerdb.Node) treeNodeView {
	if db != nil {
		n.Parent, n.Kind, n.Name, n.Customer, n.Attrs, n.Limit = db.Parent, db.Kind, db.Name, db.Customer, db.Attrs, db.Limit
		if db.Kind == tree.KindCustomer {
			n.Exposure = db.Exposure
		}
	}
	v := treeNodeView{ID: n.ID, Kind: n.Kind, Name: n.Name, Customer: n.Customer, Attrs: n.Attrs,
		Depth: n.Depth, Size: n.Size, Children: n.Children, Exposure: treeMoney(n.Exposure), Total: treeMoney(n.Total)}
	if n.Parent != 0 {
		p := n.Parent
		v.Parent = &p
	}
	if v.Attrs == nil {
		v.Attrs = map[string]string{}
	}
	if n.Limit.Valid {
		l := treeMoney(n.Limit.Decimal)
		v.Limit = &l
	}
	if db != nil {
		v.Version = db.Version
		c, u := db.CreatedAt, db.UpdatedAt
		v.CreatedAt, v.UpdatedAt = &c, &u
	}
	return v
}

// treeNodeID reads the :id path parameter: a node ID, or "root" for the bank.
func treeNodeID(c *fiber.Ctx) (tree.ID, error) {
	raw := c.Params("id")
	if raw == "root" {
		return customerdb.RootID, nil
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id < 1 || strconv.FormatInt(id, 10) != raw {
		return 0, &BadRequestError{Detail: `a node ID is a whole number from 1, or "root"`}
	}
	return tree.ID(id), nil
}

// readTreeNode is the one read of a single node: the cached node (after the version check)
// and its stored row. A node outside the caller's scope (see treeNodeFor) is not found.
func (s *Server) readTreeNode(c *fiber.Ctx, id tree.ID) (treeNodeView, error) {
	ctx := c.UserContext()
	t, err := s.customers.tree.fresh(ctx)
	if err != nil {
		return treeNodeView{}, err
	}
	n, _, err := treeNodeFor(actorOf(c), t, id)
	if err != nil {
		return treeNodeView{}, err
	}
	db, err := s.customers.repo.GetNode(ctx, id)
	if err != nil {
		return treeNodeView{}, customerProblem(err)
	}
	return viewTreeNode(n, &db), nil
}

// treeNodeFor returns node id of t as actor a may see it, with a's scope over t: a node
// outside a's subtree, or the node of a customer a does not see (an officer limited to its
// own customers), is not found (404), exactly like a missing one.
func treeNodeFor(a perm.Actor, t *tree.Tree, id tree.ID) (tree.Node, scope, error) {
	n, err := t.Get(id)
	if err != nil {
		return tree.Node{}, scope{}, customerProblem(err)
	}
	sc := scopeIn(a, t)
	if !sc.seesTreeNode(n) {
		return tree.Node{}, scope{}, fmt.Errorf("no tree node %d: %w", id, ErrNotFound)
	}
	return n, sc, nil
}

func (s *Server) getTreeNode(c *fiber.Ctx) error {
	id, err := treeNodeID(c)
	if err != nil {
		return err
	}
	if _, err := custQuery(c, func(string) bool { return false }); err != nil {
		return err
	}
	v, err := s.readTreeNode(c, id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, custETag(v.Version))
	return c.JSON(v)
}

// treeNodeCreateRequest is the body of POST /v1/tree/nodes.
type treeNodeCreateRequest struct {
	Parent *int64            `json:"parent"`
	Kind   string            `json:"kind"`
	Name   string            `json:"name"`
	Attrs  map[string]string `json:"attrs"`
	Limit  boundedDecimal    `json:"limit"`
}

func (s *Server) postTreeNode(c *fiber.Ctx) error {
	var req treeNodeCreateRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	in := nodeInput{Name: req.Name, Attrs: req.Attrs, Limit: req.Limit.NullDecimal}
	var fe []FieldError
	switch {
	case req.Parent == nil:
		fe = append(fe, FieldError{Path: "parent", Rule: "required", Message: "the parent node is required", MessageZH: "上级节点不能为空"})
	case *req.Parent < 1:
		fe = append(fe, FieldError{Path: "parent", Rule: "min", Message: "must be a node ID, 1 or more", MessageZH: "须为有效的节点编号"})
	default:
		in.Parent = tree.ID(*req.Parent)
	}
	switch req.Kind {
	case "branch":
		in.Kind = tree.KindBranch
	case "group":
		in.Kind = tree.KindGroup
	default:
		fe = append(fe, FieldError{Path: "kind", Rule: "enum", Message: "must be branch or group (customers are created with POST /v1/customers)",
			MessageZH: "只能是branch或group"})
	}
	fe = append(fe, checkNodeFields(req.Name, req.Attrs, req.Limit.NullDecimal)...)
	if len(fe) > 0 {
		return &ValidationError{Fields: fe}
	}
	n, err := s.createNode(c.UserContext(), actorOf(c), in)
	if err != nil {
		return customerProblem(err)
	}
	v, err := s.readTreeNode(c, n.ID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderLocation, "/v1/tree/nodes/"+strconv.FormatInt(int64(n.ID), 10))
	c.Set(fiber.HeaderETag, custETag(v.Version))
	return c.Status(fiber.StatusCreated).JSON(v)
}

// treePatch reads a node's merge patch: name (a string), limit (a decimal string or
// number, or null to remove it) and attrs (an object whose string values set attributes and
// null values remove them).
func treePatch(m map[string]any) (nodePatch, error) {
	var (
		p  nodePatch
		fe []FieldError
	)
	typeErr := func(path, want, wantZH string) {
		fe = append(fe, FieldError{Path: path, Rule: "type", Message: "must be " + want, MessageZH: "类型错误：应为" + wantZH})
	}
	for k, v := range m {
		switch k {
		case "name":
			s, ok := v.(string)
			if !ok {
				typeErr("name", "a string", "字符串")
				continue
			}
			p.Name = &s
		case "limit":
			var l decimal.NullDecimal
			switch x := v.(type) {
			case nil:
			case string, json.Number:
				text := fmt.Sprint(x)
				if len(text) > maxDecimalLiteral { // parsing takes time in the square of its length
					typeErr("limit", "a decimal amount or null", "金额或null")
					continue
				}
				d, err := decimal.NewFromString(text)
				if err != nil {
					typeErr("limit", "a decimal amount or null", "金额或null")
					continue
				}
				l = decimal.NewNullDecimal(d)
			default:
				typeErr("limit", "a decimal amount or null", "金额或null")
				continue
			}
			p.Limit = &l
		case "attrs":
			switch x := v.(type) {
			case nil: // merge-patching an object with null removes it: no attributes
				p.ClearAttrs = true
			case map[string]any:
				p.Attrs = make(map[string]*string, len(x))
				for ak, av := range x {
					switch y := av.(type) {
					case nil:
						p.Attrs[ak] = nil
					case string:
						p.Attrs[ak] = &y
					default:
						typeErr("attrs."+ak, "a string or null", "字符串或null")
					}
				}
			default:
				typeErr("attrs", "an object", "对象")
			}
		default:
			return nodePatch{}, &BadRequestError{Detail: "unknown field " + custQuote(k) + "; a node takes name, limit and attrs"}
		}
	}
	if len(fe) > 0 {
		return nodePatch{}, &ValidationError{Fields: fe}
	}
	return p, nil
}

func (s *Server) patchTreeNode(c *fiber.Ctx) error {
	id, err := treeNodeID(c)
	if err != nil {
		return err
	}
	version, err := custIfMatch(c)
	if err != nil {
		return err
	}
	m, err := custReadPatch(c)
	if err != nil {
		return err
	}
	p, err := treePatch(m)
	if err != nil {
		return err
	}
	n, err := s.updateNode(c.UserContext(), actorOf(c), id, version, p)
	if err != nil {
		return err
	}
	v, err := s.readTreeNode(c, n.ID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, custETag(v.Version))
	return c.JSON(v)
}

// treeMoveRequest is the body of POST /v1/tree/nodes/{id}/move.
type treeMoveRequest struct {
	Parent *int64 `json:"parent"`
}

func (s *Server) postTreeMove(c *fiber.Ctx) error {
	id, err := treeNodeID(c)
	if err != nil {
		return err
	}
	var version int64
	if h := strings.TrimSpace(c.Get(fiber.HeaderIfMatch)); h != "" {
		if version, err = custParseETag(h); err != nil {
			return err
		}
	}
	var req treeMoveRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	switch {
	case req.Parent == nil:
		return fieldProblem("parent", "required", "the new parent node is required", "新的上级节点不能为空")
	case *req.Parent < 1:
		return fieldProblem("parent", "min", "must be a node ID, 1 or more", "须为有效的节点编号")
	}
	n, err := s.moveNode(c.UserContext(), actorOf(c), id, tree.ID(*req.Parent), version)
	if err != nil {
		return err
	}
	v, err := s.readTreeNode(c, n.ID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, custETag(v.Version))
	return c.JSON(v)
}

func (s *Server) getTreeChildren(c *fiber.Ctx) error {
	id, err := treeNodeID(c)
	if err != nil {
		return err
	}
	p, err := custQuery(c, func(k string) bool { return k == "limit" || k == "cursor" })
	if err != nil {
		return err
	}
	limit, err := custLimit(p["limit"])
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	t, err := s.customers.tree.fresh(ctx)
	if err != nil {
		return err
	}
	_, sc, err := treeNodeFor(actorOf(c), t, id)
	if err != nil {
		return err
	}
	var (
		nodes []customerdb.Node
		next  string
	)
	if sc.filtersCustomers() {
		// Every branch and group under a node in the subtree is in it; customers of other
		// officers are left out while paging (see scanVisible).
		nodes, next, err = scanVisible(limit, custMaxLimit, custMaxScan, p["cursor"],
			func(n int, cursor string) ([]customerdb.Node, string, error) {
				return s.customers.repo.Children(ctx, id, n, cursor)
			},
			func(n customerdb.Node) (customerdb.Node, bool, error) {
				return n, sc.seesTreeNode(tree.Node{ID: n.ID, Kind: n.Kind, Attrs: n.Attrs}), nil
			})
	} else {
		nodes, next, err = s.customers.repo.Children(ctx, id, limit, p["cursor"])
	}
	if err != nil {
		return customerProblem(err)
	}
	page := treeNodePage{Items: make([]treeNodeView, len(nodes)), NextCursor: next}
	for i := range nodes {
		n, err := t.Get(nodes[i].ID)
		if err != nil { // added after the version check: show the stored row alone
			n = tree.Node{ID: nodes[i].ID, Size: 1, Total: nodes[i].Exposure}
		}
		page.Items[i] = viewTreeNode(n, &nodes[i])
	}
	return c.JSON(page)
}

// treeLimitView is one limit over a node: the node that carries it, the limit, that node's
// total exposure and what is left.
type treeLimitView struct {
	Node     tree.ID   `json:"node"`
	Name     string    `json:"name"`
	Kind     tree.Kind `json:"kind"`
	Limit    string    `json:"limit"`
	Total    string    `json:"total"`
	Headroom string    `json:"headroom"` // negative when the limit is exceeded
}

// treeExposureView is the exposure of a node against every limit above it.
type treeExposureView struct {
	Node     tree.ID   `json:"node"`
	Name     string    `json:"name"`
	Kind     tree.Kind `json:"kind"`
	Exposure string    `json:"exposure"` // a customer's own exposure; 0.00 for other kinds
	Total    string    `json:"total"`    // exposure of the subtree
	Limit    *string   `json:"limit"`    // the node's own limit, null when none
	// Headroom is the least (limit − total) over the node and its ancestors: how much more
	// exposure the node can take. Null when no limit applies.
	Headroom *string         `json:"headroom"`
	Binding  *tree.ID        `json:"binding,omitempty"` // the node whose limit leaves the least
	Limits   []treeLimitView `json:"limits"`            // every limit from the node up to the bank
}

func (s *Server) getTreeExposure(c *fiber.Ctx) error {
	id, err := treeNodeID(c)
	if err != nil {
		return err
	}
	if _, err := custQuery(c, func(string) bool { return false }); err != nil {
		return err
	}
	t, err := s.customers.tree.fresh(c.UserContext())
	if err != nil {
		return err
	}
	if _, _, err := treeNodeFor(actorOf(c), t, id); err != nil {
		return err
	}
	// The limits above the caller's own node are shown too: they bind the headroom of
	// every node below them.
	path, err := t.Path(id)
	if err != nil {
		return customerProblem(err)
	}
	n := path[len(path)-1]
	v := treeExposureView{Node: n.ID, Name: n.Name, Kind: n.Kind, Exposure: treeMoney(n.Exposure), Total: treeMoney(n.Total), Limits: []treeLimitView{}}
	if n.Limit.Valid {
		l := treeMoney(n.Limit.Decimal)
		v.Limit = &l
	}
	var least decimal.Decimal
	for i := len(path) - 1; i >= 0; i-- {
		a := path[i]
		if !a.Limit.Valid {
			continue
		}
		h := a.Limit.Decimal.Sub(a.Total)
		v.Limits = append(v.Limits, treeLimitView{Node: a.ID, Name: a.Name, Kind: a.Kind, Limit: treeMoney(a.Limit.Decimal),
			Total: treeMoney(a.Total), Headroom: treeMoney(h)})
		if v.Binding == nil || h.LessThan(least) {
			least = h
			b := a.ID
			v.Binding = &b
		}
	}
	if v.Binding != nil {
		h := treeMoney(least)
		v.Headroom = &h
	}
	return c.JSON(v)
}

// treeSearchCursor is the position in a subtree search: how many hits were shown, and a
// fingerprint of the search, so a cursor of another search is refused.
func treeSearchCursor(offset int, fp uint64) string {
	b := binary.AppendUvarint([]byte{1}, uint64(offset))
	b = binary.BigEndian.AppendUint64(b, fp)
	return base64.RawURLEncoding.EncodeToString(b)
}

func readTreeSearchCursor(s string, fp uint64) (int, error) {
	bad := &BadRequestError{Detail: "cursor: not a cursor of this search"}
	if len(s) > 64 {
		return 0, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 2 || b[0] != 1 {
		return 0, bad
	}
	off, n := binary.Uvarint(b[1:])
	if n <= 0 || len(b[1+n:]) != 8 || binary.BigEndian.Uint64(b[1+n:]) != fp || off > tree.MaxSearchLimit {
		return 0, bad
	}
	return int(off), nil
}

func (s *Server) getTreeSearch(c *fiber.Ctx) error {
	id, err := treeNodeID(c)
	if err != nil {
		return err
	}
	p, err := custQuery(c, func(k string) bool {
		switch k {
		case "q", "prefix", "kind", "limit", "cursor":
			return true
		}
		return strings.HasPrefix(k, "attr.") && len(k) > len("attr.")
	})
	if err != nil {
		return err
	}
	limit, err := custLimit(p["limit"])
	if err != nil {
		return err
	}
	q := tree.Query{Text: p["q"]}
	switch p["prefix"] {
	case "", "false":
	case "true":
		q.Prefix = true
	default:
		return &BadRequestError{Detail: "prefix must be true or false"}
	}
	if k := p["kind"]; k != "" {
		for _, name := range strings.Split(k, ",") {
			var kind tree.Kind
			if err := kind.UnmarshalText([]byte(strings.TrimSpace(name))); err != nil {
				return &BadRequestError{Detail: "kind must be bank, branch, group or customer, or several separated by commas"}
			}
			if !slices.Contains(q.Kinds, kind) {
				q.Kinds = append(q.Kinds, kind)
			}
		}
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%d\x00%s\x00%v\x00%v", id, q.Text, q.Prefix, q.Kinds)
	var keys []string
	for k, v := range p {
		if name, ok := strings.CutPrefix(k, "attr."); ok {
			if q.Attrs == nil {
				q.Attrs = map[string]string{}
			}
			q.Attrs[name] = v
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "\x00%s=%s", k, p[k])
	}
	fp := h.Sum64()
	offset := 0
	if cur := p["cursor"]; cur != "" {
		if offset, err = readTreeSearchCursor(cur, fp); err != nil {
			return err
		}
	}
	q.Limit = min(offset+limit+1, tree.MaxSearchLimit)
	t, err := s.customers.tree.fresh(c.UserContext())
	if err != nil {
		return err
	}
	_, sc, err := treeNodeFor(actorOf(c), t, id)
	if err != nil {
		return err
	}
	if sc.filtersCustomers() {
		// Hits are counted among the nodes the caller sees: search them all, then filter.
		q.Limit = tree.MaxSearchLimit
	}
	hits, err := t.Search(id, q)
	if err != nil {
		if _, ok := err.(*tree.InputError); ok {
			return &BadRequestError{Detail: "q, kind or limit is malformed", Err: err}
		}
		return customerProblem(err)
	}
	if sc.filtersCustomers() {
		hits = slices.DeleteFunc(hits, func(n tree.Node) bool { return !sc.seesTreeNode(n) })
	}
	page := treeNodePage{Items: []treeNodeView{}}
	if offset < len(hits) {
		shown := hits[offset:min(len(hits), offset+limit)]
		for _, n := range shown {
			page.Items = append(page.Items, viewTreeNode(n, nil))
		}
		if end := offset + len(shown); end < len(hits) && end < math.MaxInt32 {
			page.NextCursor = treeSearchCursor(end, fp)
		}
	}
	return c.JSON(page)
}
