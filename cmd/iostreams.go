package cmd

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are the process's streams and what is known about them. Tests build one over
// buffers and choose whether each side is a terminal.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	InTTY, OutTTY, ErrTTY bool
	// Width and Height are the terminal size of stdout (0 when not a terminal).
	Width, Height int
	// Pager pages long output on a terminal: EVALS_PAGER, else PAGER, else "less -FRX"
	// ("" or "cat": no pager).
	Pager string
	// NoColor is set by the NO_COLOR convention or TERM=dumb.
	NoColor bool
}

// System returns the streams of this process.
func System() *IOStreams {
	ios := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	ios.InTTY = term.IsTerminal(int(os.Stdin.Fd()))
	ios.OutTTY = term.IsTerminal(int(os.Stdout.Fd()))
	ios.ErrTTY = term.IsTerminal(int(os.Stderr.Fd()))
	if ios.OutTTY {
		if w, h, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
			ios.Width, ios.Height = w, h
		}
	}
	ios.Pager = "less -FRX"
	for _, k := range []string{"PAGER", "EVALS_PAGER"} { // the more specific wins
		if v, ok := os.LookupEnv(k); ok {
			ios.Pager = v
		}
	}
	_, noColor := os.LookupEnv("NO_COLOR")
	ios.NoColor = noColor || os.Getenv("TERM") == "dumb"
	return ios
}

// Test returns streams over buffers: stdin, stdout, stderr.
func Test(tty bool) (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	ios := &IOStreams{In: in, Out: out, ErrOut: errOut, InTTY: tty, OutTTY: tty, ErrTTY: tty, NoColor: true}
	if tty {
		ios.Width = 120
	}
	return ios, in, out, errOut
}

// colorEnabled resolves --color against the streams.
func (ios *IOStreams) colorEnabled(mode string) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	default:
		return ios.OutTTY && !ios.NoColor
	}
}
