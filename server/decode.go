package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"
)

// decode reads the request body into v strictly; every handler that takes a body uses it.
// See decodeJSON.
func decode(c *fiber.Ctx, v any) error {
	return decodeJSON(c.Get(fiber.HeaderContentType), c.Body(), v)
}

// decodeJSON decodes body into v strictly: the media type must be application/json (any
// charset parameter must be UTF-8), the body one JSON value of valid UTF-8 with no unknown
// fields and nothing after it. A wrong media type is ErrUnsupportedMediaType; malformed or
// trailing JSON, unknown fields and an empty body are *BadRequestError; a value of the
// wrong type is a *ValidationError naming the field; a *ValidationError from a field's
// own UnmarshalJSON or UnmarshalText is returned as is.
func decodeJSON(contentType string, body []byte, v any) error {
	if err := checkMediaType(contentType); err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return &BadRequestError{Detail: "the request body is empty; send a JSON object"}
	}
	if !utf8.Valid(body) {
		return &BadRequestError{Detail: "the request body is not valid UTF-8"}
	}
	if err := checkDigitRuns(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &BadRequestError{Detail: "the request body has data after its JSON value"}
	}
	return nil
}

func checkMediaType(contentType string) error {
	if contentType == "" {
		return fmt.Errorf("%w: Content-Type must be application/json", ErrUnsupportedMediaType)
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != fiber.MIMEApplicationJSON {
		return fmt.Errorf("%w: Content-Type must be application/json", ErrUnsupportedMediaType)
	}
	for k, val := range params {
		if k != "charset" || !strings.EqualFold(val, "utf-8") {
			return fmt.Errorf("%w: application/json takes only charset=utf-8", ErrUnsupportedMediaType)
		}
	}
	return nil
}

func decodeError(err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		val *ValidationError
		inv *json.InvalidUnmarshalError
	)
	switch {
	case errors.As(err, &val):
		return val
	case errors.As(err, &inv):
		return err // a programming error: the handler passed a non-pointer; 500
	case errors.As(err, &syn):
		return &BadRequestError{Detail: fmt.Sprintf("malformed JSON at byte %d", syn.Offset), Err: err}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &BadRequestError{Detail: "the JSON body ends too early", Err: err}
	case errors.As(err, &typ):
		path := typ.Field
		if path == "" {
			path = "$"
		}
		return &ValidationError{Fields: []FieldError{{
			Path: path, Rule: "type",
			Message:   "must be " + jsonKind(typ.Type.Kind().String()) + ", not " + typ.Value,
			MessageZH: "类型错误：应为" + jsonKind(typ.Type.Kind().String()),
		}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no typed error for DisallowUnknownFields; its message is stable.
		return &BadRequestError{Detail: "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field "), Err: err}
	default:
		// A field's own UnmarshalJSON or UnmarshalText refused its value.
		return &BadRequestError{Detail: "invalid value: " + err.Error(), Err: err}
	}
}

// jsonKind names a Go kind as a JSON type for messages.
func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer in range"
	case "float32", "float64":
		return "a number"
	default:
		return "a " + kind
	}
}

// boundedDecimal is a decimal read from JSON (a string or a number, null for none) that
// refuses a literal of more than maxDecimalLiteral bytes before parsing it: parsing takes
// time in the square of its length (a million digits, two seconds), and no amount or share
// needs more than a few dozen characters. The refusal is a 400.
type boundedDecimal struct{ decimal.NullDecimal }

// maxDecimalLiteral bounds the JSON literal of a boundedDecimal, quotes included.
const maxDecimalLiteral = 64

// UnmarshalJSON reads raw unless it is too long.
func (b *boundedDecimal) UnmarshalJSON(raw []byte) error {
	if len(raw) > maxDecimalLiteral {
		return fmt.Errorf("a decimal of more than %d characters", maxDecimalLiteral)
	}
	return b.NullDecimal.UnmarshalJSON(raw)
}

// maxDigitRun bounds the digits in a row anywhere in a request body. A decimal's parse
// takes time in the square of its length (a million digits, in a body of 1 MiB, took two
// seconds), no number of the API needs more than a few dozen, and no text field is long
// enough to hold this many.
const maxDigitRun = 10000

// checkDigitRuns refuses a body with more than maxDigitRun digits in a row, before any
// of it is parsed.
func checkDigitRuns(body []byte) error {
	run := 0
	for _, c := range body {
		if c < '0' || c > '9' {
			run = 0
		} else if run++; run > maxDigitRun {
			return &BadRequestError{Detail: fmt.Sprintf("the request body holds a number of more than %d digits", maxDigitRun)}
		}
	}
	return nil
}
