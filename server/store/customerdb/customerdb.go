package customerdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/server/pii"
	"github.com/creditkit/creditkit/server/store"
	"github.com/creditkit/creditkit/tree"
)

// Config holds the settings of New. Keyring is required; the zero value of every other
// field is the documented default.
type Config struct {
	// Keyring seals the personal data the archive stores (identity numbers, credit codes,
	// mobiles, e-mails, street addresses) and computes the blind indexes its exact
	// look-ups use; see seal.go. Required.
	Keyring *pii.Keyring
	// Now stamps records and measures ages; nil means time.Now.
	Now func() time.Time
	// Validator checks customers and contacts; nil means customer.NewValidator(Now).
	Validator *customer.Validator
	// Indexer computes name keys and spellings; nil means customer.NewIndexer().
	Indexer *customer.Indexer
}

// Repo is the customer archive and the customer tree in a store.Store. It is safe for
// concurrent use. Build it with New.
type Repo struct {
	st   *store.Store
	now  func() time.Time
	val  *customer.Validator
	idx  *customer.Indexer
	ring *pii.Keyring

	numbers map[customer.Kind]*store.Ahead // customer numbers drawn ahead, per kind (Assign)
	nodes   *store.Ahead                   // node IDs drawn ahead (NewNodeID)
}

var _ customer.Store = (*Repo)(nil)

