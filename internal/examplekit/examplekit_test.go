package examplekit_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/internal/examplekit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// traced sends one trace named name to b and returns its id and the
// client's shutdown error.
func traced(t *testing.T, b *examplekit.Backend, name string) (string, error) {
	t.Helper()
	ctx := context.Background()
	at, err := instrument.New(ctx, b.Options()...)
	if err != nil {
		t.Fatal(err)
	}
	_, tr := at.Trace(ctx, name, instrument.WithType(instrument.TypeAgent))
	tr.End()
	return tr.TraceID().String(), at.Shutdown(ctx)
}

func TestReportInProcess(t *testing.T) {
	t.Setenv("AGENTTRACE_API_URL", "")
	b := examplekit.NewBackend()
	defer b.Close()
	if len(b.Options()) == 0 {
		t.Fatal("no options to connect to the in-process server")
	}
	id, shutdownErr := traced(t, b, "kit-agent")
	var out strings.Builder
	if err := b.Report(&out, shutdownErr, id); err != nil {
		t.Fatalf("Report: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "trace kit-agent") || !strings.Contains(out.String(), "AGENT kit-agent") {
		t.Errorf("no tree of the trace:\n%s", out.String())
	}
}

func TestReportSentElsewhere(t *testing.T) {
	t.Setenv("AGENTTRACE_API_URL", "https://agenttrace.example")
	b := examplekit.NewBackend()
	defer b.Close()
	if opts := b.Options(); len(opts) != 0 {
		t.Errorf("%d options; the client reads AGENTTRACE_API_URL itself", len(opts))
	}
	var out strings.Builder
	if err := b.Report(&out, nil, "0123"); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "trace 0123 sent to https://agenttrace.example\n"; got != want {
		t.Errorf("Report printed %q, want %q", got, want)
	}
}

func TestReportUndelivered(t *testing.T) {
	t.Setenv("AGENTTRACE_API_URL", "")
	b := examplekit.NewBackend()
	defer b.Close()
	cause := errors.New("export timed out")
	var out strings.Builder
	err := b.Report(&out, cause, "0123")
	if !errors.Is(err, cause) || !strings.Contains(err.Error(), "not everything was delivered") {
		t.Errorf("Report returned %v, want the shutdown error, wrapped", err)
	}
	if out.Len() != 0 {
		t.Errorf("Report printed %q after a failed shutdown", out.String())
	}
}

func TestReplay(t *testing.T) {
	var out strings.Builder
	llm := examplekit.Replay(&out, "OPENAI_API_KEY is not set", "openai_chat_tool_calls", "openai_chat_tool_result_answer")
	defer llm.Close()
	if n := llm.Pending(); n != 2 {
		t.Errorf("%d answers queued, want 2", n)
	}
	if got, want := out.String(), "OPENAI_API_KEY is not set: the model's answers are replayed from recorded exchanges.\n\n"; got != want {
		t.Errorf("Replay printed %q, want %q", got, want)
	}
}
