package credit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Scorecard is a versioned, additive points scorecard in its JSON form. A score is the sum of
// the points of the bin each characteristic falls into; Scaling turns a score into a
// probability of default and back.
//
// SHA256 is the lower-case hex SHA-256 of the card's canonical form: json.Marshal of the card
// with SHA256 set to "" (field order as declared here, omitted empty optional fields, Go's
// shortest float formatting). ContentHash computes it; Seal stores it.
//
// A Scorecard is plain data: build one by hand or with ParseScorecard, then Validate it and
// Compile it into a Model for scoring. Do not change a card after compiling it.
type Scorecard struct {
	ModelID         string           `json:"model_id"`
	Version         string           `json:"version"`
	Target          string           `json:"target"`
	Description     string           `json:"description,omitempty"`
	Scaling         Scaling          `json:"scaling"`
	Characteristics []Characteristic `json:"characteristics"`
	Reasons         []ReasonText     `json:"reasons,omitempty"`
	// Reference is the score distribution of the development sample, for PSI; nil when
	// the card has none (expert cards, imported ones).
	Reference *Reference `json:"reference,omitempty"`
	SHA256    string     `json:"sha256,omitempty"`
}

// Scaling is points-to-double-the-odds scaling: the score BaseScore sits at good:bad odds
// BaseOdds, and every PDO points double the odds. factor = PDO/ln 2 and
// offset = BaseScore − factor·ln(BaseOdds); score = offset + factor·ln(odds).
type Scaling struct {
	BaseScore float64 `json:"base_score"`
	BaseOdds  float64 `json:"base_odds"`
	PDO       float64 `json:"pdo"`
}

// Characteristic is one scored variable with its bins. Numeric characteristics have
// left-closed bins [lo, hi) ordered from low to high, the first open below (lo absent) and the
// last open above (hi absent), with no gap and no overlap. Categorical characteristics have
// bins holding disjoint sets of values. Special lists numeric values scored on their own
// before the bins (for example −1 meaning "not reported"). Missing is required: the points
// for a missing value.
type Characteristic struct {
	Variable string       `json:"variable"`
	Type     VariableType `json:"type"`
	LabelEN  string       `json:"label_en,omitempty"`
	LabelZH  string       `json:"label_zh,omitempty"`
	Bins     []Bin        `json:"bins"`
	Special  []SpecialBin `json:"special,omitempty"`
	Missing  *Outcome     `json:"missing"`
}

// Bin is one bin of a characteristic: [Lo, Hi) for numeric (nil = unbounded), Values for
// categorical, and the points and reason code given to an applicant who falls in it.
type Bin struct {
	Lo         *float64 `json:"lo,omitempty"`
	Hi         *float64 `json:"hi,omitempty"`
	Values     []string `json:"values,omitempty"`
	Points     float64  `json:"points"`
	ReasonCode string   `json:"reason_code"`
}

// SpecialBin scores exact numeric values apart from the ordinary bins.
type SpecialBin struct {
	Values     []float64 `json:"values"`
	Points     float64   `json:"points"`
	ReasonCode string    `json:"reason_code"`
}

// Outcome is the points and reason code of a value outside the ordinary bins (missing).
type Outcome struct {
	Points     float64 `json:"points"`
	ReasonCode string  `json:"reason_code"`
}

// ReasonText is the readable text of a reason code, in English and Chinese.
type ReasonText struct {
	Code string `json:"code"`
	EN   string `json:"en"`
	ZH   string `json:"zh"`
}

