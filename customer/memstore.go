package customer

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Config holds the optional settings of NewMemStore. The zero value is the documented default.
type Config struct {
	Now       func() time.Time // clock; default time.Now
	Sequence  Sequence         // number source; default a new Counter
	Validator *Validator       // default NewValidator(Now)
	Indexer   *Indexer         // default NewIndexer()
}

// MemStore is the in-memory Store: hash tables for exact look-ups (see flatMap) and B+trees
// ordered by collation key, folded name and pinyin for pages and prefix search. It is safe
// for concurrent use. Build it with NewMemStore; the zero value is not usable.
//
// Layout, for an archive of millions: records live in chunks (one allocation per 256), an
// individual's details inside the record, and are found by number through a slice indexed by
// sequence. The trees hold one entry per distinct text, pointing at the names that have it;
// each name keeps the posting of its customers (see nameKeys), so registering a customer of
// a known name touches no tree. An entry carries the first 24 bytes of its sort text, so
// most comparisons in the trees never read the text itself (see sortedIndex).
type MemStore struct {
	now func() time.Time
	seq Sequence
	val *Validator
	idx *Indexer

	chunkMu sync.Mutex // guards chunk and free; taken alone or inside mu
	chunk   []record   // the chunk new records come from
	free    []*record  // records taken by a Register that failed, cleared

	mu       sync.RWMutex
	records  recordIndex
	texts    []textNames   // the chunk new index entries' values come from
	identity identityIndex // identity document or credit code → owner
	mobiles  multiIndex    // mobileKey of the normalised mobile → customers
	names    nameMap       // name → its index texts, shared by every record of that name
	byName   *sortedIndex
	byPrefix *sortedIndex
	byPinyin *sortedIndex
}

var _ Store = (*MemStore)(nil)

// record is one customer with its derived keys, history and contact log.
type record struct {
	cur  Customer
	keys *nameKeys  // shared by the records of one name: texts never change, the posting under mu
	by   string     // who registered it: the history, with cur.CreatedAt, until log has one
	log  *recordLog // nil until the first change or contact
	ind  Individual // an individual's details: cur.Individual points here
}

// recordLog is what most records never get: a history beyond the registration, contacts.
type recordLog struct {
	history  []Revision // history[0] is the registration; nil until a change
	contacts []Contact
}

// registration is the record's first revision.
func (r *record) registration() Revision {
	return Revision{Version: 1, At: r.cur.CreatedAt, By: r.by, Action: "register"}
}

// history returns the revisions, oldest first; the caller does not modify them.
func (r *record) history() []Revision {
	if r.log != nil && r.log.history != nil {
		return r.log.history
	}
	return []Revision{r.registration()}
}

// addRevision appends a revision to the history.
func (r *record) addRevision(rev Revision) {
	if r.log == nil {
		r.log = &recordLog{}
	}
	if r.log.history == nil {
		r.log.history = []Revision{r.registration()}
	}
	r.log.history = append(r.log.history, rev)
}

// set makes r.cur a copy of c that shares no memory with it: an individual's details are
// copied into r.ind, the tags and an enterprise's details into new memory.
func (r *record) set(c Customer) {
	if c.Tags != nil {
		c.Tags = append([]string(nil), c.Tags...)
	}
	if c.Individual != nil {
		r.ind = *c.Individual
		c.Individual = &r.ind
	}
	if c.Enterprise != nil {
		v := *c.Enterprise
		c.Enterprise = &v
	}
	r.cur = c
}

