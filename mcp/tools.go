package mcp

import (
	"fmt"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/query"
	"github.com/evals-dev/evals/store"
)

// The inputs of the tools. Their JSON Schemas come from these types (format.Schemas), with
// each field's desc tag as its description; a field without omitempty is required.
type (
	runsIn struct {
		Budget
		Limit   int               `json:"limit,omitempty" desc:"page size (default 20)"`
		Cursor  string            `json:"cursor,omitempty" desc:"page.nextCursor of the last page"`
		Labels  map[string]string `json:"labels,omitempty" desc:"only runs with these labels"`
		Session string            `json:"session,omitempty" desc:"only runs of this session"`
	}
	runIn struct {
		Budget
		Run string `json:"run" desc:"run id, name, latest or latest~N"`
	}
	scopeIn struct {
		Budget
		Run   []string `json:"run,omitempty" desc:"run references (default latest; all: every run)"`
		By    string   `json:"by,omitempty" desc:"a tag key: one line per value (see tags)"`
		Where []string `json:"where,omitempty" desc:"KEY=VALUE[,VALUE] tag filters"`
	}
	tagsIn struct {
		Budget
		Run []string `json:"run,omitempty" desc:"run references (default latest; all: every run)"`
	}
	matrixIn struct {
		scopeIn
		Metric string `json:"metric,omitempty" desc:"metric id (default pass_rate)"`
	}
	failuresIn struct {
		scopeIn
		Base  string `json:"base,omitempty" desc:"baseline run (default: the one before; none: no trend)"`
		Limit int    `json:"limit,omitempty" desc:"modes to list (default 50)"`
	}
	compareIn struct {
		Budget
		Runs       []string          `json:"runs" desc:"the new run, then baselines (2..8 references)"`
		Threshold  *float64          `json:"threshold,omitempty" desc:"ok at pass rate ≥ this (default 0.5)"`
		Alpha      *float64          `json:"alpha,omitempty" desc:"family-wise α (default 0.05)"`
		MinMatched *int              `json:"minMatched,omitempty" desc:"underpowered below this many stimuli (default 10)"`
		Pairs      map[string]string `json:"pairs,omitempty" desc:"{NEW_MODEL: BASE_MODEL} pairs"`
		By         string            `json:"by,omitempty" desc:"a tag key: compare per value"`
		Where      []string          `json:"where,omitempty" desc:"KEY=VALUE[,VALUE] tag filters"`
	}
	outcomesIn struct {
		Budget
		Run      []string `json:"run,omitempty" desc:"run references (default latest; all: every run)"`
		Model    []string `json:"model,omitempty" desc:"only these models"`
		Stimulus []string `json:"stimulus,omitempty" desc:"only these stimuli"`
		Status   []string `json:"status,omitempty" desc:"passed, failed, error, skipped, pending, success"`
		Passed   *bool    `json:"passed,omitempty" desc:"only passed (true) or failed (false)"`
		Grader   string   `json:"grader,omitempty" desc:"only with a result of this grader"`
		Mode     string   `json:"mode,omitempty" desc:"a failure mode id (from failures)"`
		Where    []string `json:"where,omitempty" desc:"KEY=VALUE[,VALUE] tag filters"`
		Sort     string   `json:"sort,omitempty" desc:"metric id, stimulus, model, trial, status or started_at"`
		Order    string   `json:"order,omitempty" desc:"asc (default) or desc"`
		Limit    int      `json:"limit,omitempty" desc:"page size (default 20)"`
		Cursor   string   `json:"cursor,omitempty" desc:"page.nextCursor of the last page"`
	}
	outcomeIn struct {
		Budget
		ID string `json:"id" desc:"outcome id"`
	}
	trendIn struct {
		Budget
		Last    int               `json:"last,omitempty" desc:"newest runs, 1..200 (default 10)"`
		Labels  map[string]string `json:"labels,omitempty" desc:"only runs with these labels"`
		Session string            `json:"session,omitempty" desc:"only runs of this session"`
		Model   []string          `json:"model,omitempty" desc:"only these models"`
	}
	powerIn struct {
		Budget
		Baseline *float64  `json:"baseline,omitempty" desc:"pass rate 0..1 (default: from's)"`
		Delta    []float64 `json:"delta,omitempty" desc:"changes in points (default 1,2,5,10)"`
		Alpha    *float64  `json:"alpha,omitempty" desc:"two-sided α (default 0.05)"`
		Power    *float64  `json:"power,omitempty" desc:"default 0.8"`
		Trials   *float64  `json:"trials,omitempty" desc:"per stimulus (default: from's mean, else 1)"`
		Models   int       `json:"models,omitempty" desc:"models the gate compares, Holm's family (default: from's, else 1)"`
		Stimuli  int64     `json:"stimuli,omitempty" desc:"give the power at this many matched stimuli"`
		From     string    `json:"from,omitempty" desc:"a run to estimate correlation, pass rate, trials and models from"`
		Base     string    `json:"base,omitempty" desc:"an earlier run: with from, estimates the pairing between runs"`
	}
	metricsIn struct {
		Budget
	}
	annotateIn struct {
		Budget
		ID      string             `json:"id" desc:"the outcome id to review"`
		Verdict string             `json:"verdict,omitempty" desc:"pass or fail (a human verdict that overrides the graders'), or clear"`
		Note    *string            `json:"note,omitempty" desc:"a note on the outcome (empty clears it)"`
		Labels  map[string]*string `json:"labels,omitempty" desc:"labels to set on the outcome; a null value removes one"`
	}
)

