package serve

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/query"
	"github.com/evals-dev/evals/store"
)

// route is one endpoint: its pattern, the query parameters it accepts, and its handler.
// The same table registers the routes and writes the OpenAPI document.
type route struct {
	method, path, summary string
	params                []param
	heavy                 bool
	// export routes stream a whole run, a few at a time (Deps.MaxExports).
	export bool
	// write routes change the store: they need a token, even on loopback.
	write  bool
	handle func(s *server, r *http.Request) (result, error)
}

type param struct {
	name, typ, desc string
}

var (
	pCursor   = param{"cursor", "string", "the nextCursor of the previous page"}
	pLimit    = param{"limit", "integer", "page size, 1..1000 (default 50)"}
	pLabel    = param{"label", "string", "KEY=VALUE: only runs with this label (repeatable)"}
	pVerdicts = param{"verdicts", "string", "effective (default: a human verdict overrides the graders') or graded"}
	pBy       = param{"by", "string", "one line per model and value of this tag (a slice)"}
	pWhere    = param{"where", "string", "only outcomes with this tag: KEY=VALUE[,VALUE] (repeatable)"}
	pModel    = param{"model", "string", "only these models (comma list)"}
	pStimulus = param{"stimulus", "string", "only these stimuli (comma list)"}
	pStatus   = param{"status", "string", "passed, failed, error, skipped, pending or success (comma list)"}
	pPassed   = param{"passed", "boolean", "only passed (true) or failed (false) outcomes"}
	pGrader   = param{"grader", "string", "only outcomes with a result from this grader"}
	pSort     = param{"sort", "string", "a metric id, or stimulus, model, trial, status, started_at"}
	pOrder    = param{"order", "string", "asc (default) or desc"}
	pMode     = param{"mode", "string", "only outcomes of this failure mode (an id from the failures of the same runs)"}
	outcomeP  = []param{pModel, pStimulus, pStatus, pPassed, pGrader, pSort, pOrder, pLimit, pCursor, pWhere, pMode}
)

