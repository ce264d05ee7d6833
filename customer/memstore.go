package customer

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/btree"
)

// Config holds the optional settings of NewMemStore. The zero value is the documented default.
type Config struct {
	Now       func() time.Time // clock; default time.Now
	Sequence  Sequence         // number source; default a new Counter
	Validator *Validator       // default NewValidator(Now)
	Indexer   *Indexer         // default NewIndexer()
}

// MemStore is the in-memory Store: maps for exact look-ups and B-trees ordered by collation
// key, folded name and pinyin for pages and prefix search. It is safe for concurrent use.
// Build it with NewMemStore; the zero value is not usable.
type MemStore struct {
	now func() time.Time
	seq Sequence
	val *Validator
	idx *Indexer

	mu       sync.RWMutex
	records  map[Number]*record
	identity map[string]Number   // identityKey → owner
	mobiles  map[string][]Number // normalised mobile → customers
	byName   *btree.BTreeG[entry]
	byPrefix *btree.BTreeG[entry]
	byPinyin *btree.BTreeG[entry]
}

var _ Store = (*MemStore)(nil)

// record is one customer with its derived keys, history and contact log.
type record struct {
	cur      Customer
	nameKey  string   // collation key
	prefix   string   // folded name + "\x00" + nameKey
	pinyin   []string // spelling or initials + "\x00" + nameKey
	history  []Revision
	contacts []Contact
}

// entry is an index item: a sort text and the customer number breaking ties.
type entry struct {
	text string
	num  Number
}

func entryLess(a, b entry) bool {
	if c := strings.Compare(a.text, b.text); c != 0 {
		return c < 0
	}
	return a.num.Compare(b.num) < 0
}

// Index names carried in cursors.
const (
	indexName   = "name"
	indexPrefix = "prefix"
	indexPinyin = "pinyin"
)

// NewMemStore returns an empty in-memory archive. It fails only if the default Validator
// cannot be built.
func NewMemStore(cfg Config) (*MemStore, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sequence == nil {
		cfg.Sequence = &Counter{}
	}
	if cfg.Validator == nil {
		v, err := NewValidator(cfg.Now)
		if err != nil {
			return nil, err
		}
		cfg.Validator = v
	}
	if cfg.Indexer == nil {
		cfg.Indexer = NewIndexer()
	}
	return &MemStore{
		now: cfg.Now, seq: cfg.Sequence, val: cfg.Validator, idx: cfg.Indexer,
		records:  make(map[Number]*record),
		identity: make(map[string]Number),
		mobiles:  make(map[string][]Number),
		byName:   btree.NewG(32, entryLess),
		byPrefix: btree.NewG(32, entryLess),
		byPinyin: btree.NewG(32, entryLess),
	}, nil
}

// keys computes the index texts of a name outside the store lock.
func (s *MemStore) keys(name string) (nameKey, prefix string, py []string) {
	nameKey = string(s.idx.NameKey(name))
	prefix = FoldName(name) + "\x00" + nameKey
	full, initials := s.idx.Spellings(name)
	py = make([]string, 0, len(full)+len(initials))
	for _, t := range append(full, initials...) {
		t += "\x00" + nameKey
		if !slices.Contains(py, t) {
			py = append(py, t)
		}
	}
	return nameKey, prefix, py
}

// normalize cleans what the store owns or normalises before validation.
func normalize(c Customer) Customer {
	c = c.Clone()
	if c.Individual != nil && c.Individual.DocType == DocResidentID {
		c.Individual.DocNumber = strings.ToUpper(c.Individual.DocNumber)
	}
	return c
}

// Register implements Store.
func (s *MemStore) Register(ctx context.Context, c Customer, by string) (Customer, error) {
	if err := ctx.Err(); err != nil {
		return Customer{}, err
	}
	c = normalize(c)
	if err := s.val.Validate(c); err != nil {
		return Customer{}, err
	}
	nameKey, prefix, py := s.keys(c.Name())
	idKey, idPath, idShown := identityKey(c)

	s.mu.Lock()
	defer s.mu.Unlock()
	if owner, ok := s.identity[idKey]; ok {
		return Customer{}, &DuplicateError{Field: idPath, Value: idShown, Existing: owner}
	}
	seq, err := s.seq.Next(ctx, c.Kind)
	if err != nil {
		return Customer{}, fmt.Errorf("customer: next number: %w", err)
	}
	num, err := NewNumber(c.Kind, seq)
	if err != nil {
		return Customer{}, fmt.Errorf("customer: next number: %w", err)
	}
	if _, taken := s.records[num]; taken {
		return Customer{}, fmt.Errorf("customer: sequence returned %s twice: %w", num, ErrDuplicate)
	}
	now := s.now()
	c.Number, c.Status, c.Version, c.CreatedAt, c.UpdatedAt = num, StatusActive, 1, now, now
	r := &record{cur: c, nameKey: nameKey, prefix: prefix, pinyin: py,
		history: []Revision{{Version: 1, At: now, By: by, Action: "register"}}}
	s.records[num] = r
	s.identity[idKey] = num
	s.addIndexes(r)
	return c.Clone(), nil
}

