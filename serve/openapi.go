package serve

import (
	"reflect"
	"strings"

	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/query"
	"github.com/evals-dev/evals/store"
)

// The OpenAPI document is derived from the route table and the Go types that encode the
// answers (reflection over their JSON shape), so it cannot drift from what is served: a
// test validates every golden body against its operation's schema.

// contract is what the document says of a route beyond the table: its operationId, the Go
// type of its 200 body, and the type of its request body (writes).
type contract struct {
	op   string
	resp any
	body any
	// raw lists extra media types of the 200 body (exports).
	raw []string
}

var contracts = map[string]contract{
	"GET /api/health":                    {op: "getHealth", resp: healthBody{}},
	"GET /api/metrics":                   {op: "listMetrics", resp: query.Metrics{}},
	"GET /api/openapi.json":              {op: "getOpenAPI", resp: map[string]any{}},
	"GET /api/runs":                      {op: "listRuns", resp: query.Paged[query.RunSummary]{}},
	"GET /api/runs/{id}":                 {op: "getRun", resp: query.RunDetail{}},
	"GET /api/runs/{id}/outcomes":        {op: "listRunOutcomes", resp: query.Paged[query.OutcomeSummary]{}},
	"GET /api/runs/{id}/ranking":         {op: "getRanking", resp: query.Ranking{}},
	"GET /api/runs/{id}/graders":         {op: "getGraders", resp: query.Graders{}},
	"GET /api/runs/{id}/tools":           {op: "getTools", resp: query.Tools{}},
	"GET /api/runs/{id}/failures":        {op: "getFailures", resp: query.Failures{}},
	"GET /api/trend":                     {op: "getTrend", resp: query.Trend{}},
	"GET /api/runs/{id}/matrix":          {op: "getMatrix", resp: query.Matrix{}},
	"GET /api/runs/{id}/compare":         {op: "compareModels", resp: query.ModelCompare{}},
	"GET /api/runs/{id}/export/{format}": {op: "exportRun", resp: Export{}, raw: []string{"text/csv", "text/markdown"}},
	"GET /api/outcomes":                  {op: "listOutcomes", resp: query.Paged[query.OutcomeSummary]{}},
	"GET /api/outcomes/{id}":             {op: "getOutcome", resp: query.OutcomeDetail{}},
	"GET /api/outcomes/{id}/trajectory":  {op: "getTrajectory", resp: query.Trajectory{}},
	"GET /api/outcomes/{id}/tools":       {op: "getOutcomeTools", resp: query.ToolEvents{}},
	"GET /api/compare":                   {op: "compareRuns", resp: query.Compare{}},
	"PATCH /api/runs/{id}":               {op: "updateRun", resp: runPatched{}, body: runPatch{}},
	"DELETE /api/runs/{id}":              {op: "deleteRun", resp: deleted{}},
	"PATCH /api/outcomes/{id}":           {op: "reviewOutcome", resp: outcomeReviewed{}, body: outcomePatch{}},
	"GET /api/sessions":                  {op: "listSessions", resp: sessionList{}},
	"GET /api/sessions/{name}/runs":      {op: "listSessionRuns", resp: sessionRunsBody{}},
	"DELETE /api/sessions/{name}":        {op: "deleteSession", resp: deleted{}},
}

// The bodies of the small routes, as types so the document can describe them.
type (
	healthBody struct {
		Status string `json:"status"`
	}
	runPatched struct {
		OK  bool             `json:"ok"`
		Run query.RunSummary `json:"run"`
	}
	deleted struct {
		OK      bool     `json:"ok"`
		Deleted []string `json:"deleted"`
	}
	outcomeReviewed struct {
		OK         bool                `json:"ok"`
		Annotation store.Annotation    `json:"annotation"`
		Outcome    query.OutcomeDetail `json:"outcome"`
	}
	sessionList struct {
		Sessions []string               `json:"sessions"`
		Items    []query.SessionSummary `json:"items"`
	}
	sessionRunsBody struct {
		SessionName string             `json:"sessionName"`
		Runs        []query.RunSummary `json:"runs"`
	}
)

// paramSchema is a query parameter's schema, with enums and limits where they exist.
func paramSchema(p param) map[string]any {
	sc := map[string]any{"type": p.typ}
	switch p.name {
	case "limit":
		sc["minimum"], sc["maximum"] = 1, query.MaxLimit
	case "order":
		sc["enum"] = []string{"asc", "desc"}
	case "verdicts":
		sc["enum"] = []string{"effective", "graded"}
	case "metric":
		var ids []string
		for _, m := range query.Registry {
			ids = append(ids, m.ID)
		}
		sc["enum"] = ids
	case "threshold", "alpha":
		sc["minimum"], sc["maximum"] = 0, 1
	case "minMatched":
		sc["minimum"] = 1
	}
	return sc
}