// New returns a Repo over st, whose schema must include migration 0007. Rows written
// before 0007 hold personal data in plaintext: New seals them first (SealPlaintext), in
// batches, so when it returns nothing in the archive is left in plaintext. It fails without
// a Keyring, when the default Validator cannot be built, or when the sealing fails (a value
// lost in the middle is impossible: each batch is one transaction).
func New(st *store.Store, cfg Config) (*Repo, error) {
	if st == nil {
		return nil, errors.New("customerdb: nil store")
	}
	if cfg.Keyring == nil {
		return nil, errors.New("customerdb: a Keyring is required to seal personal data")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Validator == nil {
		v, err := customer.NewValidator(cfg.Now)
		if err != nil {
			return nil, fmt.Errorf("customerdb: %w", err)
		}
		cfg.Validator = v
	}
	if cfg.Indexer == nil {
		cfg.Indexer = customer.NewIndexer()
	}
	r := &Repo{st: st, now: cfg.Now, val: cfg.Validator, idx: cfg.Indexer, ring: cfg.Keyring,
		numbers: map[customer.Kind]*store.Ahead{
			customer.KindIndividual: st.Ahead(numberSequence(customer.KindIndividual)),
			customer.KindEnterprise: st.Ahead(numberSequence(customer.KindEnterprise)),
		},
		nodes: st.Ahead(nodeSequence)}
	if _, err := r.SealPlaintext(context.Background()); err != nil {
		return nil, err
	}
	return r, nil
}

// Indexer returns the Indexer the Repo computes its keys with.
func (r *Repo) Indexer() *customer.Indexer { return r.idx }

// Draft is a customer that passed validation, with its keys computed: what RegisterTx and
// UpdateTx store. Make one with Prepare or PrepareUpdate, outside any transaction; Assign
// gives a new customer's draft its number ahead of the transaction.
type Draft struct {
	c customer.Customer
	k keys

	// Set by assign: the record as RegisterTx stores it, sealed under the key sealedBy.
	data     []byte
	sealedBy string
}

// Customer returns a copy of the customer the draft holds: after Assign, exactly as
// RegisterTx will store it.
func (d Draft) Customer() customer.Customer { return d.c.Clone() }

// Prepare normalises and validates a new customer c and computes its keys. Invalid input
// gives a *customer.ValidationError.
func (r *Repo) Prepare(c customer.Customer) (Draft, error) {
	c = normalize(c)
	if err := r.val.Validate(c); err != nil {
		return Draft{}, err
	}
	return Draft{c: c, k: r.keysOf(c)}, nil
}

// PrepareUpdate is Prepare for a new version of the customer c.Number: the kind is the
// number's. It fails with ErrNotFound for a zero number and a *customer.ValidationError
// for invalid input.
func (r *Repo) PrepareUpdate(c customer.Customer) (Draft, error) {
	if c.Number.IsZero() {
		return Draft{}, customer.ErrNotFound
	}
	c.Kind = c.Number.Kind()
	return r.Prepare(c)
}

const customerColumns = `number, ord, kind, status, name, name_key, prefix_key, branch, officer,
	identity, doc_id, mobile, birth, region, node, version, created_at, updated_at, data, pii_key`

// Register implements customer.Store: Prepare and Assign, then RegisterTx in a transaction
// of its own, without a place in the tree.
func (r *Repo) Register(ctx context.Context, c customer.Customer, by string) (customer.Customer, error) {
	if err := ctx.Err(); err != nil {
		return customer.Customer{}, err
	}
	d, err := r.Prepare(c)
	if err != nil {
		return customer.Customer{}, err
	}
	if d, err = r.Assign(ctx, d); err != nil {
		return customer.Customer{}, err
	}
	var out customer.Customer
	err = r.st.Tx(ctx, func(tx *sql.Tx) (err error) {
		out, err = r.RegisterTx(ctx, tx, d, by, 0)
		return err
	})
	return out, err
}

// Assign gives a new customer's draft its number, drawn ahead of any transaction (see
// store.Ahead), stamps it version 1, active, created now, and seals its record: RegisterTx
// of the draft then draws nothing and encodes nothing, which keeps a writer's transaction
// to its statements. It must not be called inside a transaction of the Repo's store. A
// draft that is never registered leaves a gap in the numbers. It fails with
// customer.ErrSequenceExhausted when the kind has no numbers left.
func (r *Repo) Assign(ctx context.Context, d Draft) (Draft, error) {
	return r.assign(d, func() (int64, error) {
		a := r.numbers[d.c.Kind]
		if a == nil {
			return 0, fmt.Errorf("no sequence for kind %v", d.c.Kind)
		}
		return a.Next(ctx)
	})
}

// assign is Assign with the sequence value from next.
func (r *Repo) assign(d Draft, next func() (int64, error)) (Draft, error) {
	if d.k.identity == "" {
		return Draft{}, errors.New("customerdb: register: the draft was not made by Prepare")
	}
	seq, err := next()
	if err != nil {
		return Draft{}, fmt.Errorf("customerdb: next number: %w", err)
	}
	if seq > customer.MaxSequence {
		return Draft{}, fmt.Errorf("customerdb: %v: %w", d.c.Kind, customer.ErrSequenceExhausted)
	}
	num, err := customer.NewNumber(d.c.Kind, uint64(seq))
	if err != nil {
		return Draft{}, fmt.Errorf("customerdb: next number: %w", err)
	}
	now := r.now().UTC()
	c := d.c.Clone()
	c.Number, c.Status, c.Version, c.CreatedAt, c.UpdatedAt = num, customer.StatusActive, 1, now, now
	d.c, d.sealedBy = c, r.ring.ActiveID() // the key before sealing: a rotation meanwhile re-seals the row
	if d.data, err = sealCustomer(r.ring, c); err != nil {
		return Draft{}, err
	}
	return d, nil
}

// NewNodeID draws the ID of a new node ahead of any transaction, as Assign draws numbers
// (see store.Ahead); NextNodeID draws one inside a transaction.
func (r *Repo) NewNodeID(ctx context.Context) (tree.ID, error) {
	v, err := r.nodes.Next(ctx)
	if err != nil {
		return 0, fmt.Errorf("customerdb: next node ID: %w", err)
	}
	return tree.ID(v), nil
}

// numberSequence names the sequence customer numbers of kind k are drawn from.
func numberSequence(k customer.Kind) string { return "customer." + k.String() }

// RegisterTx stores the drafted customer inside tx as version 1, active, with its
// spellings and tags, and its first revision by by. A draft from Assign keeps the number it
// was given; any other draws one inside tx from the sequence of its kind. node is the
// customer's tree node (0: not placed); the caller inserts the node itself. It fails with a
// *customer.DuplicateError when another customer holds the same identity document or
// credit code, and customer.ErrSequenceExhausted; tx has then written nothing but the
// number it drew (so a caller may commit tx with other work, leaving a gap in the numbers).
func (r *Repo) RegisterTx(ctx context.Context, tx *sql.Tx, d Draft, by string, node tree.ID) (customer.Customer, error) {
	if d.data == nil {
		var err error
		d, err = r.assign(d, func() (int64, error) { return r.st.NextInSequence(ctx, tx, numberSequence(d.c.Kind)) })
		if err != nil {
			return customer.Customer{}, err
		}
	}
	c, k, num, now := d.c.Clone(), d.k, d.c.Number, d.c.CreatedAt
	if len(r.ring.IDs()) > 1 {
		// Mid-rotation, the identity may be indexed under an older key, which the UNIQUE
		// constraint on the active key's index does not see.
		if err := r.checkIdentity(ctx, tx, k, customer.Number{}); err != nil {
			return customer.Customer{}, err
		}
	}
	var nodeArg any
	if node != 0 {
		nodeArg = int64(node)
	}
	res, err := r.st.TxExec(ctx, tx, `INSERT INTO customers (`+customerColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (identity) DO NOTHING`,
		num.String(), ord(num), c.Kind.String(), c.Status.String(), k.name, k.nameKey, k.prefixKey,
		c.Branch, c.Officer, k.identity, k.docID, k.mobile, k.birth, k.region, nodeArg,
		c.Version, now.UnixNano(), now.UnixNano(), string(d.data), d.sealedBy)
	if err != nil {
		return customer.Customer{}, fmt.Errorf("customerdb: insert %s: %w", num, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return customer.Customer{}, fmt.Errorf("customerdb: insert %s: %w", num, err)
	} else if n == 0 {
		// Another customer holds the identity: name it.
		if err := r.checkIdentity(ctx, tx, k, customer.Number{}); err != nil {
			return customer.Customer{}, err
		}
		return customer.Customer{}, fmt.Errorf("customerdb: insert %s: identity %s taken: %w", num, k.idShown, customer.ErrDuplicate)
	}
	if err := r.insertSpellings(ctx, tx, num, k); err != nil {
		return customer.Customer{}, err
	}
	if err := r.insertTags(ctx, tx, num, k.tags); err != nil {
		return customer.Customer{}, err
	}
	if err := r.insertRevision(ctx, tx, num, customer.Revision{Version: 1, At: now, By: by, Action: "register"}); err != nil {
		return customer.Customer{}, err
	}
	return c, nil
}

// checkIdentity fails with a *customer.DuplicateError when a customer other than self holds
// the identity of k, indexed under any key of the ring.
func (r *Repo) checkIdentity(ctx context.Context, tx *sql.Tx, k keys, self customer.Number) error {
	var selfOrd int64 = -1
	if !self.IsZero() {
		selfOrd = ord(self)
	}
	idx := r.ring.Indexes(indexIdentity, k.idValue)
	args := make([]any, 0, len(idx)+1)
	for _, x := range idx {
		args = append(args, x)
	}
	args = append(args, selfOrd)
	var owner string
	err := r.st.TxQueryRow(ctx, tx, `SELECT number FROM customers WHERE identity IN (`+placeholders(len(idx))+`)
		AND ord <> ? LIMIT 1`, args...).Scan(&owner)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("customerdb: identity check: %w", err)
	}
	n, err := customer.ParseNumber(owner)
	if err != nil {
		return fmt.Errorf("customerdb: stored number %q: %w", owner, err)
	}
	return &customer.DuplicateError{Field: k.idPath, Value: k.idShown, Existing: n}
}

// insertSpellingRows and insertTagRows insert a customer's spellings (at most eight: full
// spelling and initials of up to four readings) and tags (at most 32).
var (
	insertSpellingRows = store.InsertRows(`INSERT INTO customer_spellings (spelling, ord) VALUES `, 2, 8)
	insertTagRows      = store.InsertRows(`INSERT INTO customer_tags (ord, tag) VALUES `, 2, 32)
)

func (r *Repo) insertSpellings(ctx context.Context, tx *sql.Tx, num customer.Number, k keys) error {
	args := make([]any, 0, 2*len(k.spellings))
	for _, s := range k.spellings {
		args = append(args, s, ord(num))
	}
	if err := r.st.TxInsert(ctx, tx, insertSpellingRows, args); err != nil {
		return fmt.Errorf("customerdb: spellings of %s: %w", num, err)
	}
	return nil
}

func (r *Repo) insertTags(ctx context.Context, tx *sql.Tx, num customer.Number, tags []string) error {
	args := make([]any, 0, 2*len(tags))
	for _, t := range tags {
		args = append(args, ord(num), t)
	}
	if err := r.st.TxInsert(ctx, tx, insertTagRows, args); err != nil {
		return fmt.Errorf("customerdb: tags of %s: %w", num, err)
	}
	return nil
}

func (r *Repo) insertRevision(ctx context.Context, tx *sql.Tx, num customer.Number, rev customer.Revision) error {
	b, key, err := sealChanges(r.ring, num.String(), rev.Version, rev.Changes)
	if err != nil {
		return err
	}
	if _, err := r.st.TxExec(ctx, tx, `INSERT INTO customer_revisions (number, version, at, actor, action, changes, pii_key)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, num.String(), rev.Version, rev.At.UnixNano(), rev.By, rev.Action, string(b), key); err != nil {
		return fmt.Errorf("customerdb: revision of %s: %w", num, err)
	}
	return nil
}

// Record is a stored customer with its place in the tree.
type Record struct {
	Customer customer.Customer
	Node     tree.ID // 0 when the customer has no node
}

// Get implements customer.Store.
func (r *Repo) Get(ctx context.Context, n customer.Number) (customer.Customer, error) {
	rec, err := r.Lookup(ctx, n)
	return rec.Customer, err
}

// Lookup returns the customer with number n and its tree node, reading committed data, or
// customer.ErrNotFound.
func (r *Repo) Lookup(ctx context.Context, n customer.Number) (Record, error) {
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	return r.scanRecord(n, r.st.LookupRow(ctx, `SELECT data, node, pii_key FROM customers WHERE ord = ?`, ord(n)))
}

// LookupTx is Lookup inside tx: it sees tx's own writes.
func (r *Repo) LookupTx(ctx context.Context, tx *sql.Tx, n customer.Number) (Record, error) {
	return r.scanRecord(n, r.st.TxQueryRow(ctx, tx, `SELECT data, node, pii_key FROM customers WHERE ord = ?`, ord(n)))
}

// Ref is what other records need of a customer — its kind, status, branch, officer,
// region (the province of its address) and tree node — read from the columns beside the
// stored JSON, without decoding it or opening its personal data.
type Ref struct {
	Number  customer.Number
	Kind    customer.Kind
	Status  customer.Status
	Branch  string
	Officer string
	Region  string
	Node    tree.ID // 0 when the customer has no node
}

// Ref returns the reference of the customer with number n, reading committed data, or
// customer.ErrNotFound.
func (r *Repo) Ref(ctx context.Context, n customer.Number) (Ref, error) {
	var (
		ref          = Ref{Number: n}
		kind, status string
		node         sql.NullInt64
	)
	err := r.st.LookupRow(ctx, `SELECT kind, status, branch, officer, region, node FROM customers WHERE ord = ?`, ord(n)).
		Scan(&kind, &status, &ref.Branch, &ref.Officer, &ref.Region, &node)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Ref{}, customer.ErrNotFound
	case err != nil:
		return Ref{}, fmt.Errorf("customerdb: get %s: %w", n, err)
	}
	return ref.set(kind, status, node)
}

