package serve

import "strings"

// openAPI describes every route of the table as an OpenAPI 3.1 document.
func openAPI(routes []route) map[string]any {
	paths := map[string]any{}
	for _, rt := range routes {
		var params []map[string]any
		for _, seg := range strings.Split(rt.path, "/") {
			if strings.HasPrefix(seg, "{") {
				name := strings.Trim(seg, "{}")
				params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
			}
		}
		for _, p := range rt.params {
			params = append(params, map[string]any{"name": p.name, "in": "query", "description": p.desc, "schema": map[string]string{"type": p.typ}})
		}
		op := map[string]any{
			"summary": rt.summary,
			"responses": map[string]any{
				"200":     map[string]any{"description": "OK"},
				"default": map[string]any{"description": "an error", "content": map[string]any{"application/json": map[string]any{"schema": map[string]string{"$ref": "#/components/schemas/Error"}}}},
			},
		}
		if params != nil {
			op["parameters"] = params
		}
		item, _ := paths[rt.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.path] = item
		}
		item[strings.ToLower(rt.method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": "evals results API", "version": "1"},
		"paths":   paths,
		"components": map[string]any{"schemas": map[string]any{"Error": map[string]any{
			"type": "object",
			"properties": map[string]any{"error": map[string]any{"type": "object", "properties": map[string]any{
				"code":    map[string]any{"type": "string", "enum": []string{"invalid_params", "not_found", "corrupt_data", "unsupported_schema", "conflict", "unauthorized", "internal", "incomparable"}},
				"message": map[string]string{"type": "string"}}}},
		}}},
	}
}