// nameKeys are the index texts of a name, carved from one string. Records with the same name
// share one nameKeys (MemStore.names), so their texts share memory: comparing the equal texts
// of two such records in an index stops at the pointers (strings.Compare sees the same data)
// instead of reading both texts, and a repeated name costs neither the keys' computation nor
// their memory again.
//
// A shared nameKeys also holds the posting of the name: its customers, by number (numKey)
// ascending, each with its record so that a page reads the record straight away. The
// indexes hold one entry per distinct text, pointing at the names that have it (see
// textNames), so registering another customer of a known name touches no index: it appends
// the number to the name's posting. A posting emptied by an Update stays, as do the
// names map and the index entries that reach it; a search skips it.
//
// The fields a registration reads come first, in the first 64 bytes of the allocation (size
// class 128): the name check, the posting and its last number, so that appending reads no
// other memory (the append itself writes the posting's tail).
type nameKeys struct {
	name    string // the name, its first nameHead bytes also in head
	head    [nameHead]byte
	posts   []posting // ascending by num
	last    uint64    // the last num of posts, 0 when empty
	nameKey string    // collation key (Indexer.NameKey)
	prefix  string    // folded name + "\x00" + nameKey
	pinyin  []string  // spelling or initials + "\x00" + nameKey, without repeats
}

// nameHead is how many bytes of a name nameKeys holds inline, enough for most names.
const nameHead = 16

// is reports whether k is the keys of name, reading the name's text only past nameHead bytes.
func (k *nameKeys) is(name string) bool {
	if len(name) != len(k.name) {
		return false
	}
	if len(name) <= nameHead {
		return string(k.head[:len(name)]) == name
	}
	return k.name == name
}

// nameMap finds the shared keys of a name by a 64-bit hash of it, checked against the keys
// (nameKeys.is): a probe compares integers, and the check reads the keys the caller reads
// next anyway. A name whose hash another holds goes to a map by name.
type nameMap struct {
	byHash flatMap[*nameKeys]
	other  map[string]*nameKeys
}

func (m *nameMap) get(name string) *nameKeys {
	if k, _ := m.byHash.get(maphash.String(keySeed, name)); k != nil && k.is(name) {
		return k
	}
	if len(m.other) == 0 {
		return nil
	}
	return m.other[name]
}

// put makes k the keys of name, which has none; it sets k.name and k.head.
func (m *nameMap) put(name string, k *nameKeys) {
	k.name = name
	copy(k.head[:], name)
	h := maphash.String(keySeed, name)
	if _, taken := m.byHash.get(h); !taken {
		m.byHash.put(h, k)
		return
	}
	if m.other == nil {
		m.other = make(map[string]*nameKeys)
	}
	m.other[name] = k
}

// len returns the number of names.
func (m *nameMap) len() int { return m.byHash.len() + len(m.other) }

// posting is one customer in a name's posting.
type posting struct {
	num uint64 // numKey
	rec *record
}

// search returns the position of the first posting with a number not below n, and whether
// it is n.
func search(ps []posting, n uint64) (int, bool) {
	return slices.BinarySearchFunc(ps, n, func(p posting, n uint64) int { return cmp.Compare(p.num, n) })
}

// add inserts customer n (record r) in the posting in order: nearly always an append, as
// numbers grow.
func (k *nameKeys) add(n uint64, r *record) {
	if n > k.last {
		k.posts = append(k.posts, posting{n, r})
		k.last = n
		return
	}
	if i, found := search(k.posts, n); !found {
		k.posts = slices.Insert(k.posts, i, posting{n, r})
	}
}

// remove deletes customer n from the posting, if present.
func (k *nameKeys) remove(n uint64) {
	if i, found := search(k.posts, n); found {
		k.posts = slices.Delete(k.posts, i, i+1)
		k.last = 0
		if l := len(k.posts); l > 0 {
			k.last = k.posts[l-1].num
		}
	}
}

// textNames is the value of an index entry: the names having its text. Every text includes
// the collation key, so only names with equal keys share one ("ZHANG San", "zhang san"):
// nearly always there is one name. The customers under a text are the union of the names'
// postings, in number order (see postsOf).
type textNames struct {
	first *nameKeys
	more  []*nameKeys
}

// postsOf returns the customers under a text in number order: the posting of its one name,
// or the merge of several (a new slice).
func (t *textNames) postsOf() []posting {
	if len(t.more) == 0 {
		return t.first.posts
	}
	out := slices.Clone(t.first.posts)
	for _, k := range t.more {
		out = append(out, k.posts...)
	}
	slices.SortFunc(out, func(a, b posting) int { return cmp.Compare(a.num, b.num) })
	return out
}

