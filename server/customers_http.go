package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/pii"
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

// custParseETag reads one ETag of this API, "3". A weak W/"3" is refused: If-Match
// compares strongly (RFC 9110 §13.1.1), and this API's ETags are strong.
func custParseETag(h string) (int64, error) {
	bad := &BadRequestError{Detail: `If-Match must be one strong ETag of this API, such as "3"`}
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
		var ve *ValidationError
		if errors.As(err, &ve) {
			// The customer's fields are embedded: name them as the client wrote them.
			for i := range ve.Fields {
				ve.Fields[i].Path = strings.TrimPrefix(ve.Fields[i].Path, "Customer.")
			}
		}
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
	fields = append(fields, custControlChars(cu)...)
	actor := actorOf(c)
	if req.Parent == nil && actor.ScopeNode() != int64(customerdb.RootID) {
		// An actor bound to a branch or a group registers under its own node by default.
		p := actor.ScopeNode()
		req.Parent = &p
	}
	if actor.AssignedOnly && cu.Officer == "" {
		cu.Officer = actor.ID // an officer limited to its own customers registers its own
	}
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
	rec, err := s.createCustomer(c.UserContext(), actor, cu, tree.ID(*req.Parent))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderLocation, "/v1/customers/"+rec.Customer.Number.String())
	c.Set(fiber.HeaderETag, custETag(rec.Customer.Version))
	return c.Status(fiber.StatusCreated).JSON(viewCustomerFor(actor, rec))
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
	ctx := c.UserContext()
	raw, err := s.readCustomerJSON(ctx, n)
	if err != nil {
		return err
	}
	if raw, err = s.custRawFor(ctx, actorOf(c), raw); err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, custETag(raw.Version))
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(custRawView(raw))
}

