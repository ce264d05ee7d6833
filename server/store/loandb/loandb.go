// Package loandb keeps loan applications (loan.Application) and their events (loan.Event)
// in the server's database: a loan.Store over database/sql for SQLite and PostgreSQL.
//
// Repo implements loan.Store, each call in a transaction of its own. The server, which
// writes an application together with other rows (an assessment, an assignment, the
// exposure an approval adds), uses the *Tx methods inside its own transaction instead:
//
//	err := st.Tx(ctx, func(tx *sql.Tx) error {
//		app, err := repo.GetTx(ctx, tx, id)
//		...
//		next, ev, err := workflow.Apply(ctx, app, actor, now, cmd)
//		...
//		return repo.UpdateTx(ctx, tx, next, app.Version, ev)
//	})
//
// Optimistic versioning is one conditional statement (UPDATE ... WHERE id = ? AND version
// = ?), so of two writers that read the same version exactly one succeeds, also across
// processes on one PostgreSQL; the loser gets a *loan.VersionError and nothing of its is
// stored. Events are append-only, one per version.
//
// The schema is migration 0005_applications.sql of server/store.
package loandb

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/creditkit/creditkit/credit"
	"github.com/creditkit/creditkit/loan"
	"github.com/creditkit/creditkit/server/store"
)

// Limits of List.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// ErrCursor reports a cursor List did not issue.
var ErrCursor = errors.New("loandb: invalid cursor")

// Repo stores loan applications in a store.Store. It is safe for concurrent use.
type Repo struct {
	st *store.Store
}

var _ loan.Store = (*Repo)(nil)

// New returns a Repo over st, whose schema must include migration 0005.
func New(st *store.Store) *Repo { return &Repo{st: st} }

const appColumns = `id, customer, customer_kind, product, amount, term_months, purpose, repayment,
	security, security_detail, maker, officer, status, round, stage, grade, approved_amount,
	version, created_at, updated_at, submitted_at, decided_at, documents, reports, stages,
	decisions, override`

// updateSQL sets every column but the ID (in appColumns order, so the arguments are the
// encoded row without its first value), keeping the first submission time once set.
var updateSQL = func() string {
	var set []string
	for _, c := range strings.Split(appColumns, ",")[1:] {
		c = strings.TrimSpace(c)
		if c == "submitted_at" {
			set = append(set, "submitted_at = COALESCE(submitted_at, ?)")
			continue
		}
		set = append(set, c+" = ?")
	}
	return `UPDATE applications SET ` + strings.Join(set, ", ") + ` WHERE id = ? AND version = ?`
}()

// Get returns the application with id, or loan.ErrNotFound. It reads committed data.
func (r *Repo) Get(ctx context.Context, id string) (loan.Application, error) {
	return scanApp(r.st.LookupRow(ctx, `SELECT `+appColumns+` FROM applications WHERE id = ?`, id))
}

// GetTx is Get inside tx: it sees tx's own writes.
func (r *Repo) GetTx(ctx context.Context, tx *sql.Tx, id string) (loan.Application, error) {
	return scanApp(r.st.TxQueryRow(ctx, tx, `SELECT `+appColumns+` FROM applications WHERE id = ?`, id))
}

// Create stores a new application and the event that created it in one transaction; see
// CreateTx.
func (r *Repo) Create(ctx context.Context, app loan.Application, ev loan.Event) error {
	return r.st.Tx(ctx, func(tx *sql.Tx) error { return r.CreateTx(ctx, tx, app, ev) })
}

