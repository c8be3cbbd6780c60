package wire

import (
	"encoding/json"
	"strings"
)

// Valid reports whether s is one valid JSON value with optional surrounding
// white space, exactly as encoding/json.Valid does (a fuzz test holds them
// equal). It exists because the exporter checks every JSON attribute it
// embeds and encoding/json's general scanner makes that the largest cost of
// exporting a span: this one skips string contents a word at a time and
// does not allocate.
func Valid(s string) bool {
	var stack [64]byte // '{' or '[' per open container
	depth := 0
	i := skipSpace(s, 0)
	for {
		// A value is expected at i.
		if i >= len(s) {
			return false
		}
		switch c := s[i]; {
		case c == '{' || c == '[':
			if depth == len(stack) {
				return json.Valid([]byte(s)) // deeper than we track: let the scanner decide
			}
			stack[depth] = c
			depth++
			i = skipSpace(s, i+1)
			if i < len(s) && (c == '{' && s[i] == '}' || c == '[' && s[i] == ']') {
				depth--
				i++
				break
			}
			if c == '{' {
				if i = member(s, i); i < 0 {
					return false
				}
			}
			continue
		case c == '"':
			if i = str(s, i); i < 0 {
				return false
			}
		case c == '-' || c >= '0' && c <= '9':
			if i = number(s, i); i < 0 {
				return false
			}
		case c == 't':
			if !lit(s, i, "true") {
				return false
			}
			i += 4
		case c == 'f':
			if !lit(s, i, "false") {
				return false
			}
			i += 5
		case c == 'n':
			if !lit(s, i, "null") {
				return false
			}
			i += 4
		default:
			return false
		}
		// A value ended at i: close containers or continue them.
		for {
			i = skipSpace(s, i)
			if depth == 0 {
				return i == len(s)
			}
			if i >= len(s) {
				return false
			}
			top := stack[depth-1]
			switch {
			case s[i] == ',':
				i = skipSpace(s, i+1)
				if top == '{' {
					if i = member(s, i); i < 0 {
						return false
					}
				}
			case top == '{' && s[i] == '}' || top == '[' && s[i] == ']':
				depth--
				i++
				continue
			default:
				return false
			}
			break
		}
	}
}

// Members calls f with the name, as written between its quotes, and the
// value text of each member of the JSON object s, in order. s must be
// valid JSON (see Valid). It reports whether s is an object.
func Members(s string, f func(name, value string)) bool {
	i := skipSpace(s, 0)
	if i >= len(s) || s[i] != '{' {
		return false
	}
	i = skipSpace(s, i+1)
	for s[i] != '}' {
		end := str(s, i)
		name := s[i+1 : end-1]
		i = skipSpace(s, skipSpace(s, end)+1) // past the colon
		end = skipValue(s, i)
		f(name, s[i:end])
		i = skipSpace(s, end)
		if s[i] == ',' {
			i = skipSpace(s, i+1)
		}
	}
	return true
}

// skipValue returns the index after the value at i of valid JSON.
func skipValue(s string, i int) int {
	depth := 0
	for {
		switch c := s[i]; {
		case c == '"':
			i = str(s, i)
		case c == '{' || c == '[':
			depth++
			i++
		case c == '}' || c == ']':
			depth--
			i++
		case depth == 0: // a number or a literal
			for i < len(s) && !strings.ContainsRune(",}] \t\n\r", rune(s[i])) {
				i++
			}
			return i
		default: // inside a container: white space, separators, scalars
			i++
		}
		if depth == 0 {
			return i
		}
	}
}

// member checks a member name and its colon at i and returns the index of
// its value, or -1.
func member(s string, i int) int {
	if i >= len(s) || s[i] != '"' {
		return -1
	}
	if i = str(s, i); i < 0 {
		return -1
	}
	i = skipSpace(s, i)
	if i >= len(s) || s[i] != ':' {
		return -1
	}
	return skipSpace(s, i+1)
}

// str checks the string starting with the quote at i and returns the index
// after its closing quote, or -1.
func str(s string, i int) int {
	i++
	for {
		// Skip plain bytes: anything but a quote, a backslash or a control
		// character, eight at a time while none of the eight is special.
		for i+8 <= len(s) && !special(load64(s, i)) {
			i += 8
		}
		for i < len(s) && s[i] >= 0x20 && s[i] != '"' && s[i] != '\\' {
			i++
		}
		if i >= len(s) || s[i] < 0x20 {
			return -1
		}
		if s[i] == '"' {
			return i + 1
		}
		// An escape.
		if i+1 >= len(s) {
			return -1
		}
		switch s[i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i += 2
		case 'u':
			if i+6 > len(s) || !isHex(s[i+2]) || !isHex(s[i+3]) || !isHex(s[i+4]) || !isHex(s[i+5]) {
				return -1
			}
			i += 6
		default:
			return -1
		}
	}
}

// number checks the number starting at i and returns the index after it, or
// -1.
func number(s string, i int) int {
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = digits(s, i)
	default:
		return -1
	}
	if i < len(s) && s[i] == '.' {
		j := digits(s, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(s, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func digits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

func lit(s string, i int, want string) bool {
	return len(s)-i >= len(want) && s[i:i+len(want)] == want
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// load64 reads the eight bytes of s at i as a little-endian word (the
// compiler merges the byte loads into one).
func load64(s string, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// special reports whether any byte of w is a control character (< 0x20), a
// quote or a backslash: the bytes a JSON string scan must stop at. It uses
// the classic has-zero-byte bit tricks, exact for bytes below 0x80.
func special(w uint64) bool {
	q, b := w^(lsb*'"'), w^(lsb*'\\') // zero bytes where w has a quote, a backslash
	less := (w - lsb*0x20) &^ w       // high bit where a byte is < 0x20
	return (less|(q-lsb)&^q|(b-lsb)&^b)&msb != 0
}
