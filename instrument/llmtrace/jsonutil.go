package llmtrace

import (
	"bytes"
	"encoding/json"
)

// Object decodes a JSON object into its members; nil when body is not one.
func Object(body []byte) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return nil
	}
	return m
}

// Value decodes JSON into a generic value (map[string]any, []any, string,
// float64, bool), the form the mask of the instrument client sees. Absent,
// null and invalid JSON give nil.
func Value(raw []byte) any {
	if len(raw) == 0 {
		return nil
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	return v
}

// ValueOrText is Value for JSON that may be incomplete (the arguments of a
// tool call cut midway): text that is not valid JSON is kept as a string.
func ValueOrText(raw []byte) any {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	if !json.Valid(raw) {
		return string(raw)
	}
	return Value(raw)
}

// String returns a JSON string member, "" when it is absent or not a string.
func String(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// Bool returns a JSON boolean member, false when it is absent or not one.
func Bool(raw json.RawMessage) bool {
	var b bool
	return json.Unmarshal(raw, &b) == nil && b
}

// Params returns the members of obj named in keys, decoded, or nil when
// there are none.
func Params(obj map[string]json.RawMessage, keys ...string) map[string]any {
	var params map[string]any
	for _, k := range keys {
		raw, ok := obj[k]
		if !ok {
			continue
		}
		v := Value(raw)
		if v == nil {
			continue
		}
		if params == nil {
			params = make(map[string]any, len(keys))
		}
		params[k] = v
	}
	return params
}