// set sets the kind, status and node of ref from their stored forms.
func (ref Ref) set(kind, status string, node sql.NullInt64) (Ref, error) {
	if err := ref.Kind.UnmarshalText([]byte(kind)); err != nil {
		return Ref{}, fmt.Errorf("customerdb: customer %s: %w", ref.Number, err)
	}
	if err := ref.Status.UnmarshalText([]byte(status)); err != nil {
		return Ref{}, fmt.Errorf("customerdb: customer %s: %w", ref.Number, err)
	}
	ref.Node = tree.ID(node.Int64)
	return ref, nil
}

// maxRefsPerQuery bounds the customers one query of RefsTx reads.
const maxRefsPerQuery = 256

// RefsTx returns the references of those customers numbered ns that exist, read in tx,
// by number: one query per 256 customers, for a writer that checks the customers of many
// requests in the transaction that stores their work. Repeated numbers are read once.
func (r *Repo) RefsTx(ctx context.Context, tx *sql.Tx, ns []customer.Number) (map[customer.Number]Ref, error) {
	refs := make(map[customer.Number]Ref, len(ns))
	for len(ns) > 0 {
		chunk := ns[:min(len(ns), maxRefsPerQuery)]
		ns = ns[len(chunk):]
		// The list is padded to a power of two with its last number, so that a handful
		// of statement texts serve every batch and stay prepared.
		size := 1
		for size < len(chunk) {
			size *= 2
		}
		args := make([]any, size)
		for i := range args {
			args[i] = ord(chunk[min(i, len(chunk)-1)])
		}
		if err := r.scanRefs(ctx, tx, size, args, refs); err != nil {
			return nil, err
		}
	}
	return refs, nil
}

