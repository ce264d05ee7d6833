package loan

import (
	"context"
	"strconv"
	"testing"
)

// BenchmarkApplyApprove measures one final approval on an application under review: the
// four-eyes checks, the limit check, the group-limit gate and the copy of the value.
func BenchmarkApplyApprove(b *testing.B) {
	w := newWorkflow(b)
	app := inStatus(b, w, StatusUnderReview)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := w.Apply(ctx, app, approver, t0, approve(1)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExecuteParallel measures Get + Apply + Update on a MemStore holding 10,000
// applications, from all CPUs, each goroutine moving its own applications.
func BenchmarkExecuteParallel(b *testing.B) {
	w := newWorkflow(b)
	s := NewMemStore()
	ctx := context.Background()
	base := inStatus(b, w, StatusDraft)
	const n = 10000
	for i := range n {
		app := base.Clone()
		app.ID = "L-" + strconv.Itoa(i)
		app.Version = 1
		if err := s.Create(ctx, app, Event{}); err != nil {
			b.Fatal(err)
		}
	}
	var next int64
	var mu = make(chan struct{}, 1)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		mu <- struct{}{}
		id := "L-" + strconv.FormatInt(next%n, 10)
		next++
		<-mu
		for pb.Next() {
			app, err := s.Get(ctx, id)
			if err != nil {
				b.Error(err)
				return
			}
			if _, _, err := w.Execute(ctx, s, id, app.Version, maker, t0, ReceiveDocument{Kind: DocIdentity, Reference: "r"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
