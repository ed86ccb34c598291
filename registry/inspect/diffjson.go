package inspect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
)

// rawJSON compares two JSON documents (manifests, configs) field by field
// under the path prefix, leaving out the top-level keys in skip (compared
// elsewhere, more readably).
func (d *differ) rawJSON(prefix string, a, b []byte, skip ...string) error {
	va, err := decodeJSON(a)
	if err != nil {
		return fmt.Errorf("read %s of A: %w", prefix, err)
	}
	vb, err := decodeJSON(b)
	if err != nil {
		return fmt.Errorf("read %s of B: %w", prefix, err)
	}
	for _, k := range skip {
		delete(va, k)
		delete(vb, k)
	}
	d.value(prefix, va, vb, true, true)
	return nil
}

// decodeJSON decodes a JSON object, keeping numbers as written.
func decodeJSON(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	return m, dec.Decode(&m)
}

// value compares a and b at path p; aok and bok say whether each exists.
func (d *differ) value(p string, a, b any, aok, bok bool) {
	ma, aMap := a.(map[string]any)
	mb, bMap := b.(map[string]any)
	la, aList := a.([]any)
	lb, bList := b.([]any)
	switch {
	case aMap && bMap:
		d.objects(p, ma, mb)
	case aList && bList:
		d.lists(p, la, lb)
	case aok != bok || !reflect.DeepEqual(a, b):
		d.add(0, p, "", jsonText(a, aok), jsonText(b, bok))
	}
}

// objects compares two JSON objects key by key, sorted.
func (d *differ) objects(p string, a, b map[string]any) {
	keys := slices.Sorted(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		va, aok := a[k]
		vb, bok := b[k]
		d.value(child(p, k), va, vb, aok, bok)
	}
}

// lists compares two JSON arrays element by element.
func (d *differ) lists(p string, a, b []any) {
	for i := range max(len(a), len(b)) {
		d.value(fmt.Sprintf("%s[%d]", p, i), at(a, i), at(b, i), i < len(a), i < len(b))
	}
}

// at is l[i], or nil past its end.
func at(l []any, i int) any {
	if i < len(l) {
		return l[i]
	}
	return nil
}

// child is the path of key k below p.
func child(p, k string) string {
	if p == "" {
		return k
	}
	return p + "." + k
}

// jsonText is v as compact JSON, or nil when it does not exist.
func jsonText(v any, ok bool) *string {
	if !ok {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return str(fmt.Sprint(v))
	}
	return str(string(b))
}
