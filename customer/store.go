package customer

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// Store is the customer archive. MemStore implements it in memory; the server implements it
// over SQL. Every implementation must pass customertest.Run. All methods are safe for
// concurrent use and take the caller's context first. by names the officer making a change,
// for the history.
type Store interface {
	// Register validates c, refuses a second record for the same identity document or
	// credit code (*DuplicateError naming the existing number), assigns a number and stores
	// the record as version 1, active. Invalid input gives a *ValidationError.
	Register(ctx context.Context, c Customer, by string) (Customer, error)
	// Get returns the customer with number n, or ErrNotFound.
	Get(ctx context.Context, n Number) (Customer, error)
	// Update replaces the caller-owned fields of the customer c.Number, if c.Version is the
	// stored version (else *VersionError). The number, kind, status and creation time are
	// kept; a changed identity document or credit code is checked for uniqueness again.
	// Errors: ErrNotFound, ErrClosed, *ValidationError, *DuplicateError, *VersionError.
	Update(ctx context.Context, c Customer, by string) (Customer, error)
	// Close marks the customer closed (soft; the record and its history stay) if version is
	// the stored version. Errors: ErrNotFound, ErrClosed, *VersionError.
	Close(ctx context.Context, n Number, version int64, by string) (Customer, error)
	// History returns every revision of the customer, oldest first, or ErrNotFound.
	History(ctx context.Context, n Number) ([]Revision, error)
	// List returns one page of all customers in name order (see Indexer.NameKey; ties by
	// number). A limit of 0 means DefaultLimit; more than MaxLimit or negative is a
	// *QueryError. cursor is "" or a Page.Next from an earlier List; a bad one is a
	// *CursorError.
	List(ctx context.Context, limit int, cursor string) (Page, error)
	// Search returns one page of the customers matching every criterion of q. Errors:
	// *QueryError (unknown filter, bad limit, malformed criterion), *CursorError.
	Search(ctx context.Context, q Query) (Page, error)
	// AddContact appends an entry to the customer's contact log; a zero At means now.
	// Errors: ErrNotFound, *ValidationError.
	AddContact(ctx context.Context, n Number, ct Contact) (Contact, error)
	// Contacts returns the customer's contact log in time order, or ErrNotFound.
	Contacts(ctx context.Context, n Number) ([]Contact, error)
}

// Page is one page of results. Next is the cursor of the following page, "" on the last.
type Page struct {
	Customers []Customer `json:"customers"`
	Next      string     `json:"next,omitempty"`
}

// Page sizes.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Query is a search of the archive. Every non-empty criterion must match.
//
// Result order depends on the criterion that drives the search: exact criteria and
// filters alone give name order; NamePrefix gives the order of the lower-cased name, then
// name order; Pinyin gives the order of the matched spelling, then name order.
type Query struct {
	Number     string // exact customer number
	IDNumber   string // exact identity document number (x or X accepted)
	CreditCode string // exact unified social credit code
	Mobile     string // exact mobile, with or without +86
	NamePrefix string // case-insensitive prefix of the name or legal name
	Pinyin     string // prefix of a pinyin spelling or of its initials: "zhangs", "zs"

	// Filters narrow the result; the keys are kind, branch, officer, status, tag, min_age
	// and max_age (whole years, individuals only). An unknown key is a *QueryError.
	Filters map[string]string

	Limit  int    // 0 means DefaultLimit; at most MaxLimit
	Cursor string // "" or Page.Next of the same query
}

// Filter is the parsed form of Query.Filters. The zero value matches everything.
type Filter struct {
	Kind       Kind
	Branch     string
	Officer    string
	Status     Status
	Tag        string
	MinAge     int
	MaxAge     int
	HasMaxAge  bool
	HasAgeTerm bool // min_age or max_age given: enterprises never match
}

// ParseFilters reads Query.Filters. An unknown key or a malformed value is a *QueryError.
func ParseFilters(m map[string]string) (Filter, error) {
	var f Filter
	for k, v := range m {
		bad := func(reason string) (Filter, error) {
			return Filter{}, &QueryError{Field: "filters." + k, Reason: reason}
		}
		switch k {
		case "kind":
			if err := f.Kind.UnmarshalText([]byte(v)); err != nil {
				return bad("unknown kind")
			}
		case "status":
			if err := f.Status.UnmarshalText([]byte(v)); err != nil {
				return bad("unknown status")
			}
		case "branch":
			f.Branch = v
		case "officer":
			f.Officer = v
		case "tag":
			f.Tag = v
		case "min_age", "max_age":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 200 {
				return bad("must be whole years from 0 to 200")
			}
			f.HasAgeTerm = true
			if k == "min_age" {
				f.MinAge = n
			} else {
				f.MaxAge, f.HasMaxAge = n, true
			}
		default:
			return bad("unknown filter")
		}
	}
	if f.HasMaxAge && f.MaxAge < f.MinAge {
		return Filter{}, &QueryError{Field: "filters.max_age", Reason: "less than min_age"}
	}
	return f, nil
}

// Match reports whether c passes f on day now (for ages).
func (f Filter) Match(c Customer, now time.Time) bool {
	if f.Kind != 0 && c.Kind != f.Kind ||
		f.Status != 0 && c.Status != f.Status ||
		f.Branch != "" && c.Branch != f.Branch ||
		f.Officer != "" && c.Officer != f.Officer ||
		f.Tag != "" && !c.HasTag(f.Tag) {
		return false
	}
	if f.HasAgeTerm {
		a, ok := c.AgeOn(now)
		if !ok || a < f.MinAge || f.HasMaxAge && a > f.MaxAge {
			return false
		}
	}
	return true
}

// NormalizeMobile strips a leading +86 so that both spellings of a number match.
func NormalizeMobile(s string) string { return strings.TrimPrefix(s, "+86") }

// identityKey returns the uniqueness key of c's identity document or credit code, with its
// JSON path; the zero key if c has none.
func identityKey(c Customer) (identity, string) {
	switch {
	case c.Individual != nil:
		return identity{Doc: c.Individual.DocType, ID: strings.ToUpper(c.Individual.DocNumber)}, "individual.doc_number"
	case c.Enterprise != nil:
		return identity{ID: c.Enterprise.CreditCode}, "enterprise.credit_code"
	}
	return identity{}, ""
}

// identityShown is the identity document (masked) or credit code of c, for errors.
func identityShown(c Customer) string {
	switch {
	case c.Individual != nil:
		return MaskID(strings.ToUpper(c.Individual.DocNumber))
	case c.Enterprise != nil:
		return c.Enterprise.CreditCode
	}
	return ""
}

func checkLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return DefaultLimit, nil
	case limit < 0 || limit > MaxLimit:
		return 0, &QueryError{Field: "limit", Reason: "must be from 1 to " + strconv.Itoa(MaxLimit)}
	}
	return limit, nil
}
