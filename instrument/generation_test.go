package instrument_test

import (
	"context"
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// A model call outside any trace starts a trace whose root observation is
// the generation; EndAt ends it at a time measured elsewhere.
func TestClientGeneration(t *testing.T) {
	c, rec := newClient(t)
	end := time.Now().Add(time.Second)
	ctx, gen := c.Generation(context.Background(), "chat gpt-4.1", instrument.WithModel("gpt-4.1"), instrument.WithUserID("u-1"))
	gen.SetUsage(instrument.Usage{InputTokens: 3, OutputTokens: 4})
	if instrument.FromContext(ctx).ID() != gen.ID() {
		t.Error("the context does not carry the generation")
	}
	gen.EndAt(end)
	s := spans(t, rec)["chat gpt-4.1"]
	if s == nil {
		t.Fatal("no span")
	}
	if s.Parent().IsValid() {
		t.Error("the generation is not a root")
	}
	assertAttrs(t, s, map[string]string{
		"agenttrace.observation.type": "generation",
		"agenttrace.trace.name":       "chat gpt-4.1",
		"agenttrace.trace.user_id":    "u-1",
		"gen_ai.request.model":        "gpt-4.1",
		"gen_ai.usage.input_tokens":   "3",
	})
	if !s.EndTime().Equal(end) {
		t.Errorf("end %v, want %v", s.EndTime(), end)
	}

	_, emb := c.Generation(context.Background(), "embed", instrument.WithType(instrument.TypeEmbedding))
	emb.End()
	assertAttrs(t, spans(t, rec)["embed"], map[string]string{"agenttrace.observation.type": "embedding"})

	var disabled *instrument.Client
	ctx2, noop := disabled.Generation(context.Background(), "x")
	noop.SetUsage(instrument.Usage{InputTokens: 1})
	noop.EndAt(end)
	if noop.IsRecording() || ctx2 != context.Background() {
		t.Error("a nil client records")
	}
}
