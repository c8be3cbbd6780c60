package instrument

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/agenttrace/agenttrace-otel-go/internal/textcut"
)

func identity(s string) string { return s }

func TestCapture(t *testing.T) {
	const limit = 256
	side := limit/2 + captureMargin
	tests := []struct {
		name   string
		writes []string
		want   string // "" means: check the cut form
		cut    bool
	}{
		{"empty", nil, "", false},
		{"small", []string{"hello ", "world\n"}, "hello world\n", false},
		{"exactly the budget", []string{strings.Repeat("a", limit)}, strings.Repeat("a", limit), false},
		{"over the budget, all kept before cleaning", []string{"B", strings.Repeat("a", 2*side-2), "E"}, "", true},
		{"far over the budget, in one write", []string{"B" + strings.Repeat("a", 10*side) + "E"}, "", true},
		{"far over the budget, in small writes", append(append([]string{"B"}, strings.Split(strings.Repeat("a", 3*side), "")...), "E"), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCapture(limit)
			total := 0
			for _, w := range tt.writes {
				n, err := c.Write([]byte(w))
				if n != len(w) || err != nil {
					t.Fatalf("Write: %d, %v", n, err)
				}
				total += n
			}
			got, cut := c.text(identity)
			if cut != tt.cut {
				t.Errorf("cut %v, want %v", cut, tt.cut)
			}
			if !tt.cut {
				if got != tt.want {
					t.Errorf("text %q, want %q", got, tt.want)
				}
				return
			}
			if len(got) > limit || !strings.HasPrefix(got, "Ba") || !strings.HasSuffix(got, "aE") || !strings.Contains(got, " bytes truncated]") {
				t.Errorf("cut text (%d bytes of %d): %q", len(got), total, got)
			}
		})
	}
}

// The cut sides are redacted with their margins: a secret that straddles
// the place where the kept beginning ends, or where the kept end starts,
// is not recorded in part.
func TestCaptureRedactsAcrossCuts(t *testing.T) {
	const limit = 256
	secret := "sk-proj-" + strings.Repeat("Z", 60)
	redactSecret := func(s string) string { return strings.ReplaceAll(s, secret, "[REDACTED]") }
	c := newCapture(limit)
	// The secret starts just before half the budget (the kept beginning),
	// and another just before the kept end.
	c.Write([]byte(strings.Repeat("a", limit/2-20) + secret + strings.Repeat("b", 3*captureMargin)))
	c.Write([]byte(secret + strings.Repeat("c", limit/4)))
	got, cut := c.text(redactSecret)
	if !cut || strings.Contains(got, "ZZZZ") {
		t.Errorf("cut %v, text %q", cut, got)
	}
}

func TestFitAndCut(t *testing.T) {
	tests := []struct {
		s     string
		limit int
		cut   bool
	}{
		{"short", 64, false},
		{strings.Repeat("é", 100), 64, true},
		{strings.Repeat("日本語", 100), 80, true},
		{strings.Repeat("x", 65), 64, true},
	}
	for _, tt := range tests {
		got, cut := fit(tt.s, tt.limit)
		if cut != tt.cut || len(got) > tt.limit || !utf8.ValidString(got) {
			t.Errorf("fit(%d bytes, %d) = %q (%d bytes), %v", len(tt.s), tt.limit, got, len(got), cut)
		}
		h, cut := textcut.Head(tt.s, tt.limit, int64(len(tt.s)))
		if cut != tt.cut || len(h) > tt.limit || !utf8.ValidString(h) {
			t.Errorf("textcut.Head(%d bytes, %d) = %q (%d bytes), %v", len(tt.s), tt.limit, h, len(h), cut)
		}
	}
	// A prefix of a longer text is cut even when it fits.
	if got, cut := textcut.Head("abc", 64, 1000); !cut || got != "abc\n[agenttrace: 997 bytes truncated]\n" {
		t.Errorf("cutHead of a prefix = %q, %v", got, cut)
	}
}

func FuzzCapture(f *testing.F) {
	f.Add([]byte("hello"), uint16(256), uint8(3))
	f.Add([]byte("日本語 text \xff\xfe"), uint16(300), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, limit16 uint16, writes uint8) {
		limit := max(int(limit16), minOutputBytes)
		c := newCapture(limit)
		var all []byte
		for range int(writes%8) + 1 {
			c.Write(data)
			all = append(all, data...)
		}
		got, cut := c.text(identity)
		if len(got) > limit {
			t.Fatalf("%d bytes, limit %d", len(got), limit)
		}
		if !cut && got != string(all) {
			t.Fatalf("not cut but changed: %q != %q", got, all)
		}
		if cut != (len(all) > limit) {
			t.Fatalf("cut %v with %d bytes, limit %d", cut, len(all), limit)
		}
		if utf8.Valid(all) && !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 from valid input: %q", got)
		}
	})
}
