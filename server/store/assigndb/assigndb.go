// Package assigndb keeps credit officers (assign.Officer with the raw performance figures
// their rating came from) and the dated history of who owns which application
// (assign.Entry) in the server's database, for SQLite and PostgreSQL.
//
// Officers are versioned: UpdateTx is one conditional statement (UPDATE ... WHERE id = ?
// AND version = ?), so of two writers that read the same version exactly one succeeds,
// also across processes; every version is also kept in officer_versions. An officer's
// load is not stored: it is the number of its open spells of ownership.
//
// Every write also changes the state row (a version and a fresh random token), which is
// what a server's in-memory matcher is checked against; LockTx reads it and, on
// PostgreSQL, locks it, so assigning transactions are serialised across processes:
//
//	err := st.Tx(ctx, func(tx *sql.Tx) error {
//		state, err := repo.LockTx(ctx, tx)
//		... build or reuse the matcher of state.Token, decide ...
//		return repo.RecordTx(ctx, tx, assigndb.Spell{Application: "L1", Officer: "O-7", ...})
//	})
//
// The schema is migration 0004_officers.sql of server/store.
package assigndb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/assign"
	"github.com/creditkit/creditkit/server/store"
)

// Limits of List and History.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

var (
	// ErrNotFound: no officer has that ID.
	ErrNotFound = errors.New("assigndb: not found")
	// ErrExists: an officer with that ID exists already.
	ErrExists = errors.New("assigndb: officer exists")
	// ErrStale: the officer is not at the version the writer read; the *VersionError
	// that wraps it says which version is stored.
	ErrStale = errors.New("assigndb: stale version")
	// ErrCursor: the cursor was not issued by this package.
	ErrCursor = errors.New("assigndb: invalid cursor")
	// ErrInvalid: a spell or officer lacks a required field.
	ErrInvalid = errors.New("assigndb: invalid input")
)

// VersionError says that an update expected another version. It matches ErrStale.
type VersionError struct {
	ID       string
	Expected int64
	Actual   int64
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("assigndb: officer %s is at version %d, not %d", e.ID, e.Actual, e.Expected)
}

// Unwrap returns ErrStale.
func (e *VersionError) Unwrap() error { return ErrStale }

// Officer is a stored officer.
type Officer struct {
	assign.Officer                     // Load is the number of open spells when read
	Performance    *assign.Performance // the figures the rating was computed from; nil when it was given
	Version        int64
	CreatedBy      string
	CreatedAt      time.Time
	UpdatedBy      string
	UpdatedAt      time.Time
}

// Spell is one spell of ownership of an application.
type Spell struct {
	Seq         int64 // order of recording; set by RecordTx
	Application string
	Customer    string
	Officer     string
	From        time.Time
	To          time.Time // zero while open
	Reason      string
	AssignedBy  string
	Score       float64     // the placement's soft score, 0-100
	Case        assign.Case // the case as matched; the zero Case when not known
}

// Open reports whether the spell is still open.
func (s *Spell) Open() bool { return s.To.IsZero() }

// State is the version of all officer and assignment data.
type State struct {
	Version int64
	Token   string // random; changes with every write
}

// Repo stores officers and assignments in a store.Store. It is safe for concurrent use.
type Repo struct {
	st *store.Store
}

// New returns a Repo over st, whose schema must include migration 0004.
func New(st *store.Store) *Repo { return &Repo{st: st} }

type runner interface {
	query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	queryRow(ctx context.Context, q string, args ...any) *sql.Row
}

type pool struct{ st *store.Store }

func (p pool) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return p.st.Query(ctx, q, args...)
}

func (p pool) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return p.st.QueryRow(ctx, q, args...)
}

type txRunner struct {
	st *store.Store
	tx *sql.Tx
}

func (t txRunner) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.st.TxQuery(ctx, t.tx, q, args...)
}

func (t txRunner) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.st.TxQueryRow(ctx, t.tx, q, args...)
}

func (r *Repo) in(tx *sql.Tx) runner { return txRunner{r.st, tx} }

func (r *Repo) exec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	return r.st.TxExec(ctx, tx, q, args...)
}

