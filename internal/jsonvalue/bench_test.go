package jsonvalue

import (
	"encoding/json"
	"strings"
	"testing"
)

type message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// BenchmarkEncode compares Encode with json.Marshal plus the string
// conversion an attribute needs, on the values instrumentation captures.
func BenchmarkEncode(b *testing.B) {
	values := []struct {
		name string
		v    any
	}{
		{"string", "Write a function that sorts a list of integers in Go."},
		{"bytes", []byte(`The quick brown fox jumps over the lazy dog.`)},
		{"messages", []map[string]string{{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hello"}}},
		{"map", map[string]any{"temperature": 0.7, "max_tokens": 256, "stream": false, "model": "gpt-4"}},
		{"struct", []message{{"system", "You are terse."}, {"user", "Hello"}}},
		{"large_string", strings.Repeat("lorem ipsum ", 50000)},
	}
	for _, tt := range values {
		b.Run(tt.name+"/ours", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Encode(tt.v, 32<<10)
			}
		})
		b.Run(tt.name+"/baseline", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				out, _ := json.Marshal(tt.v)
				_ = string(out)
			}
		})
	}
}