// custRawFor checks a stored customer against actor a: a customer outside a's scope is not
// found (404, like a missing one), and its personal data is masked unless a sees it. An
// actor that sees every customer unmasked (an unbound admin) costs nothing more.
func (s *Server) custRawFor(ctx context.Context, a perm.Actor, raw customerdb.RawRecord) (customerdb.RawRecord, error) {
	sc, err := s.scopeOf(ctx, a)
	if err != nil {
		return customerdb.RawRecord{}, err
	}
	if sc.all() && a.Can(perm.PIIRead) {
		return raw, nil
	}
	visible, unmasked, err := custRawAccess(sc, raw)
	switch {
	case err != nil:
		return customerdb.RawRecord{}, err
	case !visible:
		return customerdb.RawRecord{}, errNoSuchCustomer()
	case unmasked:
		return raw, nil
	}
	return custMaskRaw(raw)
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
	raws, next, err := s.searchCustomersFor(c.UserContext(), actorOf(c), q)
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

// custMaxScan bounds the stored customers one list or search request reads while it
// leaves out those outside the caller's scope: a page is short (fewer items than limit,
// with a next_cursor to go on from) only when that many rows were read without filling it.
const custMaxScan = 5000

// searchCustomersFor is searchCustomers for actor a: customers outside a's scope are left
// out and the personal data of those a may not see is masked. An officer limited to its
// own customers has that condition pushed into the query (the officer filter; asking for
// another officer's customers finds none); other rows outside the scope are left out
// while paging: pages are read until limit customers are kept, the list ends or
// custMaxScan rows were read.
func (s *Server) searchCustomersFor(ctx context.Context, a perm.Actor, q customer.Query) ([]customerdb.RawRecord, string, error) {
	sc, err := s.scopeOf(ctx, a)
	if err != nil {
		return nil, "", err
	}
	if a.AssignedOnly {
		if o, ok := q.Filters["officer"]; ok && o != a.ID {
			if _, err := customer.ParseFilters(q.Filters); err != nil {
				return nil, "", customerProblem(err)
			}
			return nil, "", nil
		}
		f := make(map[string]string, len(q.Filters)+1)
		maps.Copy(f, q.Filters)
		f["officer"] = a.ID
		q.Filters = f
	}
	if sc.all() && a.Can(perm.PIIRead) {
		return s.searchCustomers(ctx, q)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = customer.DefaultLimit
	}
	fetch := func(n int, cursor string) ([]customerdb.RawRecord, string, error) {
		q.Limit, q.Cursor = n, cursor
		return s.searchCustomers(ctx, q)
	}
	keep := func(raw customerdb.RawRecord) (customerdb.RawRecord, bool, error) {
		visible, unmasked, err := custRawAccess(sc, raw)
		if err != nil || !visible || unmasked {
			return raw, visible, err
		}
		raw, err = custMaskRaw(raw)
		return raw, true, err
	}
	raws, next, err := scanVisible(limit, customer.MaxLimit, custMaxScan, q.Cursor, fetch, keep)
	if err != nil {
		return nil, "", err
	}
	return raws, next, nil
}

// scanVisible reads a list through fetch (a page of at most n rows after cursor, and the
// cursor after it, "" at the end) and keeps the rows keep accepts, until it holds limit
// rows, the list ends or maxScan rows were read; next is the cursor after the last row it
// read. keep may change the rows it keeps (mask them). A first read asks for limit rows; when rows were left out it reads more at once
// (up to batchMax), and when a read holds more rows to keep than still wanted, it reads
// that stretch again up to the last one wanted, so that next points right after it.
func scanVisible[T any](limit, batchMax, maxScan int, cursor string, fetch func(n int, cursor string) ([]T, string, error),
	keep func(T) (T, bool, error)) ([]T, string, error) {
	out := make([]T, 0, min(limit, 64))
	scanned, batch := 0, limit
	for {
		need := limit - len(out)
		n := max(need, min(batch, batchMax))
		rows, next, err := fetch(n, cursor)
		if err != nil {
			return nil, "", err
		}
		kept, cut, err := keepUpTo(rows, need, keep)
		for err == nil && cut < len(rows) {
			// More rows to keep than wanted: read again up to the last one wanted. (Fewer
			// rows each time, so this ends even while the list changes.)
			if rows, next, err = fetch(cut, cursor); err == nil {
				kept, cut, err = keepUpTo(rows, need, keep)
			}
		}
		if err != nil {
			return nil, "", err
		}
		out = append(out, kept...)
		scanned += len(rows)
		cursor = next
		if len(out) == limit || next == "" || scanned >= maxScan {
			return out, next, nil
		}
		batch = 4 * n
	}
}

// keepUpTo returns the first need rows keep accepts and the number of rows up to the last
// of them (len(rows) when fewer are accepted).
func keepUpTo[T any](rows []T, need int, keep func(T) (T, bool, error)) ([]T, int, error) {
	var kept []T
	for i, r := range rows {
		r, ok, err := keep(r)
		if err != nil {
			return nil, 0, err
		}
		if !ok {
			continue
		}
		kept = append(kept, r)
		if len(kept) == need {
			return kept, i + 1, nil
		}
	}
	return kept, len(rows), nil
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
		func() error {
			if v := p["mobile"]; v != "" && !custIsMobile(v) {
				return &BadRequestError{Detail: "mobile must be a mainland mobile number: 11 digits from 13, with or without +86"}
			}
			return set(&q.Mobile, "mobile", p["mobile"])
		},
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

// custControlChars refuses control characters (NUL, escape sequences, line breaks) in a
// customer's text fields, which the archive's validation lets through.
func custControlChars(c customer.Customer) []FieldError {
	var fe []FieldError
	check := func(path, v string) {
		if strings.ContainsFunc(v, unicode.IsControl) {
			fe = append(fe, FieldError{Path: path, Rule: "printable", Message: "must not hold control characters",
				MessageZH: "不能包含控制字符"})
		}
	}
	address := func(prefix string, a customer.Address) {
		check(prefix+".province", a.Province)
		check(prefix+".city", a.City)
		check(prefix+".district", a.District)
		check(prefix+".street", a.Street)
		check(prefix+".postcode", a.Postcode)
	}
	check("branch", c.Branch)
	check("officer", c.Officer)
	for i, tag := range c.Tags {
		check(fmt.Sprintf("tags[%d]", i), tag)
	}
	if i := c.Individual; i != nil {
		check("individual.name", i.Name)
		check("individual.doc_number", i.DocNumber)
		check("individual.mobile", i.Mobile)
		check("individual.email", i.Email)
		check("individual.occupation", i.Occupation)
		check("individual.employer", i.Employer)
		address("individual.address", i.Address)
	}
	if e := c.Enterprise; e != nil {
		check("enterprise.legal_name", e.LegalName)
		check("enterprise.credit_code", e.CreditCode)
		check("enterprise.legal_rep", e.LegalRep)
		check("enterprise.contact_name", e.ContactName)
		check("enterprise.contact_mobile", e.ContactMobile)
		address("enterprise.address", e.Address)
	}
	return fe
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
	if err := checkDigitRuns(body); err != nil {
		return nil, err
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
	actor := actorOf(c)
	rec, _, err := s.readCustomerFor(ctx, actor, n)
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
	if fe := custControlChars(next); len(fe) > 0 {
		return &ValidationError{Fields: fe}
	}
	if !actor.SeesPII(cur.Officer) {
		keepMaskedFields(cur, &next)
	}
	out, err := s.updateCustomer(ctx, actor, next)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, custETag(out.Customer.Version))
	return c.JSON(viewCustomerFor(actor, out))
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
	actor := actorOf(c)
	out, err := s.closeCustomer(c.UserContext(), actor, n, version)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, custETag(out.Customer.Version))
	return c.JSON(viewCustomerFor(actor, out))
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
	ctx := c.UserContext()
	if _, _, err := s.readCustomerFor(ctx, actorOf(c), n); err != nil {
		return err
	}
	page, err := s.customers.repo.ContactsPage(ctx, n, limit, p["cursor"])
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
	if strings.ContainsFunc(ct.Note, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) {
		return fieldProblem("note", "printable", "must not hold control characters other than line breaks and tabs",
			"除换行和制表符外不能包含控制字符")
	}
	if strings.ContainsFunc(ct.Officer, unicode.IsControl) {
		return fieldProblem("officer", "printable", "must not hold control characters", "不能包含控制字符")
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
	ctx, actor := c.UserContext(), actorOf(c)
	rec, _, err := s.readCustomerFor(ctx, actor, n)
	if err != nil {
		return err
	}
	h, err := s.customers.repo.History(ctx, n)
	if err != nil {
		return customerProblem(err)
	}
	if h == nil {
		h = []customer.Revision{}
	}
	if actor.SeesPII(rec.Customer.Officer) {
		return c.JSON(revisionList{Items: h})
	}
	// The changes of personal fields show their old and new values masked.
	doc, err := json.Marshal(revisionList{Items: h})
	if err != nil {
		return err
	}
	if doc, err = pii.MaskJSON(doc, custMaskRules); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(doc)
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
	rec, sc, err := s.readCustomerFor(ctx, actorOf(c), n)
	if err != nil {
		return err
	}
	if rec.Node == 0 {
		return fmt.Errorf("customer %s has no node in the tree: %w", n, ErrNotFound)
	}
	t, err := s.customers.tree.fresh(ctx)
	if err != nil {
		return err
	}
	path, err := t.Path(rec.Node)
	if err != nil {
		return customerProblem(err)
	}
	// The breadcrumbs start at the actor's own node: nodes above it are outside its
	// subtree, which it cannot read either.
	for len(path) > 1 && sc.bound() && path[0].ID != sc.node {
		path = path[1:]
	}
	out := treeNodeList{Items: make([]treeNodeView, len(path))}
	for i, nd := range path {
		out.Items[i] = viewTreeNode(nd, nil)
	}
	return c.JSON(out)
}