// State returns the current state (committed data, from the reader pool).
func (r *Repo) State(ctx context.Context) (State, error) {
	var s State
	if err := r.st.QueryRow(ctx, `SELECT version, token FROM assign_state WHERE id = 1`).Scan(&s.Version, &s.Token); err != nil {
		return State{}, fmt.Errorf("assigndb: read state: %w", err)
	}
	return s, nil
}

// StateTx returns the state as tx sees it, its own writes included.
func (r *Repo) StateTx(ctx context.Context, tx *sql.Tx) (State, error) {
	var s State
	if err := r.in(tx).queryRow(ctx, `SELECT version, token FROM assign_state WHERE id = 1`).Scan(&s.Version, &s.Token); err != nil {
		return State{}, fmt.Errorf("assigndb: read state: %w", err)
	}
	return s, nil
}

// LockTx returns the state as tx sees it and holds it until tx ends: on PostgreSQL it
// locks the state row, so other writers of officers or assignments wait; on SQLite the
// write transaction holds the database's write lock already.
func (r *Repo) LockTx(ctx context.Context, tx *sql.Tx) (State, error) {
	q := `SELECT version, token FROM assign_state WHERE id = 1`
	if r.st.Dialect() == store.Postgres {
		q += ` FOR UPDATE`
	}
	var s State
	if err := r.in(tx).queryRow(ctx, q).Scan(&s.Version, &s.Token); err != nil {
		return State{}, fmt.Errorf("assigndb: lock state: %w", err)
	}
	return s, nil
}

// bump marks a write: a new version and token.
func (r *Repo) bump(ctx context.Context, tx *sql.Tx) error {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	if _, err := r.exec(ctx, tx, `UPDATE assign_state SET version = version + 1, token = ? WHERE id = 1`, hex.EncodeToString(b[:])); err != nil {
		return fmt.Errorf("assigndb: bump state: %w", err)
	}
	return nil
}

// ---- officers ----

// leaveDay is a leave period as stored: inclusive calendar dates.
type leaveDay struct {
	From string `json:"from"`
	To   string `json:"to"`
}

const dateLayout = "2006-01-02"

func dateOf(t time.Time) string { return t.Format(dateLayout) }

func parseDate(s string) (time.Time, error) { return time.Parse(dateLayout, s) }

// row is an officer in column order (officerColumns).
type row struct {
	id, name, branch, regions, kinds, skills, certs, authority string
	seniority, capacity                                        int
	leave, linked, performance, rating                         string
	overall                                                    float64
	version                                                    int64
	createdBy                                                  string
	createdAt                                                  int64
	updatedBy                                                  string
	updatedAt                                                  int64
}

const officerColumns = `id, name, branch, regions, kinds, skills, certifications, authority, seniority_years, capacity,
	leave, linked, performance, rating, rating_overall, version, created_by, created_at, updated_by, updated_at`

func (w *row) args() []any {
	return []any{w.id, w.name, w.branch, w.regions, w.kinds, w.skills, w.certs, w.authority, w.seniority, w.capacity,
		w.leave, w.linked, w.performance, w.rating, w.overall, w.version, w.createdBy, w.createdAt, w.updatedBy, w.updatedAt}
}

func (w *row) dest() []any {
	return []any{&w.id, &w.name, &w.branch, &w.regions, &w.kinds, &w.skills, &w.certs, &w.authority, &w.seniority, &w.capacity,
		&w.leave, &w.linked, &w.performance, &w.rating, &w.overall, &w.version, &w.createdBy, &w.createdAt, &w.updatedBy, &w.updatedAt}
}

func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func encodeOfficer(o Officer) (row, error) {
	w := row{id: o.ID, name: o.Name, branch: o.Branch, authority: o.Authority.String(), seniority: o.SeniorityYears,
		capacity: o.Capacity, overall: o.Rating.Overall, version: o.Version, createdBy: o.CreatedBy,
		createdAt: o.CreatedAt.UnixNano(), updatedBy: o.UpdatedBy, updatedAt: o.UpdatedAt.UnixNano()}
	leave := make([]leaveDay, len(o.Leave))
	for i, l := range o.Leave {
		leave[i] = leaveDay{From: dateOf(l.From), To: dateOf(l.To)}
	}
	var err error
	for _, f := range []struct {
		dst *string
		v   any
	}{
		{&w.regions, nonNil(o.Regions)}, {&w.kinds, nonNil(o.Kinds)}, {&w.skills, nonNil(o.Skills)},
		{&w.certs, nonNil(o.Certifications)}, {&w.leave, leave}, {&w.linked, nonNil(o.Linked)}, {&w.rating, o.Rating},
	} {
		if *f.dst, err = jsonText(f.v); err != nil {
			return row{}, fmt.Errorf("assigndb: encode officer %s: %w", o.ID, err)
		}
	}
	if o.Performance != nil {
		if w.performance, err = jsonText(o.Performance); err != nil {
			return row{}, fmt.Errorf("assigndb: encode officer %s: %w", o.ID, err)
		}
	}
	return w, nil
}

