package cmd

import (
	"slices"
	"strings"

	"github.com/evals-dev/evals/query"
	"github.com/spf13/cobra"
)

// Dynamic completions, from the store the command line names: run references, models,
// metrics and graders. Completion never fails loudly: no store, no suggestions.

// completionStore opens the store for a completion: the flags are parsed, but the root's
// PersistentPreRunE (which fills the store's default) has not run.
func (f *Factory) completionStore() (query.Source, bool) {
	f.resolveStorePath()
	s, err := f.Store()
	if err != nil {
		return nil, false
	}
	return s, true
}

// completeRuns offers run ids (described by their names), latest and latest~1.
func completeRuns(f *Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		src, ok := f.completionStore()
		if !ok {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		runs, _, err := src.Runs()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		out := []cobra.Completion{"latest\tthe newest run", "latest~1\tthe run before it"}
		for _, r := range runs {
			out = append(out, cobra.CompletionWithDesc(r.ID, r.Name+" · "+r.CreatedAt.UTC().Format("2006-01-02 15:04")))
		}
		return filterPrefix(out, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeFromRanking offers names read from the latest run's answers: models or graders.
func completeFromRanking(f *Factory, graders bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		src, ok := f.completionStore()
		if !ok {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var names []string
		if graders {
			g, err := query.GradersOf(src, query.Scope{})
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			for _, x := range g.Graders {
				names = append(names, x.Name)
			}
		} else {
			r, err := query.RankingOf(src, query.Scope{})
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			for _, m := range r.Models {
				names = append(names, m.Model)
			}
		}
		slices.Sort(names)
		return filterPrefix(slices.Compact(names), toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

func completeMetrics(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	for _, m := range query.Registry {
		out = append(out, cobra.CompletionWithDesc(m.ID, m.Label))
	}
	return filterPrefix(out, toComplete), cobra.ShellCompDirectiveNoFileComp
}

func filterPrefix(items []string, prefix string) []string {
	var out []string
	for _, it := range items {
		if strings.HasPrefix(it, prefix) {
			out = append(out, it)
		}
	}
	return out
}

// registerCompletions wires the completions into every command that takes runs, models,
// metrics or graders.
func registerCompletions(f *Factory, root *cobra.Command) {
	runArgs := map[string]bool{"compare": true, "run": true, "rename": true, "session": true, "label": true, "delete": true}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if runArgs[c.Name()] && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = completeRuns(f)
		}
		for name, fn := range map[string]cobra.CompletionFunc{"run": completeRuns(f), "model": completeFromRanking(f, false),
			"models": completeFromRanking(f, false), "grader": completeFromRanking(f, true), "metric": completeMetrics} {
			if c.Flags().Lookup(name) != nil {
				_ = c.RegisterFlagCompletionFunc(name, fn)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
