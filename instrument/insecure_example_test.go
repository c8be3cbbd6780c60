package instrument_test

import (
	"context"
	"fmt"
	"log"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// A self-hosted server reached over plain HTTP on a private network: the
// API key travels unencrypted, so New refuses an http:// URL to a host that
// is not loopback unless WithInsecure (or AGENTTRACE_INSECURE=true) allows
// it. Prefer https://.
func ExampleWithInsecure() {
	ctx := context.Background()
	_, err := instrument.New(ctx,
		instrument.WithAPIURL("http://agenttrace.internal:3000"),
		instrument.WithAPIKey("pk-example"))
	fmt.Println(err != nil)

	client, err := instrument.New(ctx,
		instrument.WithAPIURL("http://agenttrace.internal:3000"),
		instrument.WithAPIKey("pk-example"),
		instrument.WithInsecure())
	if err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown(ctx)
	fmt.Println("allowed")
	// Output:
	// true
	// allowed
}
