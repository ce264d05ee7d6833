package creditdb

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

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

// packScratch holds the frame and the compressed block while a row is packed: ~12 KB per
// assessment that would otherwise be garbage at once.
var packScratch = sync.Pool{New: func() any { return new(packBuffers) }}

type packBuffers struct{ frame, block []byte }

// packDocs returns the documents of a packed.
func packDocs(a *Assessment) ([]byte, error) {
	n := len(a.Request) + len(a.Facts) + len(a.Report)
	if n > maxDocsLen {
		return nil, fmt.Errorf("creditdb: assessment documents of %d bytes, more than %d", n, maxDocsLen)
	}
	b := packScratch.Get().(*packBuffers)
	defer packScratch.Put(b)
	frame := binary.AppendUvarint(b.frame[:0], uint64(len(a.Request)))
	frame = binary.AppendUvarint(frame, uint64(len(a.Facts)))
	frame = append(frame, a.Request...)
	frame = append(frame, a.Facts...)
	frame = append(frame, a.Report...)
	b.frame = frame
	if need := s2.MaxEncodedLen(len(frame)); cap(b.block) < need {
		b.block = make([]byte, need)
	}
	block := docsDictV1.Encode(b.block[:cap(b.block)], frame) // in b.block: Encode writes from its dst's start
	out := make([]byte, 1+len(block))
	out[0] = docsV1
	copy(out[1:], block)
	return out, nil
}

// Pack packs the row's documents for storage now, so that CreateAssessmentsTx stores them
// without packing them inside its transaction: packing (S2) is the costliest part of
// storing a row, and a group commit's transaction is the one serial step of many
// requests. A row whose documents change after Pack (to other slices) is packed again
// when stored.
func (a *Assessment) Pack() error {
	docs, err := packDocs(a)
	if err != nil {
		return err
	}
	a.packed = packedDocs{docs: docs, of: a.docsIdentity()}
	return nil
}

// packedDocs is what Pack made and from which documents.
type packedDocs struct {
	docs []byte
	of   [3]docIdentity
}

// docIdentity names a document by where its bytes are and how many there are.
type docIdentity struct {
	first *byte
	len   int
}

func (a *Assessment) docsIdentity() [3]docIdentity {
	id := func(b []byte) docIdentity {
		if len(b) == 0 {
			return docIdentity{}
		}
		return docIdentity{&b[0], len(b)}
	}
	return [3]docIdentity{id(a.Request), id(a.Facts), id(a.Report)}
}

// packedForStore returns the packed documents: Pack's when they are still those of a,
// otherwise packed now.
func (a *Assessment) packedForStore() ([]byte, error) {
	if a.packed.docs != nil && a.packed.of == a.docsIdentity() {
		return a.packed.docs, nil
	}
	return packDocs(a)
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