// recordChunk is how many records one allocation holds.
const recordChunk = 256

// recordIndex finds records by number: for the dense sequences a Counter hands out, pages of
// recordPage slots per kind indexed by sequence, allocated as sequences reach them (growing
// never copies the records' pointers); a map for any other sequence.
type recordIndex struct {
	dense  [3][]*[recordPage]*record // dense[kind][seq/recordPage][seq%recordPage]
	sparse map[Number]*record
}

// recordPage is how many records one page of a recordIndex finds (128 KiB of pointers).
const recordPage = 1 << 14

func (x *recordIndex) get(n Number) *record {
	if int(n.kind) < len(x.dense) {
		if p := n.seq / recordPage; p < uint64(len(x.dense[n.kind])) {
			if pg := x.dense[n.kind][p]; pg != nil {
				if r := pg[n.seq%recordPage]; r != nil {
					return r
				}
			}
		}
	}
	if len(x.sparse) == 0 {
		return nil
	}
	return x.sparse[n]
}

// put stores r under n, which get does not find. Pages are kept for sequences below twice
// the pages' reach (plus one page), so at most about half of them are ever missing; other
// sequences go to the map.
func (x *recordIndex) put(n Number, r *record) {
	d := &x.dense[n.kind]
	p := n.seq / recordPage
	if p >= uint64(len(*d)) {
		if p > 2*uint64(len(*d)) {
			if x.sparse == nil {
				x.sparse = make(map[Number]*record)
			}
			x.sparse[n] = r
			return
		}
		*d = append(*d, make([]*[recordPage]*record, int(p)+1-len(*d))...)
	}
	if (*d)[p] == nil {
		(*d)[p] = new([recordPage]*record)
	}
	(*d)[p][n.seq%recordPage] = r
}

// identity is the uniqueness key of an identity document (Doc is its type) or of a credit
// code (Doc 0).
type identity struct {
	Doc DocType
	ID  string
}

// entry is an index item: a sort text, its first 32 bytes big-endian (k0 to k3;
// zero-padded), a customer number (packed by numKey) breaking ties, and the text's names.
// The indexes hold one entry per text, with number 0 (a sortedIndex does not store it);
// entries with numbers are positions in a result order (cursors), compared with entryLess.
// 32 bytes hold the whole text of most Chinese names' entries, and tell apart the collation
// keys of Latin names that share a long start ("Customer A1234567": 22 bytes in common with
// its neighbours).
type entry struct {
	k0, k1, k2, k3 uint64
	text           string
	num            uint64
	names          *textNames
}

// headLen is how many bytes of the text an entry carries inline.
const headLen = 32

// numKey packs a number so that integer order is Number.Compare order.
func numKey(n Number) uint64 { return uint64(numberPrefix[n.kind])<<56 | n.seq }

// numOf is the Number of a numKey.
func numOf(k uint64) Number {
	kind := KindIndividual
	if byte(k>>56) == numberPrefix[KindEnterprise] {
		kind = KindEnterprise
	}
	return Number{kind: kind, seq: k & (1<<56 - 1)}
}

func newEntry(text string, num Number, t *textNames) entry {
	var b [headLen]byte
	copy(b[:], text)
	return entry{k0: binary.BigEndian.Uint64(b[:8]), k1: binary.BigEndian.Uint64(b[8:16]),
		k2: binary.BigEndian.Uint64(b[16:24]), k3: binary.BigEndian.Uint64(b[24:]),
		text: text, num: numKey(num), names: t}
}

// entryLess orders entries by text, then number. The heads decide unless they are equal;
// texts of at most headLen bytes with equal heads are equal or one is the other plus NUL
// bytes, so their lengths decide without reading the text.
func entryLess(a, b entry) bool {
	switch {
	case a.k0 != b.k0:
		return a.k0 < b.k0
	case a.k1 != b.k1:
		return a.k1 < b.k1
	case a.k2 != b.k2:
		return a.k2 < b.k2
	case a.k3 != b.k3:
		return a.k3 < b.k3
	case len(a.text) > headLen || len(b.text) > headLen:
		if c := strings.Compare(a.text, b.text); c != 0 {
			return c < 0
		}
	case len(a.text) != len(b.text):
		return len(a.text) < len(b.text)
	}
	return a.num < b.num
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
		identity: newIdentityIndex(),
		mobiles:  newMultiIndex(),
		names:    nameMap{},
		byName:   newSortedIndex(),
		byPrefix: newSortedIndex(),
		byPinyin: newSortedIndex(),
	}, nil
}

