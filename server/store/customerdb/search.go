package customerdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/tree"
)

// Index names carried in cursors: those of customer.MemStore, so both stores' cursors mean
// the same order.
const (
	indexName   = "name"
	indexPrefix = "prefix"
	indexPinyin = "pinyin"
)

// List implements customer.Store.
func (r *Repo) List(ctx context.Context, limit int, cursor string) (customer.Page, error) {
	return r.Search(ctx, customer.Query{Limit: limit, Cursor: cursor})
}

// Search implements customer.Store. Every criterion is an indexed condition: exact ones
// look up an index (number, document, mobile), a name prefix is a range of the folded-name
// index and a pinyin prefix a range of the spellings index; filters are conditions on the
// rows met in that order.
func (r *Repo) Search(ctx context.Context, q customer.Query) (customer.Page, error) {
	recs, next, err := r.SearchRecords(ctx, q)
	if err != nil {
		return customer.Page{}, err
	}
	p := customer.Page{Customers: make([]customer.Customer, len(recs)), Next: next}
	for i, rec := range recs {
		p.Customers[i] = rec.Customer
	}
	return p, nil
}

// SearchRecords is Search returning each customer with its tree node, and the cursor of
// the next page ("" on the last).
func (r *Repo) SearchRecords(ctx context.Context, q customer.Query) ([]Record, string, error) {
	raws, next, err := r.SearchJSON(ctx, q)
	if err != nil {
		return nil, "", err
	}
	out := make([]Record, len(raws))
	for i, raw := range raws {
		c, err := decodeCustomer(raw.JSON)
		if err != nil {
			return nil, "", err
		}
		out[i] = Record{Customer: c, Node: raw.Node}
	}
	return out, next, nil
}

// SearchJSON is SearchRecords without decoding: each customer's stored JSON, its personal
// data opened (see GetJSON).
func (r *Repo) SearchJSON(ctx context.Context, q customer.Query) ([]RawRecord, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	plan, err := r.plan(q)
	if err != nil {
		return nil, "", err
	}
	rows, err := r.st.Query(ctx, plan.sql, plan.args...)
	if err != nil {
		return nil, "", fmt.Errorf("customerdb: search: %w", err)
	}
	defer rows.Close()
	var (
		out     = make([]RawRecord, 0, min(plan.limit, 64))
		next    string
		lastKey []byte
		lastOrd int64
	)
	for rows.Next() {
		var (
			raw  RawRecord
			key  []byte
			node sql.NullInt64
			o    int64
			pk   sql.NullString
		)
		if err := rows.Scan(&key, &raw.JSON, &node, &raw.Version, &o, &pk); err != nil {
			return nil, "", fmt.Errorf("customerdb: search: %w", err)
		}
		if len(out) == plan.limit {
			num, err := numberOf(lastOrd)
			if err != nil {
				return nil, "", err
			}
			next = customer.Cursor{Index: plan.index, Key: lastKey, Number: num}.Encode()
			break
		}
		raw.Node = tree.ID(node.Int64)
		if pk.Valid {
			num, err := numberOf(o)
			if err != nil {
				return nil, "", err
			}
			if raw.JSON, err = openJSON(r.ring, num, raw.JSON); err != nil {
				return nil, "", err
			}
		}
		out = append(out, raw)
		lastKey, lastOrd = key, o
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("customerdb: search: %w", err)
	}
	return out, next, nil
}

// numberOf is the inverse of ord.
func numberOf(o int64) (customer.Number, error) {
	kind := customer.KindIndividual
	if o/1e10 == 1 {
		kind = customer.KindEnterprise
	}
	n, err := customer.NewNumber(kind, uint64(o%1e10))
	if err != nil {
		return customer.Number{}, fmt.Errorf("customerdb: stored ord %d: %w", o, err)
	}
	return n, nil
}

// searchPlan is one search as SQL: the statement, its arguments, the order's index name
// and the page size.
type searchPlan struct {
	sql   string
	args  []any
	index string
	limit int
}