var routes = []route{
	{method: "GET", path: "/api/health", summary: "Liveness", handle: func(*server, *http.Request) (result, error) {
		return result{value: healthBody{Status: "ok"}}, nil
	}},
	{method: "GET", path: "/api/metrics", summary: "Metric definitions", handle: func(*server, *http.Request) (result, error) {
		return result{value: query.MetricsOf()}, nil
	}},
	{method: "GET", path: "/api/openapi.json", summary: "This API as an OpenAPI 3 document", handle: func(s *server, _ *http.Request) (result, error) {
		return result{value: s.doc}, nil
	}},
	{method: "GET", path: "/api/runs", summary: "Runs, newest first, paged; label=KEY=VALUE (repeatable) keeps runs with those labels", params: []param{pCursor, pLimit, pLabel}, handle: handleRuns},
	{method: "GET", path: "/api/trend", summary: "Each model's pass rate across the last runs, oldest first", heavy: true,
		params: []param{{"last", "integer", "how many of the newest runs (1..200, default 10)"}, pLabel, {"session", "string", "only the runs of this session"}, {"model", "string", "only these models (comma list or repeated)"}},
		handle: func(s *server, r *http.Request) (result, error) {
			q := r.URL.Query()
			last, err := intParam(q, "last", 10)
			if err != nil {
				return result{}, err
			}
			labels, err := store.ParseLabels(q["label"])
			if err != nil {
				return result{}, err
			}
			tr, err := query.TrendOf(s.d.Store, query.TrendParams{Last: last, Labels: labels, Session: q.Get("session"), Models: list(q, "model")})
			return result{value: tr}, err
		}},
	{method: "GET", path: "/api/runs/{id}", summary: "Run detail: summary, stimuli and config", heavy: true, handle: runScoped(answer(func(s *server, r *http.Request, run store.Run) (any, error) {
		return query.Run(s.d.Store, run.ID)
	}))},
	{method: "GET", path: "/api/runs/{id}/outcomes", summary: "Outcomes of a run, filtered and paged", params: outcomeP, heavy: true, handle: runScoped(answer(func(s *server, r *http.Request, run store.Run) (any, error) {
		p, err := outcomeParams(r.URL.Query())
		if err != nil {
			return nil, err
		}
		p.Runs = []string{run.ID}
		return query.Outcomes(s.d.Store, p)
	}))},
	{method: "GET", path: "/api/runs/{id}/ranking", summary: "Model leaderboard, per slice with by", heavy: true, params: []param{pBy, pWhere},
		handle: runScoped(answer(func(s *server, r *http.Request, run store.Run) (any, error) {
			sl, err := slicing(r.URL.Query())
			if err != nil {
				return nil, err
			}
			return query.RankingOf(s.d.Store, query.Scope{Runs: []string{run.ID}, Slicing: sl})
		}))},
	{method: "GET", path: "/api/runs/{id}/graders", summary: "Grader failure analysis, per slice with by", heavy: true, params: []param{pBy, pWhere},
		handle: runScoped(answer(func(s *server, r *http.Request, run store.Run) (any, error) {
			sl, err := slicing(r.URL.Query())
			if err != nil {
				return nil, err
			}
			return query.GradersOf(s.d.Store, query.Scope{Runs: []string{run.ID}, Slicing: sl})
		}))},
	{method: "GET", path: "/api/runs/{id}/failures", summary: "Failure modes: failed and errored outcomes grouped by signature, with trends against a baseline", heavy: true,
		params: []param{pBy, pWhere, {"base", "string", "baseline run for the trends (default: the run before; none for no trend)"}, {"limit", "integer", "how many modes to list, 1..1000 (default 50); the rest are counted in otherCount"}},
		handle: runScoped(answer(func(s *server, r *http.Request, run store.Run) (any, error) {
			sl, err := slicing(r.URL.Query())
			if err != nil {
				return nil, err
			}
			if sl.By == "model" {
				sl.By = ""
			}
			limit, err := intParam(r.URL.Query(), "limit", query.DefaultModes)
			if err != nil {
				return nil, err
			}
			return query.FailuresOf(s.d.Store, query.FailuresParams{Scope: query.Scope{Runs: []string{run.ID}, Slicing: sl}, Base: r.URL.Query().Get("base"), Limit: limit})
		}))},
	{method: "GET", path: "/api/runs/{id}/tools", summary: "Tool usage analysis, per slice with by", heavy: true, params: []param{pBy, pWhere},
		handle: runScoped(answer(func(s *server, r *http.Request, run store.Run) (any, error) {
			sl, err := slicing(r.URL.Query())
			if err != nil {
				return nil, err
			}
			return query.ToolsOf(s.d.Store, query.Scope{Runs: []string{run.ID}, Slicing: sl})
		}))},
	{method: "GET", path: "/api/runs/{id}/matrix", summary: "Stimulus × model matrix of a metric", heavy: true,
		params: []param{{"metric", "string", "a metric id (default pass_rate)"}, {"by", "string", "rows are the values of this tag instead of stimuli"}, pWhere},
		handle: runScoped(answer(func(s *server, r *http.Request, run store.Run) (any, error) {
			sl, err := slicing(r.URL.Query())
			if err != nil {
				return nil, err
			}
			return query.MatrixOf(s.d.Store, query.Scope{Runs: []string{run.ID}, Slicing: sl}, r.URL.Query().Get("metric"))
		}))},
	{method: "GET", path: "/api/runs/{id}/compare", summary: "Two models within a run", heavy: true,
		params: []param{{"modelA", "string", "first model (required)"}, {"modelB", "string", "second model (required)"}},
		handle: runScoped(answer(func(s *server, r *http.Request, run store.Run) (any, error) {
			q := r.URL.Query()
			return query.CompareModels(s.d.Store, run.ID, q.Get("modelA"), q.Get("modelB"))
		}))},
	{method: "GET", path: "/api/runs/{id}/export/{format}", summary: "Export a run as json, csv or markdown", heavy: true, export: true, handle: runScoped(handleExport)},
	{method: "GET", path: "/api/outcomes", summary: "Outcomes with filters, sorted and paged", heavy: true,
		params: append([]param{{"runId", "string", "only this run (any run reference)"}}, outcomeP...), handle: handleOutcomes},
	{method: "GET", path: "/api/outcomes/{id}", summary: "Outcome detail with grader evidence", handle: func(s *server, r *http.Request) (result, error) {
		v, err := query.OutcomeOf(s.d.Store, r.PathValue("id"))
		return result{value: v}, err
	}},
	{method: "GET", path: "/api/outcomes/{id}/trajectory", summary: "An outcome's trajectory", handle: func(s *server, r *http.Request) (result, error) {
		v, err := query.TrajectoryOf(s.d.Store, r.PathValue("id"))
		return result{value: v}, err
	}},
	{method: "GET", path: "/api/outcomes/{id}/tools", summary: "An outcome's tool calls", handle: func(s *server, r *http.Request) (result, error) {
		v, err := query.ToolEventsOf(s.d.Store, r.PathValue("id"))
		return result{value: v}, err
	}},
	{method: "GET", path: "/api/compare", summary: "Runs against runs: subjects, coverage, rows, summary", heavy: true,
		params: []param{{"runs", "string", "run references, new first (comma list, 2..8)"}, {"threshold", "number", "ok at pass rate ≥ this (default 0.5)"},
			{"alpha", "number", "McNemar significance level (default 0.05)"}, {"minMatched", "integer", "underpowered below this many common stimuli (default 10)"},
			{"pair", "string", "NEW_MODEL=BASE_MODEL (comma list)"}, pBy, pWhere},
		handle: handleCompare},
}

