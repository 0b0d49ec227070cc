package cmd

import (
	"fmt"
	"strings"
	"time"
)

// progress draws a one-line bar on stderr when stderr is a terminal; on a pipe it is silent.
type progress struct {
	ios   *IOStreams
	label string
	total int64
	last  time.Time
	drawn bool
}

func newProgress(ios *IOStreams, label string, total int64) *progress {
	return &progress{ios: ios, label: label, total: total}
}

func (p *progress) set(n int64) {
	if !p.ios.ErrTTY || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.drawn = true
	if p.total <= 0 {
		fmt.Fprintf(p.ios.ErrOut, "\r%s  %d MB", p.label, n>>20)
		return
	}
	frac := min(float64(n)/float64(p.total), 1)
	const width = 30
	full := int(frac * width)
	fmt.Fprintf(p.ios.ErrOut, "\r%s  %s%s %3.0f%%", p.label, strings.Repeat("█", full), strings.Repeat("░", width-full), frac*100)
}

func (p *progress) done() {
	if p.drawn {
		fmt.Fprint(p.ios.ErrOut, "\r\033[K")
	}
}
