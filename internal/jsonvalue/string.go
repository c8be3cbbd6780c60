package jsonvalue

import (
	"strconv"
	"unicode/utf8"
)

const hex = "0123456789abcdef"

// safe[c] is true for the ASCII bytes a JSON string holds as they are.
var safe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// plain reports whether s can be quoted without escaping.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || !safe[c] {
			return false
		}
	}
	return true
}

// appendEscaped appends s escaped as JSON string content (without quotes),
// as encoding/json does without HTML escaping: invalid UTF-8 becomes
// U+FFFD. It stops before the output would exceed max bytes (max < 0: no
// limit) and returns how many bytes of s it consumed.
func appendEscaped(b []byte, s string, max int) ([]byte, int) {
	out := 0
	i := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf && safe[c] {
			// Copy the run of safe bytes at once, looking no further than
			// the budget allows.
			end := len(s)
			if max >= 0 && end-i > max-out {
				end = i + max - out
			}
			j := i
			for j < end && s[j] < utf8.RuneSelf && safe[s[j]] {
				j++
			}
			if j == i {
				return b, i // out of budget
			}
			b = append(b, s[i:j]...)
			out += j - i
			i = j
			continue
		}
		var esc string
		size := 1
		switch {
		case c == '"':
			esc = `\"`
		case c == '\\':
			esc = `\\`
		case c == '\n':
			esc = `\n`
		case c == '\r':
			esc = `\r`
		case c == '\t':
			esc = `\t`
		case c < 0x20:
			esc = `\u00` + string(hex[c>>4]) + string(hex[c&0xf])
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			size = n
			switch {
			case r == utf8.RuneError && n == 1:
				esc = `\ufffd`
			case r == '\u2028':
				esc = `\u2028`
			case r == '\u2029':
				esc = `\u2029`
			default:
				esc = s[i : i+n]
			}
		}
		if max >= 0 && out+len(esc) > max {
			return b, i
		}
		b = append(b, esc...)
		out += len(esc)
		i += size
	}
	return b, i
}

// markerLen is the longest marker a string of n bytes can get.
func markerLen(n int) int {
	return len("...[agenttrace: truncated  of  bytes]") + 2*len(strconv.Itoa(n))
}

// appendMarker appends the marker of a string of total bytes cut after kept
// bytes.
func appendMarker(b []byte, kept, total int) []byte {
	b = append(b, "...[agenttrace: truncated "...)
	b = strconv.AppendInt(b, int64(total-kept), 10)
	b = append(b, " of "...)
	b = strconv.AppendInt(b, int64(total), 10)
	return append(b, " bytes]"...)
}

// appendString appends s as a JSON string whose content (between the
// quotes) is at most max bytes; a longer s is cut at a rune boundary and
// marked. max < 0 means no limit.
func appendString(b []byte, s string, max int) []byte {
	b = append(b, '"')
	if max < 0 || len(s) <= max {
		start := len(b)
		b, _ = appendEscaped(b, s, -1)
		if max < 0 || len(b)-start <= max {
			return append(b, '"')
		}
		b = b[:start]
	}
	keep := max - markerLen(len(s))
	if keep < 0 {
		keep = 0
	}
	b, n := appendEscaped(b, s, keep)
	b = appendMarker(b, n, len(s))
	return append(b, '"')
}

// AppendString appends s as a JSON string, escaped as encoding/json does
// without HTML escaping (invalid UTF-8 becomes U+FFFD; U+2028 and U+2029
// are escaped). The exporter encodes its events with it.
func AppendString(b []byte, s string) []byte {
	return appendString(b, s, -1)
}

// quote returns s as a JSON string of at most limit bytes, with one
// allocation.
func quote(s string, limit int) string {
	if len(s)+2 <= limit && plain(s) {
		return `"` + s + `"`
	}
	b := make([]byte, 0, min(len(s), limit)+2)
	return string(appendString(b, s, limit-2))
}
