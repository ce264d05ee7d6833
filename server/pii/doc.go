// Package pii protects the personal data creditkit stores: identity numbers, credit codes,
// mobiles, e-mails and street addresses.
//
// A Keyring seals values with AES-256-GCM under the active data key, each value carrying
// the ID of its key, and opens values sealed by any key of the ring; a blind index
// (HMAC-SHA-256 under a key derived with HKDF) lets a repository find a row by exact value
// without decrypting. The masking functions show values to callers who may not read them
// (110105********002X, 138****5678), and MaskJSON masks a whole document, for the audit
// trail.
//
//	ring, src, err := pii.Load(pii.LoadConfig{Dir: dataDir, Generate: true})
//	...
//	sealed := ring.Seal("13812345678", "customers/C0000012/mobile")
//	idx := ring.Index("mobile", "13812345678") // stored beside it, searched by equality
//	plain, err := ring.Open(sealed, "customers/C0000012/mobile")
//
// Keys come from CREDITKIT_DATA_KEY (comma-separated, active first) or from the key file in
// the data directory; CheckKeys refuses to run with a keyring that lacks a key the
// database has used, and Rotate re-seals everything under a new key through the Rotator
// each repository provides.
package pii
