package instrument_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// redact masks every string "sk-..." in maps and strings, returning new
// values.
func redact(v any) any {
	switch x := v.(type) {
	case string:
		if strings.HasPrefix(x, "sk-") {
			return "[redacted]"
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = redact(e)
		}
		return out
	}
	return v
}

func TestMask(t *testing.T) {
	c, rec := newClient(t, instrument.WithMask(redact))
	input := map[string]any{"key": "sk-123", "q": "hi"}
	ctx, tr := c.Trace(context.Background(), "t", instrument.WithMetadata(map[string]any{"token": "sk-9"}))
	_, gen := tr.Generation(ctx, "g", instrument.WithInput(input), instrument.WithModelParameters(map[string]any{"user": "sk-params"}))
	gen.SetOutput("sk-out")
	gen.SetMetadata(map[string]any{"a": "sk-a"})
	gen.End()
	tr.Event(ctx, "e", map[string]any{"secret": "sk-e"})
	tr.End()

	s := spans(t, rec)
	assertAttrs(t, s["t"], map[string]string{"agenttrace.trace.metadata": `{"token":"[redacted]"}`})
	assertAttrs(t, s["g"], map[string]string{
		"agenttrace.observation.input":           `{"key":"[redacted]","q":"hi"}`,
		"agenttrace.observation.output":          `"[redacted]"`,
		"agenttrace.observation.metadata":        `{"a":"[redacted]"}`,
		"agenttrace.generation.model_parameters": `{"user":"sk-params"}`,
	})
	assertAttrs(t, s["e"], map[string]string{"agenttrace.observation.input": `{"secret":"[redacted]"}`})
	if input["key"] != "sk-123" {
		t.Error("the mask changed the caller's value")
	}
}

func TestMaskPanics(t *testing.T) {
	c, rec := newClient(t, instrument.WithMask(func(any) any { panic("bad mask") }))
	handled.take()
	_, tr := c.Trace(context.Background(), "t", instrument.WithInput("sk-secret"))
	tr.End()
	assertAttrs(t, spans(t, rec)["t"], map[string]string{"agenttrace.observation.input": `"[masking failed]"`})
	if errs := handled.take(); len(errs) != 1 || !strings.Contains(errs[0].Error(), "bad mask") {
		t.Errorf("reported %v", errs)
	}
}

func TestContentBudget(t *testing.T) {
	c, rec := newClient(t, instrument.WithMaxContentBytes(256))
	long := strings.Repeat("word ", 1000)
	_, tr := c.Trace(context.Background(), "t", instrument.WithInput([]map[string]string{{"role": "user", "content": long}}))
	tr.SetOutput(long)
	tr.End()

	s := spans(t, rec)["t"]
	for _, key := range []string{"agenttrace.observation.input", "agenttrace.observation.output"} {
		v := attrs(s)[key]
		if len(v) > 256 || !json.Valid([]byte(v)) || !strings.Contains(v, "[agenttrace: truncated") {
			t.Errorf("%s = %s (%d bytes)", key, v, len(v))
		}
	}
	var msgs []map[string]string
	if err := json.Unmarshal([]byte(attrs(s)["agenttrace.observation.input"]), &msgs); err != nil || msgs[0]["role"] != "user" {
		t.Errorf("truncated input lost its structure: %v", err)
	}
}

func TestUnencodableContent(t *testing.T) {
	c, rec := newClient(t)
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	_, tr := c.Trace(context.Background(), "t", instrument.WithInput(make(chan int)))
	tr.SetOutput(map[string]any{"f": func() {}, "n": math.NaN(), "ok": 1})
	tr.SetTraceMetadata(cyclic)
	tr.End()

	assertAttrs(t, spans(t, rec)["t"], map[string]string{
		"agenttrace.observation.input":  `"[unencodable chan int]"`,
		"agenttrace.observation.output": `{"f":"[unencodable func()]","n":"NaN","ok":1}`,
		"agenttrace.trace.metadata":     `{"self":"[cycle]"}`,
	})
}
