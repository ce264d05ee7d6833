package main

import (
	"bytes"
	"errors"
	"io"
)

// Sizes of the CSV framer: a batch holds up to csvBatchBytes of input read in one go (plus
// the incomplete record carried over from the previous batch) and at most csvBatchRows
// records.
const (
	csvBatchBytes = 256 << 10
	csvBatchRows  = 4096
	csvBufSize    = csvBatchBytes + maxRecord + 2
)

var utf8BOM = []byte("\xef\xbb\xbf")

// csvFramer frames a CSV stream into batches of whole records. It reads straight into a
// batch's buffer and locates the records there — a batch is one read of the input, not a
// copy of each record — and carries only the incomplete record at the end of a read over to
// the next batch. Its records are exactly recordReader's in CSV mode: a newline inside a
// quoted field continues the record, "\r\n" ends a line like "\n", blank records are skipped,
// a UTF-8 byte order mark at the start is dropped, and a record longer than maxRecord (its
// line end included, up to two bytes) is returned as tooLong, without its bytes, and skipped
// over however long it is. Memory stays at one buffer per batch.
type csvFramer struct {
	r       io.Reader
	carry   []byte   // read but not framed yet: the start of the next batch
	line    int      // lines framed so far
	read    int64    // input bytes framed so far
	eof     bool     // r is exhausted (carry may still hold bytes)
	started bool     // the byte order mark is dealt with
	skip    bool     // inside a too-long record, skipping to its end
	skipSt  csvState // the CSV state inside that record
	size    int      // of a batch's buffer; more than maxRec+2
	maxRec  int      // longer records are tooLong
}

func newCSVFramer(r io.Reader) *csvFramer {
	return &csvFramer{r: r, size: csvBufSize, maxRec: maxRecord}
}

// header returns the first record, the header row, or io.EOF when the input holds none. The
// bytes read after it are framed by the next fill.
func (fr *csvFramer) header() (record, error) {
	var b batch
	for {
		err := fr.frame(&b, 1)
		if len(b.recs) > 0 {
			r := b.recs[0]
			return record{line: r.line, data: bytes.Clone(b.data[r.start:r.end]), tooLong: r.tooLong}, nil
		}
		if err != nil {
			return record{}, err
		}
	}
}

// fill frames the next batch into b; it returns io.EOF once the input is exhausted (possibly
// with records in b). A batch may come back empty without io.EOF (the input held only blank
// lines or the rest of a too-long record).
func (fr *csvFramer) fill(b *batch) error { return fr.frame(b, csvBatchRows) }

func (fr *csvFramer) frame(b *batch, limit int) error {
	if cap(b.data) < fr.size {
		b.data = make([]byte, 0, fr.size)
	}
	b.data = append(b.data[:0], fr.carry...)
	fr.carry = fr.carry[:0]
	pos := 0
	for {
		// One read at a time: a file fills the buffer at once, while a pipe or a terminal
		// gives what it has, and the rows that came in are processed without waiting for more.
		err := fr.readSome(b)
		b.read = fr.read
		if err != nil {
			return err
		}
		if !fr.started {
			if len(b.data) < len(utf8BOM) && !fr.eof && bytes.HasPrefix(utf8BOM, b.data) {
				continue // not enough to tell
			}
			fr.started = true
			if bytes.HasPrefix(b.data, utf8BOM) {
				pos = len(utf8BOM)
				fr.read += int64(pos)
			}
		}
		if fr.skip {
			st, end, newlines := scanRecordEnd(fr.skipSt, b.data[pos:])
			fr.line += newlines
			if end < 0 {
				fr.skipSt = st
				fr.read += int64(len(b.data) - pos)
				b.data, pos = b.data[:0], 0
				if fr.eof {
					fr.skip = false
					b.read = fr.read
					return io.EOF
				}
				continue
			}
			fr.skip = false
			fr.read += int64(end + 1)
			pos += end + 1
		}
		var done bool
		if pos, done = fr.records(b, pos, limit); done || len(b.recs) > 0 || fr.eof {
			break
		}
		// nothing whole yet: read on behind the incomplete record, moved to the front when the
		// buffer is full (blank lines before it were consumed)
		if len(b.data) == fr.size && pos > 0 {
			b.data = b.data[:copy(b.data, b.data[pos:])]
			pos = 0
		}
	}
	b.read = fr.read
	if pos == len(b.data) && fr.eof {
		return io.EOF
	}
	fr.carry = append(fr.carry, b.data[pos:]...)
	return nil
}

// records frames the records of b.data from pos, up to limit records in b; it returns where
// it stopped, and done when a too-long record sends the framer into skipping (nothing more
// can be framed from this buffer).
func (fr *csvFramer) records(b *batch, pos, limit int) (int, bool) {
	data := b.data
	for len(b.recs) < limit && pos < len(data) {
		start := pos
		newlines := 1
		if i := bytes.IndexByte(data[pos:], '\n'); i >= 0 && bytes.IndexByte(data[pos:pos+i], '"') < 0 {
			pos += i + 1 // the common case: a line without quotes is a whole record
		} else {
			st, end, n := scanRecordEnd(atFieldStart, data[pos:])
			newlines = n
			switch {
			case end >= 0:
				pos += end + 1
			case fr.eof:
				pos = len(data) // the last record, without a line end
				newlines++
			case len(data)-start > fr.maxRec+2:
				// too long, and not ended yet: report it now and skip the rest as it comes
				b.recs = append(b.recs, batchRecord{start: start, end: start, line: fr.line + 1, tooLong: true})
				fr.skip, fr.skipSt = true, st
				fr.line += n
				fr.read += int64(len(data) - start)
				return len(data), true
			default:
				return start, false // incomplete
			}
		}
		rec := batchRecord{start: start, line: fr.line + 1}
		fr.line += newlines
		fr.read += int64(pos - start)
		if pos-start > fr.maxRec+2 {
			rec.tooLong, rec.end = true, start
		} else {
			body := trimLineEnd(data[start:pos])
			if len(trimCell(body)) == 0 {
				continue // a blank line
			}
			rec.end = start + len(body)
		}
		b.recs = append(b.recs, rec)
	}
	return pos, false
}

// maxEmptyReads bounds the reads in a row that return nothing and no error.
const maxEmptyReads = 100

// readSome reads once into b.data, unless it is full or the input has ended.
func (fr *csvFramer) readSome(b *batch) error {
	for empty := 0; !fr.eof && len(b.data) < fr.size; {
		n, err := fr.r.Read(b.data[len(b.data):fr.size])
		b.data = b.data[:len(b.data)+n]
		switch {
		case errors.Is(err, io.EOF):
			fr.eof = true
		case err != nil:
			return err
		case n > 0:
			return nil
		default:
			if empty++; empty >= maxEmptyReads {
				return io.ErrNoProgress
			}
		}
	}
	return nil
}

// scanRecordEnd advances the CSV state st over data, as scanCSV does line by line, and
// returns the index of the newline that ends the record (-1 when data ends first), the state
// reached and the newlines seen up to and including that one.
func scanRecordEnd(st csvState, data []byte) (csvState, int, int) {
	newlines := 0
	for i, c := range data {
		switch c {
		case '\n':
			newlines++
			if st != inQuoted {
				return atFieldStart, i, newlines
			}
		case '"':
			switch st {
			case atFieldStart, afterQuote:
				st = inQuoted
			case inQuoted:
				st = afterQuote
			}
		case ',':
			if st != inQuoted {
				st = atFieldStart
			}
		default:
			if st == atFieldStart || st == afterQuote {
				st = inUnquoted
			}
		}
	}
	return st, -1, newlines
}
