package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/server/store/customerdb"
	"github.com/creditkit/creditkit/tree"
)

// Page sizes of the customer and tree lists.
const (
	custDefaultLimit = 50
	custMaxLimit     = 200
)

// customerView is a customer as the API shows it: the archive's record and its tree node.
type customerView struct {
	customer.Customer
	Node tree.ID `json:"node,omitempty"`
}

func viewCustomer(rec customerdb.Record) customerView {
	return customerView{Customer: rec.Customer, Node: rec.Node}
}

// customerCreateRequest is the body of POST /v1/customers: the customer and its place in
// the tree.
type customerCreateRequest struct {
	customer.Customer
	Parent *int64 `json:"parent"`
}

func custETag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// custIfMatch reads the version of If-Match: required (428 when missing), one quoted
// positive version (400 otherwise).
func custIfMatch(c *fiber.Ctx) (int64, error) {
	h := strings.TrimSpace(c.Get(fiber.HeaderIfMatch))
	if h == "" {
		return 0, fmt.Errorf("%w: send If-Match with the ETag you read", ErrVersionRequired)
	}
	v, err := custParseETag(h)
	if err != nil {
		return 0, err
	}
	return v, nil
}

// custParseETag reads one ETag of this API, "3" (a weak W/"3" is accepted alike).
func custParseETag(h string) (int64, error) {
	bad := &BadRequestError{Detail: `If-Match must be one ETag of this API, such as "3"`}
	h = strings.TrimPrefix(h, "W/")
	if len(h) < 3 || len(h) > 22 || h[0] != '"' || h[len(h)-1] != '"' {
		return 0, bad
	}
	v, err := strconv.ParseInt(h[1:len(h)-1], 10, 64)
	if err != nil || v < 1 || strconv.FormatInt(v, 10) != h[1:len(h)-1] {
		return 0, bad
	}
	return v, nil
}

// custNumber reads the :number path parameter.
func custNumber(c *fiber.Ctx) (customer.Number, error) {
	raw := c.Params("number")
	n, err := customer.ParseNumber(raw)
	if err != nil {
		return customer.Number{}, &BadRequestError{Detail: "not a valid customer number (a letter E or P, ten digits and a check digit)", Err: err}
	}
	return n, nil
}

// custLimit reads a page size: 1 to custMaxLimit, custDefaultLimit when absent.
func custLimit(v string) (int, error) {
	if v == "" {
		return custDefaultLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > custMaxLimit || len(v) > 3 {
		return 0, &BadRequestError{Detail: fmt.Sprintf("limit must be a whole number from 1 to %d", custMaxLimit)}
	}
	return n, nil
}

// custQuery reads the query string into a map, refusing a parameter outside allowed, a
// repeated one and invalid UTF-8 (400).
func custQuery(c *fiber.Ctx, allowed func(key string) bool) (map[string]string, error) {
	out := map[string]string{}
	var bad error
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		if bad != nil {
			return
		}
		key := string(k)
		switch {
		case !utf8.Valid(k) || !utf8.Valid(v):
			bad = &BadRequestError{Detail: "query parameters must be valid UTF-8"}
		case !allowed(key):
			bad = &BadRequestError{Detail: "unknown query parameter " + custQuote(key)}
		default:
			if _, dup := out[key]; dup {
				bad = &BadRequestError{Detail: "query parameter " + custQuote(key) + " is given twice"}
				return
			}
			out[key] = string(v)
		}
	})
	return out, bad
}

func custQuote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

func (s *Server) postCustomer(c *fiber.Ctx) error {
	var req customerCreateRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	var fields []FieldError
	readOnly := func(path string, set bool) {
		if set {
			fields = append(fields, FieldError{Path: path, Rule: "read_only", Message: "is set by the server",
				MessageZH: "由系统生成，不能填写"})
		}
	}
	cu := req.Customer
	readOnly("number", !cu.Number.IsZero())
	readOnly("status", cu.Status != 0)
	readOnly("version", cu.Version != 0)
	readOnly("created_at", !cu.CreatedAt.IsZero())
	readOnly("updated_at", !cu.UpdatedAt.IsZero())
	switch {
	case req.Parent == nil:
		fields = append(fields, FieldError{Path: "parent", Rule: "required",
			Message: "the tree node (a branch or a group) the customer sits under is required", MessageZH: "所属树节点不能为空"})
	case *req.Parent < 1:
		fields = append(fields, FieldError{Path: "parent", Rule: "min", Message: "must be a node ID, 1 or more", MessageZH: "须为有效的节点编号"})
	}
	if len(fields) > 0 {
		return &ValidationError{Fields: fields}
	}
	rec, err := s.createCustomer(c.UserContext(), actorOf(c), cu, tree.ID(*req.Parent))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderLocation, "/v1/customers/"+rec.Customer.Number.String())
	c.Set(fiber.HeaderETag, custETag(rec.Customer.Version))
	return c.Status(fiber.StatusCreated).JSON(viewCustomer(rec))
}