func (r *Repo) scanRefs(ctx context.Context, tx *sql.Tx, size int, args []any, refs map[customer.Number]Ref) error {
	rows, err := r.st.TxQuery(ctx, tx, `SELECT ord, kind, status, branch, officer, region, node FROM customers
		WHERE ord IN (`+placeholders(size)+`)`, args...)
	if err != nil {
		return fmt.Errorf("customerdb: read customers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			o            int64
			ref          Ref
			kind, status string
			node         sql.NullInt64
		)
		if err := rows.Scan(&o, &kind, &status, &ref.Branch, &ref.Officer, &ref.Region, &node); err != nil {
			return fmt.Errorf("customerdb: read customers: %w", err)
		}
		if ref.Number, err = numberOf(o); err != nil {
			return err
		}
		if ref, err = ref.set(kind, status, node); err != nil {
			return err
		}
		refs[ref.Number] = ref
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("customerdb: read customers: %w", err)
	}
	return nil
}

// RawRecord is a stored customer as its JSON, undecoded: what encoding/json writes for the
// customer.Customer (its personal data opened), with the tree node and version alongside.
type RawRecord struct {
	JSON    []byte
	Node    tree.ID // 0 when the customer has no node
	Version int64
}

// GetJSON returns the JSON of the customer with number n as stored, its personal data
// opened in place, without decoding the rest; or customer.ErrNotFound.
func (r *Repo) GetJSON(ctx context.Context, n customer.Number) (RawRecord, error) {
	var (
		raw  RawRecord
		node sql.NullInt64
		key  sql.NullString
	)
	err := r.st.LookupRow(ctx, `SELECT data, node, version, pii_key FROM customers WHERE ord = ?`, ord(n)).Scan(&raw.JSON, &node, &raw.Version, &key)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return RawRecord{}, customer.ErrNotFound
	case err != nil:
		return RawRecord{}, fmt.Errorf("customerdb: get %s: %w", n, err)
	}
	raw.Node = tree.ID(node.Int64)
	if key.Valid {
		if raw.JSON, err = openJSON(r.ring, n, raw.JSON); err != nil {
			return RawRecord{}, err
		}
	}
	return raw, nil
}

