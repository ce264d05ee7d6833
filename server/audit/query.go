package audit

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Page sizes of List.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// ErrBadFilter reports a Filter that List cannot use: a malformed cursor, a cursor of the
// other order, a limit out of range, an entity ID without its type, or To before From.
var ErrBadFilter = errors.New("audit: bad filter")

// Filter selects the records List returns. The zero value lists every record, oldest
// first, DefaultLimit at a time.
type Filter struct {
	Actor      string    // records of this actor ID only
	EntityType string    // records about entities of this type only
	EntityID   string    // with EntityType: records about this entity only
	Action     string    // records of this action only
	From, To   time.Time // From inclusive, To exclusive; the zero time leaves that end open
	Newest     bool      // newest first instead of oldest first
	Cursor     string    // NextCursor of the previous page; "" for the first page
	Limit      int       // records per page, 1 to MaxLimit; 0 means DefaultLimit
}

// Page is one page of records and the cursor of the next page ("" after the last).
type Page struct {
	Items      []Record `json:"items"`
	NextCursor string   `json:"next_cursor,omitempty"`
}

const columns = `seq, at, actor, role, action, entity_type, entity_id, before_data, after_data, request_id, prev_hash, hash`

// List returns the records that match f, a page at a time, in sequence order. It fails
// with ErrBadFilter for a Filter it cannot use.
func (l *Log) List(ctx context.Context, f Filter) (Page, error) {
	if f.Limit == 0 {
		f.Limit = DefaultLimit
	}
	switch {
	case f.Limit < 0 || f.Limit > MaxLimit:
		return Page{}, fmt.Errorf("%w: limit must be 1 to %d", ErrBadFilter, MaxLimit)
	case f.EntityID != "" && f.EntityType == "":
		return Page{}, fmt.Errorf("%w: an entity ID needs its entity type", ErrBadFilter)
	case !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From):
		return Page{}, fmt.Errorf("%w: to is before from", ErrBadFilter)
	}
	var (
		conds []string
		args  []any
	)
	add := func(cond string, arg any) {
		conds = append(conds, cond)
		args = append(args, arg)
	}
	if f.Cursor != "" {
		seq, newest, err := DecodeCursor(f.Cursor)
		if err != nil {
			return Page{}, err
		}
		if newest != f.Newest {
			return Page{}, fmt.Errorf("%w: the cursor belongs to the other order", ErrBadFilter)
		}
		if f.Newest {
			add("seq < ?", seq)
		} else {
			add("seq > ?", seq)
		}
	}
	if f.Actor != "" {
		add("actor = ?", f.Actor)
	}
	if f.EntityType != "" {
		add("entity_type = ?", f.EntityType)
	}
	if f.EntityID != "" {
		add("entity_id = ?", f.EntityID)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if !f.From.IsZero() {
		add("at >= ?", f.From.UnixNano())
	}
	if !f.To.IsZero() {
		add("at < ?", f.To.UnixNano())
	}
	q := `SELECT ` + columns + ` FROM audit_log`
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	if f.Newest {
		q += ` ORDER BY seq DESC`
	} else {
		q += ` ORDER BY seq`
	}
	q += ` LIMIT ?`
	args = append(args, f.Limit+1)
	rows, err := l.st.Query(ctx, q, args...)
	if err != nil {
		return Page{}, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	page := Page{Items: []Record{}}
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return Page{}, err
		}
		if len(page.Items) == f.Limit {
			page.NextCursor = EncodeCursor(page.Items[f.Limit-1].Seq, f.Newest)
			break
		}
		page.Items = append(page.Items, r)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("audit: list: %w", err)
	}
	return page, nil
}

func scanRecord(rows *sql.Rows) (Record, error) {
	var (
		r             Record
		at            int64
		before, after string
	)
	if err := rows.Scan(&r.Seq, &at, &r.Actor, &r.Role, &r.Action, &r.EntityType, &r.EntityID,
		&before, &after, &r.RequestID, &r.PrevHash, &r.Hash); err != nil {
		return Record{}, fmt.Errorf("audit: read record: %w", err)
	}
	r.At = time.Unix(0, at).UTC()
	r.Before, r.After = json.RawMessage(before), json.RawMessage(after)
	return r, nil
}

// EncodeCursor returns the opaque cursor of the page after the record seq, in the given
// order.
func EncodeCursor(seq int64, newest bool) string {
	order := "o"
	if newest {
		order = "n"
	}
	return base64.RawURLEncoding.EncodeToString([]byte("a1." + order + "." + strconv.FormatInt(seq, 10)))
}