// custRawView is the stored JSON of a customer with its node, as customerView writes it:
// the node is spliced in front of the stored object, which is not decoded.
func custRawView(raw customerdb.RawRecord) []byte {
	return custAppendRawView(make([]byte, 0, len(raw.JSON)+24), raw)
}

func custAppendRawView(out []byte, raw customerdb.RawRecord) []byte {
	if raw.Node == 0 || len(raw.JSON) < 2 || raw.JSON[0] != '{' {
		return append(out, raw.JSON...)
	}
	out = append(out, `{"node":`...)
	out = strconv.AppendInt(out, int64(raw.Node), 10)
	if raw.JSON[1] != '}' {
		out = append(out, ',')
	}
	return append(out, raw.JSON[1:]...)
}

func (s *Server) getCustomer(c *fiber.Ctx) error {
	n, err := custNumber(c)
	if err != nil {
		return err
	}
	if len(c.Request().URI().QueryString()) > 0 {
		if _, err := custQuery(c, func(string) bool { return false }); err != nil {
			return err
		}
	}
	raw, err := s.readCustomerJSON(c.UserContext(), n)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, custETag(raw.Version))
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(custRawView(raw))
}

// readCustomerJSON is readCustomer without decoding: the stored JSON of the customer. It is
// the hot path of GET /v1/customers/{number}.
func (s *Server) readCustomerJSON(ctx context.Context, n customer.Number) (customerdb.RawRecord, error) {
	raw, err := s.customers.repo.GetJSON(ctx, n)
	return raw, customerProblem(err)
}

// custSearchParams are the query parameters of GET /v1/customers.
var custSearchParams = map[string]bool{
	"limit": true, "cursor": true, "q": true, "id": true, "number": true, "id_number": true,
	"credit_code": true, "mobile": true, "name": true, "pinyin": true, "initials": true,
	"kind": true, "branch": true, "officer": true, "status": true, "tag": true, "min_age": true, "max_age": true,
}

func (s *Server) getCustomers(c *fiber.Ctx) error {
	params, err := custQuery(c, func(k string) bool { return custSearchParams[k] })
	if err != nil {
		return err
	}
	q, err := custSearchQuery(params)
	if err != nil {
		return err
	}
	raws, next, err := s.searchCustomers(c.UserContext(), q)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(custRawPage(raws, next))
}

// custRawPage writes one page of customers, {"items": [...], "next_cursor": "..."}, from
// their stored JSON without decoding it.
func custRawPage(raws []customerdb.RawRecord, next string) []byte {
	size := 32 + len(next)
	for _, r := range raws {
		size += len(r.JSON) + 24
	}
	out := make([]byte, 0, size)
	out = append(out, `{"items":[`...)
	for i, r := range raws {
		if i > 0 {
			out = append(out, ',')
		}
		out = custAppendRawView(out, r)
	}
	out = append(out, ']')
	if next != "" {
		out = append(out, `,"next_cursor":`...)
		out = strconv.AppendQuote(out, next) // base64url: nothing to escape
	}
	return append(out, '}')
}

// searchCustomers is the one read of customer lists and searches.
func (s *Server) searchCustomers(ctx context.Context, q customer.Query) ([]customerdb.RawRecord, string, error) {
	raws, next, err := s.customers.repo.SearchJSON(ctx, q)
	return raws, next, customerProblem(err)
}

