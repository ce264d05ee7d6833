package server

import "github.com/creditkit/creditkit/server/pii"

// testRing is the data keyring of the server tests: one fixed key, so that servers a test
// starts on one database one after another read each other's sealed data.
var testRing = func() *pii.Keyring {
	ring, err := pii.NewKeyring(make([]byte, 32))
	if err != nil {
		panic(err)
	}
	return ring
}()

// unlimited turns the rate limit off, for tests and benchmarks that send many requests as
// one actor; the limit has its own tests.
var unlimited = RateLimitConfig{Rate: -1}
