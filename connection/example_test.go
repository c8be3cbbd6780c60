package connection_test

import (
	"context"
	"fmt"
	"log"

	"github.com/agenttrace/agenttrace-otel-go/connection"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// One Config goes to every client of the SDK; here, to the instrument
// client, which shares it with its exporter and prompt client.
func Example() {
	conn := connection.Config{
		APIURL: "https://agenttrace.internal.example",
		APIKey: "at-0123456789abcdef", // usually from AGENTTRACE_API_KEY
	}
	client, err := instrument.New(context.Background(), instrument.WithConnection(conn))
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		if err := client.Shutdown(context.Background()); err != nil {
			log.Print(err)
		}
	}()
	fmt.Println(conn)
	// Output: {APIURL:https://agenttrace.internal.example APIKey:at-...cdef ProjectID: Insecure:false Timeout:0s RetryBudget:0s}
}

// Resolve shows what the clients will use, and why they refuse a setting.
func ExampleConfig_Resolve() {
	_, err := connection.Config{APIURL: "http://agenttrace.internal.example", APIKey: "at-0123456789abcdef"}.Resolve()
	fmt.Println(err)
	// Output: API URL "http://agenttrace.internal.example": plain HTTP to a host that is not loopback would send the API key unencrypted: use https://, or allow it with Config.Insecure or AGENTTRACE_INSECURE=true
}
