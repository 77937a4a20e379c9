package topics_test

import (
	"math"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/topics"
)

func TestRisingPValue(t *testing.T) {
	// A steady topic does not rise; the same jump is significant for a quiet topic.
	if p := topics.RisingPValue(10, []int{9, 11, 10, 10, 8, 12, 10, 10}); p < 0.3 {
		t.Errorf("steady topic p = %v, want large", p)
	}
	if p := topics.RisingPValue(12, []int{1, 2, 0, 1, 2, 1, 0, 1}); p >= topics.RisingAlpha {
		t.Errorf("quiet topic jumping to 12: p = %v, want < %v", p, topics.RisingAlpha)
	}
	// A big topic's small jump is not significant.
	if p := topics.RisingPValue(110, []int{100, 98, 103, 101, 99, 100, 102, 97}); p < topics.RisingAlpha {
		t.Errorf("big topic +10%%: p = %v, want >= alpha", p)
	}
	// Exact value: one week of history, 2 vs 0: P(X>=2 | n=2, p=1/2) = 1/4.
	if p := topics.RisingPValue(2, []int{0}); math.Abs(p-0.25) > 1e-9 {
		t.Errorf("p = %v, want 0.25", p)
	}
	if p := topics.RisingPValue(0, []int{3}); p != 1 {
		t.Errorf("nothing this week: p = %v", p)
	}
}
