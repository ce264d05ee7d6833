package fit

import (
	"fmt"
	"math"
)

// Coefficient is one estimated parameter of the logistic regression logit(PD) = β0 + Σ βj ·
// WoEj, with its standard error (from the inverse of the observed information, penalty
// included), Wald z and two-sided p-value.
type Coefficient struct {
	Name     string // "(intercept)" for β0
	Estimate float64
	StdErr   float64
	Z        float64
	PValue   float64
}

// logit fits logistic regression of y (true = bad) on the columns of x (row-major, n × p,
// without the intercept column) by Newton–Raphson (IRLS) with an L2 penalty l2 on the slopes.
// It returns the p+1 coefficients, intercept first.
func logit(x []float64, n, p int, y []bool, l2 float64) ([]Coefficient, error) {
	d := p + 1
	beta := make([]float64, d)
	// Start from the intercept that matches the overall bad rate.
	var bads float64
	for _, b := range y {
		if b {
			bads++
		}
	}
	beta[0] = math.Log(bads / (float64(n) - bads))
	h := make([]float64, d*d)
	g := make([]float64, d)
	row := make([]float64, d)
	prevDev := math.Inf(1)
	converged := false
	for iter := 0; iter < 100; iter++ {
		clear(h)
		clear(g)
		var dev float64
		for i := range n {
			row[0] = 1
			copy(row[1:], x[i*p:(i+1)*p])
			eta := 0.0
			for j, v := range row {
				eta += beta[j] * v
			}
			mu := 1 / (1 + math.Exp(-eta))
			w := mu * (1 - mu)
			r := -mu
			if y[i] {
				r = 1 - mu
				dev -= 2 * logSigmoid(eta)
			} else {
				dev -= 2 * logSigmoid(-eta)
			}
			for j := range d {
				g[j] += r * row[j]
				wj := w * row[j]
				hj := h[j*d : j*d+d]
				for k := 0; k <= j; k++ {
					hj[k] += wj * row[k]
				}
			}
		}
		for j := 1; j < d; j++ {
			g[j] -= l2 * beta[j]
			h[j*d+j] += l2
			dev += l2 * beta[j] * beta[j]
		}
		for j := range d {
			for k := j + 1; k < d; k++ {
				h[j*d+k] = h[k*d+j]
			}
		}
		if math.Abs(prevDev-dev) < 1e-10*(math.Abs(dev)+1) {
			converged = true // h now holds the information at the final estimate
			break
		}
		prevDev = dev
		step, err := cholSolve(h, d, g)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNotConverged, err)
		}
		for j := range d {
			beta[j] += step[j]
		}
	}
	for _, b := range beta {
		if math.IsNaN(b) || math.IsInf(b, 0) {
			converged = false
		}
	}
	if !converged {
		return nil, ErrNotConverged
	}
	// Covariance = H⁻¹ at the estimate.
	inv, err := cholInverse(h, d)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotConverged, err)
	}
	out := make([]Coefficient, d)
	for j := range d {
		se := math.Sqrt(inv[j*d+j])
		z := beta[j] / se
		out[j] = Coefficient{Estimate: beta[j], StdErr: se, Z: z, PValue: math.Erfc(math.Abs(z) / math.Sqrt2)}
	}
	out[0].Name = "(intercept)"
	return out, nil
}

// logSigmoid returns ln(1/(1+e^-x)) without overflow.
func logSigmoid(x float64) float64 {
	if x >= 0 {
		return -math.Log1p(math.Exp(-x))
	}
	return x - math.Log1p(math.Exp(x))
}

// errNotPositiveDefinite: the matrix is singular or not positive definite.
var errNotPositiveDefinite = fmt.Errorf("matrix is not positive definite")

// cholesky factors the symmetric positive definite d × d matrix a (row-major) as L·Lᵀ and
// returns L (lower triangle, row-major).
func cholesky(a []float64, d int) ([]float64, error) {
	l := make([]float64, d*d)
	for i := range d {
		for j := 0; j <= i; j++ {
			s := a[i*d+j]
			for k := range j {
				s -= l[i*d+k] * l[j*d+k]
			}
			if i == j {
				if s <= 1e-12*math.Max(1, math.Abs(a[i*d+i])) || math.IsNaN(s) {
					return nil, errNotPositiveDefinite
				}
				l[i*d+i] = math.Sqrt(s)
			} else {
				l[i*d+j] = s / l[j*d+j]
			}
		}
	}
	return l, nil
}

// cholSolve solves a·x = b for symmetric positive definite a.
func cholSolve(a []float64, d int, b []float64) ([]float64, error) {
	l, err := cholesky(a, d)
	if err != nil {
		return nil, err
	}
	return solveL(l, d, b), nil
}

func solveL(l []float64, d int, b []float64) []float64 {
	y := make([]float64, d)
	for i := range d {
		s := b[i]
		for k := range i {
			s -= l[i*d+k] * y[k]
		}
		y[i] = s / l[i*d+i]
	}
	x := make([]float64, d)
	for i := d - 1; i >= 0; i-- {
		s := y[i]
		for k := i + 1; k < d; k++ {
			s -= l[k*d+i] * x[k]
		}
		x[i] = s / l[i*d+i]
	}
	return x
}

// cholInverse returns a⁻¹ for symmetric positive definite a.
func cholInverse(a []float64, d int) ([]float64, error) {
	l, err := cholesky(a, d)
	if err != nil {
		return nil, err
	}
	inv := make([]float64, d*d)
	e := make([]float64, d)
	for j := range d {
		clear(e)
		e[j] = 1
		col := solveL(l, d, e)
		for i := range d {
			inv[i*d+j] = col[i]
		}
	}
	return inv, nil
}
