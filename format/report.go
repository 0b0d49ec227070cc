package format

import (
	"fmt"

	"github.com/evals-dev/evals/query"
)

// Report is the Markdown report of a run: summary, ranking with ASCII bars, grader
// failures with evidence, tools.
func Report(r query.RunDetail, rk query.Ranking, g query.Graders, t query.Tools) Doc {
	d := Run(r)
	secs := []Section{{Title: "Run " + r.Name + " (" + r.ID + ")", KV: d.Sections[0].KV}}
	bars := &Table{Columns: []Column{{"MODEL", Text}, {"PASS RATE", Rate}, {"", Text}, {"OUTCOMES", Number}, {"ERRORS", Number}}}
	for _, m := range rk.Models {
		bars.Rows = append(bars.Rows, []string{fmt.Sprintf("%d. %s", m.Rank, m.Model), Pct(m.PassRate), "`" + Bar(m.PassRate, 20) + "`", Int(m.OutcomeCount), Int(m.ErrorCount)})
	}
	secs = append(secs, Section{Title: "Ranking", Table: bars})
	secs = append(secs, Ranking(rk).Sections[0])
	secs[len(secs)-1].Title = "Ranking details"
	secs = append(secs, Graders(g).Sections...)
	secs = append(secs, Tools(t).Sections...)
	return Doc{Sections: secs, Primary: 1}
}