func mobileOf(c Customer) string {
	switch {
	case c.Individual != nil:
		return NormalizeMobile(c.Individual.Mobile)
	case c.Enterprise != nil:
		return NormalizeMobile(c.Enterprise.ContactMobile)
	}
	return ""
}

func (s *MemStore) addIndexes(r *record) {
	n := r.cur.Number
	s.byName.ReplaceOrInsert(entry{r.nameKey, n})
	s.byPrefix.ReplaceOrInsert(entry{r.prefix, n})
	for _, t := range r.pinyin {
		s.byPinyin.ReplaceOrInsert(entry{t, n})
	}
	m := mobileOf(r.cur)
	s.mobiles[m] = append(s.mobiles[m], n)
}

func (s *MemStore) removeIndexes(r *record) {
	n := r.cur.Number
	s.byName.Delete(entry{r.nameKey, n})
	s.byPrefix.Delete(entry{r.prefix, n})
	for _, t := range r.pinyin {
		s.byPinyin.Delete(entry{t, n})
	}
	m := mobileOf(r.cur)
	s.mobiles[m] = slices.DeleteFunc(s.mobiles[m], func(x Number) bool { return x == n })
	if len(s.mobiles[m]) == 0 {
		delete(s.mobiles, m)
	}
}

// Get implements Store.
func (s *MemStore) Get(ctx context.Context, n Number) (Customer, error) {
	if err := ctx.Err(); err != nil {
		return Customer{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.records[n]
	if !ok {
		return Customer{}, ErrNotFound
	}
	return r.cur.Clone(), nil
}

// Update implements Store.
func (s *MemStore) Update(ctx context.Context, c Customer, by string) (Customer, error) {
	if err := ctx.Err(); err != nil {
		return Customer{}, err
	}
	c = normalize(c)
	s.mu.RLock()
	r, ok := s.records[c.Number]
	var kind Kind
	if ok {
		kind = r.cur.Kind
	}
	s.mu.RUnlock()
	if !ok {
		return Customer{}, ErrNotFound
	}
	c.Kind = kind
	if err := s.val.Validate(c); err != nil {
		return Customer{}, err
	}
	nameKey, prefix, py := s.keys(c.Name())
	idKey, idPath, idShown := identityKey(c)

	s.mu.Lock()
	defer s.mu.Unlock()
	r = s.records[c.Number]
	old := r.cur
	if old.Status == StatusClosed {
		return Customer{}, ErrClosed
	}
	if c.Version != old.Version {
		return Customer{}, &VersionError{Number: c.Number, Expected: c.Version, Actual: old.Version}
	}
	oldKey, _, _ := identityKey(old)
	if idKey != oldKey {
		if owner, taken := s.identity[idKey]; taken {
			return Customer{}, &DuplicateError{Field: idPath, Value: idShown, Existing: owner}
		}
	}
	now := s.now()
	c.Status, c.CreatedAt, c.Version, c.UpdatedAt = old.Status, old.CreatedAt, old.Version+1, now
	s.removeIndexes(r)
	if idKey != oldKey {
		delete(s.identity, oldKey)
		s.identity[idKey] = c.Number
	}
	r.cur, r.nameKey, r.prefix, r.pinyin = c, nameKey, prefix, py
	s.addIndexes(r)
	r.history = append(r.history, Revision{Version: c.Version, At: now, By: by, Action: "update", Changes: diff(old, c)})
	return c.Clone(), nil
}

// Close implements Store.
func (s *MemStore) Close(ctx context.Context, n Number, version int64, by string) (Customer, error) {
	if err := ctx.Err(); err != nil {
		return Customer{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[n]
	if !ok {
		return Customer{}, ErrNotFound
	}
	if r.cur.Status == StatusClosed {
		return Customer{}, ErrClosed
	}
	if version != r.cur.Version {
		return Customer{}, &VersionError{Number: n, Expected: version, Actual: r.cur.Version}
	}
	now := s.now()
	old := r.cur
	r.cur.Status, r.cur.Version, r.cur.UpdatedAt = StatusClosed, old.Version+1, now
	r.history = append(r.history, Revision{Version: r.cur.Version, At: now, By: by, Action: "close",
		Changes: []Change{{Path: "status", Old: old.Status.String(), New: StatusClosed.String()}}})
	return r.cur.Clone(), nil
}

// History implements Store.
func (s *MemStore) History(ctx context.Context, n Number) ([]Revision, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.records[n]
	if !ok {
		return nil, ErrNotFound
	}
	out := make([]Revision, len(r.history))
	for i, h := range r.history {
		h.Changes = slices.Clone(h.Changes)
		out[i] = h
	}
	return out, nil
}

// AddContact implements Store.
func (s *MemStore) AddContact(ctx context.Context, n Number, ct Contact) (Contact, error) {
	if err := ctx.Err(); err != nil {
		return Contact{}, err
	}
	if ct.At.IsZero() {
		ct.At = s.now()
	}
	if err := s.val.ValidateContact(ct); err != nil {
		return Contact{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[n]
	if !ok {
		return Contact{}, ErrNotFound
	}
	i, _ := slices.BinarySearchFunc(r.contacts, ct.At, func(c Contact, t time.Time) int {
		if c.At.After(t) {
			return 1
		}
		return -1 // equal times keep insertion order
	})
	r.contacts = slices.Insert(r.contacts, i, ct)
	return ct, nil
}

// Contacts implements Store.
func (s *MemStore) Contacts(ctx context.Context, n Number) ([]Contact, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.records[n]
	if !ok {
		return nil, ErrNotFound
	}
	return slices.Clone(r.contacts), nil
}

// List implements Store.
func (s *MemStore) List(ctx context.Context, limit int, cursor string) (Page, error) {
	return s.Search(ctx, Query{Limit: limit, Cursor: cursor})
}

// Search implements Store.
func (s *MemStore) Search(ctx context.Context, q Query) (Page, error) {
	if err := ctx.Err(); err != nil {
		return Page{}, err
	}
	limit, err := checkLimit(q.Limit)
	if err != nil {
		return Page{}, err
	}
	f, err := ParseFilters(q.Filters)
	if err != nil {
		return Page{}, err
	}
	m, err := s.newMatcher(q, f)
	if err != nil {
		return Page{}, err
	}
	index, tree, start := indexName, s.byName, ""
	switch {
	case m.exact:
	case m.pinyin != "":
		index, tree, start = indexPinyin, s.byPinyin, m.pinyin
	case m.prefix != "":
		index, tree, start = indexPrefix, s.byPrefix, m.prefix
	}
	var after *entry
	if q.Cursor != "" {
		cur, err := DecodeCursor(q.Cursor)
		if err != nil {
			return Page{}, err
		}
		if cur.Index != index {
			return Page{}, &CursorError{Reason: "cursor belongs to another kind of query"}
		}
		after = &entry{string(cur.Key), cur.Number}
	}

	s.mu.RLock()
	defer s.mu.RUnlock()
	var hits []entry
	if m.exact {
		hits = s.exactHits(q, m, f, after, limit)
	} else {
		pivot := entry{text: start}
		if after != nil && entryLess(pivot, *after) {
			pivot = *after
		}
		tree.AscendGreaterOrEqual(pivot, func(e entry) bool {
			if !strings.HasPrefix(e.text, start) {
				return false
			}
			if after != nil && !entryLess(*after, e) {
				return true
			}
			r := s.records[e.num]
			if m.match(r, e.text, f) {
				hits = append(hits, e)
			}
			return len(hits) <= limit
		})
	}
	var p Page
	if len(hits) > limit {
		last := hits[limit-1]
		p.Next = Cursor{Index: index, Key: []byte(last.text), Number: last.num}.Encode()
		hits = hits[:limit]
	}
	p.Customers = make([]Customer, len(hits))
	for i, h := range hits {
		p.Customers[i] = s.records[h.num].cur.Clone()
	}
	return p, nil
}

// exactHits answers a query with an exact criterion from the maps, in name order.
func (s *MemStore) exactHits(q Query, m matcher, f Filter, after *entry, limit int) []entry {
	var cands []Number
	switch {
	case m.number != Number{}:
		cands = []Number{m.number}
	case q.IDNumber != "":
		for _, t := range docTypeNames {
			if n, ok := s.identity[t+":"+strings.ToUpper(q.IDNumber)]; ok {
				cands = append(cands, n)
			}
		}
	case q.CreditCode != "":
		if n, ok := s.identity["uscc:"+q.CreditCode]; ok {
			cands = append(cands, n)
		}
	default:
		cands = s.mobiles[NormalizeMobile(q.Mobile)]
	}
	var hits []entry
	for _, n := range cands {
		r, ok := s.records[n]
		if !ok || !m.match(r, "", f) {
			continue
		}
		e := entry{r.nameKey, n}
		if after != nil && !entryLess(*after, e) {
			continue
		}
		hits = append(hits, e)
	}
	slices.SortFunc(hits, func(a, b entry) int {
		return cmp.Or(strings.Compare(a.text, b.text), a.num.Compare(b.num))
	})
	if len(hits) > limit+1 {
		hits = hits[:limit+1]
	}
	return hits
}

// matcher holds the parsed text criteria of a Query.
type matcher struct {
	exact      bool
	number     Number
	idNumber   string
	creditCode string
	mobile     string
	prefix     string // folded
	pinyin     string // lower-case
	now        time.Time
}

func (s *MemStore) newMatcher(q Query, f Filter) (matcher, error) {
	m := matcher{now: s.now(), idNumber: strings.ToUpper(q.IDNumber), creditCode: q.CreditCode, mobile: NormalizeMobile(q.Mobile)}
	if q.Number != "" {
		n, err := ParseNumber(q.Number)
		if err != nil {
			return m, &QueryError{Field: "number", Reason: "not a valid customer number"}
		}
		m.number = n
	}
	m.exact = q.Number != "" || q.IDNumber != "" || q.CreditCode != "" || q.Mobile != ""
	if q.NamePrefix != "" {
		m.prefix = FoldName(q.NamePrefix)
		if m.prefix == "" || strings.ContainsFunc(m.prefix, func(r rune) bool { return r < 0x20 }) {
			return m, &QueryError{Field: "name_prefix", Reason: "must be printable text"}
		}
	}
	if q.Pinyin != "" {
		m.pinyin = strings.ToLower(q.Pinyin)
		for _, r := range m.pinyin {
			if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
				return m, &QueryError{Field: "pinyin", Reason: "must be Latin letters and digits"}
			}
		}
	}
	return m, nil
}

// match reports whether r passes every criterion. via is the pinyin-index text the record was
// reached through ("" otherwise): a record is reported only through its first matching
// pinyin text, so it appears once however many of its spellings match.
func (m matcher) match(r *record, via string, f Filter) bool {
	c := r.cur
	if !f.Match(c, m.now) {
		return false
	}
	if !m.number.IsZero() && c.Number != m.number {
		return false
	}
	if m.idNumber != "" && (c.Individual == nil || strings.ToUpper(c.Individual.DocNumber) != m.idNumber) {
		return false
	}
	if m.creditCode != "" && (c.Enterprise == nil || c.Enterprise.CreditCode != m.creditCode) {
		return false
	}
	if m.mobile != "" && mobileOf(c) != m.mobile {
		return false
	}
	if m.prefix != "" && !strings.HasPrefix(r.prefix, m.prefix) {
		return false
	}
	if m.pinyin != "" {
		first := ""
		for _, t := range r.pinyin {
			if strings.HasPrefix(t, m.pinyin) && (first == "" || t < first) {
				first = t
			}
		}
		if first == "" || via != "" && via != first {
			return false
		}
	}
	return true
}

// diff lists the JSON paths whose values differ between two versions of a customer, with
// identity numbers masked. Store-managed fields are left out.
func diff(old, cur Customer) []Change {
	a, b := flatten(old), flatten(cur)
	var out []Change
	for _, k := range sortedKeys(a, b) {
		switch k {
		case "version", "updated_at", "created_at", "status", "number":
			continue
		}
		if a[k] != b[k] {
			ov, nv := a[k], b[k]
			if strings.HasSuffix(k, "doc_number") {
				ov, nv = MaskID(ov), MaskID(nv)
			}
			out = append(out, Change{Path: k, Old: ov, New: nv})
		}
	}
	return out
}

func sortedKeys(a, b map[string]string) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func flatten(c Customer) map[string]string {
	out := map[string]string{}
	raw, err := json.Marshal(c)
	if err != nil {
		return out
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return out
	}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", prefix, i), e)
			}
		default:
			out[prefix] = fmt.Sprint(x)
		}
	}
	walk("", v)
	return out
}