func (r *Repo) scanRecord(n customer.Number, row *sql.Row) (Record, error) {
	var (
		data []byte
		node sql.NullInt64
		key  sql.NullString
	)
	err := row.Scan(&data, &node, &key)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Record{}, customer.ErrNotFound
	case err != nil:
		return Record{}, fmt.Errorf("customerdb: get %s: %w", n, err)
	}
	c, err := decodeCustomer(data)
	if err != nil {
		return Record{}, err
	}
	if key.Valid {
		if err := openCustomer(r.ring, n.String(), &c); err != nil {
			return Record{}, err
		}
	}
	return Record{Customer: c, Node: tree.ID(node.Int64)}, nil
}

func decodeCustomer(data []byte) (customer.Customer, error) {
	var c customer.Customer
	if err := json.Unmarshal(data, &c); err != nil {
		return customer.Customer{}, fmt.Errorf("customerdb: decode stored customer: %w", err)
	}
	return c, nil
}

// Update implements customer.Store: PrepareUpdate, then UpdateTx in a transaction of its
// own.
func (r *Repo) Update(ctx context.Context, c customer.Customer, by string) (customer.Customer, error) {
	if err := ctx.Err(); err != nil {
		return customer.Customer{}, err
	}
	d, err := r.PrepareUpdate(c)
	if err != nil {
		return customer.Customer{}, err
	}
	var out Record
	err = r.st.Tx(ctx, func(tx *sql.Tx) (err error) {
		out, _, err = r.UpdateTx(ctx, tx, d, by)
		return err
	})
	return out.Customer, err
}