var errorRef = map[string]any{"$ref": "#/components/responses/Error"}

// openAPI describes every route of the table as an OpenAPI 3.1 document.
func openAPI(routes []route) map[string]any {
	sc := format.NewSchemas("#/components/schemas/")
	paths := map[string]any{}
	for _, rt := range routes {
		item, _ := paths[rt.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.path] = item
		}
		item[strings.ToLower(rt.method)] = operation(sc, rt)
	}
	sc.Defs["Error"] = map[string]any{
		"type": "object", "required": []string{"error"},
		"properties": map[string]any{"error": map[string]any{"type": "object", "required": []string{"code", "message"}, "properties": map[string]any{
			"code":    map[string]any{"type": "string", "enum": []string{"invalid_params", "not_found", "corrupt_data", "unsupported_schema", "conflict", "unauthorized", "internal", "incomparable", "interrupted", "gate_failed"}},
			"message": map[string]any{"type": "string"}}}},
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "evals results API", "version": "1",
			"description": "The questions evals answers about LLM and agent evaluation results, over HTTP: the same JSON as the CLI's --json.",
			"license":     map[string]any{"name": "See the evals repository", "identifier": "MIT"}},
		"servers":  []any{map[string]any{"url": "http://127.0.0.1:3200", "description": "evals serve on its default address"}},
		"security": []any{map[string]any{}, map[string]any{"bearerAuth": []string{}}},
		"tags":     tags,
		"paths":    paths,
		"components": map[string]any{
			"schemas": sc.Defs,
			"responses": map[string]any{"Error": map[string]any{"description": "an error: code and message",
				"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}},
			"securitySchemes": map[string]any{"bearerAuth": map[string]any{"type": "http", "scheme": "bearer",
				"description": "the token evals serve was started with (--token); required for writes and beyond loopback"}},
		},
	}
}

// operation is one route's operation object: its parameters, body and responses.
func operation(sc *format.Schemas, rt route) map[string]any {
	c, ok := contracts[rt.method+" "+rt.path]
	if !ok {
		panic("serve: no contract for " + rt.method + " " + rt.path)
	}
	content := map[string]any{"application/json": map[string]any{"schema": sc.Of(reflect.TypeOf(c.resp))}}
	for _, mt := range c.raw {
		content[mt] = map[string]any{"schema": map[string]any{"type": "string"}}
	}
	responses := map[string]any{
		"200": map[string]any{"description": "OK", "content": content},
		"400": errorRef, "404": errorRef, "500": errorRef,
	}
	if rt.write {
		responses["401"] = errorRef
	}
	op := map[string]any{
		"operationId": c.op,
		"summary":     rt.summary,
		"description": rt.summary,
		"tags":        []string{tagOf(rt.path)},
		"responses":   responses,
	}
	if rt.write {
		op["security"] = []any{map[string]any{"bearerAuth": []string{}}}
	}
	if c.body != nil {
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": sc.Of(reflect.TypeOf(c.body))}}}
	}
	if params := parameters(rt); params != nil {
		op["parameters"] = params
	}
	return op
}

// parameters are a route's path parameters, then its query parameters.
func parameters(rt route) []map[string]any {
	var params []map[string]any
	for _, seg := range strings.Split(rt.path, "/") {
		if strings.HasPrefix(seg, "{") {
			name := strings.Trim(seg, "{}")
			p := map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"},
				"description": pathParamDoc[name]}
			if name == "format" {
				p["schema"] = map[string]any{"type": "string", "enum": []string{"json", "csv", "markdown", "md"}}
			}
			params = append(params, p)
		}
	}
	for _, p := range rt.params {
		params = append(params, map[string]any{"name": p.name, "in": "query", "description": p.desc, "schema": paramSchema(p)})
	}
	return params
}

var pathParamDoc = map[string]string{
	"id":     "a run reference (id, unique prefix, name, latest, latest~N, KEY=VALUE) or an outcome id",
	"format": "json, csv or markdown",
	"name":   "a session name",
}

var tags = []any{
	map[string]any{"name": "runs", "description": "runs and what they hold"},
	map[string]any{"name": "outcomes", "description": "outcomes, their evidence and trajectories"},
	map[string]any{"name": "compare", "description": "runs against runs"},
	map[string]any{"name": "sessions", "description": "groups of runs"},
	map[string]any{"name": "meta", "description": "health, metrics and this document"},
}

func tagOf(path string) string {
	switch {
	case strings.HasPrefix(path, "/api/runs"):
		return "runs"
	case strings.HasPrefix(path, "/api/outcomes"):
		return "outcomes"
	case strings.HasPrefix(path, "/api/compare"):
		return "compare"
	case strings.HasPrefix(path, "/api/sessions"):
		return "sessions"
	}
	return "meta"
}
