package llmtrace

import (
	"strings"
	"testing"
)

// BenchmarkSSEFeed measures the parsing of stream bytes as they pass to
// the application: no allocation per event once the buffers have grown.
func BenchmarkSSEFeed(b *testing.B) {
	chunk := []byte(`data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"` +
		strings.Repeat("x", 40) + `"},"finish_reason":null}],"usage":null}` + "\n\n")
	var p sseParser
	emit := func(string, []byte) bool { return false }
	b.ReportAllocs()
	b.SetBytes(int64(len(chunk)))
	for b.Loop() {
		p.feed(chunk, emit)
	}
}
