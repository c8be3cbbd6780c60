package instrument_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"
	"github.com/agenttrace/agenttrace-otel-go/exporter"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"golang.org/x/sync/errgroup"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// The examples run offline: the API URL file:///dev/null makes the
// exporter write its requests to a file (here, nowhere) instead of sending
// them. In production, drop it and set AGENTTRACE_API_KEY.

// callLLM stands for a call to a model.
func callLLM(_ context.Context, prompt string) (string, error) {
	return "sorted(" + prompt + ")", nil
}

// Quick start: a traced agent task, the Go form of @observe.
func Example() {
	ctx := context.Background()
	client, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: "file:///dev/null"}))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown(ctx)

	myAgentTask := instrument.Wrap(client, "my_agent_task", func(ctx context.Context, prompt string) (string, error) {
		return callLLM(ctx, prompt)
	})
	result, err := myAgentTask(ctx, "Write a function to sort a list")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(result)
	// Output: sorted(Write a function to sort a list)
}

// Programmatic configuration. Every option also has an AGENTTRACE_*
// environment variable; explicit options win.
func ExampleNew() {
	ctx := context.Background()
	client, err := instrument.New(ctx,
		instrument.WithConnection(connection.Config{APIKey: "pk-at-..."}),                 // required (or AGENTTRACE_API_KEY)
		instrument.WithConnection(connection.Config{ProjectID: "your-project-id"}),        // optional
		instrument.WithConnection(connection.Config{APIURL: "https://api.agenttrace.io"}), // optional (self-hosted)
		instrument.WithExporterOptions(exporter.WithDebug(true)),                          // log what is sent
		instrument.WithExporterOptions(exporter.WithFlushInterval(5*time.Second)),         // how long spans wait
		instrument.WithExporterOptions(exporter.WithBatchSize(100)),                       // max events per request
		instrument.WithEnabled(true),                                                      // false: no tracing at all
	)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown(ctx)
}

// Disabled mode, for tests: no API key, no goroutine, no-op observations.
// AGENTTRACE_ENABLED=false does the same.
func ExampleNew_disabled() {
	ctx := context.Background()
	client, err := instrument.New(ctx, instrument.WithEnabled(false))
	if err != nil {
		log.Fatal(err)
	}
	_, tr := client.Trace(ctx, "task")
	defer tr.End()
	fmt.Println(tr.IsRecording())
	// Output: false
}

// Sampling: only trace 10% of requests, decided per trace.
func ExampleWithSampleRate() {
	ctx := context.Background()
	client, err := instrument.New(ctx,
		instrument.WithConnection(connection.Config{APIURL: "file:///dev/null"}),
		instrument.WithSampleRate(0.1),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown(ctx)
	_, tr := client.Trace(ctx, "request")
	// About one trace in ten records; the others are no-ops, and so is
	// everything under them.
	tr.End()
	// Output:
}

// A custom HTTP client for the requests to AgentTrace.
func ExampleWithHTTPClient() {
	ctx := context.Background()
	client, err := instrument.New(ctx,
		instrument.WithConnection(connection.Config{APIKey: "pk-at-...", HTTPClient: &http.Client{Timeout: 30 * time.Second}}),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown(ctx)
}

// Manual traces: the Go form of `with at.trace("my-task") as trace`.
func ExampleClient_Trace() {
	ctx := context.Background()
	client, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: "file:///dev/null"}))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown(ctx)

	ctx, tr := client.Trace(ctx, "my-task")
	defer tr.End()
	tr.SetInput(map[string]any{"prompt": "Hello"})
	result, _ := callLLM(ctx, "Hello")
	tr.SetOutput(result)
	tr.SetTraceMetadata(map[string]any{"version": "1.0"})
	tr.SetTags("production", "important")
	// Output:
}

// Nested traces: child spans of a trace.
func ExampleObservation_Span() {
	ctx := context.Background()
	client, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: "file:///dev/null"}))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown(ctx)

	ctx, parent := client.Trace(ctx, "parent-task")
	defer parent.End()

	_, step1 := parent.Span(ctx, "step-1")
	intermediate := []string{"a", "b"}
	step1.SetOutput(intermediate)
	step1.End()

	_, step2 := parent.Span(ctx, "step-2", instrument.WithType(instrument.TypeTool))
	result := strings.Join(intermediate, "+")
	step2.SetOutput(result)
	step2.End()

	parent.SetOutput(result)
	// Output:
}