// annotated is the annotate tool's answer (the API's PATCH /api/outcomes/{id} body).
type annotated struct {
	OK         bool                `json:"ok"`
	Annotation store.Annotation    `json:"annotation"`
	Outcome    query.OutcomeDetail `json:"outcome"`
}

func runsOf(run []string) []string {
	if len(run) == 0 {
		return []string{"latest"}
	}
	return run
}

func (in scopeIn) scope() (query.Scope, error) {
	sc := query.Scope{Runs: runsOf(in.Run)}
	sc.By = in.By
	var err error
	sc.Where, err = query.ParseWhere(in.Where)
	return sc, err
}

func pageLimit(n int) int {
	if n == 0 {
		return DefaultMaxItems
	}
	return n
}

// readTools are the tools, one per question. A description says what the tool answers and
// when to use it; it never holds text from results.
var readTools = []tool{
	def("runs", "List the runs in the store, newest first, paged (20 a page). Use first to find run ids and names; then ranking, compare or failures on one of them.",
		func(d Deps, in runsIn) (query.Paged[query.RunSummary], error) {
			return query.Runs(d.Store, query.RunsParams{Cursor: in.Cursor, Limit: pageLimit(in.Limit), Labels: in.Labels, Session: in.Session})
		}, func(v query.Paged[query.RunSummary]) string {
			return fmt.Sprintf("%d of %d runs", len(v.Items), v.Page.Total)
		}, "/items"),
	def("run", "One run in detail: its summary counts, models, stimuli and config. Use to see what a run holds before asking questions of it.",
		func(d Deps, in runIn) (query.RunDetail, error) { return query.Run(d.Store, in.Run) },
		func(v query.RunDetail) string {
			return fmt.Sprintf("one run: %d outcomes over %d stimuli", v.OutcomeCount, v.StimulusCount)
		}),
	def("ranking", "Which model is best: the leaderboard of a run (pass rate with its clustered 95% interval, ties, pass@k, duration, tokens, cost). Use by for one line per model and tag value.",
		func(d Deps, in scopeIn) (query.Ranking, error) {
			sc, err := in.scope()
			if err != nil {
				return query.Ranking{}, err
			}
			return query.RankingOf(d.Store, sc)
		}, func(v query.Ranking) string { return fmt.Sprintf("%d models ranked", len(v.Models)) }),
	def("compare", "What regressed: a new run against baselines, model by model: the paired test's verdict (regressed, improved, unchanged, underpowered), deltas with intervals, the minimum detectable effect, and the stimuli that changed. Use after a new run lands.",
		compareRuns, func(v query.Compare) string {
			n := 0
			for _, p := range v.Summary {
				if p.Verdict == "regressed" {
					n++
				}
			}
			return fmt.Sprintf("%d model pairs compared, %d regressed significantly; %d stimulus rows", len(v.Summary), n, len(v.Rows))
		}),
	def("graders", "Why outcomes fail, by grader: each grader's pass rate, worst first, with sample evidence of its failures. Use to see which checks fail most.",
		func(d Deps, in scopeIn) (query.Graders, error) {
			sc, err := in.scope()
			if err != nil {
				return query.Graders{}, err
			}
			return query.GradersOf(d.Store, sc)
		}, func(v query.Graders) string { return fmt.Sprintf("%d graders", len(v.Graders)) }),
	def("failures", "The few ways a run fails: failed and errored outcomes grouped into failure modes by signature (grader and masked evidence), with counts per model and trends against a baseline. Use to answer why a run fails; then outcomes with mode to see examples.",
		func(d Deps, in failuresIn) (query.Failures, error) {
			sc, err := in.scope()
			if err != nil {
				return query.Failures{}, err
			}
			if sc.By == "model" {
				sc.By = ""
			}
			return query.FailuresOf(d.Store, query.FailuresParams{Scope: sc, Base: in.Base, Limit: in.Limit})
		}, func(v query.Failures) string {
			return fmt.Sprintf("%d failure modes listed of %d", len(v.Modes), v.ModeCount)
		}),
	def("tools", "How tools behave: per tool its calls, success rate and the pass rate of outcomes that used it. Use for agent runs with tool calls.",
		func(d Deps, in scopeIn) (query.Tools, error) {
			sc, err := in.scope()
			if err != nil {
				return query.Tools{}, err
			}
			return query.ToolsOf(d.Store, sc)
		}, func(v query.Tools) string { return fmt.Sprintf("%d tools", len(v.Tools)) }),
	def("matrix", "A stimulus × model grid of one metric (pass_rate by default), or tag value × model with by. Use to find the stimuli where models differ.",
		func(d Deps, in matrixIn) (query.Matrix, error) {
			sc, err := in.scope()
			if err != nil {
				return query.Matrix{}, err
			}
			return query.MatrixOf(d.Store, sc, in.Metric)
		}, func(v query.Matrix) string {
			return fmt.Sprintf("%d rows × %d models", len(v.Rows), len(v.Columns))
		}),
	def("outcomes", "List outcomes (one model's answer to one stimulus in one trial) with filters, sorted, 20 a page. Use to find failed examples: status, grader, mode, model, where.",
		listOutcomes, func(v query.Paged[query.OutcomeSummary]) string {
			return fmt.Sprintf("%d of %d outcomes", len(v.Items), v.Page.Total)
		}, "/items"),
	def("outcome", "One outcome in detail: every grader's verdict and evidence, the error, input, output and expected answer. Use to explain why one outcome failed.",
		func(d Deps, in outcomeIn) (query.OutcomeDetail, error) { return query.OutcomeOf(d.Store, in.ID) },
		func(v query.OutcomeDetail) string {
			return fmt.Sprintf("one outcome: %d grader results", len(v.GraderResults))
		}),
	def("trajectory", "An outcome's trajectory in order: messages, reasoning, tool calls and their results. Use when an agent's steps explain the failure.",
		func(d Deps, in outcomeIn) (query.Trajectory, error) { return query.TrajectoryOf(d.Store, in.ID) },
		func(v query.Trajectory) string { return fmt.Sprintf("%d events", len(v.Events)) }),
	def("trend", "Each model's pass rate across the last runs, oldest first (of a session or with labels). Use to see whether a model is getting better or worse.",
		func(d Deps, in trendIn) (query.Trend, error) {
			return query.TrendOf(d.Store, query.TrendParams{Last: orDefault(in.Last, 10), Labels: in.Labels, Session: in.Session, Models: in.Model})
		}, func(v query.Trend) string {
			return fmt.Sprintf("%d models over %d runs", len(v.Models), len(v.Runs))
		}),
	def("tags", "The tag keys and values of the outcomes: the slices by and where take. Use before slicing a question by category, difficulty, ….",
		func(d Deps, in tagsIn) (query.Tags, error) {
			return query.TagsOf(d.Store, query.Scope{Runs: runsOf(in.Run)})
		}, func(v query.Tags) string { return fmt.Sprintf("%d tag keys", len(v.Tags)) }),
	def("metrics", "The metric definitions (id, unit, direction, how it aggregates) used by matrix, sort and compare. Use to interpret a value without other documentation.",
		func(d Deps, in metricsIn) (query.Metrics, error) { return query.MetricsOf(), nil },
		func(v query.Metrics) string { return fmt.Sprintf("%d metrics", len(v.Metrics)) }),
	def("power", "Plan an eval's size: the stimuli (and trials) a paired comparison needs to detect a drop of D points, optionally estimated from a run. Use before trusting an 'unchanged' verdict.",
		power, func(v query.Power) string { return fmt.Sprintf("%d plans", len(v.Rows)) }),
}