// ParseScorecard decodes and validates a scorecard. Decoding is strict: unknown fields,
// trailing data and wrong types are errors. If the card carries a sha256 it must match the
// content (ErrHashMismatch); if it carries none, the hash is computed and stored. Structural
// problems are returned together as a *ValidationError (errors.Is(err, ErrInvalid)).
func ParseScorecard(data []byte) (*Scorecard, error) {
	var c Scorecard
	if err := decodeStrict(data, &c); err != nil {
		return nil, fmt.Errorf("credit: decode scorecard: %w", err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	sum, err := c.ContentHash()
	if err != nil {
		return nil, err
	}
	if c.SHA256 == "" {
		c.SHA256 = sum
	} else if c.SHA256 != sum {
		return nil, fmt.Errorf("%w: stated %.16s…, computed %.16s…", ErrHashMismatch, c.SHA256, sum)
	}
	return &c, nil
}

// decodeStrict decodes one JSON value into v, rejecting unknown fields (*UnknownFieldError)
// and trailing data.
func decodeStrict(data []byte, v any) error {
	if longestDigitRun(data) > maxDigits {
		return fmt.Errorf("%w: a number of more than %d digits", ErrInvalid, maxDigits)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		// encoding/json has no typed error for DisallowUnknownFields; its message is stable.
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			if field, qerr := strconv.Unquote(name); qerr == nil {
				return &UnknownFieldError{Field: field}
			}
		}
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: trailing data after the JSON value", ErrInvalid)
	}
	return nil
}

// maxDigits bounds the digits in a row of a document decodeStrict reads: parsing a decimal
// of n digits takes time in n² (a million digits, in a body of 1 MiB, took two seconds),
// and no figure of facts or a scorecard needs more than a few dozen.
const maxDigits = 1000

// longestDigitRun returns the length of the longest run of ASCII digits in data.
func longestDigitRun(data []byte) int {
	longest, run := 0, 0
	for _, c := range data {
		if c >= '0' && c <= '9' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// ContentHash returns the hex SHA-256 of the card's canonical form (see Scorecard).
func (c *Scorecard) ContentHash() (string, error) {
	cp := *c
	cp.SHA256 = ""
	b, err := json.Marshal(&cp)
	if err != nil {
		return "", fmt.Errorf("credit: hash scorecard: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Seal validates the card and stores its content hash in SHA256.
func (c *Scorecard) Seal() error {
	if err := c.Validate(); err != nil {
		return err
	}
	sum, err := c.ContentHash()
	if err != nil {
		return err
	}
	c.SHA256 = sum
	return nil
}

// Validate checks the card's structure and returns every problem as a *ValidationError: model
// id and version present, scaling finite and positive, each characteristic with a known type,
// a missing policy, finite points, reason codes, and bins without gaps or overlaps. It does not
// check that variables exist in Facts; Compile does.
func (c *Scorecard) Validate() error {
	var p problems
	if c.ModelID == "" {
		p.add("model_id", "required", "model id is required", "模型编号必填")
	}
	if c.Version == "" {
		p.add("version", "required", "version is required", "版本号必填")
	}
	s := c.Scaling
	if !(s.PDO > 0) || math.IsInf(s.PDO, 0) {
		p.add("scaling.pdo", "positive", "PDO must be a finite number above zero", "PDO 必须是大于零的有限数")
	}
	if !(s.BaseOdds > 0) || math.IsInf(s.BaseOdds, 0) {
		p.add("scaling.base_odds", "positive", "base odds must be a finite number above zero", "基准赔率必须是大于零的有限数")
	}
	if !finite(s.BaseScore) {
		p.add("scaling.base_score", "finite", "base score must be finite", "基准分必须是有限数")
	}
	if len(c.Characteristics) == 0 {
		p.add("characteristics", "required", "at least one characteristic is required", "至少需要一个特征")
	}
	seen := make(map[string]int, len(c.Characteristics))
	for i := range c.Characteristics {
		ch := &c.Characteristics[i]
		path := fmt.Sprintf("characteristics[%d]", i)
		if ch.Variable == "" {
			p.add(path+".variable", "required", "variable is required", "变量名必填")
		} else if j, dup := seen[ch.Variable]; dup {
			p.add(path+".variable", "unique", "variable %q is already used by characteristics[%d]",
				"变量 %q 已被 characteristics[%d] 使用", ch.Variable, j)
		} else {
			seen[ch.Variable] = i
		}
		validateCharacteristic(&p, path, ch)
	}
	codes := make(map[string]bool, len(c.Reasons))
	for i, r := range c.Reasons {
		path := fmt.Sprintf("reasons[%d]", i)
		switch {
		case r.Code == "":
			p.add(path+".code", "required", "reason code is required", "原因代码必填")
		case codes[r.Code]:
			p.add(path+".code", "unique", "reason code %q is listed twice", "原因代码 %q 重复", r.Code)
		}
		codes[r.Code] = true
		if r.EN == "" {
			p.add(path+".en", "required", "English text is required", "英文说明必填")
		}
	}
	if c.Reference != nil {
		c.Reference.validate(&p)
	}
	return p.err()
}

func validateCharacteristic(p *problems, path string, ch *Characteristic) {
	if ch.Missing == nil {
		p.add(path+".missing", "missing_policy", "a missing-value policy is required", "必须指定缺失值的处理")
	} else {
		validateOutcome(p, path+".missing", ch.Missing.Points, ch.Missing.ReasonCode)
	}
	if len(ch.Bins) == 0 {
		p.add(path+".bins", "required", "at least one bin is required", "至少需要一个分箱")
	}
	for k := range ch.Bins {
		b := &ch.Bins[k]
		validateOutcome(p, fmt.Sprintf("%s.bins[%d]", path, k), b.Points, b.ReasonCode)
	}
	switch ch.Type {
	case Numeric:
		validateNumericBins(p, path, ch)
	case Categorical:
		validateCategoricalBins(p, path, ch)
	default:
		p.add(path+".type", "enum", "type must be numeric or categorical", "类型必须是 numeric 或 categorical")
	}
}

func validateOutcome(p *problems, path string, points float64, code string) {
	if !finite(points) {
		p.add(path+".points", "finite", "points must be finite", "分值必须是有限数")
	}
	if code == "" {
		p.add(path+".reason_code", "required", "reason code is required", "原因代码必填")
	}
}

func validateNumericBins(p *problems, path string, ch *Characteristic) {
	n := len(ch.Bins)
	for k := range ch.Bins {
		b := &ch.Bins[k]
		bp := fmt.Sprintf("%s.bins[%d]", path, k)
		if len(b.Values) > 0 {
			p.add(bp+".values", "numeric", "a numeric bin takes lo and hi, not values", "数值分箱不能使用 values")
		}
		if k == 0 && b.Lo != nil {
			p.add(bp+".lo", "gap", "the first bin must be open below (omit lo)", "第一个分箱必须无下界（省略 lo）")
		}
		if k > 0 && b.Lo == nil {
			p.add(bp+".lo", "overlap", "only the first bin may be open below", "只有第一个分箱可以无下界")
		}
		if k == n-1 && b.Hi != nil {
			p.add(bp+".hi", "gap", "the last bin must be open above (omit hi)", "最后一个分箱必须无上界（省略 hi）")
		}
		if k < n-1 && b.Hi == nil {
			p.add(bp+".hi", "overlap", "only the last bin may be open above", "只有最后一个分箱可以无上界")
		}
		if b.Lo != nil && !finite(*b.Lo) {
			p.add(bp+".lo", "finite", "lo must be finite", "lo 必须是有限数")
		}
		if b.Hi != nil && !finite(*b.Hi) {
			p.add(bp+".hi", "finite", "hi must be finite", "hi 必须是有限数")
		}
		if b.Lo != nil && b.Hi != nil && !(*b.Lo < *b.Hi) {
			p.add(bp, "order", "lo must be below hi", "lo 必须小于 hi")
		}
		if k > 0 && ch.Bins[k-1].Hi != nil && b.Lo != nil {
			prev := *ch.Bins[k-1].Hi
			switch {
			case *b.Lo > prev:
				p.add(bp+".lo", "gap", "gap between %g and %g", "%g 与 %g 之间有空档", prev, *b.Lo)
			case *b.Lo < prev:
				p.add(bp+".lo", "overlap", "overlaps the previous bin between %g and %g",
					"与前一个分箱在 %g 与 %g 之间重叠", *b.Lo, prev)
			}
		}
	}
	for k, s := range ch.Special {
		sp := fmt.Sprintf("%s.special[%d]", path, k)
		validateOutcome(p, sp, s.Points, s.ReasonCode)
		if len(s.Values) == 0 {
			p.add(sp+".values", "required", "a special bin needs at least one value", "特殊值分箱至少需要一个值")
		}
		for _, v := range s.Values {
			if !finite(v) {
				p.add(sp+".values", "finite", "special values must be finite", "特殊值必须是有限数")
			}
		}
	}
}

func validateCategoricalBins(p *problems, path string, ch *Characteristic) {
	owner := map[string]int{}
	for k := range ch.Bins {
		b := &ch.Bins[k]
		bp := fmt.Sprintf("%s.bins[%d]", path, k)
		if b.Lo != nil || b.Hi != nil {
			p.add(bp, "categorical", "a categorical bin takes values, not lo and hi", "分类分箱不能使用 lo/hi")
		}
		if len(b.Values) == 0 {
			p.add(bp+".values", "required", "a categorical bin needs at least one value", "分类分箱至少需要一个值")
		}
		for _, v := range b.Values {
			if j, dup := owner[v]; dup {
				p.add(bp+".values", "overlap", "value %q is already in bins[%d]", "取值 %q 已在 bins[%d] 中", v, j)
				continue
			}
			owner[v] = k
		}
	}
	if len(ch.Special) > 0 {
		p.add(path+".special", "numeric", "special values apply to numeric characteristics only", "特殊值只适用于数值特征")
	}
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// Factor returns PDO / ln 2, the points per unit of log-odds.
func (s Scaling) Factor() float64 { return s.PDO / math.Ln2 }

// Offset returns BaseScore − Factor·ln(BaseOdds).
func (s Scaling) Offset() float64 { return s.BaseScore - s.Factor()*math.Log(s.BaseOdds) }

// Score returns the score at probability of default pd (0 < pd < 1):
// offset + factor·ln((1 − pd)/pd). It returns ±Inf at pd 0 or 1 and NaN outside [0, 1].
func (s Scaling) Score(pd float64) float64 {
	return s.Offset() + s.Factor()*math.Log((1-pd)/pd)
}

// PD returns the probability of default at a score: 1 / (1 + exp((score − offset)/factor)).
func (s Scaling) PD(score float64) float64 {
	return 1 / (1 + math.Exp((score-s.Offset())/s.Factor()))
}
