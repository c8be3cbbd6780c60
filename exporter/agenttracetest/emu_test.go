package agenttracetest

import "github.com/agenttrace/agenttrace-otel-go/internal/attestctl/emu"

// with makes an Option of an emulation setting, as package attestctl does
// for the SDK's other tests (which this package's tests cannot import).
func with(f func(*emu.Config)) Option {
	return optionFunc(func(c *config) { f(&c.Config) })
}
