package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/store"
)

// The formats evals imports.
const (
	FormatNative    = "native"
	FormatInspect   = "inspect"
	FormatPromptfoo = "promptfoo"
	FormatLMEval    = "lm-eval"
	FormatWaza      = "waza"
)

// Formats lists the valid --format values of import.
var Formats = append([]string{FormatNative, FormatInspect, FormatPromptfoo, FormatLMEval, FormatWaza}, ReferenceFormats...)

// built is one run converted from another harness's file, ready to write.
type built struct {
	meta     store.Run
	outcomes []*store.Outcome
	// stream, when set, yields the outcomes one at a time instead (large logs) and returns
	// the run's metadata, complete once the whole file has been read.
	stream func(emit func(*store.Outcome) error) (store.Run, error)
	// part names the run within a source that holds several (a run id of the source),
	// so its evals id stays the same whichever of the source's files is named.
	part string
}

// Detect tells the format of a file from its name and its first bytes; "" when the file
// is not a result file evals knows.
func Detect(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 1<<20)
	n, _ := io.ReadFull(f, head)
	head = trimBOM(head[:n])
	name := filepath.Base(path)
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")) && strings.HasSuffix(name, ".eval"):
		return FormatInspect, nil
	case strings.HasPrefix(name, "samples_") && strings.HasSuffix(name, ".jsonl"):
		return "", nil // read with its results file
	case strings.HasSuffix(name, ".jsonl"):
		return FormatNative, nil
	case !strings.HasSuffix(name, ".json"):
		return "", nil
	}
	keys := topKeys(head)
	has := func(k ...string) bool {
		for _, x := range k {
			if !slices.Contains(keys, x) {
				return false
			}
		}
		return true
	}
	switch {
	case strings.HasPrefix(name, "results_") || has("higher_is_better") || has("results", "n-samples"):
		return FormatLMEval, nil
	case has("eval") && (has("samples") || has("status") || has("results")):
		return FormatInspect, nil
	case has("evalId") || has("results", "config", "shareableUrl") || has("results", "evalId") ||
		has("id", "createdAt", "config", "results", "prompts") || has("id", "createdAt", "config", "oldResults"):
		return FormatPromptfoo, nil
	case has("tasks") && (has("skill") || has("eval_id") || has("eval_name")):
		return FormatWaza, nil
	}
	if f := detectReference(keys, head); f != "" {
		return f, nil
	}
	switch {
	case has("stimulus"):
		return FormatNative, nil
	}
	return "", nil
}

// topKeys lists the keys of the top-level object found in a prefix of a JSON document.
func topKeys(head []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(head))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		k, _ := t.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return keys
		}
	}
	return keys
}

// sourceID is the stable run id of a source: the same file imports into the same run,
// which a changed file then replaces.
// contentID is a run id derived from a content digest.
func contentID(digest string) string {
	h := sha256.Sum256([]byte(digest))
	return hex.EncodeToString(h[:5])
}

func sourceID(format, path string, part string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	h := sha256.Sum256([]byte(format + "\x00" + abs + "\x00" + part))
	return hex.EncodeToString(h[:5])
}

// fileDigest is the SHA-256 of a file's bytes (and of its companions, for lm-eval), read a
// megabyte at a time (a bufio.Reader read a 670 MB file in 163,000 reads of 4 KB; the
// import of an unchanged 670 MB file, which is this digest, 0.47 -> 0.43 s).
func fileDigest(paths ...string) (string, error) { return digestFiles(context.Background(), paths...) }

// source is what a run's digest covers: its digest and its size in bytes (0 when unknown).
type source struct {
	digest string
	bytes  int64
}

// sizeOf is the size of the files a digest covers, 0 when one of them cannot be read.
func sizeOf(paths ...string) int64 {
	var n int64
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return 0
		}
		n += fi.Size()
	}
	return n
}

