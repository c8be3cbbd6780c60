package readme_test

import (
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	otel.SetErrorHandler(handled)
	goleak.VerifyTestMain(m)
}

// handled keeps what the SDK reports through otel.Handle, which prints it
// to standard error by default.
var handled = &handlerLog{}

type handlerLog struct {
	mu   sync.Mutex
	msgs []string
}

func (h *handlerLog) Handle(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, strings.Split(err.Error(), "\n")...)
}

// take returns the messages handled since the previous call.
func (h *handlerLog) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	msgs := h.msgs
	h.msgs = nil
	return msgs
}