// custSearchQuery turns the query parameters of GET /v1/customers into a customer.Query.
// q is one box for anything: a customer number, a credit code, a resident identity number
// or a mobile is looked up exactly, Latin letters and digits are a pinyin (or Latin name)
// prefix, anything else a name prefix. id is any exact identifier: a customer number, a
// credit code or an identity document number.
func custSearchQuery(p map[string]string) (customer.Query, error) {
	var q customer.Query
	limit, err := custLimit(p["limit"])
	if err != nil {
		return q, err
	}
	q.Limit, q.Cursor = limit, p["cursor"]
	set := func(field *string, key, value string) error {
		if value == "" {
			return nil
		}
		if *field != "" {
			return &BadRequestError{Detail: key + " asks for the same criterion as another parameter"}
		}
		*field = value
		return nil
	}
	exact := func(key, v string) error {
		switch {
		case v == "":
			return nil
		case custLooksLikeNumber(v):
			return set(&q.Number, key, v)
		case custIsUSCC(v):
			return set(&q.CreditCode, key, v)
		default:
			return set(&q.IDNumber, key, v)
		}
	}
	steps := []func() error{
		func() error { return set(&q.Number, "number", p["number"]) },
		func() error { return set(&q.IDNumber, "id_number", p["id_number"]) },
		func() error { return set(&q.CreditCode, "credit_code", p["credit_code"]) },
		func() error { return set(&q.Mobile, "mobile", p["mobile"]) },
		func() error { return set(&q.NamePrefix, "name", p["name"]) },
		func() error { return set(&q.Pinyin, "pinyin", p["pinyin"]) },
		func() error {
			v := p["initials"]
			for _, r := range v {
				if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
					return &BadRequestError{Detail: "initials must be Latin letters"}
				}
			}
			return set(&q.Pinyin, "initials", v)
		},
		func() error { return exact("id", p["id"]) },
		func() error {
			v := strings.TrimSpace(p["q"])
			switch {
			case v == "":
				return nil
			case custLooksLikeNumber(v) || custIsUSCC(v) || custIsResidentID(v):
				return exact("q", v)
			case custIsMobile(v):
				return set(&q.Mobile, "q", v)
			case custIsPinyin(v):
				return set(&q.Pinyin, "q", v)
			default:
				return set(&q.NamePrefix, "q", v)
			}
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return q, err
		}
	}
	for _, k := range []string{"kind", "branch", "officer", "status", "tag", "min_age", "max_age"} {
		if v, ok := p[k]; ok && v != "" {
			if q.Filters == nil {
				q.Filters = map[string]string{}
			}
			q.Filters[k] = v
		}
	}
	return q, nil
}

func custLooksLikeNumber(s string) bool {
	_, err := customer.ParseNumber(s)
	return err == nil
}

func custIsUSCC(s string) bool {
	_, err := customer.ParseUSCC(s)
	return err == nil
}

func custIsResidentID(s string) bool {
	_, err := customer.ParseResidentID(s)
	return err == nil
}

func custIsMobile(s string) bool {
	s = customer.NormalizeMobile(s)
	if len(s) != 11 || s[0] != '1' || s[1] < '3' {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func custIsPinyin(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// custCheckPatchType accepts the media types PATCH takes: JSON merge patch (RFC 7396), and
// plain JSON with the same meaning, in UTF-8.
func custCheckPatchType(contentType string) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if contentType == "" || err != nil || (mt != "application/merge-patch+json" && mt != fiber.MIMEApplicationJSON) {
		return fmt.Errorf("%w: Content-Type must be application/merge-patch+json or application/json", ErrUnsupportedMediaType)
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return fmt.Errorf("%w: only charset=utf-8 is accepted", ErrUnsupportedMediaType)
		}
	}
	return nil
}

// custReadPatch reads a JSON merge patch body: one JSON object of valid UTF-8, nothing
// after it.
func custReadPatch(c *fiber.Ctx) (map[string]any, error) {
	if err := custCheckPatchType(c.Get(fiber.HeaderContentType)); err != nil {
		return nil, err
	}
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, &BadRequestError{Detail: "the request body is empty; send a JSON merge patch object"}
	}
	if !utf8.Valid(body) {
		return nil, &BadRequestError{Detail: "the request body is not valid UTF-8"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &BadRequestError{Detail: "malformed JSON", Err: err}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &BadRequestError{Detail: "the request body has data after its JSON value"}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &BadRequestError{Detail: "a merge patch must be a JSON object"}
	}
	return m, nil
}

// custMerge applies the JSON merge patch (RFC 7396) patch to target.
func custMerge(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
		} else {
			tm[k] = custMerge(tm[k], v)
		}
	}
	return tm
}

