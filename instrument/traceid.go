package instrument

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// TraceIDFromSeed returns a trace id derived from seed: the first 16 bytes
// of the SHA-256 of seed, so its hex form is the first 32 hex digits of
// sha256(seed) (as other AgentTrace and Langfuse SDKs derive it). The same
// seed always gives the same id, in every process and language: use it with
// [WithTraceID] to give a trace an id the application can find again (to
// score it later, say).
func TraceIDFromSeed(seed string) trace.TraceID {
	sum := sha256.Sum256([]byte(seed))
	var id trace.TraceID
	copy(id[:], sum[:len(id)])
	return id
}

// ParseTraceID returns the trace id written as s: 32 hex digits, the form
// AgentTrace and OpenTelemetry show (either case, surrounding spaces
// ignored). Use it to score by id a trace whose id was stored or passed on
// as text. An id of the application's own, such as "trace-123", is not a
// trace id: derive one from it with [TraceIDFromSeed], when making the trace
// and when scoring it.
func ParseTraceID(s string) (trace.TraceID, error) {
	id, err := trace.TraceIDFromHex(strings.ToLower(strings.TrimSpace(s)))
	if err != nil {
		return trace.TraceID{}, fmt.Errorf("agenttrace: trace id %q: want 32 hex digits, not all zero (for an id of the application's own, use TraceIDFromSeed)", s)
	}
	return id, nil
}

// traceIDKey is the context key under which [Client.Trace] asks the ID
// generator for a given trace id.
type traceIDKey struct{}

var errTraceIDIgnored = errors.New("agenttrace: WithTraceID needs the client's own TracerProvider, or sdktrace.WithIDGenerator(instrument.NewIDGenerator()) on the provider given to WithTracerProvider: the trace got a random id")

// NewIDGenerator returns an [sdktrace.IDGenerator] that generates random
// ids, as the SDK's default does, and honours [WithTraceID]. The client's
// own TracerProvider uses it; install it on a provider given to
// [WithTracerProvider] to use WithTraceID there:
//
//	tp := sdktrace.NewTracerProvider(sdktrace.WithIDGenerator(instrument.NewIDGenerator()))
func NewIDGenerator() sdktrace.IDGenerator { return idGenerator{} }

type idGenerator struct{}

var _ sdktrace.IDGenerator = idGenerator{}

// NewIDs returns the trace id WithTraceID asked for in ctx, or a random
// one, and a random span id.
func (g idGenerator) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	id, _ := ctx.Value(traceIDKey{}).(trace.TraceID)
	for !id.IsValid() {
		binary.NativeEndian.PutUint64(id[:8], rand.Uint64())
		binary.NativeEndian.PutUint64(id[8:], rand.Uint64())
	}
	return id, g.NewSpanID(ctx, id)
}

// NewSpanID returns a random span id.
func (idGenerator) NewSpanID(context.Context, trace.TraceID) trace.SpanID {
	var id trace.SpanID
	for !id.IsValid() {
		binary.NativeEndian.PutUint64(id[:], rand.Uint64())
	}
	return id
}
