package instrument

import (
	"fmt"
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

// When redaction shortens a cut side by more than its margin, what is shown
// still never reaches the edge of what was kept: a secret that straddles
// that edge is there in part, where the redactor cannot see it whole. The
// marker counts the bytes left out of the redacted sides and the bytes
// never kept.
func TestCaptureRedactionShrinksASide(t *testing.T) {
	const limit = 256
	short := "tok-" + strings.Repeat("S", 996)
	edge := "sk-proj-" + strings.Repeat("E", 400)
	redact := func(s string) string {
		s = strings.ReplaceAll(s, short, "[R]")
		return strings.ReplaceAll(s, edge, "[REDACTED]")
	}
	side := limit/2 + captureMargin
	// The kept beginning: many short secrets that redaction shrinks to
	// almost nothing, then the start of a secret at its very edge.
	head := strings.Repeat(short, side/len(short))
	head += edge[:side-len(head)]
	if len(head) != side {
		t.Fatalf("head of %d bytes, want %d", len(head), side)
	}
	c := newCapture(limit)
	c.Write([]byte(head + edge[side-len(strings.Repeat(short, side/len(short))):] + strings.Repeat("m", 5*side) + "end"))
	got, cut := c.text(redact)
	if !cut {
		t.Fatal("not cut")
	}
	if strings.Contains(got, "sk-proj") || strings.Contains(got, "EEEE") {
		t.Errorf("a part of the secret at the edge is recorded: %q", got)
	}
	if !strings.HasSuffix(got, "mend") || len(got) > limit {
		t.Errorf("cut text (%d bytes): %q", len(got), got)
	}
	// The redacted text is 4 "[R]", the whole edge secret as "[REDACTED]"
	// (the head's part of it was never redacted: it counts as it was), the
	// m's and "end": the marker counts all but what is shown.
	shown := strings.Split(got, "\n[agenttrace: ")
	total := 4*len("[R]") + len(edge) + 5*side + len("end")
	want := fmt.Sprintf("%d bytes truncated]", total-len(shown[0])-len(strings.SplitN(shown[1], "]\n", 2)[1]))
	if !strings.HasPrefix(shown[1], want) {
		t.Errorf("marker %q, want %q", shown[1][:min(40, len(shown[1]))], want)
	}
}
