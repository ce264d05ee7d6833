package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/creditkit/creditkit/server/perm"
	"github.com/creditkit/creditkit/server/pii"
	"github.com/creditkit/creditkit/server/store"
)

// Genesis is the previous hash of the first record: 64 zeros.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// MaxDocument is the largest before or after document Append accepts, in bytes of JSON.
const MaxDocument = 4 << 20

// ErrInvalid reports an Entry that Append refuses: a missing actor, action or entity
// type, a malformed name, text that is not UTF-8 or holds NUL, or an oversized document.
var ErrInvalid = errors.New("audit: invalid entry")

// Entry is what a write path appends: who did what to which entity, with the entity as it
// was and as it is now.
type Entry struct {
	// Actor is the caller; its ID and Role are recorded. ID is required.
	Actor perm.Actor
	// Action names the operation: 1 to 64 characters of [a-z0-9._-], such as
	// "customer.update" or "application.approve".
	Action string
	// EntityType names the kind of entity: 1 to 64 characters of [a-z0-9._-], such as
	// "customer".
	EntityType string
	// EntityID identifies the entity, such as a customer number; up to 256 bytes.
	EntityID string
	// Before and After are the entity before and after the write (nil when there is none:
	// Before of a creation, After of a deletion). Each is encoded as JSON — a
	// json.RawMessage or []byte is taken as JSON text, a CompactJSON as JSON text that
	// needs no check — and masked before it is stored.
	Before, After any
	// RequestID is the HTTP request's ID, "" for writes from the command line.
	RequestID string
}

// CompactJSON is a document already encoded as compact JSON in valid UTF-8, exactly as
// encoding/json's Marshal writes it, for a caller that writes the same document for
// every request and encodes it faster than reflection does. Prepare masks it like any
// other document but neither encodes nor checks it again (for a json.Marshaler, Marshal
// would check and compact its output), and keeps it, so it must not change afterwards. It
// is trusted: one that is not what its type says is stored as it is.
type CompactJSON []byte

// Record is one stored audit record.
type Record struct {
	Seq        int64           `json:"seq"` // 1, 2, 3, ... without gaps
	At         time.Time       `json:"at"`  // when the entry was prepared, just before its transaction
	Actor      string          `json:"actor"`
	Role       string          `json:"role"`
	Action     string          `json:"action"`
	EntityType string          `json:"entity_type"`
	EntityID   string          `json:"entity_id"`
	Before     json.RawMessage `json:"before"` // masked; null when none
	After      json.RawMessage `json:"after"`
	RequestID  string          `json:"request_id,omitempty"`
	PrevHash   string          `json:"prev_hash"` // the previous record's Hash; Genesis for the first
	Hash       string          `json:"hash"`      // SHA-256 of PrevHash and the content
}

// Config holds the optional settings of New. The zero value is the documented default.
type Config struct {
	// Mask masks personal data in a before or after document (compact JSON in, JSON out);
	// nil means pii.MaskJSON with pii.DefaultRules. It must be deterministic.
	Mask func(doc []byte) ([]byte, error)
	// Now stamps records; nil means time.Now.
	Now func() time.Time
}

// Log is the audit trail of one database: append-only records, each holding the SHA-256
// of the previous record's hash and of its own content, so that changing, deleting or
// reordering a record breaks the chain (Verify). Its methods are safe for concurrent use,
// also by several processes on one database.
type Log struct {
	st   *store.Store
	mask func([]byte) ([]byte, error)
	now  func() time.Time
}

// New returns the audit trail kept in st (tables audit_head and audit_log).
func New(st *store.Store, cfg Config) *Log {
	l := &Log{st: st, mask: cfg.Mask, now: cfg.Now}
	if l.mask == nil {
		rules := pii.DefaultRules()
		names := make([][]byte, 0, len(rules))
		for name := range rules {
			names = append(names, []byte(name))
		}
		l.mask = func(doc []byte) ([]byte, error) {
			// Most documents (assessments, officers, applications) name no personal field
			// at all; they need no masking, and skipping the parse is most of its cost.
			for _, name := range names {
				if bytes.Contains(doc, name) {
					return pii.MaskJSON(doc, rules)
				}
			}
			return doc, nil
		}
	}
	if l.now == nil {
		l.now = time.Now
	}
	return l
}

