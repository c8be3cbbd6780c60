package bedrocktrace

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
)

// maxFrameBytes bounds the messages of an event stream the parser decodes
// (the encoding's own limit is 16 MiB of payload); the parser stops at a
// larger one.
const maxFrameBytes = 24 << 20

// errIncomplete is the error of a stream that ended, without an error,
// before its messageStop event.
var errIncomplete = fmt.Errorf("bedrocktrace: the stream ended before its messageStop event: %w", io.ErrUnexpectedEOF)

// streamBody is the body of a ConverseStream answer: it parses the
// messages of the event stream as the client reads them, and ends the
// generation when the stream ends.
type streamBody struct {
	c  *call
	rc io.ReadCloser
}

func (b *streamBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	c := b.c
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		if err != nil {
			// The client sees the end of the stream only once its
			// generation is recorded (by the context's AfterFunc, say).
			<-c.recorded
		}
		return n, err
	}
	final := n > 0 && c.events.feed(p[:n])
	if !final && err == nil {
		c.mu.Unlock()
		return n, err
	}
	o := llmtrace.Outcome{Result: c.events.result(), End: time.Now()}
	switch {
	case final:
	case errors.Is(err, io.EOF):
		if !c.events.stopped {
			o.Err = errIncomplete
		}
	default:
		o.Err = err
	}
	rec := c.endLocked(o)
	c.mu.Unlock()
	rec()
	return n, err
}

// Close ends the generation of a stream closed before its end, at level
// WARNING.
func (b *streamBody) Close() error {
	c := b.c
	c.mu.Lock()
	var o llmtrace.Outcome
	if !c.ended {
		o = llmtrace.Outcome{Result: c.events.result(), End: time.Now(), Warning: "the stream was closed before its end"}
	}
	rec := c.endLocked(o) // when ended already: waits until it is recorded
	c.mu.Unlock()
	rec()
	return b.rc.Close()
}

// eventParser decodes the messages of an event stream as its bytes pass,
// and accumulates the answer they carry.
type eventParser struct {
	dec *eventstream.Decoder
	// buf holds the bytes of an incomplete message; r reads a complete
	// one, into payload.
	buf     []byte
	r       bytes.Reader
	payload []byte
	// broken is set when the stream cannot be decoded any further.
	broken bool

	blocks     []*block
	stopReason string
	// stopped is set at messageStop, usage at metadata.
	stopped    bool
	usage      *tokenUsage
	firstToken time.Time
	err        error
}

// block is a content block of the answer.
type block struct {
	text      strings.Builder
	reasoning strings.Builder
	toolUse   bool
	id, name  string
	input     strings.Builder
}

func newEventParser() *eventParser {
	return &eventParser{dec: eventstream.NewDecoder()}
}

// feed parses the bytes b, just read, and reports whether they completed
// the stream's final message (metadata, or an exception).
func (p *eventParser) feed(b []byte) bool {
	if p.broken {
		return false
	}
	p.buf = append(p.buf, b...)
	final := false
	for len(p.buf) >= 4 && !final {
		total := int(binary.BigEndian.Uint32(p.buf))
		if total > maxFrameBytes {
			p.broken, p.buf = true, nil
			return false
		}
		if len(p.buf) < total {
			break
		}
		p.r.Reset(p.buf[:total])
		msg, err := p.dec.Decode(&p.r, p.payload[:0])
		if err != nil {
			p.broken, p.buf = true, nil
			return false
		}
		p.buf = p.buf[:copy(p.buf, p.buf[total:])]
		p.payload = msg.Payload
		final = p.message(msg)
	}
	return final
}

// message takes one message of the stream, just read, and reports whether
// it was the final one.
func (p *eventParser) message(m eventstream.Message) bool {
	header := func(name string) string {
		if v := m.Headers.Get(name); v != nil {
			return v.String()
		}
		return ""
	}
	switch header(":message-type") {
	case "exception":
		var e struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(m.Payload, &e)
		p.err = &llmtrace.APIError{Type: upperFirst(header(":exception-type")), Message: e.Message}
		return true
	case "error":
		p.err = &llmtrace.APIError{Type: header(":error-code"), Message: header(":error-message")}
		return true
	case "event":
	default:
		return false
	}
	var ev struct {
		Index int `json:"contentBlockIndex"`
		Start struct {
			ToolUse *struct {
				ID   string `json:"toolUseId"`
				Name string `json:"name"`
			} `json:"toolUse"`
		} `json:"start"`
		Delta struct {
			Text    *string `json:"text"`
			ToolUse *struct {
				Input string `json:"input"`
			} `json:"toolUse"`
			Reasoning *struct {
				Text string `json:"text"`
			} `json:"reasoningContent"`
		} `json:"delta"`
		StopReason string      `json:"stopReason"`
		Usage      *tokenUsage `json:"usage"`
	}
	if json.Unmarshal(m.Payload, &ev) != nil {
		return false
	}
	switch header(":event-type") {
	case "contentBlockStart":
		if tu := ev.Start.ToolUse; tu != nil {
			b := p.block(ev.Index)
			b.toolUse, b.id, b.name = true, tu.ID, tu.Name
		}
	case "contentBlockDelta":
		if p.firstToken.IsZero() {
			p.firstToken = time.Now()
		}
		b := p.block(ev.Index)
		d := ev.Delta
		switch {
		case d.Text != nil:
			b.text.WriteString(*d.Text)
		case d.ToolUse != nil:
			b.toolUse = true
			b.input.WriteString(d.ToolUse.Input)
		case d.Reasoning != nil:
			b.reasoning.WriteString(d.Reasoning.Text)
		}
	case "messageStop":
		p.stopped, p.stopReason = true, ev.StopReason
	case "metadata":
		p.usage = ev.Usage
		return true
	}
	return false
}

// block returns the content block of index i, adding the blocks up to it.
func (p *eventParser) block(i int) *block {
	if i < 0 || i > 1<<10 {
		i = len(p.blocks)
	}
	for len(p.blocks) <= i {
		p.blocks = append(p.blocks, &block{})
	}
	return p.blocks[i]
}

// result returns what the stream said so far.
func (p *eventParser) result() llmtrace.Result {
	r := llmtrace.Result{CompletionStart: p.firstToken, Err: p.err}
	if p.stopReason != "" {
		r.FinishReasons = []string{p.stopReason}
	}
	if len(p.blocks) > 0 {
		content := make([]any, 0, len(p.blocks))
		for _, b := range p.blocks {
			if b.reasoning.Len() > 0 {
				content = append(content, map[string]any{"reasoningContent": map[string]any{"reasoningText": map[string]any{"text": b.reasoning.String()}}})
			}
			if b.text.Len() > 0 {
				content = append(content, map[string]any{"text": b.text.String()})
			}
			if b.toolUse {
				content = append(content, map[string]any{"toolUse": map[string]any{
					"toolUseId": b.id, "name": b.name, "input": llmtrace.ValueOrText([]byte(b.input.String())),
				}})
			}
		}
		r.Output = map[string]any{"role": "assistant", "content": content}
	}
	switch {
	case p.usage != nil:
		r.Usage = p.usage.usage()
	case p.broken:
		r.UsageUnavailable = "the stream could not be decoded"
	default:
		r.UsageUnavailable = "the stream ended before its metadata event"
	}
	return r
}

// upperFirst returns an exception's member name as the error code the API
// gives the same error outside a stream (throttlingException:
// ThrottlingException).
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
