package instrument_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/codes"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// Tracing / The @observe Decorator, translated: each decorated function is
// an Observe or Wrap call.
func TestObserveDecorator(t *testing.T) {
	c, rec := newClient(t)
	ctx := context.Background()

	simpleFunction := instrument.Wrap(c, "simple_function", func(_ context.Context, x int) (int, error) {
		return x * 2, nil
	})
	namedFunction := instrument.Wrap(c, "custom-name", func(_ context.Context, x int) (int, error) {
		return x * 2, nil
	})
	fullCapture := instrument.Wrap(c, "full_capture", func(_ context.Context, data map[string]int) (map[string]int, error) {
		return map[string]int{"result": data["value"] * 2}, nil
	}, instrument.WithCaptureInput(true), instrument.WithCaptureOutput(true))

	for _, call := range []func() error{
		func() error { _, err := simpleFunction(ctx, 21); return err },
		func() error { _, err := namedFunction(ctx, 2); return err },
		func() error { _, err := fullCapture(ctx, map[string]int{"value": 5}); return err },
	} {
		if err := call(); err != nil {
			t.Fatal(err)
		}
	}
	s := spans(t, rec)
	assertAttrs(t, s["simple_function"], map[string]string{
		"agenttrace.trace.name":         "simple_function",
		"agenttrace.observation.input":  "21",
		"agenttrace.observation.output": "42",
	})
	assertAttrs(t, s["custom-name"], map[string]string{"agenttrace.observation.output": "4"})
	assertAttrs(t, s["full_capture"], map[string]string{
		"agenttrace.observation.input":  `{"value":5}`,
		"agenttrace.observation.output": `{"result":10}`,
	})
}

// Quick Start: an observed agent task calling a model.
func TestObserveQuickStart(t *testing.T) {
	c, rec := newClient(t)
	callLLM := func(ctx context.Context, prompt string) (string, error) {
		_, gen := instrument.FromContext(ctx).Generation(ctx, "llm", instrument.WithModel("gpt-4"), instrument.WithInput(prompt))
		defer gen.End()
		gen.SetOutput("sorted")
		return "sorted", nil
	}
	myAgentTask := instrument.Wrap(c, "my_agent_task", func(ctx context.Context, prompt string) (string, error) {
		return callLLM(ctx, prompt)
	})
	result, err := myAgentTask(context.Background(), "Write a function to sort a list")
	if err != nil || result != "sorted" {
		t.Fatalf("result %q, err %v", result, err)
	}
	s := spans(t, rec)
	assertChild(t, s["my_agent_task"], s["llm"])
	assertAttrs(t, s["my_agent_task"], map[string]string{"agenttrace.observation.input": `"Write a function to sort a list"`, "agenttrace.observation.output": `"sorted"`})
	assertAttrs(t, s["llm"], map[string]string{"agenttrace.observation.type": "generation", "agenttrace.observation.input": `"Write a function to sort a list"`})
}

func TestObserveOptions(t *testing.T) {
	c, rec := newClient(t)
	ctx := context.Background()
	type secret struct{ Key string }

	_, _ = instrument.Observe(ctx, c, "no-capture", func(context.Context) (secret, error) {
		return secret{"k"}, nil
	}, instrument.WithCaptureOutput(false))
	quiet := instrument.Wrap(c, "no-input", func(_ context.Context, s secret) (int, error) { return 1, nil },
		instrument.WithCaptureInput(false), instrument.WithType(instrument.TypeTool), instrument.WithMetadata(map[string]any{"tool": "search"}))
	_, _ = quiet(ctx, secret{"k"})
	_, _ = instrument.Observe(ctx, c, "llm", func(context.Context) (string, error) { return "hi", nil },
		instrument.WithType(instrument.TypeGeneration), instrument.WithModel("gpt-4"), instrument.WithInput("hello"),
		instrument.WithUserID("u"), instrument.WithTraceID(instrument.TraceIDFromSeed("seed")))

	s := spans(t, rec)
	assertNoAttrs(t, s["no-capture"], "agenttrace.observation.output", "agenttrace.observation.input")
	assertNoAttrs(t, s["no-input"], "agenttrace.observation.input")
	assertAttrs(t, s["no-input"], map[string]string{"agenttrace.observation.type": "tool", "agenttrace.observation.output": "1", "agenttrace.observation.metadata": `{"tool":"search"}`})
	assertAttrs(t, s["llm"], map[string]string{
		"agenttrace.observation.type": "generation", "gen_ai.request.model": "gpt-4", "agenttrace.trace.name": "llm",
		"agenttrace.observation.input": `"hello"`, "agenttrace.observation.output": `"hi"`, "agenttrace.trace.user_id": "u",
	})
	if s["llm"].SpanContext().TraceID() != instrument.TraceIDFromSeed("seed") {
		t.Errorf("trace id %s, want the seeded one", s["llm"].SpanContext().TraceID())
	}
}

