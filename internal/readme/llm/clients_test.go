package llm_test

// README: both-clients
import (
	"github.com/anthropics/anthropic-sdk-go"
	anthropicoption "github.com/anthropics/anthropic-sdk-go/option"
	"github.com/openai/openai-go/v3"
	openaioption "github.com/openai/openai-go/v3/option"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/anthropictrace"
	"github.com/agenttrace/agenttrace-otel-go/instrument/openaitrace"
)

// newClients returns an OpenAI and an Anthropic client whose calls at
// traces.
func newClients(at *instrument.Client) (openai.Client, anthropic.Client) {
	oai := openai.NewClient(openaioption.WithMaxRetries(4), openaitrace.Option(at))
	claude := anthropic.NewClient(anthropicoption.WithMaxRetries(4), anthropictrace.Option(at))
	return oai, claude
}

// README end
