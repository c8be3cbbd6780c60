package llmtrace

import (
	"reflect"
	"testing"
)

func TestSSEParser(t *testing.T) {
	type ev struct{ typ, data string }
	tests := []struct {
		name string
		in   string
		want []ev
	}{
		{"data only", "data: {\"a\":1}\n\ndata: [DONE]\n\n", []ev{{"", `{"a":1}`}, {"", "[DONE]"}}},
		{"typed events", "event: message_start\ndata: {}\n\nevent: ping\ndata: {\"type\": \"ping\"}\n\n", []ev{{"message_start", "{}"}, {"ping", `{"type": "ping"}`}}},
		{"CRLF and CR line ends", "event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\r", []ev{{"a", "1"}, {"b", "2"}}},
		{"multi-line data", "data: x\ndata: y\n\n", []ev{{"", "x\ny"}}},
		{"comments and empty events", ": keep-alive\n\n\ndata:z\n\n", []ev{{"", "z"}}},
		{"no space after the colon", "event:e\ndata:{}\n\n", []ev{{"e", "{}"}}},
		{"an unfinished event is not emitted", "data: 1\n\ndata: 2\n", []ev{{"", "1"}}},
	}
	for _, tt := range tests {
		// Every split of the input into two reads gives the same events.
		for cut := 0; cut <= len(tt.in); cut++ {
			var p sseParser
			var got []ev
			emit := func(typ string, data []byte) bool {
				got = append(got, ev{typ, string(data)})
				return false
			}
			p.feed([]byte(tt.in[:cut]), emit)
			p.feed([]byte(tt.in[cut:]), emit)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("%s, cut at %d: got %q, want %q", tt.name, cut, got, tt.want)
			}
		}
	}
}

func TestSSEParserStopsAtTheFinalEvent(t *testing.T) {
	var p sseParser
	n := 0
	done := p.feed([]byte("data: 1\n\ndata: 2\n\ndata: 3\n\n"), func(_ string, data []byte) bool {
		n++
		return string(data) == "2"
	})
	if !done || n != 2 {
		t.Fatalf("done %v after %d events, want true after 2", done, n)
	}
}

func TestSSEParserSkipsOversizedEvents(t *testing.T) {
	var p sseParser
	var got []string
	emit := func(_ string, data []byte) bool { got = append(got, string(data)); return false }
	big := make([]byte, maxEventBytes+1)
	for i := range big {
		big[i] = 'x'
	}
	p.feed([]byte("data: "), emit)
	p.feed(big, emit)
	p.feed([]byte("\n\ndata: ok\n\n"), emit)
	if !reflect.DeepEqual(got, []string{"ok"}) {
		t.Fatalf("got %d events (%.20q...), want only the small one", len(got), got)
	}
}
