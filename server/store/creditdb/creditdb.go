// Package creditdb keeps scorecards (credit.Scorecard) and the assessments made with them
// in the server's database, for SQLite and PostgreSQL.
//
// A scorecard version has the ID "<kind>-<revision>": the customer kind it serves
// ("individual" or "enterprise") and its upload number within that kind. Versions are
// immutable. Exactly one version per kind is active: the database allows at most one
// (the active_scorecards table is keyed by kind, and its foreign key admits only a
// version of that kind), and Install makes the built-in card revision 1 and active when a
// kind has none, so there is always one.
//
//	repo := creditdb.New(st)
//	card, _ := credit.BuiltinCard("individual")
//	_, err := repo.Install(ctx, "individual", card, "system", time.Now())
//	err = st.Tx(ctx, func(tx *sql.Tx) error {
//		sc, err := repo.CreateTx(ctx, tx, "individual", myCard, "alice", now)
//		...
//		_, _, err = repo.ActivateTx(ctx, tx, sc.ID, "alice", now)
//		return err
//	})
//
// Assessments are stored once and never changed (the repository has no update or
// delete). Every write method has a *Tx form that joins the caller's transaction.
//
// The schema is migrations 0003_credit.sql and 0010_assessment_docs.sql of server/store.
package creditdb

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

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/server/store"
)

// Limits of List.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Kinds are the customer kinds a scorecard may serve, in order.
var Kinds = []string{"individual", "enterprise"}

var (
	// ErrNotFound: no scorecard or assessment has that ID.
	ErrNotFound = errors.New("creditdb: not found")
	// ErrKind: the customer kind is not one of Kinds.
	ErrKind = errors.New("creditdb: unknown customer kind")
	// ErrNotSealed: the card's sha256 is missing or does not match its content.
	ErrNotSealed = errors.New("creditdb: scorecard is not sealed")
	// ErrCursor: the cursor was not issued by List.
	ErrCursor = errors.New("creditdb: invalid cursor")
	// ErrNoActive: the kind has no active scorecard (Install was not run).
	ErrNoActive = errors.New("creditdb: no active scorecard")
	// ErrDuplicate: the kind already has a version with that content or model version;
	// the *DuplicateError that wraps it names it.
	ErrDuplicate = errors.New("creditdb: scorecard already stored")
)

// DuplicateError says which stored version an upload repeats. It matches ErrDuplicate.
type DuplicateError struct {
	Existing string // ID of the stored version
	Same     string // "content" (same SHA-256) or "model version"
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("creditdb: scorecard already stored as %s (same %s)", e.Existing, e.Same)
}

// Unwrap returns ErrDuplicate.
func (e *DuplicateError) Unwrap() error { return ErrDuplicate }

// Scorecard is one stored scorecard version.
type Scorecard struct {
	ID           string // "<kind>-<revision>"
	Kind         string // the customer kind it serves
	Revision     int64  // 1 for the built-in card, then 2, 3, ... per kind
	ModelID      string
	ModelVersion string
	SHA256       string
	Card         []byte // the sealed card as JSON; empty in List pages
	UploadedBy   string
	UploadedAt   time.Time
	Active       bool // whether it is the active version of its kind when read
}

// Active names the active scorecard of one kind.
type Active struct {
	Kind      string
	Scorecard string
}

// Assessment is one stored assessment. The JSON fields hold what was assessed and the
// report as the credit package marshals them.
type Assessment struct {
	ID           string // set by CreateAssessmentTx
	Customer     string
	CustomerKind string
	Scorecard    string // ID of the version used
	Request      []byte // JSON credit.Request
	Facts        []byte // JSON credit.Facts
	Report       []byte // JSON credit.Report
	Grade        string
	Score        float64
	PD           float64
	Decision     string
	Limit        decimal.Decimal
	RequestID    string // the HTTP request that made it
	CreatedBy    string
	CreatedAt    time.Time

	packed packedDocs // set by Pack
}

// Repo stores scorecards and assessments in a store.Store. It is safe for concurrent use.
type Repo struct {
	st  *store.Store
	ids *store.Ahead // assessment IDs drawn ahead (NewAssessmentID)
}

