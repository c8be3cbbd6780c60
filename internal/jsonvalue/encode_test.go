package jsonvalue

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

type tagged struct {
	Name  string `json:"name"`
	Skip  string `json:"-"`
	Count int    `json:"count,omitempty"`
}

type failingMarshaler struct{}

func (failingMarshaler) MarshalJSON() ([]byte, error) { return nil, errors.New("boom") }

type panickingMarshaler struct{}

func (panickingMarshaler) MarshalJSON() ([]byte, error) { panic("kaboom") }

type panickingError struct{}

func (panickingError) Error() string { panic("no message") }

type jsonError struct{ Code int }

func (jsonError) Error() string                  { return "coded" }
func (e jsonError) MarshalJSON() ([]byte, error) { return []byte(`{"code":7}`), nil }

type node struct {
	Next *node `json:"next"`
}

type withNaN struct{ F float64 }

func TestEncode(t *testing.T) {
	cyclicMap := map[string]any{"a": 1}
	cyclicMap["self"] = cyclicMap
	cyclicSlice := []any{1, nil}
	cyclicSlice[1] = cyclicSlice
	loop := &node{}
	loop.Next = loop
	deep := any("leaf")
	for range maxDepth + 1 {
		deep = []any{deep}
	}
	deepWant := strings.Repeat("[", maxDepth) + `"[max depth]"` + strings.Repeat("]", maxDepth)

	tests := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, `null`},
		{"string", "hello", `"hello"`},
		{"string escapes", "a\"b\\c\nd\te\x01", `"a\"b\\c\nd\te\u0001"`},
		{"html is not escaped", "<a href='x'>&</a>", `"<a href='x'>&</a>"`},
		{"invalid utf-8", "a\xffb", `"a\ufffdb"`},
		{"line separators", "a\u2028b\u2029", `"a\u2028b\u2029"`},
		{"unicode", "héllo 世界", `"héllo 世界"`},
		{"bool", true, `true`},
		{"int", -42, `-42`},
		{"int8", int8(-8), `-8`},
		{"uint64", uint64(math.MaxUint64), `18446744073709551615`},
		{"float", 0.5, `0.5`},
		{"float large", 1e21, `1e+21`},
		{"float small", 1e-7, `1e-7`},
		{"float32", float32(0.1), `0.1`},
		{"NaN", math.NaN(), `"NaN"`},
		{"+Inf", math.Inf(1), `"+Inf"`},
		{"-Inf", float32(math.Inf(-1)), `"-Inf"`},
		{"json.Number", json.Number("1.5e3"), `1.5e3`},
		{"bad json.Number", json.Number("1.2.3"), `"[invalid number \"1.2.3\"]"`},
		{"RawMessage", json.RawMessage(`{"a":[1,2]}`), `{"a":[1,2]}`},
		{"bad RawMessage", json.RawMessage(`{"a":`), `"[invalid json.RawMessage]"`},
		{"bytes text", []byte("body text"), `"body text"`},
		{"bytes binary", []byte{0xff, 0xfe, 0x00}, `"//4A"`},
		{"map sorted", map[string]any{"b": 1, "a": "x", "c": nil}, `{"a":"x","b":1,"c":null}`},
		{"nil map", map[string]any(nil), `null`},
		{"nested", map[string]any{"m": []any{1, "two", map[string]any{"k": false}}}, `{"m":[1,"two",{"k":false}]}`},
		{"map of strings", map[string]string{"role": "user", "content": "hi"}, `{"content":"hi","role":"user"}`},
		{"strings", []string{"a", "b"}, `["a","b"]`},
		{"messages", []map[string]string{{"role": "user", "content": "Hello"}}, `[{"content":"Hello","role":"user"}]`},
		{"maps", []map[string]any{{"n": 1}}, `[{"n":1}]`},
		{"struct", tagged{Name: "x", Skip: "y"}, `{"name":"x"}`},
		{"struct pointer", &tagged{Name: "<x>", Count: 2}, `{"name":"<x>","count":2}`},
		{"time", time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), `"2025-01-02T03:04:05Z"`},
		{"error", errors.New("it failed"), `"it failed"`},
		{"error with MarshalJSON", jsonError{}, `{"code":7}`},
		{"error that panics", panickingError{}, `"[unencodable jsonvalue.panickingError: Error panicked: no message]"`},
		{"marshaler error", failingMarshaler{}, `"[unencodable jsonvalue.failingMarshaler: boom]"`},
		{"marshaler panic", panickingMarshaler{}, `"[unencodable jsonvalue.panickingMarshaler: panic: kaboom]"`},
		{"channel", make(chan int), `"[unencodable chan int]"`},
		{"func", func() {}, `"[unencodable func()]"`},
		{"bad element only", map[string]any{"ok": 1, "bad": make(chan int)}, `{"bad":"[unencodable chan int]","ok":1}`},
		{"NaN in struct", withNaN{math.NaN()}, `"[unencodable jsonvalue.withNaN: json: unsupported value: NaN]"`},
		{"map cycle", cyclicMap, `{"a":1,"self":"[cycle]"}`},
		{"slice cycle", cyclicSlice, `[1,"[cycle]"]`},
		{"pointer cycle", loop, `"[unencodable *jsonvalue.node: json: unsupported value: encountered a cycle via *jsonvalue.node]"`},
		{"max depth", deep, deepWant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Encode(tt.in, 1<<20)
			if got != tt.want {
				t.Errorf("Encode = %s\nwant     %s", got, tt.want)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("Encode = %s: not valid JSON", got)
			}
		})
	}
}

