package jsonvalue

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzEncode feeds Encode strings, byte slices and the generic values
// decoded from JSON text, under budgets small and large, and checks that the
// result is valid JSON within the budget and, when nothing had to be cut,
// means what encoding/json's encoding means.
func FuzzEncode(f *testing.F) {
	f.Add([]byte(`{"a":[1,"x",{"b":null}],"c":1.5e300}`), uint16(0))
	f.Add([]byte(`"\u2028\ud800 <&> \\ \""`), uint16(130))
	f.Add([]byte("\xff\xfe plain bytes"), uint16(200))
	f.Add([]byte(`[[[[[[[[[[[[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]]]]]]]]]]]]`), uint16(128))
	f.Add([]byte(`[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50]`), uint16(129))
	f.Fuzz(func(t *testing.T, data []byte, limit16 uint16) {
		limit := int(limit16)
		values := []any{string(data), data}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var tree any
		if dec.Decode(&tree) == nil {
			values = append(values, tree, json.RawMessage(bytes.TrimSpace(data)))
		}
		for _, v := range values {
			got := Encode(v, limit)
			if !json.Valid([]byte(got)) {
				t.Fatalf("Encode(%#v, %d) = %s: invalid JSON", v, limit, got)
			}
			if len(got) > max(limit, MinLimit) {
				t.Fatalf("Encode(%#v, %d): %d bytes", v, limit, len(got))
			}
			if b, ok := v.([]byte); ok && utf8.Valid(b) {
				v = string(b) // Encode keeps text as text where encoding/json uses base64.
			}
			ref, err := json.Marshal(v)
			if err != nil || changed(got) {
				continue
			}
			var a, b any
			errA := json.Unmarshal([]byte(got), &a)
			errB := json.Unmarshal(ref, &b)
			if (errA == nil) != (errB == nil) || errA == nil && !reflect.DeepEqual(a, b) {
				t.Fatalf("Encode(%#v) = %s, encoding/json: %s", v, got, ref)
			}
		}
	})
}

// changed reports whether Encode cut or replaced part of a value.
func changed(got string) bool {
	for _, mark := range []string{"[agenttrace: truncated", `"agenttrace.truncated"`, `"[max depth]"`} {
		if strings.Contains(got, mark) {
			return true
		}
	}
	return false
}