func writeTools() []tool {
	t := def("annotate", "Record a human verdict (pass, fail or clear), a note or labels on one outcome. The verdict overrides the graders' in every answer. Only with evals mcp --allow-writes.",
		annotate, func(v annotated) string { return "one outcome reviewed" })
	t.write = true
	return []tool{t}
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func compareRuns(d Deps, in compareIn) (query.Compare, error) {
	p := query.NewCompareParams(in.Runs...)
	if in.Threshold != nil {
		p.Threshold = *in.Threshold
	}
	if in.Alpha != nil {
		p.Alpha = *in.Alpha
	}
	if in.MinMatched != nil {
		p.MinMatched = *in.MinMatched
	}
	p.Pairs, p.By = in.Pairs, in.By
	var err error
	if p.Where, err = query.ParseWhere(in.Where); err != nil {
		return query.Compare{}, err
	}
	if len(in.Runs) < 2 {
		return query.Compare{}, errs.E(errs.Invalid, "compare needs a new run and a baseline: runs [NEW, OLD]")
	}
	return query.CompareRuns(d.Store, p)
}

func listOutcomes(d Deps, in outcomesIn) (query.Paged[query.OutcomeSummary], error) {
	p := query.OutcomesParams{Runs: runsOf(in.Run), Model: in.Model, Stimulus: in.Stimulus, Status: in.Status, Passed: in.Passed,
		Grader: in.Grader, Mode: in.Mode, Sort: in.Sort, Limit: pageLimit(in.Limit), Cursor: in.Cursor}
	switch in.Order {
	case "", "asc":
	case "desc":
		p.Desc = true
	default:
		return query.Paged[query.OutcomeSummary]{}, errs.E(errs.Invalid, "invalid order %q: use asc or desc", in.Order)
	}
	if len(p.Runs) == 1 && p.Runs[0] == "all" {
		p.Runs = nil
	}
	var err error
	if p.Where, err = query.ParseWhere(in.Where); err != nil {
		return query.Paged[query.OutcomeSummary]{}, err
	}
	return query.Outcomes(d.Store, p)
}

func power(d Deps, in powerIn) (query.Power, error) {
	p := query.PowerParams{Baseline: in.Baseline, Deltas: in.Delta, Alpha: query.DefaultAlpha, Power: 0.8, Trials: 1, From: in.From,
		Models: in.Models, Stimuli: in.Stimuli, Base: in.Base}
	if in.Alpha != nil {
		p.Alpha = *in.Alpha
	}
	if in.Power != nil {
		p.Power = *in.Power
	}
	switch {
	case in.Trials != nil:
		p.Trials = *in.Trials
	case in.From != "":
		p.Trials = 0 // the run's
	}
	var src query.Source
	if in.From != "" {
		src = d.Store
	}
	return query.PowerOf(src, p)
}

func annotate(d Deps, in annotateIn) (annotated, error) {
	a := store.Annotation{OutcomeID: in.ID, Note: in.Note, Labels: in.Labels, Author: d.Author}
	if a.Author == "" {
		a.Author = "mcp"
	}
	switch v := in.Verdict; v {
	case "":
	case store.VerdictPass, store.VerdictFail:
		a.Verdict = &v
	case "clear":
		empty := ""
		a.Verdict = &empty
	default:
		return annotated{}, errs.E(errs.Invalid, "invalid verdict %q: use pass, fail or clear", v)
	}
	done, err := d.Store.Annotate(a)
	if err != nil {
		return annotated{}, err
	}
	o, err := query.OutcomeOf(d.Store, a.OutcomeID)
	if err != nil {
		return annotated{}, err
	}
	return annotated{OK: true, Annotation: done, Outcome: o}, nil
}