func decodeOfficer(w row) (Officer, error) {
	o := Officer{Officer: assign.Officer{ID: w.id, Name: w.name, Branch: w.branch, SeniorityYears: w.seniority, Capacity: w.capacity},
		Version: w.version, CreatedBy: w.createdBy, CreatedAt: time.Unix(0, w.createdAt).UTC(),
		UpdatedBy: w.updatedBy, UpdatedAt: time.Unix(0, w.updatedAt).UTC()}
	fail := func(field string, err error) (Officer, error) {
		return Officer{}, fmt.Errorf("assigndb: officer %s: bad %s: %w", w.id, field, err)
	}
	var err error
	if o.Authority, err = decimal.NewFromString(w.authority); err != nil {
		return fail("authority", err)
	}
	var leave []leaveDay
	for _, f := range []struct {
		name string
		src  string
		dst  any
	}{
		{"regions", w.regions, &o.Regions}, {"kinds", w.kinds, &o.Kinds}, {"skills", w.skills, &o.Skills},
		{"certifications", w.certs, &o.Certifications}, {"leave", w.leave, &leave}, {"linked", w.linked, &o.Linked},
		{"rating", w.rating, &o.Rating},
	} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return fail(f.name, err)
		}
	}
	for _, l := range leave {
		from, err1 := parseDate(l.From)
		to, err2 := parseDate(l.To)
		if err := errors.Join(err1, err2); err != nil {
			return fail("leave", err)
		}
		o.Leave = append(o.Leave, assign.Leave{From: from, To: to})
	}
	if w.performance != "" {
		o.Performance = new(assign.Performance)
		if err := json.Unmarshal([]byte(w.performance), o.Performance); err != nil {
			return fail("performance", err)
		}
	}
	return o, nil
}

// versionRecord is one version of an officer as kept in officer_versions.
type versionRecord struct {
	ID             string              `json:"id"`
	Name           string              `json:"name"`
	Branch         string              `json:"branch"`
	Regions        json.RawMessage     `json:"regions"`
	Kinds          json.RawMessage     `json:"kinds"`
	Skills         json.RawMessage     `json:"skills"`
	Certifications json.RawMessage     `json:"certifications"`
	Authority      string              `json:"authority"`
	SeniorityYears int                 `json:"seniority_years"`
	Capacity       int                 `json:"capacity"`
	Leave          json.RawMessage     `json:"leave"`
	Linked         json.RawMessage     `json:"linked"`
	Performance    *assign.Performance `json:"performance"`
	Rating         json.RawMessage     `json:"rating"`
	Version        int64               `json:"version"`
}

func (r *Repo) logVersion(ctx context.Context, tx *sql.Tx, w row, perf *assign.Performance) error {
	data, err := json.Marshal(versionRecord{ID: w.id, Name: w.name, Branch: w.branch, Regions: json.RawMessage(w.regions),
		Kinds: json.RawMessage(w.kinds), Skills: json.RawMessage(w.skills), Certifications: json.RawMessage(w.certs),
		Authority: w.authority, SeniorityYears: w.seniority, Capacity: w.capacity, Leave: json.RawMessage(w.leave),
		Linked: json.RawMessage(w.linked), Performance: perf, Rating: json.RawMessage(w.rating), Version: w.version})
	if err != nil {
		return fmt.Errorf("assigndb: encode officer version: %w", err)
	}
	if _, err := r.exec(ctx, tx, `INSERT INTO officer_versions (officer, version, data, changed_by, changed_at) VALUES (?, ?, ?, ?, ?)`,
		w.id, w.version, string(data), w.updatedBy, w.updatedAt); err != nil {
		return fmt.Errorf("assigndb: log officer version: %w", err)
	}
	return nil
}

