package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/creditkit/creditkit/credit"
)

// fileFormat is the format of a scoring file.
type fileFormat uint8

const (
	formatCSV fileFormat = iota + 1
	formatJSONL
)

func (f fileFormat) String() string {
	if f == formatJSONL {
		return "jsonl"
	}
	return "csv"
}

// maxRecord bounds one record (a CSV row or a JSON line) of a scoring file: longer records
// are rejected without being held in memory.
const maxRecord = 64 << 10

// Errors of the record reader and the row parser; a rejected row's reason wraps one.
var (
	errRecordTooLong = fmt.Errorf("record longer than %d bytes", maxRecord)
	errQuote         = errors.New("malformed quoting")
	errEncoding      = errors.New("text is not valid UTF-8")
	errFieldCount    = errors.New("wrong number of fields")
)

// record is one CSV row or JSON line as read, before its fields are split.
type record struct {
	line    int    // 1-based line the record starts on
	data    []byte // without the line end; valid until the next call of next
	tooLong bool   // the record exceeded maxRecord and its bytes were dropped
}

// recordReader frames a scoring file into records: CSV rows (a newline inside a quoted
// field continues the row) or JSON lines. Blank lines are skipped, a UTF-8 byte order mark
// at the start is dropped, and "\r\n" ends a line like "\n". It never holds more than
// maxRecord bytes of one record.
type recordReader struct {
	r      *bufio.Reader
	csv    bool
	line   int // lines consumed so far
	buf    []byte
	read   int64 // bytes consumed so far
	bomChk bool
}

func newRecordReader(r io.Reader, format fileFormat) *recordReader {
	return &recordReader{r: bufio.NewReaderSize(r, 256<<10), csv: format == formatCSV}
}

// next returns the next record, or io.EOF after the last. Other errors are the reader's.
func (rr *recordReader) next() (record, error) {
	if !rr.bomChk {
		rr.bomChk = true
		if b, err := rr.r.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
			_, _ = rr.r.Discard(3)
			rr.read += 3
		}
	}
	for {
		rec, err := rr.one()
		if err != nil {
			return record{}, err
		}
		if rec.tooLong || len(trimCell(rec.data)) > 0 {
			return rec, nil
		}
	}
}

// csvState is where the record reader is inside a CSV record.
type csvState uint8

const (
	atFieldStart csvState = iota // a quote here opens a quoted field
	inUnquoted                   // inside an unquoted field: a quote is a bare quote
	inQuoted                     // inside a quoted field: a newline belongs to the field
	afterQuote                   // a quote inside a quoted field: closes it, or "" escapes one
)

// scanCSV advances the state over a chunk of one line (up to and including its newline, if
// any) and reports whether the line ends the record.
func scanCSV(st csvState, chunk []byte) (csvState, bool) {
	if st == atFieldStart && len(chunk) > 0 && chunk[len(chunk)-1] == '\n' && bytes.IndexByte(chunk, '"') < 0 {
		return atFieldStart, true // the common case: a whole line without quotes ends the record
	}
	for _, c := range chunk {
		switch st {
		case atFieldStart:
			switch c {
			case '"':
				st = inQuoted
			case ',', '\n':
			default:
				st = inUnquoted
			}
		case inUnquoted:
			if c == ',' {
				st = atFieldStart
			}
		case inQuoted:
			if c == '"' {
				st = afterQuote
			}
		case afterQuote:
			switch c {
			case '"':
				st = inQuoted
			case ',':
				st = atFieldStart
			default:
				st = inUnquoted // text after a closing quote: splitCSV rejects the row
			}
		}
	}
	return st, st != inQuoted
}

// one reads one record, possibly blank.
func (rr *recordReader) one() (record, error) {
	rec := record{line: rr.line + 1}
	rr.buf = rr.buf[:0]
	st := atFieldStart
	got := false
	for {
		chunk, err := rr.r.ReadSlice('\n')
		ends := true
		if len(chunk) > 0 {
			got = true
			rr.read += int64(len(chunk))
			if rr.csv {
				st, ends = scanCSV(st, chunk)
			}
			if !rec.tooLong {
				if len(rr.buf)+len(chunk) > maxRecord+2 { // +2: the line end, trimmed below
					rec.tooLong, rr.buf = true, rr.buf[:0]
				} else {
					rr.buf = append(rr.buf, chunk...)
				}
			}
		}
		switch {
		case err == nil: // a newline ends the chunk
			rr.line++
			if ends {
				rec.data = trimLineEnd(rr.buf)
				return rec, nil
			}
		case errors.Is(err, bufio.ErrBufferFull):
		case errors.Is(err, io.EOF):
			if !got {
				return record{}, io.EOF
			}
			rr.line++
			rec.data = trimLineEnd(rr.buf)
			return rec, nil
		default:
			return record{}, err
		}
	}
}