// digestFiles is fileDigest, stopped when ctx is done.
func digestFiles(ctx context.Context, paths ...string) (string, error) {
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return "", err
		}
		_, err = io.CopyBuffer(h, onlyReader{f, ctx}, buf)
		f.Close()
		if err != nil {
			return "", err
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// onlyReader hides a file's WriteTo, which io.CopyBuffer would use instead of the buffer.
// It also stops the copy when ctx is done.
type onlyReader struct {
	r   io.Reader
	ctx context.Context
}

func (o onlyReader) Read(p []byte) (int, error) {
	if err := o.ctx.Err(); err != nil {
		return 0, err
	}
	return o.r.Read(p)
}

// ImportFile imports one result file; lm-eval results files bring their samples files.
// format "" detects it.
func ImportFile(ctx context.Context, root, path, format string, opt Options) ([]Result, error) {
	if format == "" {
		f, err := Detect(path)
		if err != nil {
			return nil, errs.E(errs.NotFound, "opening %s: %w", path, err)
		}
		if f == "" {
			return nil, errs.E(errs.Invalid, "%s: not a result file evals recognises (native JSONL, Inspect, promptfoo, lm-eval, waza, or a Results API, EZVals, evaluationResults, Runtype or Traceway answer); pass --from", path)
		}
		format = f
	}
	st := stateOf(path)
	digest, err := digestFirst(path, format, st)
	if err != nil {
		return nil, err
	}
	if digest != "" {
		if prev, ok := store.Open(root).ByDigest(digest); ok {
			rememberDigest(st, digest)
			return []Result{{Source: path, Run: prev, Duplicate: true}}, nil
		}
	}
	if format == FormatNative {
		res, err := importNativeFile(ctx, root, path, digest == "", opt)
		if err != nil {
			return nil, err
		}
		rememberDigest(st, res.Run.Digest)
		return []Result{res}, nil
	}
	runs, companions, err := readHarness(path, format, opt)
	if err != nil {
		var coded *errs.Error
		if errors.As(err, &coded) {
			return nil, err
		}
		return nil, errs.E(errs.Corrupt, "%s: %s", path, err)
	}
	if companions != nil {
		// Several files make the runs (lm-eval's samples, a folder of saved pages): the
		// digest covers them all.
		if digest, err = fileDigest(companions...); err != nil {
			return nil, errs.E(errs.Corrupt, "%s: %s", path, err)
		}
	}
	covered := companions
	if covered == nil {
		covered = []string{path}
	}
	res, err := writeRuns(ctx, root, path, format, runs, source{digest, sizeOf(covered...)}, opt)
	if err == nil && companions == nil {
		rememberDigest(st, digest)
	}
	return res, err
}

// digestFirst is the digest a file is known by before any parsing: from the digest memo
// when the file is unchanged since it was last imported (one stat), else by reading it.
// It is "" for lm-eval (its digest also covers its samples files, so it is taken after
// reading which they are) and for a native regular file, whose digest is taken beside its
// import (importNativeFile; a second reader of a pipe would take half its lines).
func digestFirst(path, format string, st fileState) (string, error) {
	if format == FormatLMEval {
		return "", nil
	}
	if d := knownDigest(st); d != "" || format == FormatNative && st.regular {
		return d, nil
	}
	d, err := fileDigest(path)
	if err != nil {
		return "", errs.E(errs.NotFound, "reading %s: %w", path, err)
	}
	return d, nil
}

// importNativeFile imports a native file. With check, its digest is taken beside the
// import, from a second read of the file, and content already in the store stops the
// import as soon as that digest is known: a new 670 MB file imports without first being
// read whole for its digest (0.45 s of 5.2), and a copy of an imported one is known for a
// duplicate after 1.2 s instead of a whole import. (The import's own digest, of the bytes
// it parsed, is still what its run records.) That second read (0.65 s of CPU of 8.6 for the
// 670 MB file) is skipped when no run in the store has a source of the file's size.
func importNativeFile(ctx context.Context, root, path string, check bool, opt Options) (Result, error) {
	fh, err := os.Open(path)
	if err != nil {
		return Result{}, errs.E(errs.NotFound, "opening %s: %w", path, err)
	}
	defer fh.Close()
	if !check {
		return ImportNative(ctx, root, path, fh, opt)
	}
	ictx, stopImport := context.WithCancel(ctx)
	defer stopImport()
	dctx, stopDigest := context.WithCancel(ctx)
	var dup *store.Run
	done := make(chan struct{})
	go func() {
		defer close(done)
		if fi, err := fh.Stat(); err == nil && !mayHoldCopy(root, fi.Size()) {
			return // no run's source has this size: the import's own digest will do
		}
		d, err := digestFiles(dctx, path)
		if err != nil {
			return // the import reads the file too, and says what is wrong with it
		}
		if prev, ok := store.Open(root).ByDigest(d); ok {
			dup = &prev
			stopImport()
		}
	}()
	res, err := ImportNative(ictx, root, path, fh, opt)
	stopDigest()
	<-done
	if err != nil && dup != nil {
		return Result{Source: path, Run: *dup, Duplicate: true}, nil
	}
	return res, err
}

// mayHoldCopy says whether the store at root may hold a run imported from size bytes: one
// whose digest is of one source (no "#part") of that size, or of a size not recorded.
func mayHoldCopy(root string, size int64) bool {
	runs, _, err := store.Open(root).Runs()
	if err != nil {
		return true
	}
	for _, r := range runs {
		if r.Digest != "" && !strings.Contains(r.Digest, "#") && (r.SourceBytes == 0 || r.SourceBytes == size) {
			return true
		}
	}
	return false
}

// readHarness reads a harness file of format into runs; companions are the files its
// digest covers when it is more than path.
func readHarness(path, format string, opt Options) (runs []built, companions []string, err error) {
	switch format {
	case FormatPromptfoo:
		runs, err = readPromptfoo(path, opt.maxLine())
	case FormatLMEval:
		runs, companions, err = readLMEval(path)
		companions = append([]string{path}, companions...)
	case FormatWaza:
		runs, err = readWaza(path, opt.maxLine())
	case FormatInspect:
		runs, err = readInspect(path, opt.maxEvalBytes(), int64(opt.maxLine()))
	case FormatVally:
		// Several saved pages make the runs: they are read together, and the digest and
		// the run ids come from the folder.
		runs, companions, err = readVally(path)
	case FormatEvalList:
		runs, companions, err = readEvalList(path)
	case FormatEZVals:
		runs, err = readEZVals(path)
	case FormatRuntype:
		runs, err = readRuntype(path)
	case FormatTraceway:
		runs, err = readTraceway(path)
	default:
		return nil, nil, errs.E(errs.Invalid, "unknown format %q: use one of %s", format, strings.Join(Formats, ", "))
	}
	return runs, companions, err
}

// writeRuns writes the runs read from one harness file, each with its id and digest.
func writeRuns(ctx context.Context, root, path, format string, runs []built, src source, opt Options) ([]Result, error) {
	digest := src.digest
	var out []Result
	for i, b := range runs {
		if ctx.Err() != nil {
			return out, errs.E(errs.Interrupted, "importing %s: interrupted", path)
		}
		d, part := digest, ""
		if len(runs) > 1 {
			d, part = fmt.Sprintf("%s#%d", digest, i), fmt.Sprint(i)
		}
		idPath := path
		if b.part != "" {
			d, part, idPath = digest+"#"+b.part, b.part, filepath.Dir(path)
		}
		switch {
		case store.IsURL(root):
			// A shared store: many machines import files from paths that mean nothing to
			// each other, so the id comes from the content. The same content twice is one
			// run (its run.json is created only once); a changed file is a new run.
			b.meta.ID = contentID(d)
		case b.meta.ID == "":
			// The run id comes from where the file is, so a changed file (even one whose
			// eval was renamed) replaces its run.
			b.meta.ID = sourceID(format, idPath, part)
		}
		res, err := writeBuilt(root, path, format, b, source{d, src.bytes}, opt)
		if err != nil {
			return out, err
		}
		out = append(out, res)
	}
	return out, nil
}

func writeBuilt(root, path, format string, b built, src source, opt Options) (Result, error) {
	fix := func(meta store.Run, id string) store.Run {
		meta.Source, meta.SourcePath, meta.Digest, meta.SourceBytes, meta.ID = format, path, src.digest, src.bytes, id
		if opt.Name != "" {
			meta.Name = opt.Name
		}
		opt.applyLabels(&meta)
		return meta
	}
	id := b.meta.ID
	w, err := store.NewWriter(root, fix(b.meta, id))
	if err != nil {
		return Result{}, err
	}
	w.SetReplace(!store.IsURL(root))
	if b.stream != nil {
		meta, err := b.stream(w.Add)
		if err != nil {
			w.Abort()
			var coded *errs.Error
			if errors.As(err, &coded) {
				return Result{}, fmt.Errorf("%s: %w", path, err)
			}
			return Result{}, errs.E(errs.Corrupt, "%s: %s", path, err)
		}
		w.SetMeta(fix(meta, id))
	}
	for _, o := range b.outcomes {
		if err := w.Add(o); err != nil {
			w.Abort()
			return Result{}, fmt.Errorf("%s: %w", path, err)
		}
	}
	c, err := w.Commit()
	if err != nil {
		return Result{}, err
	}
	return Result{Source: path, Run: c.Run, Duplicate: c.Duplicate, Replaced: c.Replaced, Restored: c.Restored}, nil
}

// Tree is what a directory import found.
type Tree struct {
	Results      []Result `json:"results"`
	Failed       []string `json:"failed"`
	Unrecognised []string `json:"unrecognised"`
}

// ImportTree walks a directory and imports every recognised result file; a file that
// fails is reported and the walk goes on.
func ImportTree(ctx context.Context, root, dir, format string, opt Options) (Tree, error) {
	t := Tree{Results: []Result{}, Failed: []string{}, Unrecognised: []string{}}
	pagesDone := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Failed = append(t.Failed, fmt.Sprintf("%s: %v", p, err))
			return nil
		}
		if ctx.Err() != nil {
			return errs.E(errs.Interrupted, "importing %s: interrupted", dir)
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		f := format
		if f == "" {
			if f, err = Detect(p); err != nil {
				t.Failed = append(t.Failed, fmt.Sprintf("%s: %v", p, err))
				return nil
			}
			if f == "" {
				if !strings.HasPrefix(d.Name(), "samples_") {
					t.Unrecognised = append(t.Unrecognised, p)
				}
				return nil
			}
		}
		if f == FormatVally || f == FormatEvalList { // a folder's pages import together, once
			key := f + "\x00" + filepath.Dir(p)
			if pagesDone[key] {
				return nil
			}
			pagesDone[key] = true
		}
		res, err := ImportFile(ctx, root, p, f, opt)
		if err != nil {
			if errs.CodeOf(err) == errs.Interrupted {
				return err
			}
			t.Failed = append(t.Failed, err.Error())
			return nil
		}
		t.Results = append(t.Results, res...)
		return nil
	})
	return t, err
}

// tagsOf turns harness metadata into tags: strings as they are, other scalars as their
// JSON text, nested values as compact JSON text. Empty keys are dropped.
func tagsOf(meta map[string]json.RawMessage) map[string]string {
	if len(meta) == 0 {
		return nil
	}
	out := map[string]string{}
	for k, raw := range meta {
		if k == "" || len(raw) == 0 || string(raw) == "null" {
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			out[k] = s
			continue
		}
		var buf bytes.Buffer
		if json.Compact(&buf, raw) == nil {
			out[k] = buf.String()
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
