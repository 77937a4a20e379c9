package topics

import "math"

// RisingPValue tests whether a topic's count this week (current) is higher than its trailing
// weeks (trailing, one count per week) explain. Under "the rate has not changed" and given
// the total n = current + sum(trailing), the current week's count is binomial with n trials
// and probability 1/(weeks+1); the p-value is the chance of current or more. A topic rises
// when the p-value is below a significance level (RisingAlpha), so a big topic needs a big
// jump and a small one a clear one, not a fixed threshold.
func RisingPValue(current int, trailing []int) float64 {
	if len(trailing) == 0 || current == 0 {
		return 1
	}
	n := current
	for _, c := range trailing {
		n += c
	}
	p := 1 / float64(len(trailing)+1)
	// Sum the upper tail in log space: P(X >= current).
	var sum float64
	lp, lq := math.Log(p), math.Log1p(-p)
	for k := current; k <= n; k++ {
		sum += math.Exp(logChoose(n, k) + float64(k)*lp + float64(n-k)*lq)
	}
	return min(sum, 1)
}

// RisingAlpha is the significance level a rise must reach.
const RisingAlpha = 0.01

func logChoose(n, k int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}