// CreateTx stores a new application and the event that created it inside tx. It returns
// loan.ErrExists when the ID is taken, and a *loan.ValidationError when app has no ID, is
// not at version 1, or ev is not app's event of version 1.
func (r *Repo) CreateTx(ctx context.Context, tx *sql.Tx, app loan.Application, ev loan.Event) error {
	if err := checkWrite(app, ev); err != nil {
		return err
	}
	if app.Version != 1 {
		return invalid("application.version", "new", "a new application is at version 1")
	}
	row, err := encodeApp(app)
	if err != nil {
		return err
	}
	res, err := r.st.TxExec(ctx, tx, `INSERT INTO applications (`+appColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`, row...)
	if err != nil {
		return fmt.Errorf("loandb: create %s: %w", app.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("loandb: create %s: %w", app.ID, err)
	} else if n == 0 {
		return loan.ErrExists
	}
	return r.appendEvent(ctx, tx, ev)
}

// Update replaces the application if the stored version is still expected and appends ev,
// in one transaction; see UpdateTx.
func (r *Repo) Update(ctx context.Context, app loan.Application, expected int64, ev loan.Event) error {
	return r.st.Tx(ctx, func(tx *sql.Tx) error { return r.UpdateTx(ctx, tx, app, expected, ev) })
}

// UpdateTx replaces the application inside tx if its stored version is still expected, and
// appends ev. It returns a *loan.VersionError (loan.ErrStale) when the stored version
// differs, loan.ErrNotFound when there is no such application, and a
// *loan.ValidationError when app is not exactly one version past expected or ev is not
// app's event of that version. The check and the write are one statement, so concurrent
// updates of one version — from any process — cannot both succeed.
func (r *Repo) UpdateTx(ctx context.Context, tx *sql.Tx, app loan.Application, expected int64, ev loan.Event) error {
	if err := checkWrite(app, ev); err != nil {
		return err
	}
	if app.Version != expected+1 {
		return invalid("application.version", "next", "the new version must be one above the expected one")
	}
	row, err := encodeApp(app)
	if err != nil {
		return err
	}
	args := append(row[1:len(row):len(row)], app.ID, expected)
	res, err := r.st.TxExec(ctx, tx, updateSQL, args...)
	if err != nil {
		return fmt.Errorf("loandb: update %s: %w", app.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("loandb: update %s: %w", app.ID, err)
	}
	if n == 0 {
		var actual int64
		err := r.st.TxQueryRow(ctx, tx, `SELECT version FROM applications WHERE id = ?`, app.ID).Scan(&actual)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return loan.ErrNotFound
		case err != nil:
			return fmt.Errorf("loandb: update %s: %w", app.ID, err)
		}
		return &loan.VersionError{ID: app.ID, Expected: expected, Actual: actual}
	}
	return r.appendEvent(ctx, tx, ev)
}

// Events returns the application's events, oldest first, or loan.ErrNotFound.
func (r *Repo) Events(ctx context.Context, id string) ([]loan.Event, error) {
	rows, err := r.st.Query(ctx, `SELECT application, version, action, actor, role, at, from_status,
		to_status, comment, details FROM application_events WHERE application = ? ORDER BY version`, id)
	if err != nil {
		return nil, fmt.Errorf("loandb: events of %s: %w", id, err)
	}
	defer rows.Close()
	var out []loan.Event
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("loandb: events of %s: %w", id, err)
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("loandb: events of %s: %w", id, err)
	}
	if len(out) == 0 {
		// Every stored application has its creation event, so none means no application.
		return nil, loan.ErrNotFound
	}
	return out, nil
}

// Query selects applications for List. The zero value lists every application.
type Query struct {
	Status   loan.Status // 0: any
	Customer string      // "": any
	Officer  string      // "": any
	Limit    int         // 0: DefaultLimit; at most MaxLimit
	Cursor   string      // from the previous Page; "" for the first page
	Scope    Scope       // the caller's data scope; the zero value limits nothing
}

// Scope is a caller's data scope over applications (issue 9 §3): the applications of the
// customers placed in one subtree of the customer tree, optionally only those of one
// officer. It reads the customers and tree_nodes tables of migration 0002 (a customer's
// node is the tree node whose customer column holds its number). The zero value limits
// nothing.
type Scope struct {
	// Node, when above 1 (the bank's root), keeps the customers placed in the subtree of
	// this tree node; customers not placed in the tree are then left out.
	Node int64
	// Officer, when not "", keeps only the customers whose responsible officer is
	// Officer, and — for applications — also the applications assigned to Officer.
	Officer string
}

// subtreeCustomers selects the numbers of the customers placed in the subtree of one tree
// node (its argument).
const subtreeCustomers = `WITH RECURSIVE sub (id, customer) AS (
		SELECT id, customer FROM tree_nodes WHERE id = ?
		UNION ALL
		SELECT n.id, n.customer FROM tree_nodes n JOIN sub ON n.parent = sub.id
	) SELECT customer FROM sub WHERE customer IS NOT NULL`

// Condition returns the scope as an SQL condition (with ? placeholders) and its
// arguments, over a column holding customer numbers and, when officerColumn is not "", a
// column holding the officer an application is assigned to: the rows of customers in the
// subtree, and of the officer's customers or cases. It returns "" when the scope limits
// nothing.
func (s Scope) Condition(customerColumn, officerColumn string) (string, []any) {
	var (
		conds []string
		args  []any
	)
	if s.Node > 1 {
		conds = append(conds, customerColumn+` IN (`+subtreeCustomers+`)`)
		args = append(args, s.Node)
	}
	if s.Officer != "" {
		own := customerColumn + ` IN (SELECT number FROM customers WHERE officer = ?)`
		if officerColumn != "" {
			own = `(` + officerColumn + ` = ? OR ` + own + `)`
			args = append(args, s.Officer)
		}
		conds, args = append(conds, own), append(args, s.Officer)
	}
	return strings.Join(conds, " AND "), args
}

// Page is one page of List, in ID order. Next is the cursor of the following page, ""
// after the last.
type Page struct {
	Items []loan.Application
	Next  string
}

// List returns a page of the applications q selects, in ID order. A cursor not issued by
// List is ErrCursor; a Limit out of range or an invalid Status is a *loan.ValidationError.
func (r *Repo) List(ctx context.Context, q Query) (Page, error) {
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		return Page{}, invalid("limit", "range", fmt.Sprintf("must be 1 to %d", MaxLimit))
	}
	var (
		where []string
		args  []any
	)
	if q.Status != 0 {
		if !q.Status.Valid() {
			return Page{}, invalid("status", "enum", "unknown status")
		}
		where, args = append(where, "status = ?"), append(args, q.Status.String())
	}
	if q.Customer != "" {
		where, args = append(where, "customer = ?"), append(args, q.Customer)
	}
	if q.Officer != "" {
		where, args = append(where, "officer = ?"), append(args, q.Officer)
	}
	if cond, cargs := q.Scope.Condition("customer", "officer"); cond != "" {
		where, args = append(where, cond), append(args, cargs...)
	}
	if q.Cursor != "" {
		after, err := DecodeCursor(q.Cursor)
		if err != nil {
			return Page{}, err
		}
		where, args = append(where, "id > ?"), append(args, after)
	}
	query := `SELECT ` + appColumns + ` FROM applications`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY id LIMIT ?`
	args = append(args, q.Limit+1)
	rows, err := r.st.Query(ctx, query, args...)
	if err != nil {
		return Page{}, fmt.Errorf("loandb: list: %w", err)
	}
	defer rows.Close()
	var p Page
	for rows.Next() {
		app, err := scanApp(rows)
		if err != nil {
			return Page{}, err
		}
		p.Items = append(p.Items, app)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("loandb: list: %w", err)
	}
	if len(p.Items) > q.Limit {
		p.Items = p.Items[:q.Limit]
		p.Next = EncodeCursor(p.Items[q.Limit-1].ID)
	}
	return p, nil
}

// EncodeCursor returns the cursor of the page after the application with id.
func EncodeCursor(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("a:" + id))
}

