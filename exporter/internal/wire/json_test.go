package wire

import (
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestAppendTime(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		time.Date(2025, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 1_000_000, time.UTC),
		time.Date(2025, 3, 1, 12, 0, 0, 123_456_789, time.FixedZone("x", 3600)),
		time.Date(12345, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		want := `"` + tm.UTC().Format(TimeLayout) + `"`
		assert.Equal(t, want, string(AppendTime(nil, tm)), "%v", tm)
	}
}

// FuzzAppendString checks that AppendString produces JSON that decodes back
// to the input (with invalid UTF-8 replaced), like encoding/json.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "quote\" back\\slash", "\x00\x1f\n\r\t", "\u2028\u2029", "\xff\xfe", "é日本"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := AppendString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("invalid JSON %q for %q: %v", b, s, err)
		}
		want := s
		if !utf8.ValidString(s) {
			want = string([]rune(s)) // invalid bytes become U+FFFD
		}
		if got != want {
			t.Fatalf("round trip %q: got %q", s, got)
		}
	})
}
