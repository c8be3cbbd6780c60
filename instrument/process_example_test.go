package instrument_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"
	"os/exec"
	"strings"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// One trace across processes: the command RunCommand runs gets TRACEPARENT
// and TRACESTATE naming the command's span, and a client created in that
// command (here, for the example, in this process with the same
// environment) records its traces into the agent's trace.
func ExampleWithJoinEnvTrace() {
	ctx := context.Background()
	srv, agent := agentServer(ctx)
	defer srv.Close()
	defer agent.Shutdown(ctx)

	ctx, tr := agent.Trace(ctx, "agent")
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "sh", "-c", `echo "$TRACEPARENT"; echo "$TRACESTATE"`)
	cmd.Stdout = &out
	if err := tr.RunCommand(ctx, cmd); err != nil {
		log.Fatal(err)
	}
	tr.End()
	env := strings.Fields(out.String())
	fmt.Println("TRACESTATE:", strings.TrimSuffix(env[1], tr.OTelSpan().SpanContext().SpanID().String()))

	// What the sub-agent's process does: it has the two variables, and
	// its client joins the trace they name (WithJoinEnvTrace is on by
	// default).
	os.Setenv("TRACEPARENT", env[0])
	os.Setenv("TRACESTATE", env[1])
	defer os.Unsetenv("TRACEPARENT")
	defer os.Unsetenv("TRACESTATE")
	sub, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
	if err != nil {
		log.Fatal(err)
	}
	defer sub.Shutdown(ctx)
	_, st := sub.Trace(context.Background(), "sub-agent")
	st.End()
	fmt.Println("same trace:", st.TraceID() == tr.TraceID())
	cmdSpan := strings.Split(env[0], "-")[2]
	fmt.Println("sub-agent's tracestate:", strings.TrimSuffix(st.OTelSpan().SpanContext().TraceState().String(), cmdSpan))

	// A program that should keep traces of its own turns joining off.
	alone, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}),
		instrument.WithJoinEnvTrace(false))
	if err != nil {
		log.Fatal(err)
	}
	defer alone.Shutdown(ctx)
	_, own := alone.Trace(context.Background(), "server-work")
	own.End()
	fmt.Println("own trace:", own.TraceID() != tr.TraceID())
	// Output:
	// TRACESTATE: agenttrace=o+:
	// same trace: true
	// sub-agent's tracestate: agenttrace=j+:
	// own trace: true
}