// Returned errors are recorded and passed on unchanged.
func TestObserveError(t *testing.T) {
	c, rec := newClient(t)
	errNotFound := errors.New("not found")
	wrapped := fmt.Errorf("lookup: %w", errNotFound)

	out, err := instrument.Observe(context.Background(), c, "lookup", func(context.Context) (int, error) {
		return 7, wrapped
	})
	if err != wrapped || out != 7 {
		t.Fatalf("Observe returned %v, %v; want 7 and the same error", out, err)
	}
	fail := instrument.Wrap(c, "fail", func(context.Context, string) (string, error) { return "", errNotFound })
	if _, err := fail(context.Background(), "x"); err != errNotFound {
		t.Fatalf("Wrap returned %v", err)
	}
	if err := instrument.Do(context.Background(), c, "do", func(context.Context) error { return errNotFound }); err != errNotFound {
		t.Fatalf("Do returned %v", err)
	}

	s := spans(t, rec)
	for name, msg := range map[string]string{"lookup": "lookup: not found", "fail": "not found", "do": "not found"} {
		assertAttrs(t, s[name], map[string]string{"agenttrace.observation.level": "ERROR", "agenttrace.observation.status_message": msg})
		assertNoAttrs(t, s[name], "agenttrace.observation.output")
		if s[name].Status().Code != codes.Error {
			t.Errorf("%s: status %v", name, s[name].Status())
		}
	}
}

type panicValue struct{ n int }

// Panics are recorded, the span ended, and the panic goes on with the same
// value.
func TestObservePanic(t *testing.T) {
	c, rec := newClient(t)
	pv := &panicValue{42}
	tests := []struct {
		name  string
		value any
		call  func(ctx context.Context, v any)
	}{
		{"observe", pv, func(ctx context.Context, v any) {
			_, _ = instrument.Observe(ctx, c, "observe", func(context.Context) (int, error) { panic(v) })
		}},
		{"wrap", errors.New("boom"), func(ctx context.Context, v any) {
			_, _ = instrument.Wrap(c, "wrap", func(context.Context, int) (int, error) { panic(v) })(ctx, 1)
		}},
		{"nested", "inner", func(ctx context.Context, v any) {
			_ = instrument.Do(ctx, c, "outer", func(ctx context.Context) error {
				return instrument.Do(ctx, nil, "nested", func(context.Context) error { panic(v) })
			})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got any
			func() {
				defer func() { got = recover() }()
				tt.call(context.Background(), tt.value)
			}()
			if got != tt.value {
				t.Fatalf("recovered %v, want the same value %v", got, tt.value)
			}
			s := spans(t, rec)[tt.name]
			if s == nil {
				t.Fatal("span not ended")
			}
			if msg := attrs(s)["agenttrace.observation.status_message"]; !strings.HasPrefix(msg, "panic: ") {
				t.Errorf("status message %q", msg)
			}
			assertAttrs(t, s, map[string]string{"agenttrace.observation.level": "ERROR"})
			if ev := s.Events(); len(ev) != 1 || ev[0].Name != "exception" {
				t.Errorf("events %+v", ev)
			}
		})
	}
	if outer := spans(t, rec)["outer"]; outer == nil || attrs(outer)["agenttrace.observation.level"] != "ERROR" {
		t.Error("the panic was not recorded on the outer observation too")
	}
}

// fn calling runtime.Goexit (t.FailNow, t.SkipNow) ends the observation
// and is not turned into a panic.
func TestObserveGoexit(t *testing.T) {
	c, rec := newClient(t)
	t.Run("skipped", func(t *testing.T) {
		_ = instrument.Do(context.Background(), c, "goexit", func(context.Context) error {
			t.SkipNow()
			return nil
		})
	})
	if spans(t, rec)["goexit"] == nil {
		t.Error("observation not ended")
	}
}

// Without a client or a trace in the context, and with a disabled client,
// the function runs untraced with the same context.
func TestObserveUntraced(t *testing.T) {
	disabled, err := instrument.New(context.Background(), instrument.WithEnabled(false))
	if err != nil {
		t.Fatal(err)
	}
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, "v")
	for _, c := range []*instrument.Client{nil, disabled} {
		got, err := instrument.Observe(ctx, c, "x", func(inner context.Context) (bool, error) {
			return inner == ctx && !instrument.FromContext(inner).IsRecording(), nil
		})
		if err != nil || !got {
			t.Errorf("client %v: fn did not get the same, untraced context", c)
		}
		sq := instrument.Wrap(c, "sq", func(_ context.Context, x int) (int, error) { return x * x, nil })
		if n, _ := sq(ctx, 3); n != 9 {
			t.Errorf("wrapped = %d", n)
		}
	}
}