// keys computes the index texts of a name outside the store lock, in one string: the folded
// name, NUL and the collation key (prefix, whose tail is nameKey), then each distinct
// spelling or initials followed by NUL and the collation key — full spellings first, then
// initials, as Indexer.Spellings lists them.
func (s *MemStore) keys(name string) nameKeys {
	folded := FoldName(name)
	var fb, ib [64]byte
	sp := s.idx.spell(name, fb[:0], ib[:0])
	var stack [256]byte
	buf := append(stack[:0], folded...)
	buf = append(buf, 0)
	buf = s.idx.appendNameKey(buf, name)
	prefixEnd := len(buf)
	var spans [2 * maxSpellings][2]int
	n := 0
	for k := range 2 * sp.n {
		start := len(buf)
		if k < sp.n {
			buf = append(append(buf, sp.first[k]...), sp.restFull...)
		} else {
			buf = append(append(buf, sp.initial(k-sp.n)...), sp.restInit...)
		}
		buf = append(buf, 0)
		buf = append(buf, buf[len(folded)+1:prefixEnd]...)
		dup := false
		for _, o := range spans[:n] {
			dup = dup || string(buf[o[0]:o[1]]) == string(buf[start:])
		}
		if dup {
			buf = buf[:start]
			continue
		}
		spans[n] = [2]int{start, len(buf)}
		n++
	}
	all := string(buf)
	nk := nameKeys{nameKey: all[len(folded)+1 : prefixEnd], prefix: all[:prefixEnd], pinyin: make([]string, n)}
	for i, o := range spans[:n] {
		nk.pinyin[i] = all[o[0]:o[1]]
	}
	return nk
}

// keysOf returns the index texts of name: the shared ones of an earlier record of that name
// (shared is true), or new ones computed outside the store lock. The caller holds no lock.
//
// idHash and mobile are the keys (identityHash, mobileKey) of the identity and mobile table
// slots the caller will read under the write lock: they are read here first, together with
// the name's slot, so that the three cache misses overlap instead of following one another
// (see flatMap.peek).
func (s *MemStore) keysOf(name string, idHash, mobile uint64) (k *nameKeys, shared bool) {
	s.mu.RLock()
	t := s.identity.byHash.peek(idHash) ^ s.mobiles.one.peek(mobile)
	k = s.names.get(name)
	runtime.KeepAlive(t) // t is not needed, but its loads are
	s.mu.RUnlock()
	if k == nil {
		nk := s.keys(name)
		return &nk, false
	}
	return k, true
}

// shareKeys returns the shared texts of name, making k the shared ones if name has none
// yet (another writer may have added them since keysOf): it adds k to the names of each of
// its texts in the indexes, adding the texts the indexes lack. The caller holds the write
// lock. The map keeps every name the store has indexed, a few dozen bytes per distinct name.
func (s *MemStore) shareKeys(name string, k *nameKeys) *nameKeys {
	if shared := s.names.get(name); shared != nil {
		return shared
	}
	s.index(s.byName, k.nameKey, k)
	s.index(s.byPrefix, k.prefix, k)
	for _, t := range k.pinyin {
		s.index(s.byPinyin, t, k)
	}
	s.names.put(name, k)
	return k
}

// textChunk is how many index entries' values one allocation holds.
const textChunk = 256