func trimLineEnd(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}

// splitCSV splits one CSV record into its fields (RFC 4180: comma-separated, a field may be
// quoted with '"' and a quote inside a quoted field is doubled). fields and buf are reused:
// the returned fields point into rec or into buf, which must have room for len(rec) bytes
// so that it never moves. A quote inside an unquoted field, text after a closing quote and an
// unclosed quote are errQuote.
func splitCSV(rec []byte, fields [][]byte, buf []byte) ([][]byte, []byte, error) {
	fields = fields[:0]
	if cap(buf) < len(rec) {
		buf = make([]byte, 0, len(rec)+len(rec)/2)
	}
	buf = buf[:0]
	i := 0
	for {
		if i < len(rec) && rec[i] == '"' {
			start := len(buf)
			i++
			closed := false
			for i < len(rec) {
				j := bytes.IndexByte(rec[i:], '"')
				if j < 0 {
					break
				}
				buf = append(buf, rec[i:i+j]...)
				i += j + 1
				if i < len(rec) && rec[i] == '"' {
					buf = append(buf, '"')
					i++
					continue
				}
				closed = true
				break
			}
			if !closed {
				return fields, buf, fmt.Errorf("%w: a quoted field is not closed", errQuote)
			}
			fields = append(fields, buf[start:len(buf):len(buf)])
			if i == len(rec) {
				return fields, buf, nil
			}
			if rec[i] != ',' {
				return fields, buf, fmt.Errorf("%w: text after the closing quote of field %d", errQuote, len(fields))
			}
			i++
			continue
		}
		j := bytes.IndexByte(rec[i:], ',')
		end := len(rec)
		if j >= 0 {
			end = i + j
		}
		field := rec[i:end:end]
		if bytes.IndexByte(field, '"') >= 0 {
			return fields, buf, fmt.Errorf("%w: a quote inside unquoted field %d", errQuote, len(fields)+1)
		}
		fields = append(fields, field)
		if j < 0 {
			return fields, buf, nil
		}
		i = end + 1
	}
}

// rowParser turns the records of one scoring file into credit.Facts. Each worker has its own:
// the Facts it returns point into the parser's slots and are valid until the next call.
type rowParser struct {
	format  fileFormat
	columns []*factColumn // per CSV column; nil for the ID column and ignored columns
	idCol   int           // CSV column of the applicant ID, or -1
	money   []factColumn  // the amount columns, for checkMoney
	facts   credit.Facts  // the row being parsed
	slots   credit.Facts
	fields  [][]byte
	buf     []byte
	errs    []string
}

// rowPlan is how a file's columns map to Facts, shared by every worker's rowParser.
type rowPlan struct {
	format  fileFormat
	columns []*factColumn
	idCol   int
}

// headerError is a fatal problem with a CSV header.
type headerError struct{ problems []string }

func (e *headerError) Error() string {
	return "header: " + strings.Join(e.problems, "; ")
}

// planCSV maps a CSV header to Facts fields. idName is the column copied to the output as
// the applicant's ID (absent is fine); unknown columns are an error unless ignoreUnknown;
// needRequest demands the columns every assessment needs.
func planCSV(header []byte, idName string, ignoreUnknown, needRequest bool) (rowPlan, error) {
	if !utf8.Valid(header) {
		return rowPlan{}, &headerError{[]string{errEncoding.Error()}}
	}
	names, _, err := splitCSV(header, nil, nil)
	if err != nil {
		return rowPlan{}, &headerError{[]string{err.Error()}}
	}
	byName := map[string]*factColumn{}
	all := factColumns()
	for i := range all {
		byName[all[i].name] = &all[i]
	}
	plan := rowPlan{format: formatCSV, columns: make([]*factColumn, len(names)), idCol: -1}
	seen := map[string]bool{}
	var problems, unknown []string
	for i, raw := range names {
		name := strings.TrimSpace(string(raw))
		switch {
		case name == "":
			problems = append(problems, fmt.Sprintf("column %d has no name", i+1))
			continue
		case seen[name]:
			problems = append(problems, fmt.Sprintf("column %q appears twice", name))
			continue
		}
		seen[name] = true
		if name == idName {
			plan.idCol = i
			continue
		}
		c, ok := byName[name]
		switch {
		case ok:
			plan.columns[i] = c
		case !ignoreUnknown:
			unknown = append(unknown, quoteCell([]byte(name)))
		}
	}
	if len(unknown) > 0 {
		problems = append(problems, "unknown columns "+strings.Join(unknown, ", ")+
			" (the columns are the JSON paths of credit facts, listed by creditkit score --help; --ignore-unknown skips others)")
	}
	if needRequest {
		var missing []string
		for _, n := range requiredForAssessment {
			if !seen[n] {
				missing = append(missing, n)
			}
		}
		if len(missing) > 0 {
			problems = append(problems, "missing columns "+strings.Join(missing, ", ")+
				" (every assessment needs the request's term, product and method; --score-only does not)")
		}
	}
	if len(problems) > 0 {
		return rowPlan{}, &headerError{problems}
	}
	return plan, nil
}