type conds struct {
	where []string
	args  []any
}

func (c *conds) add(cond string, args ...any) {
	c.where = append(c.where, cond)
	c.args = append(c.args, args...)
}

// plan turns q into SQL, checking it as customer.MemStore does: a bad limit, filter,
// number, name prefix or pinyin is a *customer.QueryError, a bad cursor a
// *customer.CursorError.
func (r *Repo) plan(q customer.Query) (searchPlan, error) {
	limit, err := checkLimit(q.Limit)
	if err != nil {
		return searchPlan{}, err
	}
	f, err := customer.ParseFilters(q.Filters)
	if err != nil {
		return searchPlan{}, err
	}
	var (
		number customer.Number
		prefix string
		pinyin string
	)
	if q.Number != "" {
		if number, err = customer.ParseNumber(q.Number); err != nil {
			return searchPlan{}, &customer.QueryError{Field: "number", Reason: "not a valid customer number"}
		}
	}
	if q.NamePrefix != "" {
		prefix = customer.FoldName(q.NamePrefix)
		if prefix == "" || strings.ContainsFunc(prefix, func(r rune) bool { return r < 0x20 }) {
			return searchPlan{}, &customer.QueryError{Field: "name_prefix", Reason: "must be printable text"}
		}
	}
	if q.Pinyin != "" {
		pinyin = strings.ToLower(q.Pinyin)
		for _, r := range pinyin {
			if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
				return searchPlan{}, &customer.QueryError{Field: "pinyin", Reason: "must be Latin letters and digits"}
			}
		}
	}
	exact := q.Number != "" || q.IDNumber != "" || q.CreditCode != "" || q.Mobile != ""
	index := indexName
	switch {
	case exact:
	case pinyin != "":
		index = indexPinyin
	case prefix != "":
		index = indexPrefix
	}
	var after *customer.Cursor
	if q.Cursor != "" {
		cur, err := customer.DecodeCursor(q.Cursor)
		if err != nil {
			return searchPlan{}, err
		}
		if cur.Index != index {
			return searchPlan{}, &customer.CursorError{Reason: "cursor belongs to another kind of query"}
		}
		after = &cur
	}

	var w conds
	// Exact criteria.
	if !number.IsZero() {
		w.add(`c.ord = ?`, ord(number))
	}
	// Documents and mobiles are blind indexes: look for the value's index under every key
	// of the ring, so the search works while a rotation re-indexes the rows.
	if q.IDNumber != "" {
		in, args := r.indexesIn(indexDocID, strings.ToUpper(q.IDNumber))
		w.add(`c.doc_id IN (`+in+`) AND c.kind = 'individual'`, args...)
	}
	if q.CreditCode != "" {
		in, args := r.indexesIn(indexDocID, q.CreditCode)
		w.add(`c.doc_id IN (`+in+`) AND c.kind = 'enterprise'`, args...)
	}
	if q.Mobile != "" {
		in, args := r.indexesIn(indexMobile, customer.NormalizeMobile(q.Mobile))
		w.add(`c.mobile IN (`+in+`)`, args...)
	}
	// Filters.
	if f.Kind != 0 {
		w.add(`c.kind = ?`, f.Kind.String())
	}
	if f.Status != 0 {
		w.add(`c.status = ?`, f.Status.String())
	}
	if f.Branch != "" {
		if exact || index != indexName {
			// Keep the planner on the index that drives the search: "|| ''" makes the
			// condition a filter (customers_by_branch would be chosen for its equality and
			// then every customer of the branch sorted).
			w.add(`c.branch || '' = ?`, f.Branch)
		} else {
			w.add(`c.branch = ?`, f.Branch)
		}
	}
	if f.Officer != "" {
		w.add(`c.officer = ?`, f.Officer)
	}
	if f.Tag != "" {
		w.add(`EXISTS (SELECT 1 FROM customer_tags t WHERE t.ord = c.ord AND t.tag = ?)`, f.Tag)
	}
	if f.HasAgeTerm {
		now := r.now()
		w.add(`c.birth IS NOT NULL AND c.birth <= ?`, birthCutoff(now, f.MinAge))
		if f.HasMaxAge {
			w.add(`c.birth > ?`, birthCutoff(now, f.MaxAge+1))
		}
	}
	// Name prefix: a range of prefix_key, driving the order when it is the criterion that
	// drives the search.
	if prefix != "" {
		lo := []byte(prefix)
		if hi := prefixEnd(lo); hi != nil {
			w.add(`c.prefix_key >= ? AND c.prefix_key < ?`, lo, hi)
		} else {
			w.add(`c.prefix_key >= ?`, lo)
		}
	}

	p := searchPlan{index: index, limit: limit}
	switch index {
	case indexPinyin:
		// Driven by the spellings index; a customer is reported only through the least of
		// its spellings that match, so it appears once however many match.
		lo := []byte(pinyin)
		hi := prefixEnd(lo)
		var d conds
		d.add(`s.spelling >= ? AND s.spelling < ?`, lo, hi)
		d.add(`NOT EXISTS (SELECT 1 FROM customer_spellings s2 WHERE s2.ord = s.ord
			AND s2.spelling >= ? AND s2.spelling < s.spelling)`, lo)
		if after != nil {
			d.add(`(s.spelling, s.ord) > (?, ?)`, after.Key, ord(after.Number))
		}
		d.where = append(d.where, w.where...)
		d.args = append(d.args, w.args...)
		// CROSS JOIN keeps SQLite's loop on the spellings index (PostgreSQL plans it as any
		// inner join).
		p.sql = `SELECT s.spelling, c.data, c.node, c.version, c.ord, c.pii_key FROM customer_spellings s CROSS JOIN customers c
			WHERE c.ord = s.ord AND ` + strings.Join(d.where, " AND ") + ` ORDER BY s.spelling, s.ord LIMIT ?`
		p.args = append(d.args, limit+1)
	case indexPrefix:
		if after != nil {
			w.add(`(c.prefix_key, c.ord) > (?, ?)`, after.Key, ord(after.Number))
		}
		p.sql = `SELECT c.prefix_key, c.data, c.node, c.version, c.ord, c.pii_key FROM customers c WHERE ` + strings.Join(w.where, " AND ") +
			` ORDER BY c.prefix_key, c.ord LIMIT ?`
		p.args = append(w.args, limit+1)
	default:
		if pinyin != "" { // an exact search narrowed by pinyin
			lo := []byte(pinyin)
			w.add(`EXISTS (SELECT 1 FROM customer_spellings s WHERE s.ord = c.ord
				AND s.spelling >= ? AND s.spelling < ?)`, lo, prefixEnd(lo))
		}
		if after != nil {
			w.add(`(c.name_key, c.ord) > (?, ?)`, after.Key, ord(after.Number))
		}
		where := ""
		if len(w.where) > 0 {
			where = ` WHERE ` + strings.Join(w.where, " AND ")
		}
		p.sql = `SELECT c.name_key, c.data, c.node, c.version, c.ord, c.pii_key FROM customers c` + where + ` ORDER BY c.name_key, c.ord LIMIT ?`
		p.args = append(w.args, limit+1)
	}
	return p, nil
}

// indexesIn returns the placeholders and arguments of "IN (...)" over the blind indexes of
// value in field under every key of the ring.
func (r *Repo) indexesIn(field, value string) (string, []any) {
	idx := r.ring.Indexes(field, value)
	args := make([]any, len(idx))
	for i, x := range idx {
		args[i] = x
	}
	return placeholders(len(idx)), args
}

// birthCutoff returns the latest birth date, as yyyymmdd, of someone at least years old on
// day now, counting ages as customer.Customer.AgeOn does.
func birthCutoff(now time.Time, years int) int64 {
	return int64((now.Year()-years)*10000 + int(now.Month())*100 + now.Day())
}