// Append adds one record inside the caller's transaction tx, so the record commits or
// rolls back with the write it describes. It locks the head of the chain until tx ends
// (on PostgreSQL a row lock that makes appenders of every process queue; SQLite has one
// writer anyway), so the trail stays one chain; call it as the last statement of the
// write, to hold that lock briefly and always after the write's own locks. It fails with
// ErrInvalid for a bad Entry, and with the database's error otherwise (tx is then unusable
// and must roll back).
func (l *Log) Append(ctx context.Context, tx *sql.Tx, e Entry) (Record, error) {
	p, err := l.Prepare(e)
	if err != nil {
		return Record{}, err
	}
	recs, err := l.AppendPrepared(ctx, tx, []Prepared{p})
	if err != nil {
		return Record{}, err
	}
	return recs[0], nil
}

// AppendBatch adds the records of entries, in order, inside tx, as Append does for one,
// with three statements for the whole batch (see AppendPrepared). It validates every entry
// before it writes anything: one bad entry fails the batch with ErrInvalid.
func (l *Log) AppendBatch(ctx context.Context, tx *sql.Tx, entries []Entry) ([]Record, error) {
	ps := make([]Prepared, len(entries))
	for i, e := range entries {
		p, err := l.Prepare(e)
		if err != nil {
			return nil, err
		}
		ps[i] = p
	}
	return l.AppendPrepared(ctx, tx, ps)
}

// Prepared is an entry that Prepare validated, encoded and masked, stamped with the time
// it was prepared: all of a record but its place in the chain.
type Prepared struct{ rec Record }

// Prepare validates e and encodes and masks its documents, as Append does, without the
// database: a writer that commits many requests' writes in one transaction prepares each
// request's entry in that request, before the transaction, and keeps to the transaction
// only what must be there (AppendPrepared). The record is stamped with the time of Prepare.
// It fails with ErrInvalid for a bad Entry.
func (l *Log) Prepare(e Entry) (Prepared, error) {
	r, err := l.prepare(e)
	return Prepared{rec: r}, err
}

// AppendPrepared adds the prepared records, in order, inside tx, as Append does for one,
// with three statements for the whole batch instead of three per record: the head's
// update, one multi-row insert per 50 records, the head's new hash. A Prepared not made by
// Prepare fails the batch with ErrInvalid before anything is written.
func (l *Log) AppendPrepared(ctx context.Context, tx *sql.Tx, ps []Prepared) ([]Record, error) {
	if len(ps) == 0 {
		return nil, nil
	}
	recs := make([]Record, len(ps))
	for i, p := range ps {
		if p.rec.Actor == "" {
			return nil, fmt.Errorf("%w: a record not made by Prepare", ErrInvalid)
		}
		recs[i] = p.rec
	}
	var last int64
	var prev string
	if err := l.st.TxQueryRow(ctx, tx, `UPDATE audit_head SET seq = seq + ? WHERE id = 1 RETURNING seq, hash`, len(recs)).
		Scan(&last, &prev); err != nil {
		return nil, fmt.Errorf("audit: lock the chain: %w", err)
	}
	first := last - int64(len(recs)) + 1
	for i := range recs {
		recs[i].Seq, recs[i].PrevHash = first+int64(i), prev
		recs[i].Hash = hashRecord(recs[i])
		prev = recs[i].Hash
	}
	args := make([]any, 0, 12*len(recs))
	for _, r := range recs {
		args = append(args, r.Seq, r.At.UnixNano(), r.Actor, r.Role, r.Action, r.EntityType, r.EntityID,
			string(r.Before), string(r.After), r.RequestID, r.PrevHash, r.Hash)
	}
	if err := l.st.TxInsert(ctx, tx, insertRecords, args); err != nil {
		return nil, fmt.Errorf("audit: append: %w", err)
	}
	if _, err := l.st.TxExec(ctx, tx, `UPDATE audit_head SET hash = ? WHERE id = 1`, prev); err != nil {
		return nil, fmt.Errorf("audit: advance the chain: %w", err)
	}
	return recs, nil
}

// insertRecords inserts up to 50 records per statement.
var insertRecords = store.InsertRows(`INSERT INTO audit_log (seq, at, actor, role, action, entity_type, entity_id,
	before_data, after_data, request_id, prev_hash, hash) VALUES `, 12, 50)

