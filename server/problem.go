package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Errors a handler returns for the error handler to map to a status; wrap them with %w to
// add detail, which is shown to the client for every status below 500.
var (
	// ErrNotFound answers 404.
	ErrNotFound = errors.New("server: not found")
	// ErrConflict answers 409: the request clashes with the current state.
	ErrConflict = errors.New("server: conflict")
	// ErrVersionRequired answers 428: an update needs If-Match with the current ETag.
	ErrVersionRequired = errors.New("server: If-Match required")
	// ErrStaleVersion answers 412: If-Match names an older version than the stored one.
	ErrStaleVersion = errors.New("server: stale version")
	// ErrUnauthorized answers 401: the caller could not be authenticated.
	ErrUnauthorized = errors.New("server: unauthorized")
	// ErrForbidden answers 403: the caller lacks the route's permission.
	ErrForbidden = errors.New("server: forbidden")
	// ErrUnsupportedMediaType answers 415: the body is not application/json (UTF-8).
	ErrUnsupportedMediaType = errors.New("server: unsupported media type")
	// ErrBodyTooLarge answers 413: the body exceeds Config.BodyLimit.
	ErrBodyTooLarge = errors.New("server: body too large")
	// ErrUnavailable answers 503: a dependency, such as the database, does not answer.
	ErrUnavailable = errors.New("server: unavailable")
)

// BadRequestError answers 400: malformed JSON, unknown fields, trailing data, bad query
// parameters. Detail is shown to the client.
type BadRequestError struct {
	Detail string
	Err    error // the cause, if any; never shown
}

func (e *BadRequestError) Error() string {
	if e.Err != nil {
		return "server: bad request: " + e.Detail + ": " + e.Err.Error()
	}
	return "server: bad request: " + e.Detail
}

// Unwrap returns the cause.
func (e *BadRequestError) Unwrap() error { return e.Err }

// FieldError is one problem with one field of a request.
type FieldError struct {
	Path      string `json:"path"`    // JSON path of the field, e.g. "address.postcode"
	Rule      string `json:"rule"`    // the rule broken, e.g. "required", "type"
	Message   string `json:"message"` // English
	MessageZH string `json:"-"`       // Chinese; sent instead of Message for Accept-Language zh
}

// ValidationError answers 422 with every field problem at once.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("server: invalid request")
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f.Path + ": " + f.Message)
	}
	return b.String()
}

// Problem is an RFC 9457 problem details document, the body of every error response.
type Problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail,omitempty"`
	Instance  string       `json:"instance,omitempty"`
	RequestID string       `json:"request_id,omitempty"`
	Errors    []FieldError `json:"errors,omitempty"`
}

// problemType returns the type URI of a status.
func problemType(slug string) string { return "urn:creditkit:problem:" + slug }

// classify maps err to the problem the client sees. Domain packages' errors are mapped
// here as their routes arrive, always by errors.Is/As, never by message text.
func classify(err error) Problem {
	var (
		bad *BadRequestError
		val *ValidationError
		fe  *fiber.Error
	)
	switch {
	case errors.As(err, &val):
		return Problem{Type: problemType("validation"), Title: "Invalid request", Status: http.StatusUnprocessableEntity,
			Detail: "the request has invalid fields; see errors", Errors: val.Fields}
	case errors.As(err, &bad):
		return Problem{Type: problemType("bad-request"), Title: "Bad request", Status: http.StatusBadRequest, Detail: bad.Detail}
	case errors.Is(err, ErrNotFound):
		return simple(http.StatusNotFound, "not-found", err, ErrNotFound)
	case errors.Is(err, ErrConflict):
		return simple(http.StatusConflict, "conflict", err, ErrConflict)
	case errors.Is(err, ErrVersionRequired):
		return simple(http.StatusPreconditionRequired, "version-required", err, ErrVersionRequired)
	case errors.Is(err, ErrStaleVersion):
		return simple(http.StatusPreconditionFailed, "stale-version", err, ErrStaleVersion)
	case errors.Is(err, ErrUnauthorized):
		return simple(http.StatusUnauthorized, "unauthorized", err, ErrUnauthorized)
	case errors.Is(err, ErrForbidden):
		return simple(http.StatusForbidden, "forbidden", err, ErrForbidden)
	case errors.Is(err, ErrUnsupportedMediaType):
		return simple(http.StatusUnsupportedMediaType, "unsupported-media-type", err, ErrUnsupportedMediaType)
	case errors.Is(err, ErrBodyTooLarge):
		return simple(http.StatusRequestEntityTooLarge, "body-too-large", err, ErrBodyTooLarge)
	case errors.Is(err, ErrUnavailable):
		return Problem{Type: problemType("unavailable"), Title: http.StatusText(http.StatusServiceUnavailable), Status: http.StatusServiceUnavailable}
	case errors.As(err, &fe) && fe.Code >= 400 && fe.Code < 500:
		return fiberProblem(fe)
	default:
		return Problem{Type: problemType("internal"), Title: http.StatusText(http.StatusInternalServerError),
			Status: http.StatusInternalServerError, Detail: "the server failed; quote the request ID when you report it"}
	}
}

// simple builds a problem whose detail is err's text minus the sentinel's own text, so a
// handler's context ("customer 1234 not found") reaches the client but no package prefix.
func simple(status int, slug string, err, sentinel error) Problem {
	p := Problem{Type: problemType(slug), Title: http.StatusText(status), Status: status}
	if err != sentinel {
		p.Detail = strings.TrimSuffix(strings.TrimSuffix(err.Error(), sentinel.Error()), ": ")
	}
	return p
}

// fiberProblem maps the errors Fiber raises itself (no route, body too large, timeouts).
func fiberProblem(fe *fiber.Error) Problem {
	switch fe.Code {
	case http.StatusNotFound:
		return Problem{Type: problemType("not-found"), Title: http.StatusText(fe.Code), Status: fe.Code, Detail: "no such route"}
	case http.StatusRequestEntityTooLarge:
		return Problem{Type: problemType("body-too-large"), Title: http.StatusText(fe.Code), Status: fe.Code}
	case http.StatusUnsupportedMediaType:
		return Problem{Type: problemType("unsupported-media-type"), Title: http.StatusText(fe.Code), Status: fe.Code}
	default:
		title := http.StatusText(fe.Code)
		if title == "" {
			title = "Client error"
		}
		return Problem{Type: problemType("http-" + strings.ReplaceAll(strings.ToLower(title), " ", "-")), Title: title, Status: fe.Code}
	}
}
