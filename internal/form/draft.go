package form

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Draft is the data of a form being filled in: a JSON-compatible map shaped like the payload.
// Keys starting with "$" are engine state ("$raw": input that did not parse, keyed by path;
// "$ui": search results and municipality choices) and never appear in the payload. Callers
// store the whole map (for example as JSON) and hand it back on the next request.
type Draft map[string]any

const (
	rawKey = "$raw"
	uiKey  = "$ui"
)

// DecodeDraft parses a stored draft. Whole numbers become int64, other numbers float64.
func DecodeDraft(data []byte) (Draft, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode draft: %w", err)
	}
	return Draft(normNumbers(m).(map[string]any)), nil
}

func normNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normNumbers(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = normNumbers(e)
		}
		return x
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

// Clone returns a deep copy of the draft.
func (d Draft) Clone() Draft {
	if d == nil {
		return Draft{}
	}
	return Draft(deepCopy(map[string]any(d)).(map[string]any))
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case Draft:
		return deepCopy(map[string]any(x))
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	case []string:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = e
		}
		return s
	}
	return v
}

// segment is one step of a concrete path: a key, optionally followed by an index.
type segment struct {
	key string
	idx int // -1: no index
}

// parsePath splits "personen[0].anschrift.plz". It returns nil for a malformed path.
func parsePath(p string) []segment {
	if p == "" {
		return nil
	}
	parts := strings.Split(p, ".")
	out := make([]segment, 0, len(parts))
	for _, part := range parts {
		s := segment{key: part, idx: -1}
		if i := strings.IndexByte(part, '['); i >= 0 {
			if !strings.HasSuffix(part, "]") {
				return nil
			}
			n, err := strconv.Atoi(part[i+1 : len(part)-1])
			if err != nil || n < 0 || n > 10000 {
				return nil
			}
			s.key, s.idx = part[:i], n
		}
		if s.key == "" {
			return nil
		}
		out = append(out, s)
	}
	return out
}

// getIn returns the value at a concrete path, or nil.
func getIn(m map[string]any, path string) any {
	segs := parsePath(path)
	var cur any = m
	for _, s := range segs {
		mm, ok := asMap(cur)
		if !ok {
			return nil
		}
		cur = mm[s.key]
		if s.idx >= 0 {
			arr, ok := cur.([]any)
			if !ok || s.idx >= len(arr) {
				return nil
			}
			cur = arr[s.idx]
		}
	}
	if len(segs) == 0 {
		return nil
	}
	return cur
}

func asMap(v any) (map[string]any, bool) {
	switch x := v.(type) {
	case map[string]any:
		return x, true
	case Draft:
		return x, true
	}
	return nil, false
}

// setIn stores v at a concrete path, creating objects and list items on the way. A nil v
// deletes the key.
func setIn(m map[string]any, path string, v any) {
	segs := parsePath(path)
	if len(segs) == 0 {
		return
	}
	cur := m
	for i, s := range segs {
		last := i == len(segs)-1
		if s.idx < 0 {
			if last {
				if v == nil {
					delete(cur, s.key)
				} else {
					cur[s.key] = v
				}
				return
			}
			next, ok := asMap(cur[s.key])
			if !ok {
				if v == nil {
					return
				}
				next = map[string]any{}
				cur[s.key] = next
			}
			cur = next
			continue
		}
		arr, _ := cur[s.key].([]any)
		for len(arr) <= s.idx {
			if v == nil {
				return
			}
			arr = append(arr, map[string]any{})
		}
		cur[s.key] = arr
		if last {
			if v == nil {
				arr[s.idx] = map[string]any{}
			} else {
				arr[s.idx] = v
			}
			return
		}
		next, ok := asMap(arr[s.idx])
		if !ok {
			next = map[string]any{}
			arr[s.idx] = next
		}
		cur = next
	}
}

// items returns the list at path as maps (non-map entries become empty maps).
func items(m map[string]any, path string) []map[string]any {
	arr, _ := getIn(m, path).([]any)
	out := make([]map[string]any, len(arr))
	for i, e := range arr {
		mm, ok := asMap(e)
		if !ok {
			mm = map[string]any{}
		}
		out[i] = mm
	}
	return out
}

// stateMap returns the engine-state map under key ("$raw" or "$ui"), creating it if asked.
func stateMap(d Draft, key string, create bool) map[string]any {
	m, ok := d[key].(map[string]any)
	if !ok && create {
		m = map[string]any{}
		d[key] = m
	}
	return m
}

func rawValue(d Draft, path string) (string, bool) {
	s, ok := stateMap(d, rawKey, false)[path].(string)
	return s, ok
}

func setRaw(d Draft, path, v string) { stateMap(d, rawKey, true)[path] = v }

// clearRawPrefix drops raw input at path and below.
func clearRawPrefix(d Draft, path string) {
	m := stateMap(d, rawKey, false)
	for k := range m {
		if k == path || strings.HasPrefix(k, path+".") || strings.HasPrefix(k, path+"[") {
			delete(m, k)
		}
	}
	if m != nil && len(m) == 0 {
		delete(d, rawKey)
	}
}

func uiState(d Draft, path string) map[string]any {
	m, _ := stateMap(d, uiKey, false)[path].(map[string]any)
	return m
}

func setUIState(d Draft, path string, v map[string]any) {
	if v == nil {
		if m := stateMap(d, uiKey, false); m != nil {
			delete(m, path)
			if len(m) == 0 {
				delete(d, uiKey)
			}
		}
		return
	}
	stateMap(d, uiKey, true)[path] = v
}

// shiftState renames engine state of list items after item idx of the group at path was
// removed, so raw input and choices stay with their item.
func shiftState(d Draft, group string, removed int) {
	for _, key := range []string{rawKey, uiKey} {
		m := stateMap(d, key, false)
		if m == nil {
			continue
		}
		moved := map[string]any{}
		for k, v := range m {
			rest, ok := strings.CutPrefix(k, group+"[")
			if !ok {
				continue
			}
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				continue
			}
			n, err := strconv.Atoi(rest[:end])
			if err != nil || n < removed {
				continue
			}
			delete(m, k)
			if n > removed {
				moved[fmt.Sprintf("%s[%d]%s", group, n-1, rest[end+1:])] = v
			}
		}
		for k, v := range moved {
			m[k] = v
		}
	}
}

// isEmpty reports whether a draft value counts as not filled in.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case []any:
		return len(x) == 0
	case []string:
		return len(x) == 0
	case map[string]any:
		for _, e := range x {
			if !isEmpty(e) {
				return false
			}
		}
		return true
	}
	return false
}

func toString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	}
	return fmt.Sprint(v)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

func toStrings(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case string:
		if x != "" {
			return []string{x}
		}
	}
	return nil
}

func fileMeta(v any) (FileMeta, bool) {
	m, ok := asMap(v)
	if !ok {
		return FileMeta{}, false
	}
	fm := FileMeta{Name: toString(m["name"]), ContentType: toString(m["type"]), Ref: toString(m["ref"])}
	if f, ok := toFloat(m["size"]); ok {
		fm.Size = int64(f)
	}
	return fm, fm.Name != ""
}

func (fm FileMeta) toMap() map[string]any {
	m := map[string]any{"name": fm.Name, "type": fm.ContentType, "size": fm.Size}
	if fm.Ref != "" {
		m["ref"] = fm.Ref
	}
	return m
}