// DecodeCursor returns the application ID a cursor of EncodeCursor holds, or ErrCursor:
// the cursor must be canonical unpadded base64url of "a:" and an ID of valid UTF-8 without
// NUL (which no database text column holds).
func DecodeCursor(s string) (string, error) {
	if len(s) > 256 {
		return "", ErrCursor
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || !strings.HasPrefix(string(b), "a:") || len(b) == 2 {
		return "", ErrCursor
	}
	id := string(b[2:])
	if !utf8.ValidString(id) || strings.IndexByte(id, 0) >= 0 {
		return "", ErrCursor
	}
	return id, nil
}

// LockApprovals serialises approving transactions: it updates the one gate row inside tx,
// so a second approving transaction — in any process — waits until tx ends. Call it before
// checking group headroom and adding the exposure an approval allows.
func (r *Repo) LockApprovals(ctx context.Context, tx *sql.Tx) error {
	if _, err := r.st.TxExec(ctx, tx, `UPDATE application_approval_gate SET approvals = approvals + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("loandb: approval gate: %w", err)
	}
	return nil
}

func (r *Repo) appendEvent(ctx context.Context, tx *sql.Tx, ev loan.Event) error {
	action, err := ev.Action.MarshalText()
	if err != nil {
		return invalid("event.action", "enum", "the event has no valid action")
	}
	role, err := ev.Role.MarshalText()
	if err != nil {
		return invalid("event.role", "enum", "the event has no valid role")
	}
	to, err := ev.To.MarshalText()
	if err != nil {
		return invalid("event.to", "enum", "the event has no valid status")
	}
	from := ""
	if ev.From != 0 {
		b, err := ev.From.MarshalText()
		if err != nil {
			return invalid("event.from", "enum", "the event has an invalid from status")
		}
		from = string(b)
	}
	details := []byte("{}")
	if len(ev.Details) > 0 {
		if details, err = json.Marshal(ev.Details); err != nil {
			return fmt.Errorf("loandb: event details: %w", err)
		}
	}
	if _, err := r.st.TxExec(ctx, tx, `INSERT INTO application_events
		(application, version, action, actor, role, at, from_status, to_status, comment, details)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ev.Application, ev.Version, string(action), ev.Actor, string(role), ev.At.UnixNano(),
		from, string(to), ev.Comment, string(details)); err != nil {
		return fmt.Errorf("loandb: append event %s v%d: %w", ev.Application, ev.Version, err)
	}
	return nil
}

// checkWrite refuses an application without ID or valid status and an event that is not
// the application's event of its version.
func checkWrite(app loan.Application, ev loan.Event) error {
	var p []loan.Problem
	if app.ID == "" {
		p = append(p, loan.Problem{Path: "application.id", Rule: "required", Message: "the application needs an ID"})
	}
	if !app.Status.Valid() {
		p = append(p, loan.Problem{Path: "application.status", Rule: "enum", Message: "the application has no valid status"})
	}
	if ev.Application != app.ID || ev.Version != app.Version {
		p = append(p, loan.Problem{Path: "event", Rule: "match", Message: "the event must be the application's event of its new version"})
	}
	if ev.At.IsZero() {
		p = append(p, loan.Problem{Path: "event.at", Rule: "required", Message: "the event needs a time"})
	}
	if len(p) > 0 {
		return &loan.ValidationError{Problems: p}
	}
	return nil
}

func invalid(path, rule, msg string) error {
	return &loan.ValidationError{Problems: []loan.Problem{{Path: path, Rule: rule, Message: msg}}}
}

// encodeApp returns the column values of app in appColumns order.
func encodeApp(app loan.Application) ([]any, error) {
	text := func(path string, m interface{ MarshalText() ([]byte, error) }) (string, error) {
		b, err := m.MarshalText()
		if err != nil {
			return "", invalid("application."+path, "enum", "invalid "+path)
		}
		return string(b), nil
	}
	var (
		err                    error
		kind, rep, sec, status string
	)
	if kind, err = text("customer_kind", app.CustomerKind); err != nil {
		return nil, err
	}
	if rep, err = text("repayment", app.Repayment); err != nil {
		return nil, err
	}
	if sec, err = text("security", app.Security); err != nil {
		return nil, err
	}
	if status, err = text("status", app.Status); err != nil {
		return nil, err
	}
	grade := ""
	if rp, ok := app.Report(); ok {
		if g, err := rp.Grade.MarshalText(); err == nil {
			grade = string(g)
		}
	}
	docs, err := jsonArray(app.Documents)
	if err != nil {
		return nil, err
	}
	reports, err := jsonArray(app.Reports)
	if err != nil {
		return nil, err
	}
	stages, err := jsonArray(app.Stages)
	if err != nil {
		return nil, err
	}
	decisions, err := jsonArray(app.Decisions)
	if err != nil {
		return nil, err
	}
	override := ""
	if app.Override != nil {
		b, err := json.Marshal(app.Override)
		if err != nil {
			return nil, fmt.Errorf("loandb: encode override: %w", err)
		}
		override = string(b)
	}
	return []any{app.ID, app.Customer, kind, app.Product, app.Amount.String(), app.TermMonths,
		app.Purpose, rep, sec, app.SecurityDetail, app.Maker, app.Officer, status, app.Round,
		app.Stage, grade, app.ApprovedAmount.String(), app.Version, app.Created.UnixNano(),
		app.Updated.UnixNano(), submittedAt(app), decidedAt(app), docs, reports, stages,
		decisions, override}, nil
}

// submittedAt is the time of the first submission: the application's Updated time when it
// is submitted in round 1. Later writes pass nil and UPDATE keeps the stored value.
func submittedAt(app loan.Application) any {
	if app.Status == loan.StatusSubmitted && app.Round == 1 {
		return app.Updated.UnixNano()
	}
	return nil
}

// decidedAt is the time of the final approval or rejection.
func decidedAt(app loan.Application) any {
	if app.Status == loan.StatusApproved || app.Status == loan.StatusRejected {
		return app.Updated.UnixNano()
	}
	return nil
}

func jsonArray[T any](v []T) (string, error) {
	if len(v) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("loandb: encode %T: %w", v, err)
	}
	return string(b), nil
}