// UpdateTx stores the drafted customer as the next version of the customer d.Number inside
// tx, if d's Version is the stored one, keeping the number, kind, status and creation
// time, and appends the revision with the changed fields. It returns the new record and the
// previous version of the customer. Errors: customer.ErrNotFound, customer.ErrClosed,
// *customer.VersionError, *customer.DuplicateError (another customer holds the new identity
// document or credit code).
func (r *Repo) UpdateTx(ctx context.Context, tx *sql.Tx, d Draft, by string) (Record, customer.Customer, error) {
	c := d.c.Clone()
	if d.k.identity == "" {
		return Record{}, customer.Customer{}, errors.New("customerdb: update: the draft was not made by PrepareUpdate")
	}
	cur, err := r.LookupTx(ctx, tx, c.Number)
	if err != nil {
		return Record{}, customer.Customer{}, err
	}
	old := cur.Customer
	if old.Status == customer.StatusClosed {
		return Record{}, customer.Customer{}, customer.ErrClosed
	}
	if c.Version != old.Version {
		return Record{}, customer.Customer{}, &customer.VersionError{Number: c.Number, Expected: c.Version, Actual: old.Version}
	}
	if err := r.checkIdentity(ctx, tx, d.k, c.Number); err != nil {
		return Record{}, customer.Customer{}, err
	}
	now := r.now().UTC()
	c.Status, c.CreatedAt, c.Version, c.UpdatedAt = old.Status, old.CreatedAt, old.Version+1, now
	data, err := sealCustomer(r.ring, c)
	if err != nil {
		return Record{}, customer.Customer{}, err
	}
	k := d.k
	res, err := r.st.TxExec(ctx, tx, `UPDATE customers SET name = ?, name_key = ?, prefix_key = ?,
		branch = ?, officer = ?, identity = ?, doc_id = ?, mobile = ?, birth = ?, region = ?, version = ?,
		updated_at = ?, data = ?, pii_key = ? WHERE ord = ? AND version = ?`,
		k.name, k.nameKey, k.prefixKey, c.Branch, c.Officer, k.identity, k.docID, k.mobile, k.birth,
		k.region, c.Version, now.UnixNano(), string(data), r.ring.ActiveID(), ord(c.Number), old.Version)
	if err != nil {
		return Record{}, customer.Customer{}, fmt.Errorf("customerdb: update %s: %w", c.Number, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return Record{}, customer.Customer{}, fmt.Errorf("customerdb: update %s: %w", c.Number, err)
	} else if n == 0 {
		return Record{}, customer.Customer{}, r.versionError(ctx, tx, c.Number, old.Version)
	}
	if k.name != old.Name() {
		if _, err := r.st.TxExec(ctx, tx, `DELETE FROM customer_spellings WHERE ord = ?`, ord(c.Number)); err != nil {
			return Record{}, customer.Customer{}, fmt.Errorf("customerdb: spellings of %s: %w", c.Number, err)
		}
		if err := r.insertSpellings(ctx, tx, c.Number, k); err != nil {
			return Record{}, customer.Customer{}, err
		}
	}
	if oldTags := tagsOf(old); !equalStrings(oldTags, k.tags) {
		if _, err := r.st.TxExec(ctx, tx, `DELETE FROM customer_tags WHERE ord = ?`, ord(c.Number)); err != nil {
			return Record{}, customer.Customer{}, fmt.Errorf("customerdb: tags of %s: %w", c.Number, err)
		}
		if err := r.insertTags(ctx, tx, c.Number, k.tags); err != nil {
			return Record{}, customer.Customer{}, err
		}
	}
	rev := customer.Revision{Version: c.Version, At: now, By: by, Action: "update", Changes: customer.Diff(old, c)}
	if err := r.insertRevision(ctx, tx, c.Number, rev); err != nil {
		return Record{}, customer.Customer{}, err
	}
	return Record{Customer: c, Node: cur.Node}, old, nil
}

// placeholders returns n comma-separated '?'.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// versionError explains an UPDATE ... WHERE version = expected that changed nothing.
func (r *Repo) versionError(ctx context.Context, tx *sql.Tx, n customer.Number, expected int64) error {
	var actual int64
	err := r.st.TxQueryRow(ctx, tx, `SELECT version FROM customers WHERE ord = ?`, ord(n)).Scan(&actual)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return customer.ErrNotFound
	case err != nil:
		return fmt.Errorf("customerdb: version of %s: %w", n, err)
	}
	return &customer.VersionError{Number: n, Expected: expected, Actual: actual}
}

// Close implements customer.Store with CloseTx in a transaction of its own.
func (r *Repo) Close(ctx context.Context, n customer.Number, version int64, by string) (customer.Customer, error) {
	if err := ctx.Err(); err != nil {
		return customer.Customer{}, err
	}
	var out Record
	err := r.st.Tx(ctx, func(tx *sql.Tx) (err error) {
		out, err = r.CloseTx(ctx, tx, n, version, by)
		return err
	})
	return out.Customer, err
}

