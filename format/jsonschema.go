package format

import (
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Schemas derives JSON Schemas from the Go types that encode the answers (reflection over
// their JSON shape). The OpenAPI document of serve and the tool schemas of mcp both come
// from here, so the two faces cannot describe the same answer differently.
//
// Named structs become definitions in Defs, referred to as Prefix+name ("#/components/
// schemas/" in OpenAPI, "#/$defs/" in a self-contained JSON Schema). A field's `desc` tag,
// when present, becomes its description.
type Schemas struct {
	Defs   map[string]any
	Prefix string
}

// NewSchemas starts a set of definitions referred to under prefix.
func NewSchemas(prefix string) *Schemas {
	return &Schemas{Defs: map[string]any{}, Prefix: prefix}
}

var nonIdent = regexp.MustCompile(`[^A-Za-z0-9]+`)

// TypeName is a type's definition name: Paged[query.RunSummary] → PagedRunSummary.
func TypeName(t reflect.Type) string {
	n := t.Name()
	if i := strings.IndexByte(n, '['); i >= 0 {
		inner := n[i+1 : len(n)-1]
		if j := strings.LastIndexByte(inner, '.'); j >= 0 {
			inner = inner[j+1:]
		}
		n = n[:i] + inner
	}
	n = nonIdent.ReplaceAllString(n, "")
	if n != "" {
		n = strings.ToUpper(n[:1]) + n[1:]
	}
	return n
}

var (
	timeType = reflect.TypeOf(time.Time{})
	rawType  = reflect.TypeOf(json.RawMessage{})
)

// Of returns the schema of a Go type, registering named structs as definitions.
func (s *Schemas) Of(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		return map[string]any{"description": "any JSON value"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return nullable(s.Of(t.Elem()))
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int64, reflect.Uint64:
		return map[string]any{"type": "integer", "format": "int64"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint, reflect.Uint16, reflect.Uint32:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number", "format": "double"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": []any{"array", "null"}, "items": s.Of(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": s.Of(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := TypeName(t)
		if name == "" {
			return s.Object(t)
		}
		if _, ok := s.Defs[name]; !ok {
			s.Defs[name] = nil // mark before recursing
			s.Defs[name] = s.Object(t)
		}
		return map[string]any{"$ref": s.Prefix + name}
	}
	return map[string]any{}
}

// nullable lets a schema also be null (a Go pointer: JSON null when nil).
func nullable(in map[string]any) map[string]any {
	if ref, ok := in["$ref"]; ok {
		return map[string]any{"oneOf": []any{map[string]any{"$ref": ref}, map[string]any{"type": "null"}}}
	}
	out := map[string]any{}
	for k, v := range in {
		out[k] = v
	}
	if ty, ok := in["type"].(string); ok {
		out["type"] = []any{ty, "null"}
	}
	return out
}

// Object describes a struct by its JSON fields (embedded structs inline), never as a
// reference.
func (s *Schemas) Object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" || !f.IsExported() && !f.Anonymous {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				walk(f.Type)
				continue
			}
			if name == "" {
				name = f.Name
			}
			p := s.Of(f.Type)
			if d := f.Tag.Get("desc"); d != "" {
				p = withDesc(p, d)
			}
			props[name] = p
			if !strings.Contains(opts, "omitempty") {
				required = append(required, name)
			}
		}
	}
	walk(t)
	slices.Sort(required)
	o := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

// withDesc adds a description beside a schema (a copy: definitions are shared).
func withDesc(in map[string]any, d string) map[string]any {
	out := map[string]any{"description": d}
	for k, v := range in {
		out[k] = v
	}
	return out
}
