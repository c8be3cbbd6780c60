package wire

import (
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
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

// TestAppendTimeEveryDay checks the date arithmetic of AppendTime against
// the time package for every day from 1969 to 2200, at a time of day that
// changes with the day, and around the bounds of its fast path.
func TestAppendTimeEveryDay(t *testing.T) {
	check := func(tm time.Time) {
		t.Helper()
		if got, want := string(AppendTime(nil, tm)), `"`+tm.UTC().Format(TimeLayout)+`"`; got != want {
			t.Fatalf("AppendTime(%v) = %s, want %s", tm, got, want)
		}
	}
	for tm := time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC); tm.Year() < 2200; tm = tm.Add(24*time.Hour + 61*time.Second + 7*time.Millisecond) {
		check(tm)
	}
	for _, tm := range []time.Time{
		time.UnixMilli(0), time.UnixMilli(-1), time.Unix(0, -1), time.Unix(0, 999_999),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2000, 2, 29, 12, 0, 0, 0, time.UTC), time.Date(2100, 2, 28, 23, 59, 59, 0, time.UTC),
	} {
		check(tm)
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

func TestAppendIDs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100 {
		var id [16]byte
		for i := range id {
			id[i] = byte(rng.Uint32())
		}
		prefix := []byte(`{"x":`)
		assert.Equal(t, `{"x":"`+uuid.UUID(id).String()+`"`, string(AppendUUID(prefix, &id)))
		assert.Equal(t, `{"x":"`+hex.EncodeToString(id[:8])+`"`, string(AppendHex(prefix, id[:8])))
	}
}