// CreateTx stores a new officer at version 1 inside tx, created and updated by by at at,
// and returns it as stored. An ID in use is ErrExists; an empty ID is ErrInvalid.
func (r *Repo) CreateTx(ctx context.Context, tx *sql.Tx, o Officer, by string, at time.Time) (Officer, error) {
	if o.ID == "" {
		return Officer{}, fmt.Errorf("%w: officer without an ID", ErrInvalid)
	}
	o.Version, o.CreatedBy, o.CreatedAt, o.UpdatedBy, o.UpdatedAt, o.Load = 1, by, at.UTC(), by, at.UTC(), 0
	w, err := encodeOfficer(o)
	if err != nil {
		return Officer{}, err
	}
	res, err := r.exec(ctx, tx, `INSERT INTO officers (`+officerColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`, w.args()...)
	if err != nil {
		return Officer{}, fmt.Errorf("assigndb: create officer %s: %w", o.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return Officer{}, fmt.Errorf("assigndb: create officer %s: %w", o.ID, err)
	} else if n == 0 {
		return Officer{}, fmt.Errorf("officer %s: %w", o.ID, ErrExists)
	}
	if err := r.logVersion(ctx, tx, w, o.Performance); err != nil {
		return Officer{}, err
	}
	return o, r.bump(ctx, tx)
}

// UpdateTx stores o as the next version of officer o.ID inside tx, if it is still at
// version; the creation fields of the stored officer are kept. It returns the officer as
// stored (with its load). Errors: ErrNotFound, *VersionError (ErrStale).
func (r *Repo) UpdateTx(ctx context.Context, tx *sql.Tx, o Officer, version int64, by string, at time.Time) (Officer, error) {
	cur, err := r.GetTx(ctx, tx, o.ID)
	if err != nil {
		return Officer{}, err
	}
	if cur.Version != version {
		return Officer{}, &VersionError{ID: o.ID, Expected: version, Actual: cur.Version}
	}
	o.Version, o.CreatedBy, o.CreatedAt, o.UpdatedBy, o.UpdatedAt, o.Load = version+1, cur.CreatedBy, cur.CreatedAt, by, at.UTC(), cur.Load
	w, err := encodeOfficer(o)
	if err != nil {
		return Officer{}, err
	}
	res, err := r.exec(ctx, tx, `UPDATE officers SET name = ?, branch = ?, regions = ?, kinds = ?, skills = ?,
		certifications = ?, authority = ?, seniority_years = ?, capacity = ?, leave = ?, linked = ?, performance = ?,
		rating = ?, rating_overall = ?, version = ?, updated_by = ?, updated_at = ? WHERE id = ? AND version = ?`,
		w.name, w.branch, w.regions, w.kinds, w.skills, w.certs, w.authority, w.seniority, w.capacity, w.leave, w.linked,
		w.performance, w.rating, w.overall, w.version, w.updatedBy, w.updatedAt, w.id, version)
	if err != nil {
		return Officer{}, fmt.Errorf("assigndb: update officer %s: %w", o.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return Officer{}, fmt.Errorf("assigndb: update officer %s: %w", o.ID, err)
	} else if n == 0 {
		// Changed by another process between the read and the update (PostgreSQL).
		return Officer{}, &VersionError{ID: o.ID, Expected: version, Actual: version + 1}
	}
	if err := r.logVersion(ctx, tx, w, o.Performance); err != nil {
		return Officer{}, err
	}
	return o, r.bump(ctx, tx)
}

// Get returns officer id with its load, or ErrNotFound.
func (r *Repo) Get(ctx context.Context, id string) (Officer, error) {
	return r.get(ctx, pool{r.st}, id)
}

// GetTx is Get inside tx.
func (r *Repo) GetTx(ctx context.Context, tx *sql.Tx, id string) (Officer, error) {
	return r.get(ctx, r.in(tx), id)
}

func (r *Repo) get(ctx context.Context, q runner, id string) (Officer, error) {
	var w row
	err := q.queryRow(ctx, `SELECT `+officerColumns+` FROM officers WHERE id = ?`, id).Scan(w.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return Officer{}, fmt.Errorf("officer %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Officer{}, fmt.Errorf("assigndb: read officer %s: %w", id, err)
	}
	o, err := decodeOfficer(w)
	if err != nil {
		return Officer{}, err
	}
	if err := q.queryRow(ctx, `SELECT COUNT(*) FROM assignments WHERE officer = ? AND to_at IS NULL`, id).Scan(&o.Load); err != nil {
		return Officer{}, fmt.Errorf("assigndb: load of officer %s: %w", id, err)
	}
	return o, nil
}

// Query selects officers for List. The zero value lists every officer.
type Query struct {
	Branch string // only this branch; "" for all
	Cursor string // from the previous page; "" for the first
	Limit  int    // 1..MaxLimit; 0 means DefaultLimit
}

// Page is one page of officers.
type Page struct {
	Items []Officer
	Next  string // cursor of the next page; "" at the end
}

// List returns officers in ID order, with their loads. A cursor List did not issue is
// ErrCursor.
func (r *Repo) List(ctx context.Context, q Query) (Page, error) {
	limit := q.Limit
	if limit <= 0 || limit > MaxLimit {
		limit = DefaultLimit
	}
	var (
		where []string
		args  []any
	)
	if q.Branch != "" {
		where = append(where, "branch = ?")
		args = append(args, q.Branch)
	}
	if q.Cursor != "" {
		after, err := decodeCursor(q.Cursor, "o")
		if err != nil {
			return Page{}, err
		}
		where = append(where, "id > ?")
		args = append(args, after)
	}
	text := `SELECT ` + officerColumns + ` FROM officers`
	if len(where) > 0 {
		text += ` WHERE ` + strings.Join(where, " AND ")
	}
	text += ` ORDER BY id LIMIT ?`
	args = append(args, limit+1)
	officers, err := r.scanOfficers(ctx, pool{r.st}, text, args...)
	if err != nil {
		return Page{}, err
	}
	var p Page
	if len(officers) > limit {
		officers = officers[:limit]
		p.Next = encodeCursor("o", officers[limit-1].ID)
	}
	if err := r.fillLoads(ctx, pool{r.st}, officers); err != nil {
		return Page{}, err
	}
	p.Items = officers
	return p, nil
}

func (r *Repo) scanOfficers(ctx context.Context, q runner, text string, args ...any) ([]Officer, error) {
	rows, err := q.query(ctx, text, args...)
	if err != nil {
		return nil, fmt.Errorf("assigndb: list officers: %w", err)
	}
	defer rows.Close()
	var out []Officer
	for rows.Next() {
		var w row
		if err := rows.Scan(w.dest()...); err != nil {
			return nil, fmt.Errorf("assigndb: list officers: %w", err)
		}
		o, err := decodeOfficer(w)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("assigndb: list officers: %w", err)
	}
	return out, nil
}

// fillLoads sets the load of every officer from the open spells.
func (r *Repo) fillLoads(ctx context.Context, q runner, officers []Officer) error {
	if len(officers) == 0 {
		return nil
	}
	loads, err := r.loads(ctx, q)
	if err != nil {
		return err
	}
	for i := range officers {
		officers[i].Load = loads[officers[i].ID]
	}
	return nil
}

func (r *Repo) loads(ctx context.Context, q runner) (map[string]int, error) {
	rows, err := q.query(ctx, `SELECT officer, COUNT(*) FROM assignments WHERE to_at IS NULL GROUP BY officer`)
	if err != nil {
		return nil, fmt.Errorf("assigndb: loads: %w", err)
	}
	defer rows.Close()
	loads := map[string]int{}
	for rows.Next() {
		var (
			id string
			n  int
		)
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("assigndb: loads: %w", err)
		}
		loads[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("assigndb: loads: %w", err)
	}
	return loads, nil
}

// Team returns every officer with its load, in ID order: what a matcher is built from.
func (r *Repo) Team(ctx context.Context) ([]assign.Officer, error) {
	return r.team(ctx, pool{r.st})
}

// TeamTx is Team inside tx.
func (r *Repo) TeamTx(ctx context.Context, tx *sql.Tx) ([]assign.Officer, error) {
	return r.team(ctx, r.in(tx))
}

func (r *Repo) team(ctx context.Context, q runner) ([]assign.Officer, error) {
	officers, err := r.scanOfficers(ctx, q, `SELECT `+officerColumns+` FROM officers ORDER BY id`)
	if err != nil {
		return nil, err
	}
	if err := r.fillLoads(ctx, q, officers); err != nil {
		return nil, err
	}
	team := make([]assign.Officer, len(officers))
	for i, o := range officers {
		team[i] = o.Officer
	}
	return team, nil
}

// ---- assignments ----

const spellColumns = `seq, application, customer, officer, from_at, to_at, reason, assigned_by, score, case_data`

// RecordTx gives s.Application to s.Officer from s.From inside tx, closing the
// application's open spell at the same instant (history is append-only: when the open
// spell started later than s.From, as a skewed clock of another process may cause, the
// new spell starts where it did). It sets s.Seq and s.From as stored and returns the spell
// it closed, if any. Missing application, officer, reason or time is ErrInvalid; an
// officer that does not exist fails on the foreign key.
func (r *Repo) RecordTx(ctx context.Context, tx *sql.Tx, s *Spell) (*Spell, error) {
	if s.Application == "" || s.Officer == "" || s.Reason == "" || s.From.IsZero() {
		return nil, fmt.Errorf("%w: a spell needs an application, an officer, a reason and a time", ErrInvalid)
	}
	closed, err := r.closeTx(ctx, tx, s.Application, s.From)
	if err != nil {
		return nil, err
	}
	if closed != nil && closed.To.After(s.From) {
		s.From = closed.To
	}
	var data []byte
	if s.Case.Kind != 0 { // the zero Case (not known) is stored as ''
		if data, err = json.Marshal(s.Case); err != nil {
			return nil, fmt.Errorf("assigndb: encode case: %w", err)
		}
	}
	s.From, s.To = s.From.UTC(), time.Time{}
	if err := r.in(tx).queryRow(ctx, `INSERT INTO assignments (application, customer, officer, from_at, to_at, reason, assigned_by, score, case_data)
		VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?) RETURNING seq`,
		s.Application, s.Customer, s.Officer, s.From.UnixNano(), s.Reason, s.AssignedBy, s.Score, string(data)).Scan(&s.Seq); err != nil {
		return nil, fmt.Errorf("assigndb: record assignment of %s: %w", s.Application, err)
	}
	return closed, r.bump(ctx, tx)
}

// CloseTx ends the open spell of application at at inside tx (when the case is decided or
// withdrawn, so it no longer counts in its officer's load). It returns the closed spell,
// or nil when the application had no open spell.
func (r *Repo) CloseTx(ctx context.Context, tx *sql.Tx, application string, at time.Time) (*Spell, error) {
	closed, err := r.closeTx(ctx, tx, application, at)
	if err != nil || closed == nil {
		return closed, err
	}
	return closed, r.bump(ctx, tx)
}

func (r *Repo) closeTx(ctx context.Context, tx *sql.Tx, application string, at time.Time) (*Spell, error) {
	spells, err := r.spells(ctx, r.in(tx), `SELECT `+spellColumns+` FROM assignments WHERE application = ? AND to_at IS NULL`, application)
	if err != nil || len(spells) == 0 {
		return nil, err
	}
	open := spells[0]
	end := at.UTC()
	if end.Before(open.From) {
		end = open.From
	}
	if _, err := r.exec(ctx, tx, `UPDATE assignments SET to_at = ? WHERE seq = ?`, end.UnixNano(), open.Seq); err != nil {
		return nil, fmt.Errorf("assigndb: close assignment of %s: %w", application, err)
	}
	open.To = end
	return &open, nil
}

// OpenTx returns the open spells of officer inside tx, oldest first: its current cases.
func (r *Repo) OpenTx(ctx context.Context, tx *sql.Tx, officer string) ([]Spell, error) {
	return r.spells(ctx, r.in(tx), `SELECT `+spellColumns+` FROM assignments WHERE officer = ? AND to_at IS NULL ORDER BY seq`, officer)
}

// Owner returns the open spell of application, and false when nobody owns it.
func (r *Repo) Owner(ctx context.Context, application string) (Spell, bool, error) {
	spells, err := r.spells(ctx, pool{r.st}, `SELECT `+spellColumns+` FROM assignments WHERE application = ? AND to_at IS NULL`, application)
	if err != nil || len(spells) == 0 {
		return Spell{}, false, err
	}
	return spells[0], true, nil
}

// HistoryQuery selects spells for History.
type HistoryQuery struct {
	Officer     string    // only this officer's spells; "" for all
	Application string    // only this application's; "" for all
	OpenOnly    bool      // only open spells
	At          time.Time // only spells covering this instant; zero for all
	Cursor      string
	Limit       int // 1..MaxLimit; 0 means DefaultLimit
}

// HistoryPage is one page of spells.
type HistoryPage struct {
	Items []Spell
	Next  string
}

// History returns spells in the order they were recorded. A cursor History did not issue
// is ErrCursor.
func (r *Repo) History(ctx context.Context, q HistoryQuery) (HistoryPage, error) {
	limit := q.Limit
	if limit <= 0 || limit > MaxLimit {
		limit = DefaultLimit
	}
	var (
		where []string
		args  []any
	)
	if q.Officer != "" {
		where = append(where, "officer = ?")
		args = append(args, q.Officer)
	}
	if q.Application != "" {
		where = append(where, "application = ?")
		args = append(args, q.Application)
	}
	if q.OpenOnly {
		where = append(where, "to_at IS NULL")
	}
	if !q.At.IsZero() {
		where = append(where, "from_at <= ? AND (to_at IS NULL OR to_at > ?)")
		args = append(args, q.At.UnixNano(), q.At.UnixNano())
	}
	if q.Cursor != "" {
		after, err := decodeCursor(q.Cursor, "s")
		if err != nil {
			return HistoryPage{}, err
		}
		seq, err := strconv.ParseInt(after, 10, 64)
		if err != nil || seq < 0 {
			return HistoryPage{}, ErrCursor
		}
		where = append(where, "seq > ?")
		args = append(args, seq)
	}
	text := `SELECT ` + spellColumns + ` FROM assignments`
	if len(where) > 0 {
		text += ` WHERE ` + strings.Join(where, " AND ")
	}
	text += ` ORDER BY seq LIMIT ?`
	args = append(args, limit+1)
	spells, err := r.spells(ctx, pool{r.st}, text, args...)
	if err != nil {
		return HistoryPage{}, err
	}
	var p HistoryPage
	if len(spells) > limit {
		spells = spells[:limit]
		p.Next = HistoryCursor(spells[limit-1].Seq)
	}
	p.Items = spells
	return p, nil
}

func (r *Repo) spells(ctx context.Context, q runner, text string, args ...any) ([]Spell, error) {
	rows, err := q.query(ctx, text, args...)
	if err != nil {
		return nil, fmt.Errorf("assigndb: read assignments: %w", err)
	}
	defer rows.Close()
	var out []Spell
	for rows.Next() {
		var (
			s        Spell
			from     int64
			to       sql.NullInt64
			caseData string
		)
		if err := rows.Scan(&s.Seq, &s.Application, &s.Customer, &s.Officer, &from, &to, &s.Reason, &s.AssignedBy, &s.Score, &caseData); err != nil {
			return nil, fmt.Errorf("assigndb: read assignments: %w", err)
		}
		s.From = time.Unix(0, from).UTC()
		if to.Valid {
			s.To = time.Unix(0, to.Int64).UTC()
		}
		if caseData != "" {
			if err := json.Unmarshal([]byte(caseData), &s.Case); err != nil {
				return nil, fmt.Errorf("assigndb: assignment %d: bad case: %w", s.Seq, err)
			}
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("assigndb: read assignments: %w", err)
	}
	return out, nil
}

// HistoryCursor is the History cursor that continues after the spell with seq: for a
// caller that filters History's pages and stops inside one.
func HistoryCursor(seq int64) string { return encodeCursor("s", strconv.FormatInt(seq, 10)) }

// Cursors are base64url of "<tag>:<value>", the tag telling officer cursors ("o") from
// spell cursors ("s").
func encodeCursor(tag, v string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tag + ":" + v))
}

func decodeCursor(c, tag string) (string, error) {
	if len(c) > 200 {
		return "", ErrCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", ErrCursor
	}
	t, v, ok := strings.Cut(string(b), ":")
	if !ok || t != tag || v == "" {
		return "", ErrCursor
	}
	return v, nil
}
