package mcp

import "maps"

// The schemas in tools/list are read into an agent's context with every session, so they
// are kept small (the whole list under 20 KB): an output schema gives the answer's fields
// two objects deep, each with its JSON type, and names deeper objects only as objects.
// Nothing is invented: it is the full schema (format.Schemas, as in the OpenAPI document)
// with depth, "format" and "required" left out. The full schema of every answer is the
// resource evals://schemas/{tool}; the tests hold each answer to it.

// outputDepth is how many object levels of an answer its listed schema describes.
const outputDepth = 1

// compact shortens a schema to depth object levels, resolving references into defs.
func compact(s map[string]any, defs map[string]any, depth int) map[string]any {
	if ref, ok := s["$ref"].(string); ok {
		def, _ := defs[ref[len("#/$defs/"):]].(map[string]any)
		return compact(def, defs, depth)
	}
	if alts, ok := s["oneOf"].([]any); ok && len(alts) == 2 {
		// A Go pointer to a struct: the struct or null.
		inner := compact(alts[0].(map[string]any), defs, depth)
		inner = maps.Clone(inner)
		inner["type"] = []any{inner["type"], "null"}
		return inner
	}
	out := map[string]any{}
	for k, v := range s {
		switch k {
		case "format", "required", "$defs", "$schema":
		case "properties":
			if depth <= 0 {
				continue
			}
			props := map[string]any{}
			for name, p := range v.(map[string]any) {
				props[name] = compact(p.(map[string]any), defs, depth-1)
			}
			out[k] = props
		case "items":
			out[k] = compact(v.(map[string]any), defs, depth)
		case "additionalProperties":
			if ap, ok := v.(map[string]any); ok && depth > 0 {
				out[k] = compact(ap, defs, depth-1)
			}
		default:
			out[k] = v
		}
	}
	return out
}

// withoutFormats drops the OpenAPI "format" words (int64, double) from a schema: JSON
// Schema validators ignore them and they cost bytes in every session.
func withoutFormats(s map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range s {
		switch x := v.(type) {
		case map[string]any:
			if k == "properties" {
				props := map[string]any{}
				for name, p := range x {
					props[name] = withoutFormats(p.(map[string]any))
				}
				out[k] = props
			} else {
				out[k] = withoutFormats(x)
			}
		default:
			if k != "format" {
				out[k] = v
			}
		}
	}
	return out
}
