// Package textcut cuts captured text (command output, diff previews,
// environment values) to a byte budget on UTF-8 boundaries, leaving a
// marker that says how many bytes were left out. The instrument client cuts
// when it captures and the exporter cuts text from other sources, with the
// same marker.
package textcut

import (
	"strconv"
	"unicode/utf8"
)

// Marker says that n bytes were left out.
func Marker(n int64) string {
	return "\n[agenttrace: " + strconv.FormatInt(n, 10) + " bytes truncated]\n"
}

// Head returns s if it is within limit bytes and is the whole text, else
// its beginning and a marker in at most limit bytes, and whether it cut.
// total is the size of the text s begins.
func Head(s string, limit int, total int64) (string, bool) {
	if int64(len(s)) == total && len(s) <= limit {
		return s, false
	}
	h := RunePrefix(s, max(limit-len(Marker(total)), 0))
	return h + Marker(total-int64(len(h))), true
}

// RunePrefix returns the longest prefix of s of at most n bytes that ends
// on a UTF-8 boundary.
func RunePrefix(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// RuneSuffix returns the longest suffix of s of at most n bytes that starts
// on a UTF-8 boundary.
func RuneSuffix(s string, n int) string {
	if n >= len(s) {
		return s
	}
	i := len(s) - n
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return s[i:]
}
