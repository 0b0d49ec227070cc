package format

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/evals-dev/evals/query"
)

// Pct formats a ratio as a percentage with one decimal; nil is "–".
func Pct(v *float64) string {
	if v == nil {
		return "–"
	}
	return strconv.FormatFloat(*v*100, 'f', 1, 64) + "%"
}

// Float formats an optional number with the given decimals; nil is "–".
func Float(v *float64, dec int) string {
	if v == nil {
		return "–"
	}
	return strconv.FormatFloat(*v, 'f', dec, 64)
}

// Ms formats milliseconds for people: 850ms, 12.4s, 3m05s.
func Ms(v *float64) string {
	if v == nil {
		return "–"
	}
	ms := *v
	switch {
	case ms < 1000:
		return fmt.Sprintf("%.0fms", ms)
	case ms < 60000:
		return fmt.Sprintf("%.1fs", ms/1000)
	case ms < 100*3600*1000:
		s := int64(ms / 1000)
		if h := s / 3600; h > 0 {
			return fmt.Sprintf("%dh%02dm", h, s%3600/60)
		}
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	default:
		// Past 100 hours: in days, exact for any int64 of milliseconds (time.Duration
		// overflows past 292 years and printed a MaxInt64 duration as 0m00s).
		return Int(int64(ms/86_400_000)) + "d"
	}
}

// MsInt is Ms for an integer.
func MsInt(v int64) string { f := float64(v); return Ms(&f) }

// Int formats an integer with thin grouping: 1234567 → 1,234,567.
func Int(v int64) string {
	s := strconv.FormatInt(v, 10)
	neg := v < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// USD formats dollars.
//
// One rule everywhere: cents from a dollar up ($8.60 beside $42.39), and below a dollar
// two significant digits, so that a per-outcome cost is never rounded to nothing
// ($0.0034, $0.0000081).
func USD(v float64) string {
	switch {
	case v == 0:
		return "$0.00"
	case v < 0:
		return "-" + USD(-v)
	case v >= 1 || math.Round(v*100) == v*100:
		return fmt.Sprintf("$%.2f", v)
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	// Two significant digits: keep the zeros after the point, then two digits.
	i := strings.IndexFunc(s[2:], func(r rune) bool { return r != '0' }) + 2
	return "$" + strconv.FormatFloat(v, 'f', max(i, 2), 64)
}

// Time formats a timestamp in UTC to the minute.
func Time(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// Bar draws a pass-rate bar of n cells.
func Bar(v *float64, n int) string {
	if v == nil {
		return ""
	}
	full := int(*v*float64(n) + 0.5)
	out := make([]rune, n)
	for i := range out {
		if i < full {
			out[i] = '█'
		} else {
			out[i] = '░'
		}
	}
	return string(out)
}

// PctPM formats a rate with the half-width of its 95% interval in points: "76.7% ±4.4".
func PctPM(v *float64, iv *query.Interval) string {
	if v == nil || iv == nil {
		return Pct(v)
	}
	return Pct(v) + " ±" + strconv.FormatFloat((iv.High-iv.Low)*50, 'f', 1, 64)
}

// IntP is Int of a value that may not have been recorded: "–" for nil.
func IntP(v *int64) string {
	if v == nil {
		return "–"
	}
	return Int(*v)
}

// MsP is MsInt of a duration that may not have been recorded: "–" for nil.
func MsP(v *int64) string {
	if v == nil {
		return "–"
	}
	return MsInt(*v)
}

// Raw values for data output (CSV): the number as it is, "" for none.

// RawF is a float in full precision.
func RawF(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

// RawI is an integer.
func RawI(v int64) string { return strconv.FormatInt(v, 10) }

// RawIP is an integer that may not have been recorded.
func RawIP(v *int64) string {
	if v == nil {
		return ""
	}
	return RawI(*v)
}

// RawLow and RawHigh are an interval's bounds.
func RawLow(iv *query.Interval) string {
	if iv == nil {
		return ""
	}
	return RawF(&iv.Low)
}

// RawHigh is the upper bound of an interval.
func RawHigh(iv *query.Interval) string {
	if iv == nil {
		return ""
	}
	return RawF(&iv.High)
}

// Count writes n and its noun, singular or plural: 1 model, 2 models, 1 stimulus, 3 stimuli.
func Count(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	switch {
	case strings.HasSuffix(noun, "us"):
		noun = strings.TrimSuffix(noun, "us") + "i"
	case strings.HasSuffix(noun, "s"):
		noun += "es"
	default:
		noun += "s"
	}
	return Int(n) + " " + noun
}

// RawB is a nullable bool as data: true, false or empty.
func RawB(v *bool) string {
	if v == nil {
		return ""
	}
	return strconv.FormatBool(*v)
}
