package connmerge

import (
	"net/http"
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"
)

func TestMerge(t *testing.T) {
	hc := &http.Client{}
	got := Merge(
		connection.Config{APIURL: "https://a.example", APIKey: "k1", Timeout: time.Second},
		connection.Config{APIKey: "k2", ProjectID: "p", Insecure: true, HTTPClient: hc, RetryBudget: -1},
	)
	want := connection.Config{APIURL: "https://a.example", APIKey: "k2", ProjectID: "p", Insecure: true,
		HTTPClient: hc, Timeout: time.Second, RetryBudget: -1}
	if got != want {
		t.Fatalf("got %v, want %v", got, want)
	}
}