// index adds name k to text in t, adding the text (its value from the current chunk) if t
// lacks it. The caller holds the write lock.
func (s *MemStore) index(t *sortedIndex, text string, k *nameKeys) {
	if len(s.texts) == 0 {
		s.texts = make([]textNames, textChunk)
	}
	offer := &s.texts[0]
	tn := t.GetOrInsert(newEntry(text, Number{}, offer))
	if tn == offer {
		s.texts = s.texts[1:]
		tn.first = k
	} else {
		tn.more = append(tn.more, k)
	}
}

// normalize cleans what the store owns or normalises before validation.
func normalize(c Customer) Customer {
	c = c.Clone()
	normalizeOwned(&c)
	return c
}

// normalizeOwned normalises c in place; the caller owns c's memory.
func normalizeOwned(c *Customer) {
	if c.Individual != nil && c.Individual.DocType == DocResidentID {
		c.Individual.DocNumber = strings.ToUpper(c.Individual.DocNumber)
	}
}

// newRecord returns a zeroed record, not yet in the store: one a failed Register gave back,
// or the next of the current chunk.
func (s *MemStore) newRecord() *record {
	s.chunkMu.Lock()
	defer s.chunkMu.Unlock()
	if n := len(s.free); n > 0 {
		r := s.free[n-1]
		s.free = s.free[:n-1]
		return r
	}
	if len(s.chunk) == cap(s.chunk) {
		s.chunk = make([]record, 0, recordChunk)
	}
	s.chunk = s.chunk[:len(s.chunk)+1]
	return &s.chunk[len(s.chunk)-1]
}

// dropRecord gives back a record from newRecord that was not stored.
func (s *MemStore) dropRecord(r *record) {
	*r = record{}
	s.chunkMu.Lock()
	s.free = append(s.free, r)
	s.chunkMu.Unlock()
}

// Register implements Store.
func (s *MemStore) Register(ctx context.Context, c Customer, by string) (Customer, error) {
	if err := ctx.Err(); err != nil {
		return Customer{}, err
	}
	// The record's copy of c is the one deep copy the store keeps, made before validation
	// (which must see the normalised document number); a failure gives the record back.
	r := s.newRecord()
	r.set(c)
	normalizeOwned(&r.cur)
	c = r.cur
	if err := s.val.Validate(c); err != nil {
		s.dropRecord(r)
		return Customer{}, err
	}
	name := c.Name()
	idKey, idPath := identityKey(c)
	keys, shared := s.keysOf(name, identityHash(idKey), mobileKey(mobileOf(c)))

	s.mu.Lock()
	defer s.mu.Unlock()
	fail := func(err error) (Customer, error) {
		s.dropRecord(r)
		return Customer{}, err
	}
	if owner, ok := s.identity.get(idKey, &s.records); ok {
		return fail(&DuplicateError{Field: idPath, Value: identityShown(c), Existing: owner})
	}
	seq, err := s.seq.Next(ctx, c.Kind)
	if err != nil {
		return fail(fmt.Errorf("customer: next number: %w", err))
	}
	num, err := NewNumber(c.Kind, seq)
	if err != nil {
		return fail(fmt.Errorf("customer: next number: %w", err))
	}
	if s.records.get(num) != nil {
		return fail(fmt.Errorf("customer: sequence returned %s twice: %w", num, ErrDuplicate))
	}
	now := s.now()
	r.cur.Number, r.cur.Status, r.cur.Version, r.cur.CreatedAt, r.cur.UpdatedAt = num, StatusActive, 1, now, now
	if !shared {
		keys = s.shareKeys(name, keys)
	}
	r.keys = keys
	r.by = by // the registration revision: version 1 at CreatedAt (now)
	s.records.put(num, r)
	s.identity.put(idKey, num)
	s.addIndexes(r)
	return r.cur.Clone(), nil
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
	r.keys.add(numKey(n), r)
	s.mobiles.add(mobileKey(mobileOf(r.cur)), numKey(n))
}

func (s *MemStore) removeIndexes(r *record) {
	n := r.cur.Number
	r.keys.remove(numKey(n))
	s.mobiles.remove(mobileKey(mobileOf(r.cur)), numKey(n))
}