// checkParams rejects query parameters the route does not take.
func checkParams(q url.Values, ps []param) error {
	for name := range q {
		if !slices.ContainsFunc(ps, func(p param) bool { return p.name == name }) {
			var names []string
			for _, p := range ps {
				names = append(names, p.name)
			}
			if len(names) == 0 {
				return errs.E(errs.Invalid, "unknown query parameter %q: this endpoint takes none", name)
			}
			return errs.E(errs.Invalid, "unknown query parameter %q: use %s", name, strings.Join(names, ", "))
		}
	}
	return nil
}

// runScoped resolves {id} (any run reference), marks the answer revalidatable, and runs
// fn only when the client does not already hold the answer.
func runScoped(fn func(s *server, r *http.Request, run store.Run) (result, error)) func(*server, *http.Request) (result, error) {
	return func(s *server, r *http.Request) (result, error) {
		run, err := s.d.Store.Resolve(r.PathValue("id"))
		if err != nil {
			return result{}, err
		}
		etag := etagFor(run, r, s.d.Store.Stamp())
		if matches(r, etag) {
			return result{run: &run, etag: etag}, nil
		}
		res, err := fn(s, r, run)
		res.run, res.etag = &run, etag
		return res, err
	}
}

// answer adapts a handler that returns a JSON value.
func answer(fn func(s *server, r *http.Request, run store.Run) (any, error)) func(*server, *http.Request, store.Run) (result, error) {
	return func(s *server, r *http.Request, run store.Run) (result, error) {
		v, err := fn(s, r, run)
		return result{value: v}, err
	}
}

func intParam(q url.Values, name string, def int) (int, error) {
	v := q.Get(name)
	if v == "" {
		if q.Has(name) {
			return 0, errs.E(errs.Invalid, "%s is empty", name)
		}
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, errs.E(errs.Invalid, "%s %q is not an integer", name, v)
	}
	return n, nil
}

func list(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, x := range strings.Split(v, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
	}
	return out
}

func handleRuns(s *server, r *http.Request) (result, error) {
	q := r.URL.Query()
	limit, err := intParam(q, "limit", 50)
	if err != nil {
		return result{}, err
	}
	labels, err := store.ParseLabels(q["label"])
	if err != nil {
		return result{}, err
	}
	v, err := query.Runs(s.d.Store, query.RunsParams{Cursor: q.Get("cursor"), Limit: limit, Labels: labels})
	return result{value: v}, err
}

