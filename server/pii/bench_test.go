package pii

import "testing"

func BenchmarkSeal(b *testing.B) {
	ring := testRing(b, testKey(1))
	b.ReportAllocs()
	for b.Loop() {
		_ = ring.Seal("13812345678", "customers/C0000012/mobile")
	}
}

func BenchmarkOpen(b *testing.B) {
	ring := testRing(b, testKey(1))
	sealed := ring.Seal("13812345678", "customers/C0000012/mobile")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ring.Open(sealed, "customers/C0000012/mobile"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIndex(b *testing.B) {
	ring := testRing(b, testKey(1))
	b.ReportAllocs()
	for b.Loop() {
		_ = ring.Index("mobile", "13812345678")
	}
}

func BenchmarkMaskJSON(b *testing.B) {
	doc := []byte(`{"number":"C0000012","individual":{"name":"张三","doc_number":"11010519491231002X","mobile":"13812345678","email":"zhang.san@example.com","address":{"city":"北京市","street":"建国路88号3单元501室","postcode":"100022"}}}`)
	rules := DefaultRules()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MaskJSON(doc, rules); err != nil {
			b.Fatal(err)
		}
	}
}
