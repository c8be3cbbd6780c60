package wire

import (
	"encoding/json"
	"math/rand/v2"
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
	texts := []struct{ name, s string }{
		{"message", `[{"role":"system","content":"You are a careful coding agent."},{"role":"user","content":"` + strings.Repeat("Fix the flaky test in store_test.go. ", 30) + `"}]`},
		{"escapes", `{"stdout":"` + strings.Repeat(`ok  \tgithub.com/x/y\t0.1s \"cached\"\n`, 200) + `"}`},
		{"members", `{` + strings.Repeat(`"model":"gpt-4.1","n":1,"temperature":0.2,"stream":true,`, 40) + `"x":null}`},
	}
	for _, tc := range texts {
		if !json.Valid([]byte(tc.s)) {
			b.Fatalf("%s is not valid JSON", tc.name)
		}
		b.Run(tc.name+"/ours", func(b *testing.B) {
			b.SetBytes(int64(len(tc.s)))
			for b.Loop() {
				Valid(tc.s)
			}
		})
		b.Run(tc.name+"/baseline", func(b *testing.B) {
			b.SetBytes(int64(len(tc.s)))
			data := []byte(tc.s)
			for b.Loop() {
				json.Valid(data)
			}
		})
	}
}

// TestSpecial checks the word-at-a-time test against a byte-by-byte one.
func TestSpecial(t *testing.T) {
	isSpecial := func(c byte) bool { return c < 0x20 || c == '"' || c == '\\' }
	rng := rand.New(rand.NewPCG(1, 2))
	interesting := []byte{0, 0x1f, 0x20, 0x21, '"', '\\', 0x5b, 0x7f, 0x80, 0xa2, 0xdc, 0xff}
	for range 200000 {
		var word [8]byte
		want := false
		for j := range word {
			if rng.IntN(3) == 0 {
				word[j] = interesting[rng.IntN(len(interesting))]
			} else {
				word[j] = byte(rng.IntN(256))
			}
			want = want || isSpecial(word[j])
		}
		if got := special(load64(string(word[:]), 0)); got != want {
			t.Fatalf("special(% x) = %v, want %v", word, got, want)
		}
	}
}

var membersCases = []string{
	`{}`, ` { } `, `{"a":1}`, `{"a" : 1 , "b":[1, {"c":"}"}], "d":"x\"y", "e":{"f":[]}, "g":null, "h":-1.5e3}`,
	`{"successes":["a","b"],"errors":[]}`, `{"esc\u0061ped":true,"":false}`, `[1]`, `"s"`, `1`, "\t{\"a\":{}}\n",
}

// referenceMembers lists the members of the object s with encoding/json's
// decoder: raw names (s has no escaped names here) and exact value texts.
func referenceMembers(t *testing.T, s string) (names, values []string, isObject bool) {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	tok, err := d.Token()
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	if tok != json.Delim('{') {
		return nil, nil, false
	}
	for d.More() {
		start := d.InputOffset()
		if _, err := d.Token(); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		name := strings.TrimLeft(s[start:d.InputOffset()], " \t\r\n,")
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		names = append(names, name[1:len(name)-1])
		values = append(values, string(v))
	}
	return names, values, true
}

func checkMembers(t *testing.T, s string) {
	var names, values []string
	isObject := Members(s, func(name, value string) {
		names = append(names, name)
		values = append(values, value)
	})
	wantNames, wantValues, wantObject := referenceMembers(t, s)
	if isObject != wantObject || strings.Join(names, "|") != strings.Join(wantNames, "|") ||
		strings.Join(values, "|") != strings.Join(wantValues, "|") {
		t.Errorf("Members(%q) = %v %q %q, want %v %q %q", s, isObject, names, values, wantObject, wantNames, wantValues)
	}
}

func TestMembers(t *testing.T) {
	for _, s := range membersCases {
		checkMembers(t, s)
	}
}

func FuzzMembers(f *testing.F) {
	for _, s := range append(membersCases, validCases...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if Valid(s) {
			checkMembers(t, s)
		}
	})
}
