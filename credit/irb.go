package credit

import (
	"fmt"
	"math"

	"github.com/shopspring/decimal"
)

// AssetClass is a Basel IRB asset class. The zero value is unset.
type AssetClass uint8

// The asset classes.
const (
	Corporate           AssetClass = iota + 1
	ResidentialMortgage            // retail, R = 0.15
	QualifyingRevolving            // retail, R = 0.04
	OtherRetail
)

var assetClassNames = []string{"", "corporate", "residential_mortgage", "qualifying_revolving", "other_retail"}

// String returns the snake_case name.
func (a AssetClass) String() string { return enumName(assetClassNames, a) }

// MarshalText returns the name; it fails for the zero or an unknown value.
func (a AssetClass) MarshalText() ([]byte, error) {
	return enumText("AssetClass", assetClassNames, a)
}

// UnmarshalText parses a name; unknown text is an *EnumError.
func (a *AssetClass) UnmarshalText(b []byte) (err error) {
	*a, err = enumParse[AssetClass]("AssetClass", assetClassNames, b)
	return err
}

// NormCDF is the standard normal distribution function, 0.5·erfc(−x/√2).
func NormCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// NormInv is the inverse of NormCDF, −√2·erfcinv(2p); it is ±Inf at 0 and 1 and NaN outside.
func NormInv(p float64) float64 { return -math.Sqrt2 * math.Erfcinv(2*p) }

// PDFloor returns the Basel PD floor of the class: 0.10% for qualifying revolving, 0.05%
// otherwise.
func PDFloor(class AssetClass) float64 {
	if class == QualifyingRevolving {
		return 0.001
	}
	return 0.0005
}

// Correlation returns the Basel asset correlation R of the class at a PD.
func Correlation(class AssetClass, pd float64) float64 {
	switch class {
	case ResidentialMortgage:
		return 0.15
	case QualifyingRevolving:
		return 0.04
	case OtherRetail:
		w := (1 - math.Exp(-35*pd)) / (1 - math.Exp(-35))
		return 0.03*w + 0.16*(1-w)
	}
	w := (1 - math.Exp(-50*pd)) / (1 - math.Exp(-50))
	return 0.12*w + 0.24*(1-w)
}

// CapitalK returns the Basel IRB capital requirement K per unit of exposure:
// [LGD·N((1−R)^−½·G(PD) + (R/(1−R))^½·G(0.999)) − PD·LGD], times the maturity adjustment
// (1 + (M − 2.5)·b)/(1 − 1.5·b), b = (0.11852 − 0.05478·ln PD)², for Corporate only (maturity
// in years, clamped to [1, 5]). PD is raised to PDFloor first; a PD of 1 (default) gives 0
// (defaulted exposures need a best-estimate EL this function does not take). PD outside
// [0, 1], LGD outside [0, 1] or an unknown class is a *ValidationError.
func CapitalK(class AssetClass, pd, lgd, maturity float64) (float64, error) {
	var p problems
	if !enumValid(assetClassNames, class) {
		p.add("class", "enum", "unknown asset class", "未知资产类别")
	}
	if !(pd >= 0 && pd <= 1) {
		p.add("pd", "range", "must be between 0 and 1", "必须在 0 与 1 之间")
	}
	if !(lgd >= 0 && lgd <= 1) {
		p.add("lgd", "range", "must be between 0 and 1", "必须在 0 与 1 之间")
	}
	if class == Corporate && !finite(maturity) {
		p.add("maturity", "finite", "must be finite", "必须是有限数")
	}
	if err := p.err(); err != nil {
		return 0, err
	}
	if pd >= 1 {
		return 0, nil
	}
	pd = math.Max(pd, PDFloor(class))
	r := Correlation(class, pd)
	k := lgd*NormCDF(NormInv(pd)/math.Sqrt(1-r)+math.Sqrt(r/(1-r))*NormInv(0.999)) - pd*lgd
	if class == Corporate {
		m := math.Min(math.Max(maturity, 1), 5)
		b := math.Pow(0.11852-0.05478*math.Log(pd), 2)
		k *= (1 + (m-2.5)*b) / (1 - 1.5*b)
	}
	return math.Max(k, 0), nil
}

// RWA returns the risk-weighted assets 12.5·K·EAD, rounded to the cent.
func RWA(k float64, ead decimal.Decimal) decimal.Decimal {
	return mulFloatCents(ead, 12.5*k)
}

// ExpectedLoss returns PD·LGD·EAD rounded to the cent. PD and LGD must be in [0, 1].
func ExpectedLoss(pd, lgd float64, ead decimal.Decimal) (decimal.Decimal, error) {
	if !(pd >= 0 && pd <= 1 && lgd >= 0 && lgd <= 1) {
		return decimal.Zero, fmt.Errorf("%w: pd and lgd must be in [0, 1]", ErrInvalid)
	}
	return mulFloatCents(ead, pd*lgd), nil
}

// mulFloatCents is amount.Mul(decimal.NewFromFloat(x)).Round(2), in int64 and 128-bit
// arithmetic when the amount and x's decimal fit (see fixed).
func mulFloatCents(amount decimal.Decimal, x float64) decimal.Decimal {
	if d, ok := fixedOf(amount).MulRound(floatFixed(x), 2).decimal(); ok {
		return d
	}
	return amount.Mul(decimal.NewFromFloat(x)).Round(2)
}
