package instrument

import (
	"io"

	"github.com/agenttrace/agenttrace-otel-go/internal/textcut"
)

// captureMargin is how much more than its budget captured text keeps on
// each side of a cut before redaction, so that a secret (up to this size)
// that straddles the cut is whole when the redactor sees it and is never
// recorded in part.
const captureMargin = 4 << 10

// capture is an io.Writer that keeps the beginning and the end of what is
// written to it within a budget, for the output of a command. It is
// written by one goroutine at a time (exec.Cmd's copying goroutine) and
// read after the command ended.
type capture struct {
	limit int
	head  []byte
	// tail is a ring buffer of the last bytes written after head filled;
	// next is where the next byte goes.
	tail  []byte
	next  int
	total int64
}

func newCapture(limit int) *capture {
	return &capture{limit: limit}
}

func (c *capture) sideCap() int { return c.limit/2 + captureMargin }

func (c *capture) Write(p []byte) (int, error) {
	n := len(p)
	c.total += int64(n)
	if room := c.sideCap() - len(c.head); room > 0 {
		k := min(room, len(p))
		c.head = append(c.head, p[:k]...)
		p = p[k:]
	}
	size := c.sideCap()
	if len(p) >= size {
		// Only the last size bytes of p can survive.
		c.tail = append(c.tail[:0], p[len(p)-size:]...)
		c.next = 0
		return n, nil
	}
	for len(p) > 0 {
		if len(c.tail) < size {
			k := min(size-len(c.tail), len(p))
			c.tail = append(c.tail, p[:k]...)
			p = p[k:]
			continue
		}
		k := copy(c.tail[c.next:], p)
		c.next = (c.next + k) % size
		p = p[k:]
	}
	return n, nil
}

// text returns what was written, cleaned by clean (secrets redacted) and
// within the budget, and whether it was cut.
func (c *capture) text(clean func(string) string) (string, bool) {
	tail := make([]byte, 0, len(c.tail))
	tail = append(append(tail, c.tail[c.next:]...), c.tail[:c.next]...)
	if c.total == int64(len(c.head)+len(tail)) {
		// Nothing was lost: clean the whole text, then fit it.
		return fit(clean(string(c.head)+string(tail)), c.limit)
	}
	// Each side is cleaned with its margin, then cut to its share. What is
	// shown never comes from the margin next to a cut, even when redaction
	// shortened the side: a secret that straddles the edge of what was kept
	// is there in part, where the redactor could not see it whole. The
	// marker counts the bytes left out of the cleaned sides, and the bytes
	// never kept as they were.
	ch, ct := clean(string(c.head)), clean(string(tail))
	head := textcut.RunePrefix(ch, max(len(ch)-captureMargin, 0))
	tl := textcut.RuneSuffix(ct, max(len(ct)-captureMargin, 0))
	never := c.total - int64(len(c.head)+len(tail))
	return join(head, tl, c.limit, int64(len(ch)+len(ct))+never)
}

// output returns command output given whole as a capture of it would
// record it: cleaned and within the output budget, and whether it was cut.
func (c *Client) output(s string) (string, bool) {
	cp := newCapture(c.agent.maxOutput)
	io.WriteString(cp, s)
	return cp.text(c.clean)
}

// fit returns s if it is within limit bytes, else its beginning and end
// around a truncation marker, and whether it cut.
func fit(s string, limit int) (string, bool) {
	if len(s) <= limit {
		return s, false
	}
	return join(s, s, limit, int64(len(s)))
}

// join returns the beginning of head and the end of tail, total bytes in
// all, around a marker that says how many bytes were left out, in at most
// limit bytes, cut on UTF-8 boundaries.
func join(head, tail string, limit int, total int64) (string, bool) {
	room := max(limit-len(textcut.Marker(total)), 0)
	h := textcut.RunePrefix(head, room/2)
	t := textcut.RuneSuffix(tail, room-len(h))
	return h + textcut.Marker(total-int64(len(h)+len(t))) + t, true
}