func outcomeParams(q url.Values) (query.OutcomesParams, error) {
	p := query.OutcomesParams{Model: list(q, "model"), Stimulus: list(q, "stimulus"), Status: list(q, "status"),
		Grader: q.Get("grader"), Sort: q.Get("sort"), Cursor: q.Get("cursor"), Mode: q.Get("mode")}
	var err error
	if p.Where, err = query.ParseWhere(q["where"]); err != nil {
		return p, err
	}
	if p.Limit, err = intParam(q, "limit", 50); err != nil {
		return p, err
	}
	switch v := q.Get("passed"); v {
	case "":
	case "true", "false":
		b := v == "true"
		p.Passed = &b
	default:
		return p, errs.E(errs.Invalid, "passed %q: use true or false", v)
	}
	switch o := q.Get("order"); o {
	case "", "asc":
	case "desc":
		p.Desc = true
	default:
		return p, errs.E(errs.Invalid, "order %q: use asc or desc", o)
	}
	return p, nil
}

func handleOutcomes(s *server, r *http.Request) (result, error) {
	q := r.URL.Query()
	p, err := outcomeParams(q)
	if err != nil {
		return result{}, err
	}
	if id := q.Get("runId"); id != "" {
		p.Runs = []string{id}
	}
	v, err := query.Outcomes(s.d.Store, p)
	return result{value: v}, err
}

func handleCompare(s *server, r *http.Request) (result, error) {
	q := r.URL.Query()
	p := query.NewCompareParams(list(q, "runs")...)
	var err error
	// A value given is honoured or rejected, never replaced by the default: 0 is a value.
	for _, f := range []struct {
		name string
		dst  *float64
	}{{"threshold", &p.Threshold}, {"alpha", &p.Alpha}} {
		if !q.Has(f.name) {
			continue
		}
		v := q.Get(f.name)
		if *f.dst, err = strconv.ParseFloat(v, 64); err != nil {
			return result{}, errs.E(errs.Invalid, "%s %q is not a number", f.name, v)
		}
	}
	if p.MinMatched, err = intParam(q, "minMatched", query.DefaultMinMatched); err != nil {
		return result{}, err
	}
	if p.Pairs, err = query.ParsePairs(list(q, "pair")); err != nil {
		return result{}, err
	}
	if p.Slicing, err = slicing(q); err != nil {
		return result{}, err
	}
	v, err := query.CompareRuns(s.d.Store, p)
	return result{value: v}, err
}

// handleExport writes a whole run as a download: json (summary, ranking, graders, tools
// and every outcome), csv (every outcome) or markdown (a report).
func handleExport(s *server, r *http.Request, run store.Run) (result, error) {
	kinds := map[string]struct{ ext, contentType string }{
		"json":     {"json", "application/json; charset=utf-8"},
		"csv":      {"csv", "text/csv; charset=utf-8"},
		"markdown": {"md", "text/markdown; charset=utf-8"},
		"md":       {"md", "text/markdown; charset=utf-8"},
	}
	f := r.PathValue("format")
	kind, ok := kinds[f]
	if !ok { // before any query runs
		return result{}, errs.E(errs.Invalid, "unknown export format %q: use json, csv or markdown", f)
	}
	// The run's outcomes are written a page at a time as they are read: an export holds
	// one page in memory whatever the size of the run.
	src := s.d.Store
	name := "evals-" + run.ID + "." + kind.ext
	ex, err := exportHead(src, run.ID)
	if err != nil {
		return result{}, err
	}
	if kind.ext == "md" { // the report has no outcome list
		return result{contentType: kind.contentType, filename: name, stream: func(w io.Writer) error {
			d := format.Report(ex.Run, ex.Ranking, ex.Graders, ex.Tools)
			d.Sections = append(d.Sections, format.ReviewsSection(ex.Reviews))
			return format.WriteMarkdown(w, d)
		}}, nil
	}
	return result{contentType: kind.contentType, filename: name, stream: func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 64<<10)
		var err error
		if kind.ext == "json" {
			err = writeExportJSON(bw, src, run.ID, ex)
		} else {
			first := true
			err = eachOutcomePage(src, run.ID, func(items []query.OutcomeSummary) error {
				d := format.ReviewedOutcomes(items, ex.Reviews)
				if first {
					first = false
					return format.WriteCSV(bw, d)
				}
				return format.WriteCSVRows(bw, d)
			})
			if err == nil && first { // no outcome at all: the header alone
				err = format.WriteCSV(bw, format.ReviewedOutcomes(nil, ex.Reviews))
			}
		}
		if err != nil {
			return err
		}
		return bw.Flush()
	}}, nil
}

