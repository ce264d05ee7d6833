package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// frameAll frames input with fr, reading the header first when withHeader.
func frameAll(t testing.TB, fr *csvFramer, withHeader bool) []record {
	t.Helper()
	var out []record
	if withHeader {
		h, err := fr.header()
		if errors.Is(err, io.EOF) {
			return nil
		}
		require.NoError(t, err)
		out = append(out, h)
	}
	var b batch // reused, as the pipeline does
	for range 1 << 20 {
		b.reset(0)
		err := fr.fill(&b)
		for i, r := range b.recs {
			out = append(out, record{line: r.line, data: bytes.Clone(b.record(i)), tooLong: r.tooLong})
		}
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
	}
	t.Fatal("the framer does not reach the end")
	return nil
}

// readAllRecords frames input with recordReader, the reference.
func readAllRecords(t testing.TB, r io.Reader) []record {
	t.Helper()
	rr := newRecordReader(r, formatCSV)
	var out []record
	for {
		rec, err := rr.next()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		rec.data = bytes.Clone(rec.data)
		if rec.tooLong {
			rec.data = nil
		}
		out = append(out, rec)
	}
}

// refFrame frames input line by line with scanCSV, the way recordReader does, for any record
// limit: the reference for a framer with small buffers.
func refFrame(in []byte, maxRec int) []record {
	in = bytes.TrimPrefix(in, utf8BOM)
	var out []record
	line := 0
	for len(in) > 0 {
		rec := record{line: line + 1}
		st := atFieldStart
		raw := 0
		for raw < len(in) {
			chunk := in[raw:]
			if i := bytes.IndexByte(chunk, '\n'); i >= 0 {
				chunk = chunk[:i+1]
				line++
			} else {
				line++ // the last line, without a line end
			}
			raw += len(chunk)
			var ends bool
			st, ends = scanCSV(st, chunk)
			if ends && chunk[len(chunk)-1] == '\n' {
				break
			}
		}
		data := trimLineEnd(in[:raw])
		in = in[raw:]
		if raw > maxRec+2 {
			rec.tooLong = true
		} else if len(trimCell(data)) == 0 {
			continue
		} else {
			rec.data = bytes.Clone(data)
		}
		out = append(out, rec)
	}
	return out
}

func sameRecords(t testing.TB, want, got []record, msg string) {
	t.Helper()
	require.Equal(t, len(want), len(got), "%s: records", msg)
	for i := range want {
		w, g := want[i], got[i]
		require.Equal(t, w.line, g.line, "%s: line of record %d", msg, i)
		require.Equal(t, w.tooLong, g.tooLong, "%s: too long, record %d (line %d)", msg, i, w.line)
		if !w.tooLong {
			require.Equal(t, string(w.data), string(g.data), "%s: record %d (line %d)", msg, i, w.line)
		}
	}
}