// Generations: an LLM call with model, parameters, input, output and usage.
func ExampleObservation_Generation() {
	ctx := context.Background()
	client, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: "file:///dev/null"}))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown(ctx)

	ctx, tr := client.Trace(ctx, "chat")
	defer tr.End()
	ctx, gen := tr.Generation(ctx, "gpt-call",
		instrument.WithModel("gpt-4"),
		instrument.WithModelParameters(map[string]any{"temperature": 0.7}))
	messages := []map[string]string{{"role": "user", "content": "Hello"}}
	gen.SetInput(messages)

	answer, err := callLLM(ctx, "Hello")
	if err != nil {
		gen.SetError(err)
	}
	gen.SetCompletionStartTime(time.Now())
	gen.SetOutput(answer)
	gen.SetUsage(instrument.Usage{InputTokens: 9, OutputTokens: 12})
	gen.End()
	// Output:
}

// Events: points in time with data.
func ExampleObservation_Event() {
	ctx := context.Background()
	client, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: "file:///dev/null"}))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown(ctx)

	ctx, tr := client.Trace(ctx, "task")
	defer tr.End()
	tr.Event(ctx, "checkpoint-reached", map[string]any{"step": 1})
	// process step 1 ...
	tr.Event(ctx, "checkpoint-reached", map[string]any{"step": 2})
	// Output:
}

// Sessions group related traces: the Go form of Python's
// at.session(id) is one WithSessionID option given to each trace.
func ExampleWithSessionID() {
	ctx := context.Background()
	client, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: "file:///dev/null"}))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown(ctx)

	session := instrument.WithSessionID("user-123-session")
	_, tr := client.Trace(ctx, "task-1", session, instrument.WithUserID("user-123"))
	tr.End()
	_, tr = client.Trace(ctx, "task-2", session, instrument.WithUserID("user-123"))
	tr.End()
	// Output:
}

// Error handling: SetError sets level ERROR, the status message and the
// OpenTelemetry span status; SetLevel and SetStatusMessage set them alone.
func ExampleObservation_SetError() {
	ctx := context.Background()
	client, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: "file:///dev/null"}))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown(ctx)

	riskyOperation := func() (string, error) { return "", errors.New("disk full") }
	riskyTask := func(ctx context.Context) error {
		_, tr := client.Trace(ctx, "risky-task")
		defer tr.End()
		result, err := riskyOperation()
		if err != nil {
			tr.SetError(err)
			return err
		}
		tr.SetOutput(result)
		return nil
	}
	fmt.Println(riskyTask(ctx))

	_, tr := client.Trace(ctx, "degraded-task")
	tr.SetLevel(instrument.LevelWarning)
	tr.SetStatusMessage("fell back to the cache")
	tr.End()
	// Output: disk full
}

// Flushing: Flush sends what is pending; Shutdown also stops the client
// (call it before the program exits).
func ExampleClient_Flush() {
	ctx := context.Background()
	client, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: "file:///dev/null"}))
	if err != nil {
		log.Fatal(err)
	}
	_, tr := client.Trace(ctx, "task")
	tr.End()

	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := client.Flush(ctx); err != nil {
		log.Print(err) // what could not be delivered
	}
	if err := client.Shutdown(ctx); err != nil {
		log.Print(err)
	}
	// Output:
}

// Adding AgentTrace export to an application's own OpenTelemetry setup
// takes two lines.
func ExampleClient_SpanProcessor() {
	ctx := context.Background()
	tp := sdktrace.NewTracerProvider() // the application's provider
	defer tp.Shutdown(ctx)

	client, err := instrument.New(ctx, instrument.WithTracerProvider(tp), instrument.WithConnection(connection.Config{APIURL: "file:///dev/null"}))
	if err != nil {
		log.Fatal(err)
	}
	tp.RegisterSpanProcessor(client.SpanProcessor())
	defer client.Shutdown(ctx)

	_, tr := client.Trace(ctx, "task") // a span of tp, exported to AgentTrace
	tr.End()
	// Output:
}

// Dual export: the same spans also go to an OTLP endpoint (a Collector,
// Jaeger, Tempo...). OTEL_EXPORTER_OTLP_ENDPOINT does the same.
func ExampleWithOTLPEndpoint() {
	ctx := context.Background()
	client, err := instrument.New(ctx,
		instrument.WithConnection(connection.Config{APIKey: "pk-at-..."}),
		instrument.WithOTLPEndpoint("http://localhost:4318"),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown(ctx)
}

// Observe traces one call; nested calls find their parent in the context.
func ExampleObserve() {
	ctx := context.Background()
	client, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: "file:///dev/null"}))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown(ctx)

	childFunction := func(ctx context.Context) (int, error) {
		// No client: this call nests under whatever ctx carries.
		return instrument.Observe(ctx, nil, "child_function", func(ctx context.Context) (int, error) {
			return 21, nil
		})
	}
	parentFunction := func(ctx context.Context) (int, error) {
		return instrument.Observe(ctx, client, "parent_function", func(ctx context.Context) (int, error) {
			n, err := childFunction(ctx)
			return 2 * n, err
		})
	}
	n, err := parentFunction(ctx)
	fmt.Println(n, err)
	// Output: 42 <nil>
}

