package server

import (
	"strings"
	"unicode/utf8"

	"github.com/creditkit/creditkit/credit"
)

// decodeAssessmentRequest decodes and checks the body of POST /v1/assessments: the
// customer's number and the facts, or the answer to a bad body.
//
// The general path (decodeJSON into assessmentRequest, then check) reads the facts three
// times before it decodes them: the outer decoder scans the whole body, then skips and
// copies the facts as a json.RawMessage, then credit.DecodeFacts scans them again. That
// outer decoding was ~5% of an assessment's server CPU. So a body of the plain shape every
// client sends (see plainAssessmentRequest) goes straight to credit.DecodeFacts; anything
// else, and any plain body whose customer or facts are refused, takes the general path,
// which gives the answer. The two agree on every body the fast path accepts:
// FuzzAssessmentRequestFastPath compares them.
func decodeAssessmentRequest(contentType string, body []byte) (string, credit.Facts, error) {
	if customer, raw, ok := plainAssessmentRequest(body); ok && checkMediaType(contentType) == nil && utf8.Valid(body) {
		number := strings.TrimSpace(customer)
		if number != "" && len(number) <= maxIDLen {
			if facts, ok := decodeFacts(raw); ok {
				return number, facts, nil
			}
		}
	}
	var req assessmentRequest
	if err := decodeJSON(contentType, body, &req); err != nil {
		return "", credit.Facts{}, err
	}
	return req.check()
}

// decodeFacts decodes and validates raw, one JSON object, as credit.DecodeFacts does
// (strictly, then Facts.Validate), with scanFacts. ok is false for facts it refuses for
// any reason; the general path then decodes them again with credit.DecodeFacts, which
// gives the answer.
func decodeFacts(raw []byte) (credit.Facts, bool) {
	f, ok := scanFacts(raw)
	if !ok || f.Validate() != nil {
		return credit.Facts{}, false
	}
	return f, true
}

// plainAssessmentRequest reads body when it is exactly an object of a "customer" string
// without escapes and a "facts" object, each once, in either order, with only JSON
// whitespace around the tokens; ok is false for anything else. It finds the end of the
// facts by their brackets and leaves their syntax to their decoder: a facts value that is
// not a valid object fails there, and the general path then answers.
func plainAssessmentRequest(body []byte) (customer string, facts []byte, ok bool) {
	i := skipJSONSpace(body, 0)
	if i == len(body) || body[i] != '{' {
		return "", nil, false
	}
	var haveCustomer, haveFacts bool
	for i++; ; {
		key, j, ok := plainJSONString(body, skipJSONSpace(body, i))
		if !ok {
			return "", nil, false
		}
		if i = skipJSONSpace(body, j); i == len(body) || body[i] != ':' {
			return "", nil, false
		}
		i = skipJSONSpace(body, i+1)
		switch string(key) {
		case "customer":
			v, end, ok := plainJSONString(body, i)
			if !ok || haveCustomer {
				return "", nil, false
			}
			customer, haveCustomer, i = string(v), true, end
		case "facts":
			end, ok := jsonObjectEnd(body, i)
			if !ok || haveFacts {
				return "", nil, false
			}
			facts, haveFacts, i = body[i:end], true, end
		default:
			return "", nil, false
		}
		if i = skipJSONSpace(body, i); i == len(body) {
			return "", nil, false
		}
		if body[i] == '}' {
			break
		}
		if body[i] != ',' {
			return "", nil, false
		}
		i++
	}
	if !haveCustomer || !haveFacts || skipJSONSpace(body, i+1) != len(body) {
		return "", nil, false
	}
	return customer, facts, true
}

// skipJSONSpace returns the index of the first byte at or after i that is not JSON
// whitespace.
func skipJSONSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// plainJSONString reads the string at b[i] when it has no escape and no control
// character, returning its content and the index after its closing quote.
func plainJSONString(b []byte, i int) ([]byte, int, bool) {
	if i == len(b) || b[i] != '"' {
		return nil, 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return b[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20:
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// jsonObjectEnd returns the index after the object starting at b[i], matching brackets
// outside strings; it does not check the object's syntax.
func jsonObjectEnd(b []byte, i int) (int, bool) {
	if i == len(b) || b[i] != '{' {
		return 0, false
	}
	depth, inString := 0, false
	for j := i; j < len(b); j++ {
		c := b[j]
		switch {
		case inString && c == '\\':
			j++ // the escaped byte
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth--; depth == 0 {
				return j + 1, c == '}'
			}
		}
	}
	return 0, false
}
