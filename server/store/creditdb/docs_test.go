package creditdb

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The dictionary is part of the stored format: rows packed with version 1 can only be
// read with exactly these bytes.
func TestDocsDictionaryNeverChanges(t *testing.T) {
	sum := sha256.Sum256(docsDictV1Source)
	assert.Equal(t, "370e4cc41c374ef3abbc046af59c0ada2fde929b70393198044cf5fde77886ec", hex.EncodeToString(sum[:]),
		"docs_dict_v1.txt changed: rows already stored could no longer be read; add a version 2 instead")
	require.NotNil(t, docsDictV1)
}

func TestDocsRoundTrip(t *testing.T) {
	for _, a := range []Assessment{
		{},
		{Request: []byte(`{}`), Facts: []byte(`{}`), Report: []byte(`{}`)},
		{Request: []byte(`{"amount":"1"}`), Facts: nil, Report: []byte(`{"zh":"近24个月有较严重的逾期"}`)},
		{Report: make([]byte, 200_000)},
	} {
		packed, err := packDocs(&a)
		require.NoError(t, err)
		var got Assessment
		require.NoError(t, unpackDocs(&got, packed))
		assert.Equal(t, string(a.Request), string(got.Request))
		assert.Equal(t, string(a.Facts), string(got.Facts))
		assert.Equal(t, string(a.Report), string(got.Report))
	}
	_, err := packDocs(&Assessment{Report: make([]byte, maxDocsLen+1)})
	assert.Error(t, err)
}

func TestDocsDamaged(t *testing.T) {
	good, err := packDocs(&Assessment{Request: []byte(`{"amount":"1"}`), Facts: []byte(`{}`), Report: []byte(`{"grade":"B"}`)})
	require.NoError(t, err)
	for name, packed := range map[string][]byte{
		"empty":           {},
		"unknown version": append([]byte{2}, good[1:]...),
		"truncated":       good[:len(good)-2],
		"not S2":          {docsV1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		"too long":        {docsV1, 0x80, 0x80, 0x80, 0x80, 0x08}, // a decoded length of 2 GiB
	} {
		t.Run(name, func(t *testing.T) {
			var a Assessment
			assert.ErrorIs(t, unpackDocs(&a, packed), errDocs)
		})
	}
}

// FuzzUnpackDocs: any bytes in the docs column are either documents or errDocs, never a
// panic; and any three documents come back as they went in.
func FuzzUnpackDocs(f *testing.F) {
	f.Add([]byte(`{"amount":"1"}`), []byte(`{}`), []byte(`{"grade":"B"}`), []byte{docsV1, 3, 0, 0})
	f.Fuzz(func(t *testing.T, request, facts, report, raw []byte) {
		var a Assessment
		if err := unpackDocs(&a, raw); err != nil {
			require.ErrorIs(t, err, errDocs)
		}
		packed, err := packDocs(&Assessment{Request: request, Facts: facts, Report: report})
		require.NoError(t, err)
		require.NoError(t, unpackDocs(&a, packed))
		require.Equal(t, string(request), string(a.Request))
		require.Equal(t, string(facts), string(a.Facts))
		require.Equal(t, string(report), string(a.Report))
	})
}
