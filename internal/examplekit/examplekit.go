package examplekit

import (
	"fmt"
	"io"
	"os"

	"github.com/agenttrace/agenttrace-otel-go/connection"
	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
)

// Backend is where an example sends its traces.
type Backend struct {
	srv *agenttracetest.Server // nil: AGENTTRACE_API_URL
}

// NewBackend returns the AgentTrace server of AGENTTRACE_API_URL or, when
// that variable is empty, starts one in-process. Close releases it.
func NewBackend() *Backend {
	if os.Getenv("AGENTTRACE_API_URL") != "" {
		return &Backend{}
	}
	return &Backend{srv: agenttracetest.NewServer()}
}

// Options returns the options that connect an instrument client to the
// backend: none for AGENTTRACE_API_URL, which the client reads from the
// environment with AGENTTRACE_API_KEY.
func (b *Backend) Options() []instrument.Option {
	if b.srv == nil {
		return nil
	}
	return []instrument.Option{instrument.WithConnection(connection.Config{APIURL: b.srv.URL, APIKey: b.srv.APIKey})}
}

// Close stops the in-process server, if one was started.
func (b *Backend) Close() {
	if b.srv != nil {
		b.srv.Close()
	}
}

// Report reports on traceIDs once the client has been shut down;
// shutdownErr is what Shutdown returned. When it is not nil, Report
// returns an error saying that not everything was delivered. Otherwise it
// prints each trace's tree, as the in-process server received it, or says
// where the trace was sent.
func (b *Backend) Report(w io.Writer, shutdownErr error, traceIDs ...string) error {
	if shutdownErr != nil {
		return fmt.Errorf("not everything was delivered: %w", shutdownErr)
	}
	for _, id := range traceIDs {
		if b.srv == nil {
			fmt.Fprintf(w, "trace %s sent to %s\n", id, os.Getenv("AGENTTRACE_API_URL"))
			continue
		}
		fmt.Fprintln(w)
		if err := b.srv.RenderTrace(w, id); err != nil {
			return err
		}
	}
	return nil
}

// Replay starts a server that answers with the recorded exchanges named by
// fixtures, in order, and tells w why the answers are replayed: reason, e.g.
// "OPENAI_API_KEY is not set". The caller closes the server.
func Replay(w io.Writer, reason string, fixtures ...string) *llmreplay.Server {
	llm := llmreplay.NewServer()
	for _, name := range fixtures {
		llm.Enqueue(llmreplay.MustLoad(name).Answer())
	}
	fmt.Fprintf(w, "%s: the model's answers are replayed from recorded exchanges.\n\n", reason)
	return llm
}
