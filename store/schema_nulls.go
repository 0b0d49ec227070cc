package store

import (
	"reflect"
	"sync"

	"github.com/parquet-go/parquet-go"
)

// parquet-go's struct tags cannot ask for DELTA_BINARY_PACKED on a pointer (an optional
// integer): the "delta" option is refused on *int64. The nullable counts of OutcomeRow are
// tagged optional, and the schema the writer uses is the type's with those columns
// delta-encoded, as every other integer column is (delta is what keeps them small: 5 B a
// row against 20 plain, BenchmarkScanCodec). The writer keeps its fast path: the schema is
// equal to the type's in everything but the encodings (parquet.EqualNodes).

// deltaColumns are the optional integer columns written delta-encoded.
var deltaColumns = map[string]bool{
	"duration_ms": true, "input_tokens": true, "output_tokens": true,
	"reasoning_tokens": true, "cached_tokens": true, "total_tokens": true,
	"turns": true, "tool_calls": true,
}

var outcomeSchema = sync.OnceValue(func() *parquet.Schema {
	base := parquet.SchemaOf(OutcomeRow{})
	fields := base.Fields()
	out := make([]parquet.Field, len(fields))
	for i, f := range fields {
		out[i] = f
		if deltaColumns[f.Name()] {
			n := parquet.Optional(parquet.Compressed(parquet.Encoded(parquet.Leaf(f.Type()), &parquet.DeltaBinaryPacked), &parquet.Uncompressed))
			out[i] = renamed{Node: n, f: f}
		}
	}
	return parquet.NewSchema(base.Name(), group{Node: base, fields: out})
})

// group is a struct node with some of its fields' nodes replaced.
type group struct {
	parquet.Node
	fields []parquet.Field
}

func (g group) Fields() []parquet.Field { return g.fields }

// renamed is a field with another node: the field's name and Go value, the node's type,
// repetition and encoding.
type renamed struct {
	parquet.Node
	f parquet.Field
}

func (r renamed) Name() string                           { return r.f.Name() }
func (r renamed) Value(base reflect.Value) reflect.Value { return r.f.Value(base) }
