package customer_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/customer/customertest"
)

const archiveSize = 1_000_000

var (
	surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤单")
	given    = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鹏飞建国志文博宇浩然子轩雨欣晨阳思远佳怡梓涵一诺")
)

// benchPerson returns the k-th synthetic individual: a random Chinese (or, one in ten,
// Latin) name and a unique resident identity number.
func benchPerson(rng *rand.Rand, k int) customer.Customer {
	var name string
	if k%10 == 9 {
		name = fmt.Sprintf("Customer %c%d", 'A'+rune(rng.IntN(26)), k)
	} else {
		r := []rune{surnames[rng.IntN(len(surnames))], given[rng.IntN(len(given))]}
		if rng.IntN(2) == 0 {
			r = append(r, given[rng.IntN(len(given))])
		}
		name = string(r)
	}
	birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, k/1000)
	id := customertest.ResidentID("110105", birth, k%1000)
	return customertest.Person(name, id, fmt.Sprintf("13%09d", k), fmt.Sprintf("BR%02d", k%20), fmt.Sprintf("o-%d", k%300))
}

type archive struct {
	store       *customer.MemStore
	bytesPerRec float64
	next        int
}

var (
	archiveOnce sync.Once
	archive1M   *archive
)

// bigArchive builds the 1M-customer archive once per test binary, outside any timed loop.
func bigArchive(b *testing.B) *archive {
	b.Helper()
	archiveOnce.Do(func() {
		rng := rand.New(rand.NewPCG(1, 2))
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s, err := customer.NewMemStore(customer.Config{Now: func() time.Time { return fixedNow }})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		for k := range archiveSize {
			if _, err := s.Register(ctx, benchPerson(rng, k), "bench"); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		archive1M = &archive{store: s, next: archiveSize,
			bytesPerRec: float64(after.HeapAlloc-before.HeapAlloc) / archiveSize}
	})
	if archive1M == nil {
		b.Fatal("archive not built")
	}
	return archive1M
}

func BenchmarkValidateIndividual(b *testing.B) {
	v := newValidator(b)
	c := person()
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Validate(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseResidentID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := customer.ParseResidentID(standardID); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRegisterInto1M(b *testing.B) {
	a := bigArchive(b)
	rng := rand.New(rand.NewPCG(3, 4))
	ctx := context.Background()
	people := make([]customer.Customer, b.N)
	for i := range people {
		people[i] = benchPerson(rng, a.next+i)
	}
	a.next += b.N
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := a.store.Register(ctx, people[i], "bench"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(a.bytesPerRec, "B/customer") // after the loop: ResetTimer drops metrics

}

func BenchmarkListPage50From1M(b *testing.B) {
	a := bigArchive(b)
	ctx := context.Background()
	// A cursor deep into the archive.
	cursor := ""
	for range 200 {
		p, err := a.store.List(ctx, customer.MaxLimit, cursor)
		if err != nil {
			b.Fatal(err)
		}
		cursor = p.Next
	}
	b.ReportAllocs()
	for b.Loop() {
		p, err := a.store.List(ctx, 50, cursor)
		if err != nil || len(p.Customers) != 50 {
			b.Fatal(err, len(p.Customers))
		}
	}
}

func BenchmarkPinyinInitialsSearch1M(b *testing.B) {
	a := bigArchive(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		p, err := a.store.Search(ctx, customer.Query{Pinyin: "zw", Limit: 20})
		if err != nil || len(p.Customers) != 20 {
			b.Fatal(err, len(p.Customers))
		}
	}
}