// CloseTx marks the customer closed inside tx if version is the stored version, and
// appends the revision. Errors: customer.ErrNotFound, customer.ErrClosed,
// *customer.VersionError.
func (r *Repo) CloseTx(ctx context.Context, tx *sql.Tx, n customer.Number, version int64, by string) (Record, error) {
	cur, err := r.LookupTx(ctx, tx, n)
	if err != nil {
		return Record{}, err
	}
	c := cur.Customer
	if c.Status == customer.StatusClosed {
		return Record{}, customer.ErrClosed
	}
	if version != c.Version {
		return Record{}, &customer.VersionError{Number: n, Expected: version, Actual: c.Version}
	}
	now := r.now().UTC()
	old := c.Status
	c.Status, c.Version, c.UpdatedAt = customer.StatusClosed, c.Version+1, now
	data, err := sealCustomer(r.ring, c)
	if err != nil {
		return Record{}, err
	}
	// A row still in plaintext (pii_key NULL) gets its blind indexes too.
	id, doc, mobile := identityOf(c)
	id, doc, mobile = blindIndexes(r.ring, id, doc, mobile)
	res, err := r.st.TxExec(ctx, tx, `UPDATE customers SET status = ?, version = ?, updated_at = ?, data = ?,
		identity = ?, doc_id = ?, mobile = ?, pii_key = ? WHERE ord = ? AND version = ?`,
		c.Status.String(), c.Version, now.UnixNano(), string(data), id, doc, mobile, r.ring.ActiveID(), ord(n), version)
	if err != nil {
		return Record{}, fmt.Errorf("customerdb: close %s: %w", n, err)
	}
	if k, err := res.RowsAffected(); err != nil {
		return Record{}, fmt.Errorf("customerdb: close %s: %w", n, err)
	} else if k == 0 {
		return Record{}, r.versionError(ctx, tx, n, version)
	}
	rev := customer.Revision{Version: c.Version, At: now, By: by, Action: "close",
		Changes: []customer.Change{{Path: "status", Old: old.String(), New: c.Status.String()}}}
	if err := r.insertRevision(ctx, tx, n, rev); err != nil {
		return Record{}, err
	}
	return Record{Customer: c, Node: cur.Node}, nil
}

// History implements customer.Store.
func (r *Repo) History(ctx context.Context, n customer.Number) ([]customer.Revision, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := r.st.Query(ctx, `SELECT version, at, actor, action, changes, pii_key FROM customer_revisions
		WHERE number = ? ORDER BY version`, n.String())
	if err != nil {
		return nil, fmt.Errorf("customerdb: history of %s: %w", n, err)
	}
	defer rows.Close()
	var out []customer.Revision
	for rows.Next() {
		var (
			rev     customer.Revision
			at      int64
			changes []byte
			key     sql.NullString
		)
		if err := rows.Scan(&rev.Version, &at, &rev.By, &rev.Action, &changes, &key); err != nil {
			return nil, fmt.Errorf("customerdb: history of %s: %w", n, err)
		}
		rev.At = time.Unix(0, at).UTC()
		if err := json.Unmarshal(changes, &rev.Changes); err != nil {
			return nil, fmt.Errorf("customerdb: history of %s: %w", n, err)
		}
		if key.String != "" {
			if err := openChanges(r.ring, n.String(), rev.Version, rev.Changes); err != nil {
				return nil, err
			}
		}
		if len(rev.Changes) == 0 {
			rev.Changes = nil
		}
		out = append(out, rev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("customerdb: history of %s: %w", n, err)
	}
	if len(out) == 0 {
		// Every stored customer has its registration revision.
		return nil, customer.ErrNotFound
	}
	return out, nil
}

// Earliest contact time the archive stores: times are kept as Unix nanoseconds.
var minContactTime = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// AddContact implements customer.Store with AddContactTx in a transaction of its own.
func (r *Repo) AddContact(ctx context.Context, n customer.Number, ct customer.Contact) (customer.Contact, error) {
	if err := ctx.Err(); err != nil {
		return customer.Contact{}, err
	}
	var out customer.Contact
	err := r.st.Tx(ctx, func(tx *sql.Tx) (err error) {
		out, err = r.AddContactTx(ctx, tx, n, ct)
		return err
	})
	return out, err
}

// AddContactTx appends ct to the customer's contact log inside tx; a zero At means now.
// Errors: customer.ErrNotFound, *customer.ValidationError (including an At before 1900).
func (r *Repo) AddContactTx(ctx context.Context, tx *sql.Tx, n customer.Number, ct customer.Contact) (customer.Contact, error) {
	if ct.At.IsZero() {
		ct.At = r.now()
	}
	if err := r.val.ValidateContact(ct); err != nil {
		return customer.Contact{}, err
	}
	if ct.At.Before(minContactTime) {
		return customer.Contact{}, &customer.ValidationError{Problems: []customer.Problem{{
			Path: "at", Rule: "min", Value: ct.At.Format(time.RFC3339),
			Message: "at must be from 1900 on", MessageZH: "联系时间不能早于1900年"}}}
	}
	res, err := r.st.TxExec(ctx, tx, `INSERT INTO customer_contacts (number, at, officer, channel, note)
		SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM customers WHERE ord = ?)`,
		n.String(), ct.At.UnixNano(), ct.Officer, ct.Channel.String(), ct.Note, ord(n))
	if err != nil {
		return customer.Contact{}, fmt.Errorf("customerdb: contact of %s: %w", n, err)
	}
	if k, err := res.RowsAffected(); err != nil {
		return customer.Contact{}, fmt.Errorf("customerdb: contact of %s: %w", n, err)
	} else if k == 0 {
		return customer.Contact{}, customer.ErrNotFound
	}
	return ct, nil
}

// Contacts implements customer.Store.
func (r *Repo) Contacts(ctx context.Context, n customer.Number) ([]customer.Contact, error) {
	var out []customer.Contact
	cursor := ""
	for {
		p, err := r.ContactsPage(ctx, n, MaxLimit, cursor)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Contacts...)
		if p.Next == "" {
			return out, nil
		}
		cursor = p.Next
	}
}

