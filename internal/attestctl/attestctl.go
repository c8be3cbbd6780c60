// Package attestctl gives the SDK's own tests what agenttracetest keeps out
// of its public API: the HEAD defects of the real server, fault injection
// (failed, reset, garbled, cut or hanging answers, latency, per-event
// failures, a server down or draining) and the server's tuning (rate limit,
// body limit, clock, event delay, extra keys).
//
//	srv := agenttracetest.NewServer(attestctl.WithRateLimit(10, time.Second))
//	defer srv.Close()
//	attestctl.Of(srv).FailNext(2, attestctl.Status(503))
//
// The options are agenttracetest.Options, to pass to
// agenttracetest.NewServer with the public ones.
package attestctl

import (
	"time"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl/emu"
)

// Defaults of the server, as the real AgentTrace server has them
// (exporter/PROTOCOL.md Part B §1 and §3).
const (
	DefaultMaxBodyBytes    = emu.DefaultMaxBodyBytes
	DefaultRateLimit       = emu.DefaultRateLimit
	DefaultRateLimitWindow = emu.DefaultRateLimitWindow
)

// Defect is a set of defects of the real server at HEAD; see
// [WithHEADDefects].
type Defect = emu.Defect

// The defects of the real server at HEAD, documented in package emu.
const (
	DefectPromptRouting        = emu.DefectPromptRouting
	DefectDropGenerationFields = emu.DefectDropGenerationFields
	DefectDropTraceFields      = emu.DefectDropTraceFields
	DefectFailTraceInsert      = emu.DefectFailTraceInsert
	DefectDatasets             = emu.DefectDatasets
)

// Fault is what the server does to a request instead of answering it
// normally; see [emu.Fault].
type Fault = emu.Fault

// Event is an ingestion event as a [Controls.SetItemFaults] function sees
// it.
type Event = emu.Event

// ItemError is a per-item failure of an ingestion request.
type ItemError = emu.ItemError

// Controls are a server's faults and emulation controls; see [emu.Controls]
// for each method.
type Controls = emu.Controls

// Of returns the controls of srv.
func Of(srv *agenttracetest.Server) Controls { return emu.ControlsOf(srv) }

// Status answers with the status code; see [emu.Status].
func Status(code int) Fault { return emu.Status(code) }

// ConnReset closes the connection with a TCP reset, without an answer.
func ConnReset() Fault { return emu.ConnReset() }

// Garbage answers 200 with a body that is not JSON.
func Garbage() Fault { return emu.Garbage() }

// Truncated answers 200 with a body cut short.
func Truncated() Fault { return emu.Truncated() }

// Hang never answers; see [emu.Hang].
func Hang() Fault { return emu.Hang() }

func option(f func(*emu.Config)) agenttracetest.Option {
	return emu.Option(f).(agenttracetest.Option)
}

// WithHEADDefects reproduces defects of the real server at HEAD; see
// [emu.WithHEADDefects].
func WithHEADDefects(d Defect) agenttracetest.Option { return option(emu.WithHEADDefects(d)) }

// WithAPIKeys adds public keys the server accepts; see [emu.WithAPIKeys].
func WithAPIKeys(publicKeys ...string) agenttracetest.Option {
	return option(emu.WithAPIKeys(publicKeys...))
}

// WithKeyPair adds a key pair the server accepts; see [emu.WithKeyPair].
func WithKeyPair(publicKey, secretKey string) agenttracetest.Option {
	return option(emu.WithKeyPair(publicKey, secretKey))
}

// WithSecretKeyBearer accepts a Bearer secret key of a known pair; see
// [emu.WithSecretKeyBearer].
func WithSecretKeyBearer() agenttracetest.Option { return option(emu.WithSecretKeyBearer()) }

// WithRateLimit sets the rate limit; see [emu.WithRateLimit].
func WithRateLimit(limit int, window time.Duration) agenttracetest.Option {
	return option(emu.WithRateLimit(limit, window))
}

// WithRateLimitPerKey counts requests per API key; see
// [emu.WithRateLimitPerKey].
func WithRateLimitPerKey() agenttracetest.Option { return option(emu.WithRateLimitPerKey()) }

// WithMaxBodyBytes sets the body size limit; see [emu.WithMaxBodyBytes].
func WithMaxBodyBytes(n int64) agenttracetest.Option { return option(emu.WithMaxBodyBytes(n)) }

// WithClock sets the server's clock; see [emu.WithClock].
func WithClock(now func() time.Time) agenttracetest.Option { return option(emu.WithClock(now)) }

// WithProjectID sets Server.ProjectID; see [emu.WithProjectID].
func WithProjectID(id string) agenttracetest.Option { return option(emu.WithProjectID(id)) }

// WithEventDelay makes the server spend d on every stored item; see
// [emu.WithEventDelay].
func WithEventDelay(d time.Duration) agenttracetest.Option { return option(emu.WithEventDelay(d)) }
