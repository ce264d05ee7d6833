package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// output is where a command writes a file it produces: standard output for "-", otherwise a
// temporary file beside the target that commit renames into place, so a failed run never
// leaves a partial file under the target's name (nor destroys an earlier one).
type output struct {
	path string // "-" for standard output
	tmp  *os.File
	*bufio.Writer
}

// createOutput opens path for writing ("-" is stdout).
func createOutput(path string, stdout io.Writer) (*output, error) {
	if path == "-" {
		return &output{path: path, Writer: bufio.NewWriterSize(stdout, 256<<10)}, nil
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &output{path: path, tmp: tmp, Writer: bufio.NewWriterSize(tmp, 256<<10)}, nil
}

// commit flushes the output and, for a file, moves it into place with mode 0644.
func (o *output) commit() error {
	if err := o.Flush(); err != nil {
		o.abort()
		return fmt.Errorf("write %s: %w", o.name(), err)
	}
	if o.tmp == nil {
		return nil
	}
	tmp := o.tmp
	o.tmp = nil
	err := errors.Join(tmp.Chmod(0o644), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), o.path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", o.path, err)
	}
	return nil
}

// abort drops a file output that will not be committed; it is safe after commit.
func (o *output) abort() {
	if o == nil || o.tmp == nil {
		return
	}
	_ = o.tmp.Close()
	_ = os.Remove(o.tmp.Name())
	o.tmp = nil
}

func (o *output) name() string {
	if o.path == "-" {
		return "standard output"
	}
	return o.path
}

// openInput opens path for reading ("-" is stdin) and returns its size when known (a regular
// file), else 0.
func openInput(path string, stdin io.Reader) (io.ReadCloser, int64, error) {
	if path == "-" {
		return io.NopCloser(stdin), 0, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if st.IsDir() {
		f.Close()
		return nil, 0, fmt.Errorf("%s is a directory", path)
	}
	if st.Mode().IsRegular() {
		return f, st.Size(), nil
	}
	return f, 0, nil
}

// formatOf returns the format a file name's extension implies: .jsonl, .ndjson and .json
// are JSON Lines, .csv is CSV; ok is false for other names.
func formatOf(path string) (fileFormat, bool) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return formatCSV, true
	case ".jsonl", ".ndjson", ".json":
		return formatJSONL, true
	}
	return 0, false
}

// parseFormat reads a --format value.
func parseFormat(s string) (fileFormat, error) {
	switch strings.ToLower(s) {
	case "csv":
		return formatCSV, nil
	case "jsonl", "ndjson":
		return formatJSONL, nil
	}
	return 0, usageError{fmt.Errorf("unknown format %q: use csv or jsonl", s)}
}

// appendCSVField appends one CSV field, quoted when it holds a comma, a quote, a line end or
// space at either end.
func appendCSVField(dst []byte, s string) []byte {
	if s == "" {
		return dst
	}
	if !strings.ContainsAny(s, ",\"\r\n") && s[0] != ' ' && s[len(s)-1] != ' ' {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		dst = append(dst, s[:i+1]...)
		dst = append(dst, '"')
		s = s[i+1:]
	}
	dst = append(dst, s...)
	return append(dst, '"')
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20 || c == 0x7f:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

// appendRound appends x rounded to 6 decimals in its shortest form ("612", "37.5").
func appendRound(dst []byte, x float64) []byte {
	return strconv.AppendFloat(dst, roundTo(x, 6), 'f', -1, 64)
}