// The decorator's options: a custom name, and what is captured.
func ExampleWrap() {
	ctx := context.Background()
	client, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: "file:///dev/null"}))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown(ctx)

	named := instrument.Wrap(client, "custom-name", func(_ context.Context, x int) (int, error) {
		return x * 2, nil
	})
	fullCapture := instrument.Wrap(client, "full_capture", func(_ context.Context, data map[string]int) (map[string]int, error) {
		return map[string]int{"result": data["value"] * 2}, nil
	}, instrument.WithCaptureInput(true), instrument.WithCaptureOutput(true))
	login := instrument.Wrap(client, "login", func(_ context.Context, password string) (bool, error) {
		return password != "", nil
	}, instrument.WithCaptureInput(false), instrument.WithType(instrument.TypeTool))

	a, _ := named(ctx, 21)
	b, _ := fullCapture(ctx, map[string]int{"value": 5})
	c, _ := login(ctx, "hunter2")
	fmt.Println(a, b["result"], c)
	// Output: 42 10 true
}

// Observations in goroutines keep their parents: pass the context.
func ExampleObserve_goroutines() {
	ctx := context.Background()
	client, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: "file:///dev/null"}))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown(ctx)

	ctx, tr := client.Trace(ctx, "fan-out")
	defer tr.End()
	g, ctx := errgroup.WithContext(ctx)
	answers := make([]string, 3)
	for i, q := range []string{"a", "b", "c"} {
		g.Go(func() (err error) {
			answers[i], err = instrument.Observe(ctx, nil, "ask-"+q, func(ctx context.Context) (string, error) {
				return callLLM(ctx, q)
			})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		log.Fatal(err)
	}
	fmt.Println(answers)
	// Output: [sorted(a) sorted(b) sorted(c)]
}

// Code without a handle adds to the current observation and its trace.
func ExampleFromContext() {
	lookup := func(ctx context.Context, key string) string {
		instrument.FromContext(ctx).SetMetadata(map[string]any{"cache": "hit", "key": key})
		instrument.TraceFromContext(ctx).SetUserID("user-123")
		return "value"
	}
	// Untraced, FromContext returns a no-op observation: the same code
	// runs with or without tracing.
	fmt.Println(lookup(context.Background(), "k"))
	// Output: value
}

// A stable trace id from the application's own key, to find the trace
// again (to score it, say).
func ExampleTraceIDFromSeed() {
	ctx := context.Background()
	client, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: "file:///dev/null"}))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown(ctx)

	id := instrument.TraceIDFromSeed("order-1234")
	_, tr := client.Trace(ctx, "checkout", instrument.WithTraceID(id))
	tr.End()
	fmt.Println(tr.TraceID())
	// Output: 71983129e5088fcbbb2be5a2e186253a
}

// A mask removes secrets from inputs, outputs and metadata before they are
// recorded.
func ExampleWithMask() {
	ctx := context.Background()
	mask := func(v any) any {
		if s, ok := v.(string); ok && strings.HasPrefix(s, "sk-") {
			return "[redacted]"
		}
		return v
	}
	client, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: "file:///dev/null"}), instrument.WithMask(mask))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown(ctx)
	_, tr := client.Trace(ctx, "t", instrument.WithInput("sk-secret")) // recorded as "[redacted]"
	tr.End()
	// Output:
}

// Testing instrumented code: record the client's spans with the
// OpenTelemetry SDK's tracetest and look at them.
func Example_testing() {
	ctx := context.Background()
	rec := tracetest.NewSpanRecorder()
	client, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: "file:///dev/null"}), instrument.WithSpanProcessor(rec))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown(ctx)

	ctx, tr := client.Trace(ctx, "chat")
	_, gen := tr.Generation(ctx, "gpt-call", instrument.WithModel("gpt-4"))
	gen.End()
	tr.End()

	for _, s := range rec.Ended() {
		for _, kv := range s.Attributes() {
			if kv.Key == "agenttrace.observation.type" {
				fmt.Println(s.Name(), kv.Value.AsString())
			}
		}
	}
	// Output:
	// gpt-call generation
	// chat span
}
