package fit

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// FoldResult is the held-out performance of one cross-validation fold.
type FoldResult struct {
	Train, Test int // rows
	AUC, Gini   float64
	KS          float64
	Selected    int // characteristics on the fold's card
}

// CVResult summarises a cross-validation: per fold, the mean and standard deviation of the
// fold AUCs, and the AUC of all out-of-fold scores pooled.
type CVResult struct {
	Folds     []FoldResult
	MeanAUC   float64
	StdAUC    float64
	MeanGini  float64
	MeanKS    float64
	PooledAUC float64
}

// CrossValidate runs stratified k-fold cross-validation of Fit with cfg: the goods and the
// bads are each shuffled by a PCG generator seeded with seed and dealt to the folds in turn,
// so each fold keeps the overall bad rate. The same table, configuration, k and seed always
// give the same result. Errors: ErrConfig for k < 2; ErrTooFewRows when a class has fewer
// than k rows; those of Fit (for the first failing fold, wrapped with its number).
func CrossValidate(t *Table, cfg Config, k int, seed uint64) (*CVResult, error) {
	if k < 2 {
		return nil, fmt.Errorf("%w: %d folds", ErrConfig, k)
	}
	full, err := cfg.defaults()
	if err != nil {
		return nil, err
	}
	bad, err := targetFlags(t, full)
	if err != nil {
		return nil, err
	}
	var goods, bads []int
	for i, b := range bad {
		if b {
			bads = append(bads, i)
		} else {
			goods = append(goods, i)
		}
	}
	if len(goods) < k || len(bads) < k {
		return nil, fmt.Errorf("%w: %d goods and %d bads for %d folds", ErrTooFewRows, len(goods), len(bads), k)
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	rng.Shuffle(len(goods), func(i, j int) { goods[i], goods[j] = goods[j], goods[i] })
	rng.Shuffle(len(bads), func(i, j int) { bads[i], bads[j] = bads[j], bads[i] })
	fold := make([]int, t.Rows)
	for i, r := range goods {
		fold[r] = i % k
	}
	for i, r := range bads {
		fold[r] = (len(goods) + i) % k
	}

	res := &CVResult{Folds: make([]FoldResult, k)}
	oof := make([]float64, t.Rows)
	for f := range k {
		var train, test []int
		for i := range t.Rows {
			if fold[i] == f {
				test = append(test, i)
			} else {
				train = append(train, i)
			}
		}
		m, err := Fit(t.subset(train), cfg)
		if err != nil {
			return nil, fmt.Errorf("fit: fold %d: %w", f+1, err)
		}
		tt := t.subset(test)
		scores, err := m.Score(tt)
		if err != nil {
			return nil, fmt.Errorf("fit: fold %d: %w", f+1, err)
		}
		tb := make([]bool, len(test))
		for i, r := range test {
			tb[i] = bad[r]
			oof[r] = scores[i]
		}
		auc, err := AUC(scores, tb)
		if err != nil {
			return nil, fmt.Errorf("fit: fold %d: %w", f+1, err)
		}
		ks, _, _ := KS(scores, tb)
		res.Folds[f] = FoldResult{Train: len(train), Test: len(test), AUC: auc, Gini: 2*auc - 1, KS: ks, Selected: len(m.Card)}
		res.MeanAUC += auc / float64(k)
		res.MeanKS += ks / float64(k)
	}
	res.MeanGini = 2*res.MeanAUC - 1
	for _, fr := range res.Folds {
		res.StdAUC += (fr.AUC - res.MeanAUC) * (fr.AUC - res.MeanAUC)
	}
	res.StdAUC = math.Sqrt(res.StdAUC / float64(k-1))
	res.PooledAUC, err = AUC(oof, bad)
	if err != nil {
		return nil, err
	}
	return res, nil
}
