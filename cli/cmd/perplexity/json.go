package perplexitycmd

import (
	"math"
	"reflect"
	"strings"
)

// nanToNull returns v as maps, slices and scalars for encoding/json, with
// every non-finite float as nil (JSON null); struct fields keep their json
// names, embedded structs are flattened and "-" fields dropped.
func nanToNull(v any) any { return walk(reflect.ValueOf(v)) }

func walk(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return walk(v.Elem())
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil
		}
		return f
	case reflect.Slice, reflect.Array:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = walk(v.Index(i))
		}
		return out
	case reflect.Struct:
		out := map[string]any{}
		addFields(out, v)
		return out
	}
	return v.Interface()
}

func addFields(out map[string]any, v reflect.Value) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		name, opt, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		fv := v.Field(i)
		if f.Anonymous && name == "" {
			if fv.Kind() == reflect.Pointer {
				if fv.IsNil() {
					continue
				}
				fv = fv.Elem()
			}
			addFields(out, fv)
			continue
		}
		if name == "" {
			name = f.Name
		}
		if opt == "omitempty" && fv.IsZero() {
			continue
		}
		out[name] = walk(fv)
	}
}
