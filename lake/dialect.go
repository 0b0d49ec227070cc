package lake

import (
	"fmt"
	"strings"

	"github.com/evals-dev/evals/errs"
)

// Dialect is an SQL engine's flavour.
type Dialect string

// The dialects.
const (
	DuckDB Dialect = "duckdb"
	Spark  Dialect = "spark"
)

// ParseDialect reads --dialect.
func ParseDialect(s string) (Dialect, error) {
	switch Dialect(strings.ToLower(s)) {
	case DuckDB:
		return DuckDB, nil
	case Spark:
		return Spark, nil
	}
	return "", errs.E(errs.Invalid, "invalid --dialect %q: use duckdb or spark", s)
}

// parquet is a FROM item reading one file of each run: a list in DuckDB, one path with a
// {a,b} glob in Spark (Hadoop's glob syntax).
func (d Dialect) parquet(paths []string) string {
	if d == Spark {
		return "parquet.`" + braces(paths) + "`"
	}
	return "read_parquet(" + list(paths) + ")"
}

// text is a FROM item of whole small files, with columns filename and content.
func (d Dialect) text(globs []string) string {
	if d == Spark {
		return "(SELECT input_file_name() AS filename, value AS content FROM text.`" + braces(globs) + "`)"
	}
	return "read_text(" + list(globs) + ")"
}

// jsonString is the string member key of a JSON object held as text, NULL when absent.
func (d Dialect) jsonString(expr, key string) string {
	if d == Spark {
		return fmt.Sprintf("get_json_object(%s, %s)", expr, lit("$['"+strings.ReplaceAll(key, "'", `\'`)+"']"))
	}
	return fmt.Sprintf("json_extract_string(%s, %s)", expr, lit(`$."`+strings.ReplaceAll(key, `"`, `\"`)+`"`))
}

// tag is the value of a tag of an outcome (NULL when it has none).
func (d Dialect) tag(key string) string {
	return fmt.Sprintf("CASE WHEN x.tags = '' THEN NULL ELSE %s END", d.jsonString("x.tags", key))
}

// lit is a string literal.
func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func list(paths []string) string {
	q := make([]string, len(paths))
	for i, p := range paths {
		q[i] = lit(p)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// braces joins paths that differ in one segment into a Hadoop glob: runs/{a,b}/x.parquet.
func braces(paths []string) string {
	if len(paths) == 1 {
		return paths[0]
	}
	pre, suf := paths[0], paths[0]
	for _, p := range paths[1:] {
		for !strings.HasPrefix(p, pre) {
			pre = pre[:len(pre)-1]
		}
		for !strings.HasSuffix(p, suf) {
			suf = suf[1:]
		}
	}
	if len(pre)+len(suf) > len(paths[0]) {
		suf = suf[len(pre)+len(suf)-len(paths[0]):]
	}
	mids := make([]string, len(paths))
	for i, p := range paths {
		mids[i] = p[len(pre) : len(p)-len(suf)]
	}
	return pre + "{" + strings.Join(mids, ",") + "}" + suf
}

// z95 is the 0.975 quantile of the standard normal, as query uses it.
const z95 = "1.959963984540054"

// round6 rounds as the answers do (six decimals).
func round6(expr string) string { return "ROUND(" + expr + ", 6)" }

// ident quotes a column name.
func (d Dialect) ident(name string) string {
	if d == Spark {
		return "`" + strings.ReplaceAll(name, "`", "``") + "`"
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
