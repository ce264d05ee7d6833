package customerdb

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creditkit/creditkit/customer"
	"github.com/creditkit/creditkit/customer/customertest"
	"github.com/creditkit/creditkit/server/store"
)

// The archive benchmarks run over a large SQLite archive, built once per size and kept in
// the temporary directory (creditkit-bench-customers-v4-N.db; v4 seals personal data under benchKey) for later runs. The size is
// CREDITKIT_BENCH_CUSTOMERS, 100000 by default; the target is 1000000
// (CREDITKIT_BENCH_CUSTOMERS=1000000 builds it in a few minutes, once).
const envBenchCustomers = "CREDITKIT_BENCH_CUSTOMERS"

var (
	surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤单区")
	given    = []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽")
)

// benchArchive opens (building it the first time) an archive of n individuals with Chinese
// names.
func benchArchive(b *testing.B, n int) *Repo {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("creditkit-bench-customers-v4-%d.db", n))
	if _, err := os.Stat(path + ".done"); err != nil {
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			os.Remove(p)
		}
		start := time.Now()
		if err := buildArchive(ctx, path, n); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path+".done", nil, 0o600); err != nil {
			b.Fatal(err)
		}
		b.Logf("built an archive of %d customers in %v", n, time.Since(start).Round(time.Second))
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	r, err := New(st, benchConfig(b))
	if err != nil {
		b.Fatal(err)
	}
	return r
}

func benchName(rng *rand.Rand) string {
	name := []rune{surnames[rng.IntN(len(surnames))], given[rng.IntN(len(given))]}
	if rng.IntN(3) > 0 {
		name = append(name, given[rng.IntN(len(given))])
	}
	return string(name)
}