// prepare validates e and builds its record without Seq, PrevHash and Hash.
func (l *Log) prepare(e Entry) (Record, error) {
	switch {
	case e.Actor.ID == "":
		return Record{}, fmt.Errorf("%w: no actor", ErrInvalid)
	case !validName(e.Action):
		return Record{}, fmt.Errorf("%w: action %q must be 1 to 64 characters of a-z, 0-9, '.', '_' or '-'", ErrInvalid, e.Action)
	case !validName(e.EntityType):
		return Record{}, fmt.Errorf("%w: entity type %q must be 1 to 64 characters of a-z, 0-9, '.', '_' or '-'", ErrInvalid, e.EntityType)
	}
	for _, f := range []struct{ name, v string }{
		{"actor", e.Actor.ID}, {"role", e.Actor.Role}, {"entity ID", e.EntityID}, {"request ID", e.RequestID},
	} {
		if len(f.v) > 256 || !utf8.ValidString(f.v) || strings.ContainsRune(f.v, 0) {
			return Record{}, fmt.Errorf("%w: %s must be UTF-8 without NUL, up to 256 bytes", ErrInvalid, f.name)
		}
	}
	before, err := l.document("before", e.Before)
	if err != nil {
		return Record{}, err
	}
	after, err := l.document("after", e.After)
	if err != nil {
		return Record{}, err
	}
	return Record{
		At: time.Unix(0, l.now().UnixNano()).UTC(), Actor: e.Actor.ID, Role: e.Actor.Role, Action: e.Action,
		EntityType: e.EntityType, EntityID: e.EntityID, Before: before, After: after, RequestID: e.RequestID,
	}, nil
}

// document encodes v as masked compact JSON; nil is null.
func (l *Log) document(name string, v any) (json.RawMessage, error) {
	var (
		raw   []byte
		valid bool // raw is json.Marshal's (or a CompactJSON), so valid, compact JSON
	)
	switch t := v.(type) {
	case nil:
		return json.RawMessage("null"), nil
	case CompactJSON:
		raw, valid = t, true
	case json.RawMessage:
		raw = t
	case []byte:
		raw = t
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, name, err)
		}
		raw, valid = b, true
	}
	if len(raw) == 0 {
		return json.RawMessage("null"), nil
	}
	if len(raw) > MaxDocument {
		return nil, fmt.Errorf("%w: %s is %d bytes, more than %d", ErrInvalid, name, len(raw), MaxDocument)
	}
	if !valid && !json.Valid(raw) {
		return nil, fmt.Errorf("%w: %s is not JSON", ErrInvalid, name)
	}
	masked, err := l.mask(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: mask: %v", ErrInvalid, name, err)
	}
	if valid && bytes.Equal(masked, raw) {
		return raw, nil // json.Marshal's, nothing masked: compact, valid UTF-8 already
	}
	var b bytes.Buffer
	if err := json.Compact(&b, masked); err != nil {
		return nil, fmt.Errorf("%w: %s: the mask returned invalid JSON", ErrInvalid, name)
	}
	if !utf8.Valid(b.Bytes()) {
		return nil, fmt.Errorf("%w: %s is not UTF-8", ErrInvalid, name)
	}
	return json.RawMessage(b.Bytes()), nil
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// hashRecord returns the hex SHA-256 of the record's previous hash and its canonical
// content: a version label, then every field but Seq, Hash and PrevHash, each as its
// length (uvarint) and bytes, so no two different records encode alike. Seq is not
// hashed: the order of records is what the PrevHash links fix.
func hashRecord(r Record) string {
	h := sha256.New()
	buf := make([]byte, 0, 256)
	buf = append(buf, "creditkit audit v1\x00"...)
	buf = appendField(buf, r.PrevHash)
	buf = appendField(buf, fmt.Sprint(r.At.UnixNano()))
	for _, f := range []string{r.Actor, r.Role, r.Action, r.EntityType, r.EntityID} {
		buf = appendField(buf, f)
	}
	h.Write(buf)
	buf = appendField(buf[:0], string(r.Before))
	h.Write(buf)
	buf = appendField(buf[:0], string(r.After))
	buf = appendField(buf, r.RequestID)
	h.Write(buf)
	return hex.EncodeToString(h.Sum(nil))
}

func appendField(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}
