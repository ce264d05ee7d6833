package credit

import (
	"fmt"
	"math"

	"github.com/shopspring/decimal"
)

// Grade is a master-scale rating grade, best (AAA) to worst (C), plus D for an obligor in
// default. The zero value is unset. Grades compare by quality: a lower value is a better grade.
type Grade uint8

// The grades.
const (
	AAA Grade = iota + 1
	AA
	A
	BBB
	BB
	B
	CCC
	CC
	C
	D // in default
)

var gradeNames = []string{"", "AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C", "D"}

// String returns the grade's name, such as "BBB" ("" when unset or unknown).
func (g Grade) String() string { return enumName(gradeNames, g) }

// MarshalText returns the name; it fails for the zero or an unknown value.
func (g Grade) MarshalText() ([]byte, error) { return enumText("Grade", gradeNames, g) }

// UnmarshalText parses a name; unknown text is an *EnumError.
func (g *Grade) UnmarshalText(b []byte) (err error) {
	*g, err = enumParse[Grade]("Grade", gradeNames, b)
	return err
}

// Band is one step of a master scale: PDs below MaxPD (and at or above the previous band's
// MaxPD) get Grade.
type Band struct {
	Grade Grade   `json:"grade"`
	MaxPD float64 `json:"max_pd"`
}

// MasterScale maps a probability of default to a grade. Bands run from the best grade to the
// worst with strictly increasing MaxPD; the last band's MaxPD must be 1 (it then also takes
// PD = 1). D is never a band: it is given to obligors in default. The zero value is not
// usable; use DefaultMasterScale or build one and Validate it.
type MasterScale struct {
	Bands []Band `json:"bands"`
}

// DefaultMasterScale returns the default nine-grade scale: AAA < 0.05%, AA < 0.10%,
// A < 0.25%, BBB < 0.75%, BB < 2.5%, B < 8%, CCC < 20%, CC < 35%, C otherwise (and D in
// default). It meets Basel's minimum of seven non-default grades and one default grade.
func DefaultMasterScale() MasterScale {
	return MasterScale{Bands: []Band{
		{AAA, 0.0005}, {AA, 0.0010}, {A, 0.0025}, {BBB, 0.0075}, {BB, 0.025},
		{B, 0.08}, {CCC, 0.20}, {CC, 0.35}, {C, 1},
	}}
}

// Validate checks that the bands are non-empty, in grade order without D, with strictly
// increasing bounds in (0, 1] ending at 1. It returns a *ValidationError.
func (m MasterScale) Validate() error {
	var p problems
	if len(m.Bands) == 0 {
		p.add("bands", "required", "at least one band is required", "至少需要一个等级区间")
	}
	for i, b := range m.Bands {
		path := fmt.Sprintf("bands[%d]", i)
		if !enumValid(gradeNames, b.Grade) || b.Grade == D {
			p.add(path+".grade", "enum", "grade must be one of AAA…C", "等级必须在 AAA 到 C 之间")
		}
		if math.IsNaN(b.MaxPD) || b.MaxPD <= 0 || b.MaxPD > 1 {
			p.add(path+".max_pd", "range", "max_pd must be in (0, 1]", "max_pd 必须在 (0, 1] 之内")
		}
		if i > 0 {
			prev := m.Bands[i-1]
			if b.Grade <= prev.Grade {
				p.add(path+".grade", "order", "grades must run from best to worst", "等级必须由优到劣排列")
			}
			if !(b.MaxPD > prev.MaxPD) {
				p.add(path+".max_pd", "monotone", "bounds must increase strictly", "区间上界必须严格递增")
			}
		}
	}
	if n := len(m.Bands); n > 0 && m.Bands[n-1].MaxPD != 1 {
		p.add(fmt.Sprintf("bands[%d].max_pd", n-1), "cover", "the last band must end at 1", "最后一个区间必须以 1 结束")
	}
	return p.err()
}

// Grade returns the grade of a probability of default. A NaN PD or an empty scale gives C,
// the worst non-default grade; the scale is assumed valid.
func (m MasterScale) Grade(pd float64) Grade {
	for _, b := range m.Bands {
		if pd < b.MaxPD {
			return b.Grade
		}
	}
	if n := len(m.Bands); n > 0 && pd <= 1 {
		return m.Bands[n-1].Grade
	}
	return C
}

// LoanClass is the five-category loan classification (China, 2023 rules). The zero value is
// unset.
type LoanClass uint8

// The five categories.
const (
	Normal         LoanClass = iota + 1 // 正常
	SpecialMention                      // 关注: any amount overdue
	Substandard                         // 次级: more than 90 days past due
	Doubtful                            // 可疑: more than 270 days past due
	Loss                                // 损失: more than 360 days past due
)

var loanClassNames = []string{"", "normal", "special_mention", "substandard", "doubtful", "loss"}
var loanClassZH = []string{"", "正常", "关注", "次级", "可疑", "损失"}

// String returns the English snake_case name.
func (c LoanClass) String() string { return enumName(loanClassNames, c) }

// ZH returns the Chinese name (正常, 关注, 次级, 可疑, 损失).
func (c LoanClass) ZH() string { return enumName(loanClassZH, c) }

// MarshalText returns the name; it fails for the zero or an unknown value.
func (c LoanClass) MarshalText() ([]byte, error) {
	return enumText("LoanClass", loanClassNames, c)
}

// UnmarshalText parses a name; unknown text is an *EnumError.
func (c *LoanClass) UnmarshalText(b []byte) (err error) {
	*c, err = enumParse[LoanClass]("LoanClass", loanClassNames, b)
	return err
}

// Classify returns the class by days past due: 0 → Normal, 1–90 → SpecialMention,
// 91–270 → Substandard, 271–360 → Doubtful, above 360 → Loss. Negative days count as 0.
// The classification by days is a floor: a bank may classify worse on other evidence.
func Classify(daysPastDue int) LoanClass {
	switch {
	case daysPastDue > 360:
		return Loss
	case daysPastDue > 270:
		return Doubtful
	case daysPastDue > 90:
		return Substandard
	case daysPastDue > 0:
		return SpecialMention
	}
	return Normal
}

// ProvisionRate returns the legacy specific-provision rate of the class: 0%, 2%, 25%, 50%,
// 100% (as a fraction, e.g. 0.25). An unset class gives 0.
func (c LoanClass) ProvisionRate() decimal.Decimal {
	switch c {
	case SpecialMention:
		return decimal.New(2, -2)
	case Substandard:
		return decimal.New(25, -2)
	case Doubtful:
		return decimal.New(50, -2)
	case Loss:
		return decimal.New(1, 0)
	}
	return decimal.Zero
}
