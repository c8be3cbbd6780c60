package wire

import (
	"encoding/json"
	"strings"
	"testing"
)

var validCases = []string{
	``, ` `, `null`, `true`, `false`, `nul`, `truex`, `0`, `-0`, `01`, `1.`, `1.5`, `-1.5e10`, `1e`, `1E+2`, `-`,
	`""`, `"a\"b\\c\/\b\f\n\r\t\u00e9"`, `"\x"`, `"\u12"`, `"\u12G4"`, "\"\x01\"", `"unterminated`,
	`[]`, `[ ]`, `[1,2]`, `[1,]`, `[,1]`, `{}`, `{ }`, `{"a":1}`, `{"a":1,}`, `{"a" : [1, {"b":null}] }`,
	`{"a"}`, `{1:2}`, `{"a":1 "b":2}`, `[1 2]`, `]`, `[}`, `{]`, `[[[]]]`, `1 2`, ` {"a":"é日本"} `,
	"\"\xff\xfe\"", strings.Repeat("[", 70) + strings.Repeat("]", 70), strings.Repeat("[", 70) + strings.Repeat("]", 69),
	strings.Repeat(`{"a":`, 65) + "1" + strings.Repeat("}", 65),
}

func TestValid(t *testing.T) {
	for _, s := range validCases {
		if got, want := Valid(s), json.Valid([]byte(s)); got != want {
			t.Errorf("Valid(%q) = %v, encoding/json says %v", s, got, want)
		}
	}
}

func FuzzValid(f *testing.F) {
	for _, s := range validCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Valid(s), json.Valid([]byte(s)); got != want {
			t.Fatalf("Valid(%q) = %v, encoding/json says %v", s, got, want)
		}
	})
}

func BenchmarkValid(b *testing.B) {
	s := `[{"role":"system","content":"You are a careful coding agent."},{"role":"user","content":"` + strings.Repeat("Fix the flaky test in store_test.go. ", 30) + `"}]`
	b.Run("ours", func(b *testing.B) {
		b.SetBytes(int64(len(s)))
		for b.Loop() {
			Valid(s)
		}
	})
	b.Run("baseline", func(b *testing.B) {
		b.SetBytes(int64(len(s)))
		data := []byte(s)
		for b.Loop() {
			json.Valid(data)
		}
	})
}