// writeExportJSON writes the bytes format.JSON would give the whole Export, with the
// outcomes streamed a page at a time.
func writeExportJSON(w io.Writer, src query.Source, id string, ex Export) error {
	field := func(name string, v any, comma bool) error {
		b, err := format.JSON(v)
		if err != nil {
			return err
		}
		if comma {
			io.WriteString(w, ",")
		}
		io.WriteString(w, `"`+name+`":`)
		_, err = w.Write(bytes.TrimSuffix(b, []byte("\n")))
		return err
	}
	io.WriteString(w, "{")
	for i, f := range []struct {
		name string
		v    any
	}{{"run", ex.Run}, {"ranking", ex.Ranking}, {"graders", ex.Graders}, {"tools", ex.Tools}} {
		if err := field(f.name, f.v, i > 0); err != nil {
			return err
		}
	}
	io.WriteString(w, `,"outcomes":[`)
	n := 0
	enc := format.NewEncoder()
	err := eachOutcomePage(src, id, func(items []query.OutcomeSummary) error {
		for _, o := range items {
			b, err := enc.Encode(o)
			if err != nil {
				return err
			}
			if n > 0 {
				io.WriteString(w, ",")
			}
			n++
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	io.WriteString(w, "]")
	if err := field("annotations", ex.Annotations, true); err != nil {
		return err
	}
	if err := field("reviews", ex.Reviews, true); err != nil {
		return err
	}
	_, err = io.WriteString(w, "}\n")
	return err
}

// eachOutcomePage hands fn the run's outcomes a page at a time.
func eachOutcomePage(src query.Source, id string, fn func([]query.OutcomeSummary) error) error {
	return query.EachOutcome(src, id, query.MaxLimit, fn)
}

// Export is a whole run in one document.
type Export struct {
	Run      query.RunDetail        `json:"run"`
	Ranking  query.Ranking          `json:"ranking"`
	Graders  query.Graders          `json:"graders"`
	Tools    query.Tools            `json:"tools"`
	Outcomes []query.OutcomeSummary `json:"outcomes"`
	// Annotations is the run's review history, oldest first.
	Annotations []store.Annotation `json:"annotations"`
	// Reviews is each reviewed outcome's effective review, by outcome id.
	Reviews map[string]store.Review `json:"reviews"`
}

// exportHead reads everything of an export but its outcomes (streamed after it).
func exportHead(src query.Source, id string) (Export, error) {
	var ex Export
	var err error
	sc := query.Scope{Runs: []string{id}}
	if ex.Run, err = query.Run(src, id); err != nil {
		return ex, err
	}
	if ex.Ranking, err = query.RankingOf(src, sc); err != nil {
		return ex, err
	}
	if ex.Graders, err = query.GradersOf(src, sc); err != nil {
		return ex, err
	}
	if ex.Tools, err = query.ToolsOf(src, sc); err != nil {
		return ex, err
	}
	ex.Annotations, ex.Reviews, err = query.ReviewsOf(src, id)
	return ex, err
}

// allRoutes is the read routes (each also takes verdicts=graded|effective) and the writes.
func allRoutes() []route {
	var out []route
	for _, rt := range append(slices.Clone(routes), writeRoutes...) {
		if rt.method == "GET" && rt.path != "/api/health" && rt.path != "/api/openapi.json" {
			rt.params = append(slices.Clone(rt.params), pVerdicts)
		}
		out = append(out, rt)
	}
	return out
}

// slicing reads by and where (repeatable) of a query string.
func slicing(q url.Values) (query.Slicing, error) {
	where, err := query.ParseWhere(q["where"])
	return query.Slicing{By: q.Get("by"), Where: where}, err
}
