package instrument_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// Do traces a step that returns only an error: the error is recorded on the
// observation (level ERROR) and returned unchanged.
func ExampleDo() {
	ctx := context.Background()
	client, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: "file:///dev/null"}))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown(ctx)

	errNoStock := errors.New("out of stock")
	err = instrument.Do(ctx, client, "reserve-item", func(ctx context.Context) error {
		return errNoStock
	}, instrument.WithType(instrument.TypeTool), instrument.WithInput(map[string]any{"sku": "B-17"}))
	fmt.Println(errors.Is(err, errNoStock))
	// Output: true
}

// A model call made outside any trace is a trace of its own, whose root
// observation is the generation.
func ExampleClient_Generation() {
	ctx := context.Background()
	client, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: "file:///dev/null"}))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown(ctx)

	_, gen := client.Generation(ctx, "classify-ticket",
		instrument.WithModel("gpt-4.1-mini"),
		instrument.WithUserID("customer-4711"), // trace-level options describe the new trace
		instrument.WithInput("My parcel never arrived."))
	gen.SetOutput("delivery")
	gen.SetUsage(instrument.Usage{InputTokens: 14, OutputTokens: 1})
	gen.End()
	fmt.Println(gen.TraceID().IsValid())
	// Output: true
}
