package customer

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refSpellings is Indexer.Spellings as first written (runes, builders and fresh strings),
// kept as the reference the allocation-free version must match.
func refSpellings(x *Indexer, name string) (full, initials []string) {
	runes := []rune(strings.TrimSpace(name))
	if len(runes) == 0 {
		return nil, nil
	}
	appendOne := func(f, i *strings.Builder, r rune, readings []string) {
		switch {
		case len(readings) > 0 && readings[0] != "":
			f.WriteString(readings[0])
			i.WriteByte(readings[0][0])
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			lr := unicode.ToLower(r)
			f.WriteRune(lr)
			i.WriteRune(lr)
		}
	}
	x.mu.Lock()
	first := x.reading(runes[0])
	var restFull, restInit strings.Builder
	for _, r := range runes[1:] {
		appendOne(&restFull, &restInit, r, x.reading(r))
	}
	x.mu.Unlock()
	if len(first) == 0 {
		var f, i strings.Builder
		appendOne(&f, &i, runes[0], nil)
		return []string{f.String() + restFull.String()}, []string{i.String() + restInit.String()}
	}
	for _, p := range first {
		if p == "" {
			continue
		}
		if len(full) == maxSpellings {
			break
		}
		f := p + restFull.String()
		if slices.Contains(full, f) {
			continue
		}
		full = append(full, f)
		initials = append(initials, p[:1]+restInit.String())
	}
	return full, initials
}

// refKeys is MemStore.keys as first written, from the exported Indexer methods.
func refKeys(x *Indexer, name string) nameKeys {
	nameKey := string(x.NameKey(name))
	k := nameKeys{nameKey: nameKey, prefix: FoldName(name) + "\x00" + nameKey, pinyin: []string{}}
	full, initials := refSpellings(x, name)
	for _, t := range append(full, initials...) {
		t += "\x00" + nameKey
		if !slices.Contains(k.pinyin, t) {
			k.pinyin = append(k.pinyin, t)
		}
	}
	return k
}

// testNames mixes common and heteronym surnames, Latin, digits, spaces, punctuation, invalid
// UTF-8 and long names.
func testNames(rng *rand.Rand, n int) []string {
	parts := []string{"张", "单", "曾", "解", "区", "王", "秀", "英", "长", "行", "重", "乐", "A", "b", "Z", "9", " ", "·",
		"é", "\xff", "-", "Customer ", "有限公司", "😀", "ß", "\x00", "Ω"}
	names := []string{"", " ", "张三", "单丽", "曾国藩", "Zhang San", "ABC", "9号", "😀", " 解放 ", "\xff\xfe"}
	for len(names) < n {
		var b strings.Builder
		for range 1 + rng.IntN(8) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		names = append(names, b.String())
	}
	return names
}

func TestSpellingsMatchReference(t *testing.T) {
	x := NewIndexer()
	for _, name := range testNames(rand.New(rand.NewPCG(1, 2)), 5000) {
		full, initials := x.Spellings(name)
		rf, ri := refSpellings(x, name)
		require.Equal(t, rf, full, "%q", name)
		require.Equal(t, ri, initials, "%q", name)
	}
}

func TestKeysMatchReference(t *testing.T) {
	s, err := NewMemStore(Config{})
	require.NoError(t, err)
	for _, name := range testNames(rand.New(rand.NewPCG(3, 4)), 5000) {
		require.Equal(t, refKeys(s.idx, name), s.keys(name), "%q", name)
	}
}

// TestEntryLessMatchesReference checks the head-and-length shortcuts of entryLess against
// plain text-then-number order, on texts that share long prefixes, differ around bytes 8,
// 16 and 24 (where the inline head ends) and end in NUL bytes.
func TestEntryLessMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	alphabet := []byte{0, 1, 'a', 'b', 0xff}
	text := func() string {
		b := make([]byte, rng.IntN(42))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		if rng.IntN(3) == 0 && len(b) > 0 {
			for i := range b[:len(b)-1] {
				b[i] = 'a' // long shared prefixes
			}
		}
		return string(b)
	}
	num := func() Number {
		if rng.IntN(10) == 0 {
			return Number{}
		}
		return Number{kind: Kind(1 + rng.IntN(2)), seq: uint64(1 + rng.IntN(3))}
	}
	ref := func(a, b string, na, nb Number) bool {
		if c := strings.Compare(a, b); c != 0 {
			return c < 0
		}
		return na.Compare(nb) < 0
	}
	for range 200000 {
		a, b, na, nb := text(), text(), num(), num()
		if rng.IntN(4) == 0 {
			b = a + strings.Repeat("\x00", rng.IntN(3))
		}
		got := entryLess(newEntry(a, na, nil), newEntry(b, nb, nil))
		if !assert.Equal(t, ref(a, b, na, nb), got, "%q %v < %q %v", a, na, b, nb) {
			return
		}
	}
}

func TestRecordIndex(t *testing.T) {
	var x recordIndex
	seqs := []uint64{5, 1, 2, 3, 4, 6, 7, 1_000_000, 9_999_999_999, 8}
	recs := map[Number]*record{}
	for _, q := range seqs {
		for _, k := range []Kind{KindIndividual, KindEnterprise} {
			n := Number{kind: k, seq: q}
			require.Nil(t, x.get(n))
			r := &record{}
			x.put(n, r)
			recs[n] = r
		}
	}
	for n, r := range recs {
		assert.Same(t, r, x.get(n), "%v", n)
	}
	assert.Nil(t, x.get(Number{kind: KindIndividual, seq: 9}))
	assert.Nil(t, x.get(Number{}))
}

// TestRecordIndexPages covers sequences on both sides of page boundaries, pages reached out of
// order and a sequence far enough to go to the map.
func TestRecordIndexPages(t *testing.T) {
	var x recordIndex
	seqs := []uint64{recordPage - 1, recordPage, recordPage + 1, 1, 3*recordPage - 1, 2 * recordPage, 50 * recordPage}
	for i, q := range seqs {
		n := Number{kind: KindIndividual, seq: q}
		x.put(n, &record{by: fmt.Sprint(i)})
	}
	for i, q := range seqs {
		r := x.get(Number{kind: KindIndividual, seq: q})
		require.NotNil(t, r, "seq %d", q)
		assert.Equal(t, fmt.Sprint(i), r.by)
		assert.Nil(t, x.get(Number{kind: KindEnterprise, seq: q}))
	}
	assert.Nil(t, x.get(Number{kind: KindIndividual, seq: recordPage + 2}))
	assert.Len(t, x.sparse, 1, "the far sequence")
	assert.Len(t, x.dense[KindIndividual], 3)
}