// Get implements Store.
func (s *MemStore) Get(ctx context.Context, n Number) (Customer, error) {
	if err := ctx.Err(); err != nil {
		return Customer{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.records.get(n)
	if r == nil {
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
	r := s.records.get(c.Number)
	var kind Kind
	if r != nil {
		kind = r.cur.Kind
	}
	s.mu.RUnlock()
	if r == nil {
		return Customer{}, ErrNotFound
	}
	c.Kind = kind
	if err := s.val.Validate(c); err != nil {
		return Customer{}, err
	}
	name := c.Name()
	idKey, idPath := identityKey(c)
	keys, _ := s.keysOf(name, identityHash(idKey), mobileKey(mobileOf(c)))

	s.mu.Lock()
	defer s.mu.Unlock()
	old := r.cur
	if old.Status == StatusClosed {
		return Customer{}, ErrClosed
	}
	if c.Version != old.Version {
		return Customer{}, &VersionError{Number: c.Number, Expected: c.Version, Actual: old.Version}
	}
	oldKey, _ := identityKey(old)
	if idKey != oldKey {
		if owner, taken := s.identity.get(idKey, &s.records); taken {
			return Customer{}, &DuplicateError{Field: idPath, Value: identityShown(c), Existing: owner}
		}
	}
	now := s.now()
	c.Status, c.CreatedAt, c.Version, c.UpdatedAt = old.Status, old.CreatedAt, old.Version+1, now
	s.removeIndexes(r)
	keys = s.shareKeys(name, keys)
	if idKey != oldKey {
		s.identity.remove(oldKey, c.Number)
		s.identity.put(idKey, c.Number)
	}
	changes := Diff(old, c) // before r.set: old's details may be r.ind
	r.set(c)
	r.keys = keys
	s.addIndexes(r)
	r.addRevision(Revision{Version: c.Version, At: now, By: by, Action: "update", Changes: changes})
	return c, nil // c is normalize's copy; r.set copied it
}

// Close implements Store.
func (s *MemStore) Close(ctx context.Context, n Number, version int64, by string) (Customer, error) {
	if err := ctx.Err(); err != nil {
		return Customer{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.records.get(n)
	if r == nil {
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
	r.addRevision(Revision{Version: r.cur.Version, At: now, By: by, Action: "close",
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
	r := s.records.get(n)
	if r == nil {
		return nil, ErrNotFound
	}
	hist := r.history()
	out := make([]Revision, len(hist))
	for i, h := range hist {
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
	r := s.records.get(n)
	if r == nil {
		return Contact{}, ErrNotFound
	}
	if r.log == nil {
		r.log = &recordLog{}
	}
	i, _ := slices.BinarySearchFunc(r.log.contacts, ct.At, func(c Contact, t time.Time) int {
		if c.At.After(t) {
			return 1
		}
		return -1 // equal times keep insertion order
	})
	r.log.contacts = slices.Insert(r.log.contacts, i, ct)
	return ct, nil
}

// Contacts implements Store.
func (s *MemStore) Contacts(ctx context.Context, n Number) ([]Contact, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.records.get(n)
	if r == nil {
		return nil, ErrNotFound
	}
	if r.log == nil {
		return nil, nil
	}
	return slices.Clone(r.log.contacts), nil
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
		e := newEntry(string(cur.Key), cur.Number, nil)
		after = &e
	}

	s.mu.RLock()
	defer s.mu.RUnlock()
	// hits holds up to limit+1 matches; lastText is the sort text of the limit-th, which the
	// next page's cursor starts after.
	var hits []*record
	var lastText string
	if m.exact {
		es := s.exactHits(q, m, f, after, limit)
		hits = make([]*record, len(es))
		for i, h := range es {
			hits[i] = h.rec
			if i == limit-1 {
				lastText = h.text
			}
		}
	} else {
		// The index holds texts in order, each with its customers in number order: the
		// result order is text, then number. The cursor's text is entered after its number.
		hits = make([]*record, 0, limit+1)
		pivot := newEntry(start, Number{}, nil)
		if after != nil && after.text > start {
			pivot = newEntry(after.text, Number{}, nil)
		}
		tree.AscendGreaterOrEqual(pivot, func(e entry) bool {
			if !strings.HasPrefix(e.text, start) {
				return false
			}
			posts := e.names.postsOf()
			if after != nil && e.text == after.text {
				i, found := search(posts, after.num)
				if found {
					i++
				}
				posts = posts[i:]
			}
			for _, p := range posts {
				r := p.rec
				if m.match(r, e.text, f) {
					hits = append(hits, r)
					if len(hits) == limit {
						lastText = e.text
					} else if len(hits) > limit {
						return false
					}
				}
			}
			return true
		})
	}
	var p Page
	if len(hits) > limit {
		p.Next = Cursor{Index: index, Key: []byte(lastText), Number: hits[limit-1].cur.Number}.Encode()
		hits = hits[:limit]
	}
	p.Customers = clonePage(hits)
	return p, nil
}

// clonePage returns deep copies of the records' customers, with the individuals' and
// enterprises' copies allocated together: one allocation per page instead of one per
// customer. Each copy still has its own memory.
func clonePage(recs []*record) []Customer {
	var ni, ne int
	for _, r := range recs {
		if r.cur.Individual != nil {
			ni++
		}
		if r.cur.Enterprise != nil {
			ne++
		}
	}
	inds, ents := make([]Individual, ni), make([]Enterprise, ne)
	out := make([]Customer, len(recs))
	for i, r := range recs {
		c := r.cur
		if c.Tags != nil {
			c.Tags = append([]string(nil), c.Tags...)
		}
		if c.Individual != nil {
			inds[0] = *c.Individual
			c.Individual, inds = &inds[0], inds[1:]
		}
		if c.Enterprise != nil {
			ents[0] = *c.Enterprise
			c.Enterprise, ents = &ents[0], ents[1:]
		}
		out[i] = c
	}
	return out
}

// exactHit is a record found by an exact criterion, with its name key.
type exactHit struct {
	text string
	num  uint64
	rec  *record
}

// exactHits answers a query with an exact criterion from the maps, in name order.
func (s *MemStore) exactHits(q Query, m matcher, f Filter, after *entry, limit int) []exactHit {
	var cands []Number
	switch {
	case m.number != Number{}:
		cands = []Number{m.number}
	case q.IDNumber != "":
		id := strings.ToUpper(q.IDNumber)
		for t := range DocType(len(docTypeNames)) {
			if n, ok := s.identity.get(identity{Doc: t + 1, ID: id}, &s.records); ok {
				cands = append(cands, n)
			}
		}
	case q.CreditCode != "":
		if n, ok := s.identity.get(identity{ID: q.CreditCode}, &s.records); ok {
			cands = append(cands, n)
		}
	default:
		cands = s.mobiles.all(mobileKey(NormalizeMobile(q.Mobile)))
	}
	var hits []exactHit
	for _, n := range cands {
		r := s.records.get(n)
		if r == nil || !m.match(r, "", f) {
			continue
		}
		h := exactHit{text: r.keys.nameKey, num: numKey(n), rec: r}
		if after != nil && h.compare(after.text, after.num) <= 0 {
			continue
		}
		hits = append(hits, h)
	}
	slices.SortFunc(hits, func(a, b exactHit) int { return a.compare(b.text, b.num) })
	if len(hits) > limit+1 {
		hits = hits[:limit+1]
	}
	return hits
}

// compare orders h against the position (text, num): text, then number.
func (h exactHit) compare(text string, num uint64) int {
	if c := strings.Compare(h.text, text); c != 0 {
		return c
	}
	return cmp.Compare(h.num, num)
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
	if m.prefix != "" && !strings.HasPrefix(r.keys.prefix, m.prefix) {
		return false
	}
	if m.pinyin != "" {
		first := ""
		for _, t := range r.keys.pinyin {
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

// Diff lists the JSON paths whose values differ between two versions of a customer, in
// path order, with identity numbers masked; the fields a Store manages (number, status,
// version, created and updated times) are left out. It is the Changes of the Revision an
// update records, so every Store implementation keeps the same history.
func Diff(old, cur Customer) []Change {
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
