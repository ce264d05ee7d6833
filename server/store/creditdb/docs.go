package creditdb

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/klauspost/compress/s2"
)

// An assessment's three documents (request, facts and report, ~5.5 KB of JSON, the facts
// repeated inside the report and the request inside the facts) are stored together in
// the docs column, compressed with S2 against a dictionary of two typical assessments
// (an enterprise's and an individual's), to ~1 KB. A row then fits in one database page
// instead of spilling into overflow pages: a group commit of assessments writes about
// half the pages, and the table takes a fifth of the space. S2 costs ~7 µs per row to
// compress and ~2 µs to expand.
//
// The packed form is one version byte, then the S2 block of: uvarint len(request),
// uvarint len(facts), request, facts, report. Version 1 is S2 with docsDictV1. The
// dictionary is part of the format: rows packed with it can only be read with it, so
// docs_dict_v1.txt never changes (a test pins its SHA-256); a better dictionary would be
// version 2, with version 1 kept for reading.
//
// Rows written before migration 0010 keep the documents as text in the request, facts
// and report columns, with docs NULL, and are read from there.

//go:embed docs_dict_v1.txt
var docsDictV1Source []byte

// docsDictV1 starts its first repeat at a request's opening, where every block starts.
var docsDictV1 = s2.MakeDict(docsDictV1Source, []byte(`{"amount":"`))

const docsV1 = 1

// maxDocsLen bounds the documents of one row (the server accepts request bodies of at
// most 1 MiB), so a larger unpacked length can only come from a damaged row.
const maxDocsLen = 16 << 20

// errDocs reports a damaged docs value.
var errDocs = errors.New("creditdb: damaged assessment documents")

// packDocs returns the documents of a packed.
func packDocs(a *Assessment) ([]byte, error) {
	if n := len(a.Request) + len(a.Facts) + len(a.Report); n > maxDocsLen {
		return nil, fmt.Errorf("creditdb: assessment documents of %d bytes, more than %d", n, maxDocsLen)
	}
	frame := make([]byte, 0, 2*binary.MaxVarintLen32+len(a.Request)+len(a.Facts)+len(a.Report))
	frame = binary.AppendUvarint(frame, uint64(len(a.Request)))
	frame = binary.AppendUvarint(frame, uint64(len(a.Facts)))
	frame = append(frame, a.Request...)
	frame = append(frame, a.Facts...)
	frame = append(frame, a.Report...)
	out := make([]byte, 1+s2.MaxEncodedLen(len(frame)))
	out[0] = docsV1
	block := docsDictV1.Encode(out[1:], frame) // in out[1:]: Encode writes from its dst's start
	return out[:1+len(block)], nil
}

// unpackDocs sets the documents of a from packed, which packDocs made.
func unpackDocs(a *Assessment, packed []byte) error {
	if len(packed) == 0 {
		return fmt.Errorf("%w: empty", errDocs)
	}
	if packed[0] != docsV1 {
		return fmt.Errorf("%w: unknown version %d", errDocs, packed[0])
	}
	block := packed[1:]
	n, err := s2.DecodedLen(block)
	if err != nil {
		return fmt.Errorf("%w: %v", errDocs, err)
	}
	if n > maxDocsLen {
		return fmt.Errorf("%w: %d bytes unpacked", errDocs, n)
	}
	frame, err := docsDictV1.Decode(make([]byte, n), block)
	if err != nil {
		return fmt.Errorf("%w: %v", errDocs, err)
	}
	lenRequest, k := binary.Uvarint(frame)
	if k <= 0 {
		return fmt.Errorf("%w: bad request length", errDocs)
	}
	frame = frame[k:]
	lenFacts, k := binary.Uvarint(frame)
	if k <= 0 {
		return fmt.Errorf("%w: bad facts length", errDocs)
	}
	frame = frame[k:]
	if lenRequest > uint64(len(frame)) || lenFacts > uint64(len(frame))-lenRequest {
		return fmt.Errorf("%w: lengths past the end", errDocs)
	}
	a.Request = frame[:lenRequest:lenRequest]
	a.Facts = frame[lenRequest : lenRequest+lenFacts : lenRequest+lenFacts]
	a.Report = frame[lenRequest+lenFacts:]
	return nil
}
