package pii_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/creditkit/creditkit/server/pii"
	"github.com/creditkit/creditkit/server/store"
)

func ExampleNewKeyring() {
	ring, err := pii.NewKeyring(bytes.Repeat([]byte{7}, pii.KeySize))
	if err != nil {
		fmt.Println(err)
		return
	}
	sealed := ring.Seal("13812345678", "customers/C0000012/mobile")
	plain, err := ring.Open(sealed, "customers/C0000012/mobile")
	fmt.Println(plain, err)
	_, err = ring.Open(sealed, "customers/C0000013/mobile")
	fmt.Println(errors.Is(err, pii.ErrDecrypt))
	// Output:
	// 13812345678 <nil>
	// true
}

func ExampleKeyring_Index() {
	ring, _ := pii.NewKeyring(bytes.Repeat([]byte{7}, pii.KeySize))
	a := ring.Index("mobile", "13812345678")
	fmt.Println(len(a), a == ring.Index("mobile", "13812345678"), a == ring.Index("contact_mobile", "13812345678"))
	// Output: 64 true false
}

func ExampleKeyring_Indexes() {
	old := bytes.Repeat([]byte{1}, pii.KeySize)
	ring, _ := pii.NewKeyring(bytes.Repeat([]byte{2}, pii.KeySize), old)
	oldRing, _ := pii.NewKeyring(old)
	idx := ring.Indexes("mobile", "13812345678")
	fmt.Println(len(idx), idx[1] == oldRing.Index("mobile", "13812345678"))
	// Output: 2 true
}

func ExampleKeyring_Reseal() {
	old := bytes.Repeat([]byte{1}, pii.KeySize)
	oldRing, _ := pii.NewKeyring(old)
	sealed := oldRing.Seal("11010519491231002X", "c/1/doc")
	ring, _ := pii.NewKeyring(bytes.Repeat([]byte{2}, pii.KeySize), old)
	resealed, changed, err := ring.Reseal(sealed, "c/1/doc")
	id, _ := pii.KeyID(resealed)
	fmt.Println(changed, err, id == ring.ActiveID())
	// Output: true <nil> true
}

func ExampleKeyID() {
	ring, _ := pii.NewKeyring(bytes.Repeat([]byte{7}, pii.KeySize))
	id, err := pii.KeyID(ring.Seal("x", ""))
	fmt.Println(id == ring.ActiveID(), err)
	_, err = pii.KeyID("plain text")
	fmt.Println(errors.Is(err, pii.ErrMalformed))
	// Output:
	// true <nil>
	// true
}

func ExampleParseKey() {
	k, err := pii.ParseKey("0707070707070707070707070707070707070707070707070707070707070707")
	fmt.Println(len(k), err, pii.EncodeKey(k))
	_, err = pii.ParseKey("hunter2")
	fmt.Println(errors.Is(err, pii.ErrBadKey))
	// Output:
	// 32 <nil> BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=
	// true
}

func ExampleParseKeys() {
	ring, err := pii.ParseKeys(pii.EncodeKey(pii.GenerateKey()) + "," + pii.EncodeKey(pii.GenerateKey()))
	fmt.Println(len(ring.IDs()), err)
	// Output: 2 <nil>
}

func ExampleLoad() {
	dir, _ := os.MkdirTemp("", "creditkit-pii")
	defer os.RemoveAll(dir)
	noEnv := func(string) string { return "" }
	ring, src, err := pii.Load(pii.LoadConfig{Getenv: noEnv, Dir: dir, Generate: true})
	fmt.Println(src, err)
	info, _ := os.Stat(filepath.Join(dir, pii.KeyFileName))
	fmt.Println(info.Mode().Perm())
	again, src, _ := pii.Load(pii.LoadConfig{Getenv: noEnv, Dir: dir})
	fmt.Println(src, again.ActiveID() == ring.ActiveID())
	// Output:
	// generated key file <nil>
	// -rw-------
	// key file true
}

func ExampleRotateKeyFile() {
	dir, _ := os.MkdirTemp("", "creditkit-pii")
	defer os.RemoveAll(dir)
	first, _, _ := pii.Load(pii.LoadConfig{Getenv: func(string) string { return "" }, Dir: dir, Generate: true})
	next, err := pii.RotateKeyFile(dir)
	fmt.Println(err, len(next.IDs()), next.IDs()[1] == first.ActiveID())
	// Output: <nil> 2 true
}

func ExampleMaskIdentity() {
	fmt.Println(pii.MaskIdentity("11010519491231002X"))
	// Output: 110105********002X
}

func ExampleMaskMobile() {
	fmt.Println(pii.MaskMobile("13812345678"), pii.MaskMobile("+8613812345678"))
	// Output: 138****5678 +86138****5678
}

func ExampleMaskEmail() {
	fmt.Println(pii.MaskEmail("zhang.san@example.com"))
	// Output: z***@example.com
}

func ExampleMaskCreditCode() {
	fmt.Println(pii.MaskCreditCode("91350100M000100Y43"))
	// Output: 913501********0Y43
}

func ExampleMaskAddress() {
	fmt.Println(pii.MaskAddress("北京市朝阳区建国路88号3单元501室"))
	// Output: 北京市朝阳区建国路****
}

func ExampleMaskJSON() {
	doc := []byte(`{"name":"张三","mobile":"13812345678","address":{"city":"北京市","street":"建国路88号"},
		"changes":[{"path":"individual.doc_number","old":"11010519491231002X","new":"110105194912310037"}]}`)
	out, err := pii.MaskJSON(doc, pii.DefaultRules())
	fmt.Println(string(out), err)
	// Output: {"address":{"city":"北京市","street":"建国路****"},"changes":[{"new":"110105********0037","old":"110105********002X","path":"individual.doc_number"}],"mobile":"138****5678","name":"张三"} <nil>
}

func ExampleCheckKeys() {
	dir, _ := os.MkdirTemp("", "creditkit-pii")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, _ := store.Open(ctx, filepath.Join(dir, "creditkit.db"))
	defer st.Close()
	first, _ := pii.NewKeyring(bytes.Repeat([]byte{1}, pii.KeySize))
	fmt.Println(pii.CheckKeys(ctx, st, first, time.Now()))
	other, _ := pii.NewKeyring(bytes.Repeat([]byte{2}, pii.KeySize))
	fmt.Println(errors.Is(pii.CheckKeys(ctx, st, other, time.Now()), pii.ErrMissingKey))
	// Output:
	// <nil>
	// true
}

func ExampleRotate() {
	dir, _ := os.MkdirTemp("", "creditkit-pii")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, _ := store.Open(ctx, filepath.Join(dir, "creditkit.db"))
	defer st.Close()
	old := bytes.Repeat([]byte{1}, pii.KeySize)
	oldRing, _ := pii.NewKeyring(old)
	_ = pii.CheckKeys(ctx, st, oldRing, time.Now())
	ring, _ := pii.NewKeyring(bytes.Repeat([]byte{2}, pii.KeySize), old)
	// With the customer repository's Rotator in the list, its rows are re-sealed; with
	// none, nothing is re-sealed and no key is retired.
	rep, err := pii.Rotate(ctx, st, ring, nil, pii.RotateConfig{})
	fmt.Println(len(rep.Changed), len(rep.Retired), err)
	// Output: 0 0 <nil>
}
