package customer

import (
	"hash/maphash"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMobileKey(t *testing.T) {
	assert.Equal(t, uint64(13800000000), mobileKey("13800000000"))
	assert.Equal(t, uint64(19912345678), mobileKey("19912345678"))
	for _, m := range []string{"", "1380000000", "1380000000a", "+8613800000000", "138000000000"} {
		assert.NotZero(t, mobileKey(m)>>63, "%q hashes", m)
	}
	assert.NotEqual(t, mobileKey("1380000000a"), mobileKey("1380000000b"))
}

func TestMultiIndex(t *testing.T) {
	x := newMultiIndex()
	a, b, c := Number{KindIndividual, 1}, Number{KindIndividual, 2}, Number{KindEnterprise, 3}
	x.add(7, numKey(a))
	x.add(7, numKey(b))
	x.add(7, numKey(c))
	x.add(8, numKey(c))
	assert.Equal(t, []Number{a, b, c}, x.all(7))
	x.remove(7, numKey(b))
	assert.Equal(t, []Number{a, c}, x.all(7))
	x.remove(7, numKey(a))
	assert.Equal(t, []Number{c}, x.all(7))
	assert.Empty(t, x.more)
	x.remove(7, numKey(c))
	assert.Nil(t, x.all(7))
	assert.Equal(t, []Number{c}, x.all(8))
	x.remove(9, numKey(c)) // absent: no effect
	assert.Equal(t, 1, x.one.len())
}

// TestIdentityIndexCollision forces a hash collision: the second identity goes to the map by
// value, and each look-up still finds its own owner.
func TestIdentityIndexCollision(t *testing.T) {
	var recs recordIndex
	newRec := func(n Number, doc string) {
		c := Customer{Number: n, Kind: KindIndividual, Individual: &Individual{DocType: DocResidentID, DocNumber: doc}}
		recs.put(n, &record{cur: c})
	}
	a, b := Number{KindIndividual, 1}, Number{KindIndividual, 2}
	idA := identity{Doc: DocResidentID, ID: "A1"}
	idB := identity{Doc: DocResidentID, ID: "B2"}
	newRec(a, "A1")
	newRec(b, "B2")
	x := newIdentityIndex()
	x.put(idA, a)
	x.byHash.put(identityHash(idB), numKey(a)) // pretend idB hashes like idA
	x.put(idB, b)
	require.Equal(t, map[identity]Number{idB: b}, x.other)
	n, ok := x.get(idA, &recs)
	assert.True(t, ok)
	assert.Equal(t, a, n)
	n, ok = x.get(idB, &recs)
	assert.True(t, ok)
	assert.Equal(t, b, n)
	_, ok = x.get(identity{Doc: DocResidentID, ID: "C3"}, &recs)
	assert.False(t, ok)

	x.remove(idB, b)
	assert.Empty(t, x.other)
	_, ok = x.get(idB, &recs)
	assert.False(t, ok)
	x.remove(idA, a)
	_, ok = x.get(idA, &recs)
	assert.False(t, ok)
}

// TestNameMap covers inline and long names and a forced hash collision.
func TestNameMap(t *testing.T) {
	var m nameMap
	short, long := "张三", "Customer Z1234567890 Limited"
	ks, kl := &nameKeys{}, &nameKeys{}
	m.put(short, ks)
	m.put(long, kl)
	assert.Same(t, ks, m.get(short))
	assert.Same(t, kl, m.get(long))
	assert.Nil(t, m.get("张四"))
	assert.Nil(t, m.get(long[:len(long)-1]+"X"))
	assert.Nil(t, m.get(""))

	other := "李四"
	m.byHash.put(maphash.String(keySeed, other), ks) // pretend 李四 hashes like 张三
	ko := &nameKeys{}
	m.put(other, ko)
	require.Len(t, m.other, 1)
	assert.Same(t, ko, m.get(other))
	assert.Same(t, ks, m.get(short))
	assert.Equal(t, 4, m.len()) // three slots by hash (one faked), one by name
}