// DecodeCursor reads a cursor EncodeCursor made; anything else fails with ErrBadFilter.
func DecodeCursor(cursor string) (seq int64, newest bool, err error) {
	bad := fmt.Errorf("%w: malformed cursor", ErrBadFilter)
	if len(cursor) > 64 {
		return 0, false, bad
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(cursor)
	if err != nil {
		return 0, false, bad
	}
	parts := strings.Split(string(b), ".")
	if len(parts) != 3 || parts[0] != "a1" || (parts[1] != "o" && parts[1] != "n") {
		return 0, false, bad
	}
	s := parts[2]
	if s == "" || s[0] == '0' || s[0] == '+' || s[0] == '-' {
		return 0, false, bad
	}
	seq, err = strconv.ParseInt(s, 10, 64)
	if err != nil || seq <= 0 {
		return 0, false, bad
	}
	return seq, parts[1] == "n", nil
}

// Problem is what Verify found wrong with a record. The zero value is unset.
type Problem int

// The problems Verify reports.
const (
	// Changed: the record's content or hash is not what was appended.
	Changed Problem = iota + 1
	// Deleted: the record is missing (a gap in the sequence, or the trail ends before
	// the head or an anchor).
	Deleted
	// Reordered: the record is intact but does not follow the record before it: records
	// were moved, or the record before it was replaced together with its hash.
	Reordered
)

// String returns "changed", "deleted" or "reordered".
func (p Problem) String() string {
	switch p {
	case Changed:
		return "changed"
	case Deleted:
		return "deleted"
	case Reordered:
		return "reordered"
	}
	return "Problem(" + strconv.Itoa(int(p)) + ")"
}

// ErrBroken matches every *ChainError.
var ErrBroken = errors.New("audit: the trail is broken")

// ChainError reports the first record at which Verify found the trail broken.
type ChainError struct {
	Seq     int64
	Problem Problem
	Detail  string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("audit: record %d %s: %s", e.Seq, e.Problem, e.Detail)
}

// Is makes errors.Is(err, ErrBroken) true.
func (e *ChainError) Is(target error) bool { return target == ErrBroken }

// Anchor is a record's sequence number and hash noted outside the database (printed by
// creditkit audit verify). The chain alone cannot reveal a trail whose newest records were
// all replaced, hashes and head included; an anchor can.
type Anchor struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// String returns "seq:hash", the form ParseAnchor reads.
func (a Anchor) String() string { return strconv.FormatInt(a.Seq, 10) + ":" + a.Hash }

// ParseAnchor reads "seq:hash" with a positive seq and 64 lower-case hex digits.
func ParseAnchor(s string) (Anchor, error) {
	seqText, hash, ok := strings.Cut(s, ":")
	seq, err := strconv.ParseInt(seqText, 10, 64)
	if !ok || err != nil || seq <= 0 || !validHash(hash) {
		return Anchor{}, fmt.Errorf("audit: anchor must be SEQ:HASH (64 hex digits)")
	}
	return Anchor{Seq: seq, Hash: hash}, nil
}

func validHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Report is what an intact trail looks like: how many records it holds and its head.
type Report struct {
	Records int64
	Head    Anchor // Seq 0 and Genesis for an empty trail
}

// Head returns the sequence number and hash of the newest record.
func (l *Log) Head(ctx context.Context) (Anchor, error) {
	var a Anchor
	if err := l.st.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&a.Seq, &a.Hash); err != nil {
		return Anchor{}, fmt.Errorf("audit: read the head: %w", err)
	}
	return a, nil
}

// Verify reads the trail from the first record to the head and recomputes every hash and
// link. It returns a *ChainError (matching ErrBroken) for the first record that was
// changed, deleted or reordered, and checks each anchor given against the record of its
// sequence number. Records appended while it runs are left for the next run.
func (l *Log) Verify(ctx context.Context, anchors ...Anchor) (Report, error) {
	head, err := l.Head(ctx)
	if err != nil {
		return Report{}, err
	}
	want := map[int64]string{}
	for _, a := range anchors {
		if a.Seq > head.Seq {
			return Report{}, &ChainError{Seq: head.Seq + 1, Problem: Deleted,
				Detail: fmt.Sprintf("the head is record %d but anchor %d exists: the newest records were removed", head.Seq, a.Seq)}
		}
		want[a.Seq] = a.Hash
	}
	rows, err := l.st.Query(ctx, `SELECT `+columns+` FROM audit_log WHERE seq <= ? ORDER BY seq`, head.Seq)
	if err != nil {
		return Report{}, fmt.Errorf("audit: verify: %w", err)
	}
	defer rows.Close()
	next, prev := int64(1), Genesis
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return Report{}, err
		}
		switch {
		case r.Seq != next:
			return Report{}, &ChainError{Seq: next, Problem: Deleted, Detail: fmt.Sprintf("the next record present is %d", r.Seq)}
		case hashRecord(r) != r.Hash:
			return Report{}, &ChainError{Seq: r.Seq, Problem: Changed, Detail: "its content does not match its hash"}
		case r.PrevHash != prev:
			return Report{}, &ChainError{Seq: r.Seq, Problem: Reordered, Detail: fmt.Sprintf("it does not follow record %d", r.Seq-1)}
		}
		if h, ok := want[r.Seq]; ok && h != r.Hash {
			return Report{}, &ChainError{Seq: r.Seq, Problem: Changed, Detail: "its hash differs from the anchor"}
		}
		prev, next = r.Hash, next+1
	}
	if err := rows.Err(); err != nil {
		return Report{}, fmt.Errorf("audit: verify: %w", err)
	}
	switch {
	case next <= head.Seq:
		return Report{}, &ChainError{Seq: next, Problem: Deleted, Detail: fmt.Sprintf("the head is record %d, the trail ends at %d", head.Seq, next-1)}
	case prev != head.Hash:
		return Report{}, &ChainError{Seq: head.Seq, Problem: Changed, Detail: "its hash differs from the head's"}
	}
	return Report{Records: head.Seq, Head: head}, nil
}
