package fit

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/creditkit/creditkit/credit"
)

// ReasonCode returns the reason code Scorecard gives the j-th card characteristic (0-based):
// "RC01", "RC02", …
func ReasonCode(j int) string { return fmt.Sprintf("RC%02d", j+1) }

// Scorecard returns the fitted card in credit's JSON scorecard format, validated and sealed
// with its content hash. Every bin of the j-th characteristic carries the reason code set
// in Config.Reasons, or else ReasonCode(j); the card's Reasons give each code's English and
// Chinese text. Numeric bins become
// left-closed [lo, hi) bins (open at both ends), special values a special bin, and every
// characteristic gets its missing bin as the missing policy. Errors: the *credit.ValidationError
// of credit's own checks (none is expected for a fitted model).
func (m *Model) Scorecard() (*credit.Scorecard, error) {
	sc := &credit.Scorecard{
		ModelID:     m.ModelID,
		Version:     m.Version,
		Target:      m.Target,
		Description: fmt.Sprintf("logistic regression on WoE of %d characteristics, fitted by creditkit/credit/fit", len(m.Card)),
		Scaling:     m.Scaling,
		Reference:   m.Reference,
	}
	for j, b := range m.Card {
		reason, ok := m.reasons[b.Name]
		if !ok || reason.EN == "" {
			code := cmpOr(reason.Code, ReasonCode(j))
			reason = credit.ReasonText{Code: code,
				EN: b.Name + ": points below the maximum for this characteristic",
				ZH: b.Name + "：该特征得分低于最高分"}
		}
		code := reason.Code
		ch := credit.Characteristic{Variable: b.Name, LabelEN: b.Name}
		if b.Kind == Numeric {
			ch.Type = credit.Numeric
		} else {
			ch.Type = credit.Categorical
		}
		for _, bin := range b.Bins {
			switch {
			case bin.Missing:
				ch.Missing = &credit.Outcome{Points: bin.Points, ReasonCode: code}
			case bin.Special != nil:
				ch.Special = append(ch.Special, credit.SpecialBin{Values: slices.Clone(bin.Special), Points: bin.Points, ReasonCode: code})
			case bin.Categories != nil:
				ch.Bins = append(ch.Bins, credit.Bin{Values: slices.Clone(bin.Categories), Points: bin.Points, ReasonCode: code})
			default:
				cb := credit.Bin{Points: bin.Points, ReasonCode: code}
				if !math.IsInf(bin.Lo, -1) {
					cb.Lo = ptr(bin.Lo)
				}
				if !math.IsInf(bin.Hi, 1) {
					cb.Hi = ptr(bin.Hi)
				}
				ch.Bins = append(ch.Bins, cb)
			}
		}
		sc.Characteristics = append(sc.Characteristics, ch)
		sc.Reasons = append(sc.Reasons, reason)
	}
	if err := sc.Seal(); err != nil {
		return nil, err
	}
	return sc, nil
}

func ptr(f float64) *float64 { return &f }

// ScoreTable scores every row of t with any card (fitted here or imported): the sum over
// characteristics of the points of the bin each value falls into. A missing cell scores the
// characteristic's missing policy; a numeric value equal to a special value scores that
// special bin; a categorical value in no bin also scores the missing policy. Numeric
// characteristics read numeric columns; categorical ones read categorical columns, or
// numeric columns formatted in Go's shortest form ("2", "0.5"). Errors: a *TableError with
// ErrUnknownColumn for each characteristic the table lacks and ErrNotNumeric for a numeric
// characteristic over a text column; ErrCardFormat for a card without a missing policy.
func ScoreTable(card *credit.Scorecard, t *Table) ([]float64, error) {
	var probs problems
	cols := make([]*Column, len(card.Characteristics))
	for j := range card.Characteristics {
		ch := &card.Characteristics[j]
		if ch.Missing == nil {
			return nil, fmt.Errorf("%w: characteristic %q has no missing policy", ErrCardFormat, ch.Variable)
		}
		c, ok := t.Column(ch.Variable)
		if !ok {
			probs.add(ch.Variable, 0, "", ErrUnknownColumn)
			continue
		}
		if ch.Type == credit.Numeric && c.Kind != Numeric {
			probs.add(ch.Variable, 0, "", ErrNotNumeric)
		}
		cols[j] = c
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	out := make([]float64, t.Rows)
	for j := range card.Characteristics {
		ch := &card.Characteristics[j]
		c := cols[j]
		var cat map[string]float64
		if ch.Type != credit.Numeric {
			cat = map[string]float64{}
			for _, b := range ch.Bins {
				for _, v := range b.Values {
					cat[v] = b.Points
				}
			}
		}
		for i := range out {
			switch {
			case c.Missing[i]:
				out[i] += ch.Missing.Points
			case ch.Type == credit.Numeric:
				out[i] += numericPoints(ch, c.Num[i])
			default:
				v := ""
				if c.Kind == Numeric {
					v = strconv.FormatFloat(c.Num[i], 'g', -1, 64)
				} else {
					v = c.Cat[i]
				}
				p, ok := cat[v]
				if !ok {
					p = ch.Missing.Points
				}
				out[i] += p
			}
		}
	}
	return out, nil
}

// numericPoints finds the points of x in a numeric characteristic: special values first,
// then the first bin with lo <= x < hi; a value in no bin scores the missing policy.
func numericPoints(ch *credit.Characteristic, x float64) float64 {
	for _, s := range ch.Special {
		if slices.Contains(s.Values, x) {
			return s.Points
		}
	}
	for _, b := range ch.Bins {
		if (b.Lo == nil || *b.Lo <= x) && (b.Hi == nil || x < *b.Hi) {
			return b.Points
		}
	}
	return ch.Missing.Points
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
