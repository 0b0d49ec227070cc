package format

import (
	"math"
	"strconv"
	"testing"
)

// TestUSD: one money rule: cents from a dollar up, two significant digits below it.
func TestUSD(t *testing.T) {
	for v, want := range map[float64]string{0: "$0.00", 42.389571: "$42.39", 8.5981: "$8.60", 1: "$1.00", 0.0034: "$0.0034",
		0.0000081: "$0.0000081", 0.10038: "$0.10", 0.5: "$0.50", 0.012345: "$0.012", 1234.5: "$1234.50", -0.25: "-$0.25"} {
		if got := USD(v); got != want {
			t.Errorf("USD(%v) = %s, want %s", v, got, want)
		}
	}
}

func TestCount(t *testing.T) {
	for _, c := range []struct {
		n    int64
		noun string
		want string
	}{{1, "model", "1 model"}, {2, "model", "2 models"}, {1, "stimulus", "1 stimulus"}, {120, "stimulus", "120 stimuli"}, {2160, "outcome", "2,160 outcomes"}} {
		if got := Count(c.n, c.noun); got != c.want {
			t.Errorf("Count(%d, %s) = %s", c.n, c.noun, got)
		}
	}
}

type appendsItself struct{ n int }

func (a appendsItself) AppendJSON(b []byte) ([]byte, error) {
	return append(b, `{"self":`+strconv.Itoa(a.n)+`}`...), nil
}

// TestEncoderIsJSON: the reused Encoder gives JSON's bytes, value after value.
func TestEncoderIsJSON(t *testing.T) {
	e := NewEncoder()
	for _, v := range []any{map[string]any{"a": "<b>&", "n": 1.5}, appendsItself{7}, []string{"x", "\u2028"}, nil, appendsItself{8}, struct{ A int }{3}} {
		want, err := JSON(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.Encode(v)
		if err != nil {
			t.Fatal(err)
		}
		if string(got)+"\n" != string(want) {
			t.Fatalf("Encode(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestMsLarge(t *testing.T) {
	for v, want := range map[int64]string{999: "999ms", 1500: "1.5s", 61_000: "1m01s", 3_726_000: "1h02m", 360_000_000: "4d", math.MaxInt64: "106,751,991,167d"} {
		if got := MsInt(v); got != want {
			t.Errorf("MsInt(%d) = %q, want %q", v, got, want)
		}
	}
}

// A sparkline draws on its data's scale: an 8-point drop falls several bars, a 1-point
// wobble stays within one (the scale is at least 10 points tall).
func TestSparkScalesToTheData(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	drop := []*float64{f(.461), f(.461), f(.378)}
	lo, hi := ChartScale(.461, .461, .378)
	if lo != .35 || hi != .5 {
		t.Errorf("scale of 37.8–46.1%%: %v–%v, want 35–50%%", lo, hi)
	}
	s := []rune(Spark(drop, lo, hi))
	if s[0]-s[2] < 4 {
		t.Errorf("an 8-point drop: %q", string(s))
	}
	lo, hi = ChartScale(.758, .767, .767)
	if s := []rune(Spark([]*float64{f(.758), f(.767), f(.767)}, lo, hi)); s[2]-s[0] > 1 {
		t.Errorf("a 1-point wobble: %q", string(s))
	}
	if lo, hi := ChartScale(); lo != 0 || hi != 1 {
		t.Errorf("no data: %v–%v", lo, hi)
	}
}
