package cmd

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/ingest"
	"github.com/evals-dev/evals/store"
)

// Factory carries what every command needs: the streams, the global flags and a lazy
// store opener.
type Factory struct {
	IO  *IOStreams
	Ctx context.Context
	Now func() time.Time

	StorePath string
	Demo      bool
	JSON      bool
	JQ        string
	Format    string
	Color     string
	// Verdicts is effective (human verdicts override the graders') or graded.
	Verdicts string
	// NoPager writes long output straight to the terminal (--no-pager).
	NoPager bool

	opened *store.Store
}

// resolveStorePath fills the store's path when --store did not: EVALS_STORE, else ./.evals.
func (f *Factory) resolveStorePath() {
	if f.StorePath == "" {
		f.StorePath = os.Getenv("EVALS_STORE")
	}
	if f.StorePath == "" {
		f.StorePath = ".evals"
	}
}

// Store opens the store chosen by --store, EVALS_STORE or --demo, for reading: a local
// store that does not exist is not_found (a typo must not read as an empty store).
func (f *Factory) Store() (*store.Store, error) {
	if f.opened == nil && !f.Demo && !store.IsURL(f.StorePath) {
		if _, err := os.Stat(f.StorePath); errors.Is(err, fs.ErrNotExist) {
			return nil, errs.E(errs.NotFound, "no store at %s", f.StorePath).
				WithHint("import results with `evals import FILE --store " + f.StorePath + "` (it creates the store), or try --demo")
		}
	}
	return f.StoreToWrite()
}

// StoreToWrite is Store for the commands that create the store when it is missing (import).
func (f *Factory) StoreToWrite() (*store.Store, error) {
	if f.opened != nil {
		return f.opened, nil
	}
	path := f.StorePath
	if f.Demo {
		p, err := demoStore(f.Ctx)
		if err != nil {
			return nil, err
		}
		path = p
	}
	s := store.Open(path).WithContext(f.Ctx)
	switch f.Verdicts {
	case "", "effective":
	case "graded":
		s = s.Graded()
	default:
		return nil, errs.E(errs.Invalid, "invalid --verdicts %q: use effective (human verdicts count) or graded", f.Verdicts)
	}
	f.opened = s
	return f.opened, nil
}

// demoStore returns the demo store in the user cache, generating it once.
func demoStore(ctx context.Context) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "evals", "demo-v"+demoVersion)
	if runs, _, _ := store.Open(dir).Runs(); len(runs) >= 3 {
		return dir, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", errs.E(errs.Internal, "creating the demo store folder: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".demo-")
	if err != nil {
		return "", errs.E(errs.Internal, "creating the demo store: %w", err)
	}
	defer os.RemoveAll(tmp)
	if _, err := ingest.Demo(ctx, tmp, nil); err != nil {
		return "", err
	}
	_ = os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		// Another process may have won the race; use its store if it is whole.
		if runs, _, _ := store.Open(dir).Runs(); len(runs) >= 3 {
			return dir, nil
		}
		return "", errs.E(errs.Internal, "installing the demo store: %w", err)
	}
	return dir, nil
}

// demoVersion changes whenever the demo data changes, so a stale cache is not reused.
const demoVersion = "7"

// outputFormat resolves --json, --jq and --format into one format name.
func (f *Factory) outputFormat() (string, error) {
	if f.JSON || f.JQ != "" {
		if f.Format != "" && f.Format != format.FormatJSON {
			return "", errs.E(errs.Invalid, "--json and --jq print JSON; they cannot be combined with --format %s", f.Format)
		}
		return format.FormatJSON, nil
	}
	if f.Format == "" {
		return format.FormatTable, nil
	}
	if !slices.Contains(format.Formats, f.Format) {
		return "", errs.E(errs.Invalid, "unknown --format %q: use one of table, json, jsonl, csv, markdown", f.Format)
	}
	return f.Format, nil
}

// facts are what the renderer knows of stdout. An explicit --format table or --color
// always asks for the terminal's table (aligned, with colour if asked) on a pipe too, as
// gh does: what the user says wins over what is detected.
func (f *Factory) facts() format.Facts {
	fa := format.Facts{TTY: f.IO.OutTTY, Width: f.IO.Width, Color: f.IO.colorEnabled(f.Color)}
	if !fa.TTY && (f.Format == format.FormatTable || f.Color == "always") {
		fa.TTY = true
		if fa.Width <= 0 {
			fa.Width = 120
		}
	}
	return fa
}