func newRowParser(plan rowPlan) *rowParser {
	all := factColumns()
	p := &rowParser{format: plan.format, columns: plan.columns, idCol: plan.idCol, money: moneyColumns(all)}
	for _, c := range all {
		c.alloc(&p.slots)
	}
	return p
}

// parse reads one record into Facts and the applicant's ID (nil when the file has none).
// Every problem of the row is reported at once. The Facts and the ID are valid until the
// next call.
func (p *rowParser) parse(rec []byte) (*credit.Facts, []byte, error) {
	p.facts = credit.Facts{}
	var id []byte
	var err error
	if p.format == formatCSV {
		// parseMoney has kept the amounts within checkMoney's bounds, and the record is UTF-8.
		id, err = p.parseCSV(rec)
		return &p.facts, id, err
	}
	if id, err = p.parseJSON(rec); err != nil {
		return &p.facts, id, err
	}
	if !utf8.Valid(id) {
		return &p.facts, nil, fmt.Errorf("id: %w", errEncoding)
	}
	return &p.facts, id, checkMoney(&p.facts, p.money)
}

func (p *rowParser) parseCSV(rec []byte) ([]byte, error) {
	if !utf8.Valid(rec) {
		return nil, errEncoding
	}
	var err error
	p.fields, p.buf, err = splitCSV(rec, p.fields, p.buf)
	if err != nil {
		return nil, err
	}
	if len(p.fields) != len(p.columns) {
		var id []byte
		if p.idCol >= 0 && p.idCol < len(p.fields) {
			id = trimCell(p.fields[p.idCol])
		}
		return id, fmt.Errorf("%w: %d, the header has %d", errFieldCount, len(p.fields), len(p.columns))
	}
	var id []byte
	p.errs = p.errs[:0]
	for i, raw := range p.fields {
		if i == p.idCol {
			id = trimCell(raw)
			continue
		}
		c := p.columns[i]
		cell := trimCell(raw)
		if c == nil || len(cell) == 0 {
			continue
		}
		if err := c.parse(&p.facts, &p.slots, cell); err != nil {
			p.errs = append(p.errs, c.name+": "+err.Error())
		}
	}
	if len(p.errs) > 0 {
		return id, &rowError{strings.Join(p.errs, "; ")}
	}
	return id, nil
}

// jsonRow is one line of a JSON Lines scoring file: the Facts object as the API takes it,
// with an optional "id" string or number beside the facts.
type jsonRow struct {
	ID json.RawMessage `json:"id"`
	credit.Facts
}

func (p *rowParser) parseJSON(rec []byte) ([]byte, error) {
	var row jsonRow
	dec := json.NewDecoder(bytes.NewReader(rec))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&row); err != nil {
		// Keep the ID for the rejects file when the line is an object with one.
		var idOnly struct {
			ID json.RawMessage `json:"id"`
		}
		_ = json.Unmarshal(rec, &idOnly)
		id, _ := jsonID(idOnly.ID)
		return id, jsonError(err)
	}
	if dec.More() {
		return nil, errors.New("invalid JSON: text after the object")
	}
	p.facts = row.Facts
	return jsonID(row.ID)
}

// jsonError rewords a decoding error for a rejects file.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		if te.Field == "" {
			return fmt.Errorf("invalid JSON: a line must be an object, not %s", te.Value)
		}
		return &rowError{fmt.Sprintf("%s: %s is not %s", strings.TrimPrefix(te.Field, "Facts."), te.Value, te.Type)}
	case errors.As(err, &se):
		return fmt.Errorf("invalid JSON at byte %d: %s", se.Offset, se.Error())
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return errors.New("invalid JSON: the object is not complete")
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	msg = strings.ReplaceAll(msg, "main.jsonRow", "the row")
	return errors.New("invalid JSON: " + msg)
}

// jsonID reads the "id" of a JSON line: a string or a number, or absent.
func jsonID(raw json.RawMessage) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, errors.New("id: not a valid string")
		}
		return []byte(s), nil
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return raw, nil
	}
	return nil, errors.New("id: must be a string or a number")
}
