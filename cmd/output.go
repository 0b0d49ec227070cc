package cmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/format"
	"github.com/itchyny/gojq"
)

// view is one result ready to print: its JSON value, its human document, and its items
// for JSONL.
type view struct {
	value any
	doc   func() format.Doc
	items func() []any
}

// print renders a view in the chosen format on stdout.
func (f *Factory) print(v view) error {
	fm, err := f.outputFormat()
	if err != nil {
		return err
	}
	out := f.IO.Out
	switch fm {
	case format.FormatJSON:
		if f.JQ == "" && !f.IO.OutTTY {
			return format.WriteJSON(out, v.value)
		}
		b, err := format.JSON(v.value)
		if err != nil {
			return err
		}
		if f.JQ != "" {
			return runJQ(out, f.JQ, b, f.IO.OutTTY)
		}
		if f.IO.OutTTY {
			b = format.Indent(b)
		}
		_, err = out.Write(b)
		return err
	case format.FormatJSONL:
		items := []any{v.value}
		if v.items != nil {
			items = v.items()
		}
		return format.WriteJSONL(out, items)
	case format.FormatCSV:
		if f.IO.OutTTY {
			return format.WriteCSVForTerminal(out, v.doc())
		}
		return format.WriteCSV(out, v.doc())
	case format.FormatMarkdown:
		return format.WriteMarkdown(out, v.doc())
	default:
		if !f.IO.OutTTY || f.NoPager || f.IO.Height <= 0 || f.IO.Pager == "" || f.IO.Pager == "cat" {
			return format.WriteDoc(out, v.doc(), f.facts())
		}
		var buf bytes.Buffer
		if err := format.WriteDoc(&buf, v.doc(), f.facts()); err != nil {
			return err
		}
		return f.page(buf.Bytes())
	}
}

// page writes long output through the pager, as gh does: only on a terminal, only when it
// is taller than the terminal, never with --no-pager. A pager that cannot start is skipped.
func (f *Factory) page(b []byte) error {
	if bytes.Count(b, []byte("\n")) < f.IO.Height-1 {
		_, err := f.IO.Out.Write(b)
		return err
	}
	args := strings.Fields(f.IO.Pager)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(b), f.IO.Out, f.IO.ErrOut
	cmd.Env = append(os.Environ(), "LESS=FRX")
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); ok {
			return nil // the pager ran and was quit early
		}
		_, err := f.IO.Out.Write(b)
		return err
	}
	return nil
}

// runJQ filters JSON with a jq expression: strings print raw, other values as JSON. On a
// terminal a raw string is text for a person, so it is made inert (format.Sanitize): a
// model's output must not retitle the window or write the clipboard. On a pipe it is data,
// byte for byte.
func runJQ(w io.Writer, expr string, data []byte, tty bool) error {
	q, err := gojq.Parse(expr)
	if err != nil {
		return errs.E(errs.Invalid, "invalid --jq expression: %w", err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return errs.E(errs.Invalid, "invalid --jq expression: %w", err)
	}
	var in any
	if err := json.Unmarshal(data, &in); err != nil {
		return errs.E(errs.Internal, "decoding JSON for --jq: %w", err)
	}
	it := code.Run(in)
	for {
		v, ok := it.Next()
		if !ok {
			return nil
		}
		if err, ok := v.(error); ok {
			if h, ok := err.(*gojq.HaltError); ok && h.Value() == nil {
				return nil
			}
			return errs.E(errs.Invalid, "--jq: %w", err)
		}
		if s, ok := v.(string); ok {
			if tty {
				s = format.Sanitize(s)
			}
			fmt.Fprintln(w, s)
			continue
		}
		b, err := gojq.Marshal(v)
		if err != nil {
			return errs.E(errs.Internal, "encoding --jq output: %w", err)
		}
		fmt.Fprintln(w, string(b))
	}
}

// toAny converts a typed slice for JSONL.
func toAny[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