// ContactPage is one page of a contact log. Next is the cursor of the following page, ""
// on the last.
type ContactPage struct {
	Contacts []customer.Contact
	Next     string
}

// indexContacts names contact-log cursors.
const indexContacts = "contacts"

// ContactsPage returns one page of the customer's contact log in time order (entries of
// the same time in the order they were added). limit 0 means DefaultLimit; cursor is "" or
// the Next of an earlier page of the same customer. Errors: customer.ErrNotFound,
// *customer.QueryError for a bad limit, *customer.CursorError.
func (r *Repo) ContactsPage(ctx context.Context, n customer.Number, limit int, cursor string) (ContactPage, error) {
	if err := ctx.Err(); err != nil {
		return ContactPage{}, err
	}
	limit, err := checkLimit(limit)
	if err != nil {
		return ContactPage{}, err
	}
	q := `SELECT id, at, officer, channel, note FROM customer_contacts WHERE number = ?`
	args := []any{n.String()}
	if cursor != "" {
		cur, err := customer.DecodeCursor(cursor)
		if err != nil {
			return ContactPage{}, err
		}
		at, id, ok := decodeContactKey(cur.Key)
		if cur.Index != indexContacts || cur.Number != n || !ok {
			return ContactPage{}, &customer.CursorError{Reason: "cursor belongs to another query"}
		}
		q += ` AND (at, id) > (?, ?)`
		args = append(args, at, id)
	}
	q += ` ORDER BY at, id LIMIT ?`
	args = append(args, limit+1)
	rows, err := r.st.Query(ctx, q, args...)
	if err != nil {
		return ContactPage{}, fmt.Errorf("customerdb: contacts of %s: %w", n, err)
	}
	defer rows.Close()
	var (
		p      ContactPage
		lastAt int64
		lastID int64
	)
	for rows.Next() {
		var (
			id, at  int64
			channel string
			ct      customer.Contact
		)
		if err := rows.Scan(&id, &at, &ct.Officer, &channel, &ct.Note); err != nil {
			return ContactPage{}, fmt.Errorf("customerdb: contacts of %s: %w", n, err)
		}
		if len(p.Contacts) == limit {
			p.Next = customer.Cursor{Index: indexContacts, Key: encodeContactKey(lastAt, lastID), Number: n}.Encode()
			break
		}
		if err := ct.Channel.UnmarshalText([]byte(channel)); err != nil {
			return ContactPage{}, fmt.Errorf("customerdb: contacts of %s: %w", n, err)
		}
		ct.At = time.Unix(0, at).UTC()
		p.Contacts = append(p.Contacts, ct)
		lastAt, lastID = at, id
	}
	if err := rows.Err(); err != nil {
		return ContactPage{}, fmt.Errorf("customerdb: contacts of %s: %w", n, err)
	}
	if len(p.Contacts) == 0 && cursor == "" {
		if _, err := r.GetJSON(ctx, n); err != nil {
			return ContactPage{}, err
		}
	}
	if p.Contacts == nil {
		p.Contacts = []customer.Contact{}
	}
	return p, nil
}

func encodeContactKey(at, id int64) []byte {
	b := make([]byte, 16)
	for i := range 8 {
		b[i] = byte(uint64(at) >> (56 - 8*i))
		b[8+i] = byte(uint64(id) >> (56 - 8*i))
	}
	return b
}

func decodeContactKey(b []byte) (at, id int64, ok bool) {
	if len(b) != 16 {
		return 0, 0, false
	}
	var a, d uint64
	for i := range 8 {
		a = a<<8 | uint64(b[i])
		d = d<<8 | uint64(b[8+i])
	}
	return int64(a), int64(d), true
}

func checkLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return DefaultLimit, nil
	case limit < 0 || limit > MaxLimit:
		return 0, &customer.QueryError{Field: "limit", Reason: fmt.Sprintf("must be from 1 to %d", MaxLimit)}
	}
	return limit, nil
}

// Page sizes: the archive's.
const (
	DefaultLimit = customer.DefaultLimit
	MaxLimit     = customer.MaxLimit
)