// TestEncodeMatchesEncodingJSON checks that the fast paths agree with
// encoding/json on every value it can encode.
func TestEncodeMatchesEncodingJSON(t *testing.T) {
	values := []any{
		"plain", "quote\" backslash\\ tab\t nl\n ctl\x1f", "<>&", "\xff\xfe",
		0, -1, math.MaxInt64, uint8(200), 3.14159, math.Copysign(0, -1), 1e-9, 123456789e15, float32(1.5e-7),
		map[string]any{"z": []any{1.5, "s", nil, true, map[string]any{}}, "a": []any{}},
		map[string]string{}, []string{}, []string{"x\ny"}, []map[string]string{{}},
		json.Number("-0.5E-10"), []byte{0, 1, 2, 0xff},
	}
	for _, v := range values {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got := Encode(v, 1<<20)
		if !sameJSON(t, got, string(want)) {
			t.Errorf("Encode(%#v) = %s, encoding/json: %s", v, got, want)
		}
	}
}

func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}

func TestEncodeBudget(t *testing.T) {
	long := strings.Repeat("abcdefghij", 10000) // 100000 bytes
	many := make([]any, 1000)
	for i := range many {
		many[i] = i
	}
	// shared makes a value whose encoding doubles at each level: 2^40
	// leaves, which only the hard cap keeps from running forever.
	shared := any("leaf")
	for range 40 {
		shared = []any{shared, shared}
	}

	tests := []struct {
		name  string
		in    any
		limit int
		check func(t *testing.T, got string)
	}{
		{
			name: "long string keeps its beginning and says how much was cut", in: long, limit: 1000,
			check: func(t *testing.T, got string) {
				var s string
				mustDecode(t, got, &s)
				if !strings.HasPrefix(s, "abcdefghij") {
					t.Errorf("prefix lost: %.40q", s)
				}
				if want := " of 100000 bytes]"; !strings.HasSuffix(s, want) {
					t.Errorf("suffix %q, want marker ending %q", s[len(s)-40:], want)
				}
			},
		},
		{
			name: "long string in a map keeps the structure", in: []map[string]any{{"role": "user", "content": long}}, limit: 2000,
			check: func(t *testing.T, got string) {
				var msgs []map[string]string
				mustDecode(t, got, &msgs)
				if len(msgs) != 1 || msgs[0]["role"] != "user" || !strings.Contains(msgs[0]["content"], "[agenttrace: truncated") {
					t.Errorf("got %s", got)
				}
			},
		},
		{
			name: "long struct field is cut too", in: tagged{Name: long}, limit: 500,
			check: func(t *testing.T, got string) {
				var v tagged
				mustDecode(t, got, &v)
				if !strings.HasPrefix(v.Name, "abcdefghij") || !strings.Contains(v.Name, "truncated") {
					t.Errorf("got %s", got)
				}
			},
		},
		{
			name: "many small elements become a preview", in: many, limit: 300,
			check: func(t *testing.T, got string) {
				var p struct {
					Truncated bool   `json:"agenttrace.truncated"`
					Bytes     int    `json:"bytes"`
					Preview   string `json:"preview"`
				}
				mustDecode(t, got, &p)
				full, _ := json.Marshal(many)
				if !p.Truncated || p.Bytes != len(full) || !strings.HasPrefix(p.Preview, "[0,1,2,3") {
					t.Errorf("got %s", got)
				}
			},
		},
		{
			name: "exponentially shared value stops at the hard cap", in: shared, limit: 256,
			check: func(t *testing.T, got string) {
				var p map[string]any
				mustDecode(t, got, &p)
				if p["agenttrace.truncated"] != true || p["bytes_at_least"] == nil {
					t.Errorf("got %s", got)
				}
			},
		},
		{
			name: "limits below the minimum are raised", in: long, limit: 1,
			check: func(t *testing.T, got string) {
				if len(got) < MinLimit-8 {
					t.Errorf("len = %d, want about %d", len(got), MinLimit)
				}
			},
		},
		{
			name: "escapes count against the budget", in: strings.Repeat("\x01", 1000), limit: 200,
			check: func(t *testing.T, got string) {
				var s string
				mustDecode(t, got, &s)
				if !strings.HasPrefix(s, "\x01\x01") {
					t.Errorf("got %s", got)
				}
			},
		},
		{
			name: "multi-byte runes are not split", in: strings.Repeat("世", 1000), limit: 200,
			check: func(t *testing.T, got string) {
				var s string
				mustDecode(t, got, &s)
				if strings.ContainsRune(s, '\uFFFD') {
					t.Errorf("split rune in %s", got)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Encode(tt.in, tt.limit)
			if len(got) > max(tt.limit, MinLimit) {
				t.Errorf("len = %d, over the limit %d", len(got), tt.limit)
			}
			if !json.Valid([]byte(got)) {
				t.Fatalf("not valid JSON: %s", got)
			}
			tt.check(t, got)
		})
	}
}

func mustDecode(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
}

func TestValidNumber(t *testing.T) {
	for s, want := range map[string]bool{
		"0": true, "-0": true, "12": true, "1.5": true, "1e9": true, "-1.5E+10": true, "0.0e-0": true,
		"": false, "-": false, "01": false, "1.": false, ".5": false, "1e": false, "+1": false,
		"NaN": false, "Infinity": false, "0x10": false, "1_000": false,
	} {
		if got := validNumber(s); got != want {
			t.Errorf("validNumber(%q) = %v, want %v", s, got, want)
		}
		if want != json.Valid([]byte(s)) {
			t.Errorf("table disagrees with encoding/json on %q", s)
		}
	}
}

func TestPreview(t *testing.T) {
	js := `{"text":"` + strings.Repeat("é", 500) + `"}`
	p := Preview(js, 200)
	if len(p) > 200 || !json.Valid([]byte(p)) || !strings.HasPrefix(p, `{"agenttrace.truncated":true,"bytes":1011,"preview":"{\"text\":\"é`) {
		t.Errorf("Preview(_, 200) = %s (%d bytes)", p, len(p))
	}
	if p := Preview(js, 20); p != "" {
		t.Errorf("Preview(_, 20) = %q, want no room", p)
	}
}