// buildArchive bulk-inserts n customers: the keys come from the Repo's own keysOf, rows
// go in by multi-row INSERTs inside large transactions.
func buildArchive(ctx context.Context, path string, n int) error {
	st, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := New(st, Config{Keyring: benchRing})
	if err != nil {
		return err
	}
	type row struct {
		c    customer.Customer
		k    keys
		data []byte
	}
	const chunk = 5000
	rows := make(chan []row, 4)
	var genErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(rows)
		rng := rand.New(rand.NewPCG(1, 2))
		cache := map[string]keys{}
		now := time.Now().UTC()
		batch := make([]row, 0, chunk)
		for i := 1; i <= n; i++ {
			name := benchName(rng)
			birth := time.Date(1950+rng.IntN(50), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
			c := customertest.Person(name, customertest.ResidentID("110105", birth, i%1000), fmt.Sprintf("13%09d", i), fmt.Sprintf("BR%02d", i%20), "o-1")
			c.Individual.DocNumber = fmt.Sprintf("%s%08d", c.Individual.DocNumber[:10], i) // unique, need not pass the checks
			num, err := customer.NewNumber(customer.KindIndividual, uint64(i))
			if err != nil {
				genErr = err
				return
			}
			c.Number, c.Status, c.Version, c.CreatedAt, c.UpdatedAt = num, customer.StatusActive, 1, now, now
			k, ok := cache[name]
			if !ok {
				k = r.keysOf(c)
				cache[name] = k
			}
			k.identity, k.docID, k.mobile = blindIndexes(benchRing, "resident_id:"+c.Individual.DocNumber,
				c.Individual.DocNumber, c.Individual.Mobile)
			k.region = c.Individual.Address.Province
			b := int64(birth.Year()*10000 + int(birth.Month())*100 + birth.Day())
			k.birth = &b
			data, err := sealCustomer(benchRing, c)
			if err != nil {
				genErr = err
				return
			}
			batch = append(batch, row{c: c, k: k, data: data})
			if len(batch) == chunk {
				rows <- batch
				batch = make([]row, 0, chunk)
			}
		}
		if len(batch) > 0 {
			rows <- batch
		}
	}()
	for batch := range rows {
		err := st.Tx(ctx, func(tx *sql.Tx) error {
			for lo := 0; lo < len(batch); lo += 100 {
				part := batch[lo:min(lo+100, len(batch))]
				var q strings.Builder
				q.WriteString(`INSERT INTO customers (` + customerColumns + `) VALUES `)
				var args []any
				var sq strings.Builder
				sq.WriteString(`INSERT INTO customer_spellings (spelling, ord) VALUES `)
				var sargs []any
				for i, x := range part {
					if i > 0 {
						q.WriteString(",")
					}
					q.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
					c, k := x.c, x.k
					args = append(args, c.Number.String(), ord(c.Number), "individual", "active", k.name, k.nameKey, k.prefixKey,
						c.Branch, c.Officer, k.identity, k.docID, k.mobile, k.birth, k.region, nil, 1,
						c.CreatedAt.UnixNano(), c.UpdatedAt.UnixNano(), string(x.data), benchRing.ActiveID())
					for _, s := range k.spellings {
						if len(sargs) > 0 {
							sq.WriteString(",")
						}
						sq.WriteString("(?,?)")
						sargs = append(sargs, s, ord(c.Number))
					}
				}
				if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, sq.String(), sargs...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			for range rows {
			}
			wg.Wait()
			return err
		}
	}
	wg.Wait()
	return genErr
}

func benchSize(b *testing.B) int {
	n := 100_000
	if v := os.Getenv(envBenchCustomers); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1000 {
			b.Fatalf("%s must be a number of customers, 1000 or more", envBenchCustomers)
		}
	}
	return n
}

// runTimed runs op b.N times and reports the 50th and 99th percentile latencies.
func runTimed(b *testing.B, op func(i int) error) {
	b.Helper()
	lat := make([]time.Duration, 0, 1024)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		start := time.Now()
		if err := op(i); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		i++
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// The search benchmarks read what the server sends (SearchJSON: the stored JSON, not
// decoded); BenchmarkNamePageDecoded is the customer.Store path (Search, decoded).

func nameCursors(r *Repo) []string {
	rng := rand.New(rand.NewPCG(3, 4))
	cursors := make([]string, 256)
	for i := range cursors {
		num, _ := customer.NewNumber(customer.KindIndividual, uint64(1+rng.IntN(1000)))
		cursors[i] = customer.Cursor{Index: indexName, Key: r.idx.NameKey(benchName(rng)), Number: num}.Encode()
	}
	return cursors
}

// BenchmarkNamePage reads one page of 50 customers in name order from a random place of
// the archive (a cursor at a random name).
func BenchmarkNamePage(b *testing.B) {
	r := benchArchive(b, benchSize(b))
	cursors := nameCursors(r)
	runTimed(b, func(i int) error {
		p, _, err := r.SearchJSON(context.Background(), customer.Query{Limit: 50, Cursor: cursors[i%len(cursors)]})
		if err == nil && len(p) != 50 {
			err = fmt.Errorf("page of %d", len(p))
		}
		return err
	})
}

// BenchmarkNamePageDecoded is BenchmarkNamePage through customer.Store.List, which decodes
// every customer.
func BenchmarkNamePageDecoded(b *testing.B) {
	r := benchArchive(b, benchSize(b))
	cursors := nameCursors(r)
	runTimed(b, func(i int) error {
		_, err := r.List(context.Background(), 50, cursors[i%len(cursors)])
		return err
	})
}

// BenchmarkNamePrefixSearch searches a name prefix (a surname, or a surname and a given
// character) for its first page of 50.
func BenchmarkNamePrefixSearch(b *testing.B) {
	r := benchArchive(b, benchSize(b))
	rng := rand.New(rand.NewPCG(5, 6))
	prefixes := make([]string, 256)
	for i := range prefixes {
		name := []rune(benchName(rng))
		prefixes[i] = string(name[:1+i%2])
	}
	runTimed(b, func(i int) error {
		_, _, err := r.SearchJSON(context.Background(), customer.Query{NamePrefix: prefixes[i%len(prefixes)], Limit: 50})
		return err
	})
}

// BenchmarkPinyinSearch searches pinyin initials or a spelling prefix for its first page of
// 50, each customer once however many of its readings match.
func BenchmarkPinyinSearch(b *testing.B) {
	r := benchArchive(b, benchSize(b))
	rng := rand.New(rand.NewPCG(7, 8))
	queries := make([]string, 256)
	for i := range queries {
		full, initials := r.idx.Spellings(benchName(rng))
		if i%2 == 0 {
			queries[i] = initials[0]
		} else {
			queries[i] = full[0][:min(len(full[0]), 6)]
		}
	}
	runTimed(b, func(i int) error {
		_, _, err := r.SearchJSON(context.Background(), customer.Query{Pinyin: queries[i%len(queries)], Limit: 50})
		return err
	})
}

// BenchmarkFilteredPage reads a page of one branch's active customers in name order.
func BenchmarkFilteredPage(b *testing.B) {
	r := benchArchive(b, benchSize(b))
	runTimed(b, func(i int) error {
		_, _, err := r.SearchJSON(context.Background(), customer.Query{Limit: 50,
			Filters: map[string]string{"branch": fmt.Sprintf("BR%02d", i%20), "status": "active"}})
		return err
	})
}

// BenchmarkGet reads one customer by number.
func BenchmarkGet(b *testing.B) {
	n := benchSize(b)
	r := benchArchive(b, n)
	runTimed(b, func(i int) error {
		num, _ := customer.NewNumber(customer.KindIndividual, uint64(1+(i*7919)%n))
		_, err := r.Get(context.Background(), num)
		return err
	})
}
