package server

import (
	"fmt"
	"testing"
)

// BenchmarkRateLimiterAllow is the limiter's cost per request, over 1 000 callers.
func BenchmarkRateLimiterAllow(b *testing.B) {
	l, err := NewRateLimiter(RateLimitConfig{Rate: 1e9, Burst: 1e9})
	if err != nil {
		b.Fatal(err)
	}
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprintf("actor:%d", i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if ok, _ := l.Allow(keys[i%len(keys)]); !ok {
			b.Fatal("limited")
		}
		i++
	}
}

// FuzzIdempotencyKey checks the header validator on any text: it accepts exactly 1 to
// 255 visible ASCII characters.
func FuzzIdempotencyKey(f *testing.F) {
	f.Add("order-42")
	f.Add("")
	f.Add("a b")
	f.Fuzz(func(t *testing.T, k string) {
		want := len(k) >= 1 && len(k) <= 255
		for i := 0; i < len(k); i++ {
			if k[i] <= ' ' || k[i] >= 0x7f {
				want = false
			}
		}
		if got := validIdempotencyKey(k); got != want {
			t.Fatalf("%q: %v", k, got)
		}
	})
}
