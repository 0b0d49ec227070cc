package cmd

import (
	"fmt"
	fmtpkg "github.com/evals-dev/evals/format"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/ingest"
)

// runWatch imports the given directories, then polls them and re-imports every file that
// appears or changes (size or modification time), until interrupted. Polling needs no
// platform support and a harness writes a log every few seconds at most.
func runWatch(o *importOptions) error {
	s, err := o.f.StoreToWrite()
	if err != nil {
		return err
	}
	for _, p := range o.paths {
		if st, err := os.Stat(p); err != nil || !st.IsDir() {
			return errs.E(errs.Invalid, "--watch takes directories; %s is not one", p)
		}
	}
	seen := map[string]string{}
	fmt.Fprintf(o.f.IO.ErrOut, "watching %v (ctrl+c stops)\n", o.paths)
	for {
		for _, dir := range o.paths {
			_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return nil
				}
				info, err := d.Info()
				if err != nil {
					return nil
				}
				stamp := fmt.Sprint(info.Size(), info.ModTime().UnixNano())
				if seen[p] == stamp {
					return nil
				}
				seen[p] = stamp
				format := o.format
				if format == "" {
					if format, _ = ingest.Detect(p); format == "" {
						return nil
					}
				}
				res, err := ingest.ImportFile(o.f.Ctx, s.Root(), p, format, ingest.Options{SkipInvalid: o.skipInvalid, Grow: true})
				if err != nil {
					// A file caught mid-write is retried when it changes again.
					fmt.Fprintf(o.f.IO.ErrOut, "%s: %s\n", fmtpkg.SanitizeLine(p), fmtpkg.Sanitize(err.Error()))
					return nil
				}
				for _, r := range res {
					if !r.Duplicate {
						reportImport(o.f, r)
					}
				}
				return nil
			})
		}
		select {
		case <-o.f.Ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}