// randomCSV is n records of CSV-like text with quotes, quoted newlines, CRLF, blank and
// whitespace-only lines, bare and unbalanced quotes, and now and then a record longer than
// maxRecord.
func randomCSV(rng *rand.Rand, n int) []byte {
	var b bytes.Buffer
	if rng.IntN(4) == 0 {
		b.Write(utf8BOM)
	}
	pieces := []string{"a", "12", "3.5", ",", ",", ",", `"`, `""`, `"x,y"`, "\"multi\nline\"", "\r\n", "\n", " ", "\t", "é", "\r"}
	for range n {
		switch rng.IntN(400) {
		case 0, 20, 21, 22, 23, 24, 25, 26, 27, 28:
			b.WriteString("\n")
			continue
		case 1, 30, 31, 32, 33, 34:
			b.WriteString("  \t\r\n")
			continue
		case 2:
			b.WriteString(strings.Repeat("z", maxRecord-10+rng.IntN(20)))
		case 3:
			b.WriteString(strings.Repeat("q,", maxRecord/2+rng.IntN(maxRecord)))
		case 4, 5, 6, 7, 8, 9, 10, 11, 12, 13:
			b.WriteString("\"" + strings.Repeat("in\nquotes,", 1+rng.IntN(20)) + "\"")
		case 14:
			b.WriteString("\"" + strings.Repeat("long\nquoted,", 7000+rng.IntN(30000)) + "\"")
		}
		for range rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		if rng.IntN(3) == 0 {
			b.WriteString("\r")
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

// TestCSVFramerMatchesRecordReader frames generated files of several MB — long records,
// quoted newlines, CRLF, records across reads — exactly as recordReader does, from a file
// and from a reader that returns a few bytes at a time.
func TestCSVFramerMatchesRecordReader(t *testing.T) {
	for seed := range uint64(4) {
		rng := rand.New(rand.NewPCG(seed, 7))
		in := randomCSV(rng, 8000)
		want := readAllRecords(t, bytes.NewReader(in))
		sameRecords(t, want, frameAll(t, newCSVFramer(bytes.NewReader(in)), seed%2 == 0), fmt.Sprint("seed ", seed))
		sameRecords(t, want, frameAll(t, newCSVFramer(iotest.HalfReader(bytes.NewReader(in))), true), fmt.Sprint("half reader, seed ", seed))
	}
}

func TestCSVFramerEdges(t *testing.T) {
	for _, in := range []string{"", "\n", "\xef\xbb\xbf", "\xef\xbb\xbfa,b\n1,2", "a\r\n\r\n1\r\n", "\"a\nb\"\n\"open\n", "a\n\"x\ny\",2\r\n\n3",
		"\"\n\"\"\n\"", "a,\"b\"c\nd\n", "x\n" + strings.Repeat("y", maxRecord+1) + "\nz\n", "x\n" + strings.Repeat("y", maxRecord+2) + "\r\nz",
		"x\n" + strings.Repeat("y", maxRecord+3) + "\r\nz", "x\n\"" + strings.Repeat("y\n", 3*maxRecord) + "\"\nlast"} {
		want := readAllRecords(t, strings.NewReader(in))
		sameRecords(t, want, frameAll(t, newCSVFramer(strings.NewReader(in)), true), fmt.Sprintf("%.40q", in))
		sameRecords(t, want, refFrame([]byte(in), maxRecord), "reference "+fmt.Sprintf("%.40q", in))
	}
	_, err := newCSVFramer(strings.NewReader("  \n\n")).header()
	assert.ErrorIs(t, err, io.EOF)
	_, err = newCSVFramer(iotest.ErrReader(errors.New("disk on fire"))).header()
	assert.ErrorContains(t, err, "disk on fire")
}

// FuzzCSVFramer frames arbitrary input like recordReader, and with tiny buffers and record
// limits (records across every read, too-long records skipped over several reads) like the
// line-by-line reference.
func FuzzCSVFramer(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "a\n\"x\ny\",2\r\n\n3", "\xef\xbb\xbfid\n\"\n\"\"\n\"", "a,\"b\"c\nd\n", "\"abc", "x\r\r\n \t\n,\n"} {
		f.Add([]byte(s), uint8(3), uint8(5), false)
	}
	f.Add([]byte("\n\n \n\n\nabcdefgh\nij\n"), uint8(6), uint8(0), false) // blank lines, then a record across a full buffer
	f.Add([]byte("\"ab\ncd\nef\"\nx\n"), uint8(2), uint8(1), true)        // a too-long quoted record skipped over reads
	f.Fuzz(func(t *testing.T, in []byte, maxRec, extra uint8, half bool) {
		var r io.Reader = bytes.NewReader(in)
		if half {
			r = iotest.HalfReader(r)
		}
		sameRecords(t, readAllRecords(t, bytes.NewReader(in)), frameAll(t, newCSVFramer(r), half), "default sizes")
		fr := newCSVFramer(bytes.NewReader(in))
		fr.maxRec = int(maxRec % 64)
		fr.size = fr.maxRec + 3 + int(extra%64)
		sameRecords(t, refFrame(in, fr.maxRec), frameAll(t, fr, !half), "small buffers")
	})
}