func (s *Server) patchCustomer(c *fiber.Ctx) error {
	n, err := custNumber(c)
	if err != nil {
		return err
	}
	version, err := custIfMatch(c)
	if err != nil {
		return err
	}
	patch, err := custReadPatch(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	rec, err := s.readCustomer(ctx, n)
	if err != nil {
		return err
	}
	cur := rec.Customer
	if cur.Version != version {
		return fmt.Errorf("customer %s is at version %d, not %d: %w", n, cur.Version, version, ErrStaleVersion)
	}
	doc, err := json.Marshal(cur)
	if err != nil {
		return err
	}
	var target any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&target); err != nil {
		return err
	}
	// The server's fields may be repeated unchanged but not changed.
	var fields []FieldError
	for _, k := range []string{"number", "kind", "status", "version", "created_at", "updated_at", "node"} {
		v, ok := patch[k]
		if !ok {
			continue
		}
		if k == "node" {
			fields = append(fields, FieldError{Path: k, Rule: "read_only", Message: "move the customer's node with POST /v1/tree/nodes/{id}/move",
				MessageZH: "请通过移动树节点调整客户位置"})
			continue
		}
		if old := target.(map[string]any)[k]; fmt.Sprint(old) != fmt.Sprint(v) {
			fields = append(fields, FieldError{Path: k, Rule: "read_only", Message: "cannot be changed", MessageZH: "不能修改"})
		}
	}
	if len(fields) > 0 {
		return &ValidationError{Fields: fields}
	}
	merged, err := json.Marshal(custMerge(target, patch))
	if err != nil {
		return err
	}
	var next customer.Customer
	if err := decodeJSON(fiber.MIMEApplicationJSON, merged, &next); err != nil {
		return err
	}
	next.Number, next.Version = n, version
	out, err := s.updateCustomer(ctx, actorOf(c), next)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, custETag(out.Customer.Version))
	return c.JSON(viewCustomer(out))
}

// custEmptyBody accepts an absent body or an empty JSON object.
func custEmptyBody(c *fiber.Ctx) error {
	if len(bytes.TrimSpace(c.Body())) == 0 {
		return nil
	}
	var none struct{}
	return decode(c, &none)
}

func (s *Server) postCustomerClose(c *fiber.Ctx) error {
	n, err := custNumber(c)
	if err != nil {
		return err
	}
	version, err := custIfMatch(c)
	if err != nil {
		return err
	}
	if err := custEmptyBody(c); err != nil {
		return err
	}
	out, err := s.closeCustomer(c.UserContext(), actorOf(c), n, version)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, custETag(out.Customer.Version))
	return c.JSON(viewCustomer(out))
}

// contactPage is one page of a contact log.
type contactPage struct {
	Items      []customer.Contact `json:"items"`
	NextCursor string             `json:"next_cursor,omitempty"`
}

func (s *Server) getCustomerContacts(c *fiber.Ctx) error {
	n, err := custNumber(c)
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
	page, err := s.customers.repo.ContactsPage(c.UserContext(), n, limit, p["cursor"])
	if err != nil {
		return customerProblem(err)
	}
	return c.JSON(contactPage{Items: page.Contacts, NextCursor: page.Next})
}

func (s *Server) postCustomerContact(c *fiber.Ctx) error {
	n, err := custNumber(c)
	if err != nil {
		return err
	}
	var ct customer.Contact
	if err := decode(c, &ct); err != nil {
		return err
	}
	out, err := s.addContact(c.UserContext(), actorOf(c), n, ct)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

// revisionList is a customer's history.
type revisionList struct {
	Items []customer.Revision `json:"items"`
}

func (s *Server) getCustomerHistory(c *fiber.Ctx) error {
	n, err := custNumber(c)
	if err != nil {
		return err
	}
	if _, err := custQuery(c, func(string) bool { return false }); err != nil {
		return err
	}
	h, err := s.customers.repo.History(c.UserContext(), n)
	if err != nil {
		return customerProblem(err)
	}
	return c.JSON(revisionList{Items: h})
}

func (s *Server) getCustomerPath(c *fiber.Ctx) error {
	n, err := custNumber(c)
	if err != nil {
		return err
	}
	if _, err := custQuery(c, func(string) bool { return false }); err != nil {
		return err
	}
	ctx := c.UserContext()
	raw, err := s.readCustomerJSON(ctx, n)
	if err != nil {
		return err
	}
	if raw.Node == 0 {
		return fmt.Errorf("customer %s has no node in the tree: %w", n, ErrNotFound)
	}
	t, err := s.customers.tree.fresh(ctx)
	if err != nil {
		return err
	}
	path, err := t.Path(raw.Node)
	if err != nil {
		return customerProblem(err)
	}
	out := treeNodeList{Items: make([]treeNodeView, len(path))}
	for i, nd := range path {
		out.Items[i] = viewTreeNode(nd, nil)
	}
	return c.JSON(out)
}