// New returns a Repo over st, whose schema must include migration 0003.
func New(st *store.Store) *Repo { return &Repo{st: st, ids: st.Ahead(assessmentSequence)} }

// assessmentSequence names the sequence of assessment IDs.
const assessmentSequence = "assessment"

// assessmentID formats the n-th assessment ID.
func assessmentID(n int64) string { return fmt.Sprintf("A%010d", n) }

// NewAssessmentID draws the ID of a new assessment ahead of any transaction (see
// store.Ahead), for a writer that encodes the row, or its audit record, before its
// transaction; CreateAssessmentsTx keeps it. It must not be called inside a transaction of
// the Repo's store.
func (r *Repo) NewAssessmentID(ctx context.Context) (string, error) {
	n, err := r.ids.Next(ctx)
	if err != nil {
		return "", fmt.Errorf("creditdb: draw an assessment ID: %w", err)
	}
	return assessmentID(n), nil
}

// runner runs queries with '?' placeholders: the reader pool or a transaction.
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

// in returns a runner inside tx.
func (r *Repo) in(tx *sql.Tx) runner { return txRunner{r.st, tx} }

func (r *Repo) exec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	return r.st.TxExec(ctx, tx, q, args...)
}

// ValidKind reports whether kind is one of Kinds.
func ValidKind(kind string) bool {
	for _, k := range Kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// ScorecardID returns the ID of revision rev of kind.
func ScorecardID(kind string, rev int64) string { return kind + "-" + strconv.FormatInt(rev, 10) }

// sealed returns the card's JSON after checking that it carries its own content hash.
func sealed(card *credit.Scorecard) ([]byte, error) {
	if card == nil {
		return nil, fmt.Errorf("%w: nil card", ErrNotSealed)
	}
	h, err := card.ContentHash()
	if err != nil {
		return nil, fmt.Errorf("creditdb: hash scorecard: %w", err)
	}
	if card.SHA256 == "" || card.SHA256 != h {
		return nil, ErrNotSealed
	}
	b, err := json.Marshal(card)
	if err != nil {
		return nil, fmt.Errorf("creditdb: encode scorecard: %w", err)
	}
	return b, nil
}

// Install makes card revision 1 of kind and activates it, when kind has no active
// scorecard; otherwise it does nothing. It reports whether it installed the card. It is
// idempotent, also when several processes run it at once on one database. The card must
// be sealed (ErrNotSealed); an unknown kind is ErrKind.
func (r *Repo) Install(ctx context.Context, kind string, card *credit.Scorecard, by string, at time.Time) (bool, error) {
	var installed bool
	err := r.st.Tx(ctx, func(tx *sql.Tx) (err error) {
		installed, err = r.InstallTx(ctx, tx, kind, card, by, at)
		return err
	})
	return installed, err
}

// InstallTx is Install inside tx.
func (r *Repo) InstallTx(ctx context.Context, tx *sql.Tx, kind string, card *credit.Scorecard, by string, at time.Time) (bool, error) {
	if !ValidKind(kind) {
		return false, fmt.Errorf("%w: %q", ErrKind, kind)
	}
	data, err := sealed(card)
	if err != nil {
		return false, err
	}
	var cur string
	err = r.in(tx).queryRow(ctx, `SELECT scorecard FROM active_scorecards WHERE kind = ?`, kind).Scan(&cur)
	switch {
	case err == nil:
		return false, nil
	case !errors.Is(err, sql.ErrNoRows):
		return false, fmt.Errorf("creditdb: read active %s scorecard: %w", kind, err)
	}
	// Two processes may both get here on PostgreSQL: the unique keys make the second
	// wait for the first and then insert nothing.
	id := ScorecardID(kind, 1)
	if _, err := r.exec(ctx, tx, `INSERT INTO scorecards (id, kind, revision, model_id, model_version, sha256, card, uploaded_by, uploaded_at)
		VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		id, kind, card.ModelID, card.Version, card.SHA256, string(data), by, at.UnixNano()); err != nil {
		return false, fmt.Errorf("creditdb: install %s: %w", id, err)
	}
	res, err := r.exec(ctx, tx, `INSERT INTO active_scorecards (kind, scorecard, activated_by, activated_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (kind) DO NOTHING`, kind, id, by, at.UnixNano())
	if err != nil {
		return false, fmt.Errorf("creditdb: activate %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, fmt.Errorf("creditdb: activate %s: %w", id, err)
	} else if n == 0 {
		return false, nil // another process installed it meanwhile
	}
	if _, err := r.exec(ctx, tx, `INSERT INTO scorecard_activations (kind, scorecard, previous, activated_by, activated_at)
		VALUES (?, ?, '', ?, ?)`, kind, id, by, at.UnixNano()); err != nil {
		return false, fmt.Errorf("creditdb: log activation of %s: %w", id, err)
	}
	return true, nil
}

// CreateTx stores card as the next revision of kind inside tx and returns it (not
// active). The card must be sealed (ErrNotSealed). A card whose content or model version
// the kind already has is a *DuplicateError (ErrDuplicate); an unknown kind is ErrKind.
// Concurrent uploads of one kind are serialised, also across processes.
func (r *Repo) CreateTx(ctx context.Context, tx *sql.Tx, kind string, card *credit.Scorecard, by string, at time.Time) (Scorecard, error) {
	if !ValidKind(kind) {
		return Scorecard{}, fmt.Errorf("%w: %q", ErrKind, kind)
	}
	data, err := sealed(card)
	if err != nil {
		return Scorecard{}, err
	}
	// Lock the kind's upload counter row first, so what is read below is current.
	if _, err := r.st.NextInSequence(ctx, tx, "scorecard:"+kind); err != nil {
		return Scorecard{}, err
	}
	rows, err := r.in(tx).query(ctx, `SELECT id, sha256, model_id, model_version FROM scorecards
		WHERE kind = ? AND (sha256 = ? OR (model_id = ? AND model_version = ?))`, kind, card.SHA256, card.ModelID, card.Version)
	if err != nil {
		return Scorecard{}, fmt.Errorf("creditdb: check duplicates: %w", err)
	}
	var dup *DuplicateError
	for rows.Next() {
		var id, sha, mid, mver string
		if err := rows.Scan(&id, &sha, &mid, &mver); err != nil {
			rows.Close()
			return Scorecard{}, fmt.Errorf("creditdb: check duplicates: %w", err)
		}
		if sha == card.SHA256 {
			dup = &DuplicateError{Existing: id, Same: "content"}
		} else if dup == nil {
			dup = &DuplicateError{Existing: id, Same: "model version"}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Scorecard{}, fmt.Errorf("creditdb: check duplicates: %w", err)
	}
	if dup != nil {
		return Scorecard{}, dup
	}
	var rev int64
	if err := r.in(tx).queryRow(ctx, `SELECT COALESCE(MAX(revision), 0) + 1 FROM scorecards WHERE kind = ?`, kind).Scan(&rev); err != nil {
		return Scorecard{}, fmt.Errorf("creditdb: next revision of %s: %w", kind, err)
	}
	sc := Scorecard{ID: ScorecardID(kind, rev), Kind: kind, Revision: rev, ModelID: card.ModelID, ModelVersion: card.Version,
		SHA256: card.SHA256, Card: data, UploadedBy: by, UploadedAt: at.UTC()}
	if _, err := r.exec(ctx, tx, `INSERT INTO scorecards (id, kind, revision, model_id, model_version, sha256, card, uploaded_by, uploaded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sc.ID, kind, rev, sc.ModelID, sc.ModelVersion, sc.SHA256, string(data), by, at.UnixNano()); err != nil {
		return Scorecard{}, fmt.Errorf("creditdb: store %s: %w", sc.ID, err)
	}
	return sc, nil
}

// ActivateTx makes scorecard id the active version of its kind inside tx and records the
// activation. It returns the scorecard and whether anything changed (false when it was
// active already). Unknown id is ErrNotFound.
func (r *Repo) ActivateTx(ctx context.Context, tx *sql.Tx, id, by string, at time.Time) (Scorecard, bool, error) {
	act, err := r.ActivationTx(ctx, tx, id, by, at)
	return act.Scorecard, act.Changed, err
}

// Activation is the outcome of ActivationTx.
type Activation struct {
	Scorecard Scorecard // the activated version
	Previous  string    // the kind's active version before; "" when it had none
	Changed   bool      // false when Scorecard was active already
}

// ActivationTx is ActivateTx that also returns the version it replaced, as the
// transaction saw it under its lock.
func (r *Repo) ActivationTx(ctx context.Context, tx *sql.Tx, id, by string, at time.Time) (Activation, error) {
	sc, err := r.get(ctx, r.in(tx), id)
	if err != nil {
		return Activation{}, err
	}
	var prev string
	lock := ""
	if r.st.Dialect() == store.Postgres {
		lock = " FOR UPDATE" // SQLite holds the database's write lock already
	}
	err = r.in(tx).queryRow(ctx, `SELECT scorecard FROM active_scorecards WHERE kind = ?`+lock, sc.Kind).Scan(&prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Activation{}, fmt.Errorf("creditdb: read active %s scorecard: %w", sc.Kind, err)
	}
	if prev == id {
		return Activation{Scorecard: sc, Previous: prev}, nil
	}
	if _, err := r.exec(ctx, tx, `INSERT INTO active_scorecards (kind, scorecard, activated_by, activated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (kind) DO UPDATE SET scorecard = excluded.scorecard, activated_by = excluded.activated_by,
		activated_at = excluded.activated_at`, sc.Kind, id, by, at.UnixNano()); err != nil {
		return Activation{}, fmt.Errorf("creditdb: activate %s: %w", id, err)
	}
	if _, err := r.exec(ctx, tx, `INSERT INTO scorecard_activations (kind, scorecard, previous, activated_by, activated_at)
		VALUES (?, ?, ?, ?, ?)`, sc.Kind, id, prev, by, at.UnixNano()); err != nil {
		return Activation{}, fmt.Errorf("creditdb: log activation of %s: %w", id, err)
	}
	sc.Active = true
	return Activation{Scorecard: sc, Previous: prev, Changed: true}, nil
}

// Active returns the active scorecard of every kind that has one, in kind order. It is
// one small query, meant to be run before trusting a cache of compiled cards.
func (r *Repo) Active(ctx context.Context) ([]Active, error) {
	return r.active(ctx, pool{r.st}, nil)
}

// ActiveTx is Active inside tx; it appends to dst.
func (r *Repo) ActiveTx(ctx context.Context, tx *sql.Tx, dst []Active) ([]Active, error) {
	return r.active(ctx, r.in(tx), dst)
}

// ActiveInto is Active appending to dst, to spare an allocation on a hot path.
func (r *Repo) ActiveInto(ctx context.Context, dst []Active) ([]Active, error) {
	return r.active(ctx, pool{r.st}, dst)
}

func (r *Repo) active(ctx context.Context, q runner, dst []Active) ([]Active, error) {
	rows, err := q.query(ctx, `SELECT kind, scorecard FROM active_scorecards ORDER BY kind`)
	if err != nil {
		return nil, fmt.Errorf("creditdb: read active scorecards: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a Active
		if err := rows.Scan(&a.Kind, &a.Scorecard); err != nil {
			return nil, fmt.Errorf("creditdb: read active scorecards: %w", err)
		}
		dst = append(dst, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("creditdb: read active scorecards: %w", err)
	}
	return dst, nil
}

const scorecardColumns = `s.id, s.kind, s.revision, s.model_id, s.model_version, s.sha256, s.uploaded_by, s.uploaded_at,
	a.scorecard IS NOT NULL`

// Get returns scorecard id with its card, or ErrNotFound.
func (r *Repo) Get(ctx context.Context, id string) (Scorecard, error) {
	return r.get(ctx, pool{r.st}, id)
}

// GetTx is Get inside tx.
func (r *Repo) GetTx(ctx context.Context, tx *sql.Tx, id string) (Scorecard, error) {
	return r.get(ctx, r.in(tx), id)
}

func (r *Repo) get(ctx context.Context, q runner, id string) (Scorecard, error) {
	var (
		sc   Scorecard
		card string
		at   int64
	)
	err := q.queryRow(ctx, `SELECT `+scorecardColumns+`, s.card FROM scorecards s
		LEFT JOIN active_scorecards a ON a.scorecard = s.id WHERE s.id = ?`, id).
		Scan(&sc.ID, &sc.Kind, &sc.Revision, &sc.ModelID, &sc.ModelVersion, &sc.SHA256, &sc.UploadedBy, &at, &sc.Active, &card)
	if errors.Is(err, sql.ErrNoRows) {
		return Scorecard{}, fmt.Errorf("scorecard %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Scorecard{}, fmt.Errorf("creditdb: read scorecard %s: %w", id, err)
	}
	sc.UploadedAt = time.Unix(0, at).UTC()
	sc.Card = []byte(card)
	return sc, nil
}

// Query selects scorecards for List. The zero value lists every version.
type Query struct {
	Kind       string // only this kind; "" for all
	ActiveOnly bool   // only the active versions
	Cursor     string // from the previous Page; "" for the first
	Limit      int    // 1..MaxLimit; 0 means DefaultLimit
}

// Page is one page of scorecards, without their cards.
type Page struct {
	Items []Scorecard
	Next  string // cursor of the next page; "" at the end
}

// List returns scorecards in kind then revision order. A cursor List did not issue is
// ErrCursor; an unknown kind is ErrKind.
func (r *Repo) List(ctx context.Context, q Query) (Page, error) {
	if q.Kind != "" && !ValidKind(q.Kind) {
		return Page{}, fmt.Errorf("%w: %q", ErrKind, q.Kind)
	}
	limit := q.Limit
	if limit <= 0 || limit > MaxLimit {
		limit = DefaultLimit
	}
	var (
		where []string
		args  []any
	)
	if q.Kind != "" {
		where = append(where, "s.kind = ?")
		args = append(args, q.Kind)
	}
	if q.ActiveOnly {
		where = append(where, "a.scorecard IS NOT NULL")
	}
	if q.Cursor != "" {
		kind, rev, err := decodeCursor(q.Cursor)
		if err != nil {
			return Page{}, err
		}
		where = append(where, "(s.kind > ? OR (s.kind = ? AND s.revision > ?))")
		args = append(args, kind, kind, rev)
	}
	sqlText := `SELECT ` + scorecardColumns + ` FROM scorecards s LEFT JOIN active_scorecards a ON a.scorecard = s.id`
	if len(where) > 0 {
		sqlText += " WHERE " + strings.Join(where, " AND ")
	}
	sqlText += " ORDER BY s.kind, s.revision LIMIT ?"
	args = append(args, limit+1)
	rows, err := r.st.Query(ctx, sqlText, args...)
	if err != nil {
		return Page{}, fmt.Errorf("creditdb: list scorecards: %w", err)
	}
	defer rows.Close()
	var p Page
	for rows.Next() {
		var (
			sc Scorecard
			at int64
		)
		if err := rows.Scan(&sc.ID, &sc.Kind, &sc.Revision, &sc.ModelID, &sc.ModelVersion, &sc.SHA256, &sc.UploadedBy, &at, &sc.Active); err != nil {
			return Page{}, fmt.Errorf("creditdb: list scorecards: %w", err)
		}
		sc.UploadedAt = time.Unix(0, at).UTC()
		p.Items = append(p.Items, sc)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("creditdb: list scorecards: %w", err)
	}
	if len(p.Items) > limit {
		p.Items = p.Items[:limit]
		last := p.Items[limit-1]
		p.Next = encodeCursor(last.Kind, last.Revision)
	}
	return p, nil
}

func encodeCursor(kind string, rev int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + strconv.FormatInt(rev, 10)))
}

func decodeCursor(c string) (string, int64, error) {
	if len(c) > 64 {
		return "", 0, ErrCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", 0, ErrCursor
	}
	kind, revText, ok := strings.Cut(string(b), ":")
	rev, err := strconv.ParseInt(revText, 10, 64)
	if !ok || err != nil || rev < 1 || !ValidKind(kind) {
		return "", 0, ErrCursor
	}
	return kind, rev, nil
}

const assessmentColumns = `id, customer, customer_kind, scorecard, request, facts, report, docs, grade, score, pd,
	decision, credit_limit, request_id, created_by, created_at`

// CreateAssessmentTx stores a inside tx, under a new ID ("A" and ten digits) which it sets
// in a unless a has one from NewAssessmentID. The row is never changed afterwards.
func (r *Repo) CreateAssessmentTx(ctx context.Context, tx *sql.Tx, a *Assessment) error {
	return r.CreateAssessmentsTx(ctx, tx, []*Assessment{a})
}

// CreateAssessmentsTx stores every row of as inside tx: rows with an ID from
// NewAssessmentID keep it, the others get new, consecutive IDs drawn with one statement,
// which it sets. It writes them with multi-row INSERTs (of 32 rows), so that a group
// commit of many assessments costs little more than one. The rows are never changed
// afterwards. On error no ID is set.
func (r *Repo) CreateAssessmentsTx(ctx context.Context, tx *sql.Tx, as []*Assessment) error {
	ids := make([]string, len(as))
	missing := 0
	for i, a := range as {
		if ids[i] = a.ID; a.ID == "" {
			missing++
		}
	}
	if missing > 0 {
		next, err := r.st.DrawInSequence(ctx, tx, assessmentSequence, missing)
		if err != nil {
			return fmt.Errorf("creditdb: draw assessment IDs: %w", err)
		}
		for i := range ids {
			if ids[i] == "" {
				ids[i] = assessmentID(next)
				next++
			}
		}
	}
	args := make([]any, 0, len(as)*16)
	for i, a := range as {
		docs, err := a.packedForStore()
		if err != nil {
			return err
		}
		args = append(args, ids[i], a.Customer, a.CustomerKind, a.Scorecard, "", "", "", docs, a.Grade,
			a.Score, a.PD, a.Decision, a.Limit.String(), a.RequestID, a.CreatedBy, a.CreatedAt.UnixNano())
	}
	if err := r.st.TxInsert(ctx, tx, insertAssessments, args); err != nil {
		return fmt.Errorf("creditdb: store assessments: %w", err)
	}
	for i, a := range as {
		a.ID = ids[i]
	}
	return nil
}

// insertAssessments inserts up to 32 assessments per statement.
var insertAssessments = store.InsertRows(`INSERT INTO assessments (`+assessmentColumns+`) VALUES `, 16, 32)

// Assessment returns assessment id, or ErrNotFound.
func (r *Repo) Assessment(ctx context.Context, id string) (Assessment, error) {
	return r.assessment(ctx, pool{r.st}, id)
}

// AssessmentTx is Assessment inside tx.
func (r *Repo) AssessmentTx(ctx context.Context, tx *sql.Tx, id string) (Assessment, error) {
	return r.assessment(ctx, r.in(tx), id)
}

func (r *Repo) assessment(ctx context.Context, q runner, id string) (Assessment, error) {
	var (
		a                      Assessment
		request, facts, report string
		docs                   []byte
		limit                  string
		at                     int64
	)
	err := q.queryRow(ctx, `SELECT `+assessmentColumns+` FROM assessments WHERE id = ?`, id).Scan(
		&a.ID, &a.Customer, &a.CustomerKind, &a.Scorecard, &request, &facts, &report, &docs, &a.Grade, &a.Score,
		&a.PD, &a.Decision, &limit, &a.RequestID, &a.CreatedBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Assessment{}, fmt.Errorf("assessment %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Assessment{}, fmt.Errorf("creditdb: read assessment %s: %w", id, err)
	}
	a.Limit, err = decimal.NewFromString(limit)
	if err != nil {
		return Assessment{}, fmt.Errorf("creditdb: assessment %s: bad limit %q: %w", id, limit, err)
	}
	if docs == nil { // written before migration 0010
		a.Request, a.Facts, a.Report = []byte(request), []byte(facts), []byte(report)
	} else if err := unpackDocs(&a, docs); err != nil {
		return Assessment{}, fmt.Errorf("assessment %s: %w", id, err)
	}
	a.CreatedAt = time.Unix(0, at).UTC()
	return a, nil
}
