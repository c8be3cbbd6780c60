package exporter_test

import (
	"context"
	"fmt"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
)

// A plain http:// API URL to a host that is not loopback would send the API
// key unencrypted: New refuses it unless WithInsecure (or
// AGENTTRACE_INSECURE=true) says that is meant, for example for a
// self-hosted server on a private network.
func ExampleWithInsecure() {
	_, err := exporter.New(context.Background(),
		exporter.WithAPIURL("http://agenttrace.internal:3000"),
		exporter.WithAPIKey("pk-example"))
	fmt.Println(err)

	exp, err := exporter.New(context.Background(),
		exporter.WithAPIURL("http://agenttrace.internal:3000"),
		exporter.WithAPIKey("pk-example"),
		exporter.WithInsecure())
	fmt.Println(err)
	_ = exp.Shutdown(context.Background())
	// Output:
	// agenttrace exporter: API URL "http://agenttrace.internal:3000": plain HTTP to a host that is not loopback would send the API key unencrypted: use https://, or allow it with WithInsecure or AGENTTRACE_INSECURE=true
	// <nil>
}