type scanner interface{ Scan(dest ...any) error }

func scanApp(row scanner) (loan.Application, error) {
	var (
		app                                             loan.Application
		kind, rep, sec, status, grade, amount, approved string
		created, updated                                int64
		submitted, decided                              sql.NullInt64
		docs, reports, stages, decisions, override      string
	)
	err := row.Scan(&app.ID, &app.Customer, &kind, &app.Product, &amount, &app.TermMonths,
		&app.Purpose, &rep, &sec, &app.SecurityDetail, &app.Maker, &app.Officer, &status,
		&app.Round, &app.Stage, &grade, &approved, &app.Version, &created, &updated,
		&submitted, &decided, &docs, &reports, &stages, &decisions, &override)
	if errors.Is(err, sql.ErrNoRows) {
		return loan.Application{}, loan.ErrNotFound
	}
	if err != nil {
		return loan.Application{}, fmt.Errorf("loandb: read application: %w", err)
	}
	fail := func(what string, err error) (loan.Application, error) {
		return loan.Application{}, fmt.Errorf("loandb: application %s: stored %s: %w", app.ID, what, err)
	}
	if err := app.CustomerKind.UnmarshalText([]byte(kind)); err != nil {
		return fail("customer_kind", err)
	}
	if err := app.Repayment.UnmarshalText([]byte(rep)); err != nil {
		return fail("repayment", err)
	}
	if err := app.Security.UnmarshalText([]byte(sec)); err != nil {
		return fail("security", err)
	}
	if err := app.Status.UnmarshalText([]byte(status)); err != nil {
		return fail("status", err)
	}
	if app.Amount, err = decimal.NewFromString(amount); err != nil {
		return fail("amount", err)
	}
	if app.ApprovedAmount, err = decimal.NewFromString(approved); err != nil {
		return fail("approved_amount", err)
	}
	app.Created = time.Unix(0, created).UTC()
	app.Updated = time.Unix(0, updated).UTC()
	if app.Documents, err = fromJSON[loan.Document](docs); err != nil {
		return fail("documents", err)
	}
	if app.Reports, err = fromJSON[credit.Report](reports); err != nil {
		return fail("reports", err)
	}
	if app.Stages, err = fromJSON[loan.Stage](stages); err != nil {
		return fail("stages", err)
	}
	if app.Decisions, err = fromJSON[loan.Decision](decisions); err != nil {
		return fail("decisions", err)
	}
	if override != "" {
		app.Override = new(loan.Override)
		if err := json.Unmarshal([]byte(override), app.Override); err != nil {
			return fail("override", err)
		}
	}
	return app, nil
}

func fromJSON[T any](s string) ([]T, error) {
	var v []T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, err
	}
	if len(v) == 0 {
		return nil, nil
	}
	return v, nil
}

func scanEvent(row scanner) (loan.Event, error) {
	var (
		ev                             loan.Event
		action, role, from, to, detail string
		at                             int64
	)
	if err := row.Scan(&ev.Application, &ev.Version, &action, &ev.Actor, &role, &at, &from, &to, &ev.Comment, &detail); err != nil {
		return loan.Event{}, err
	}
	if err := ev.Action.UnmarshalText([]byte(action)); err != nil {
		return loan.Event{}, err
	}
	if err := ev.Role.UnmarshalText([]byte(role)); err != nil {
		return loan.Event{}, err
	}
	if from != "" {
		if err := ev.From.UnmarshalText([]byte(from)); err != nil {
			return loan.Event{}, err
		}
	}
	if err := ev.To.UnmarshalText([]byte(to)); err != nil {
		return loan.Event{}, err
	}
	ev.At = time.Unix(0, at).UTC()
	if detail != "{}" {
		if err := json.Unmarshal([]byte(detail), &ev.Details); err != nil {
			return loan.Event{}, err
		}
	}
	return ev, nil
}
