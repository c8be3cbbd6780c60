package exporter

import (
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// TraceOwnerSampler returns a sampler that decides as base does and marks
// every span with the AgentTrace tracestate entry that says whether its
// process owns the span's trace (PROTOCOL.md A17, semconv.TraceStateKey):
//
//   - a span without a parent starts the trace: "o" (owner);
//   - a span whose remote parent carries the entry joins a trace that a
//     process of ours upstream owns: "j" (joined);
//   - a span whose remote parent carries no entry (a plain OpenTelemetry
//     gateway, another language upstream) makes this process the first of
//     ours on the path: "o";
//   - a span with a local parent keeps the parent's role.
//
// The entry also says whether the span is an AgentTrace observation (its
// attributes at start are AgentTrace, GenAI or OpenInference ones) and
// names the nearest observation above it, so that an observation whose
// parent is in another process, or is a span the exporter leaves out (an
// HTTP client or server span), still hangs under the right observation.
//
// The entry travels with traceparent to the next process, so exactly one
// process writes the trace row of a trace that crosses several; an
// exporter writes no row for a trace whose spans say "j". Other vendors'
// tracestate entries are kept.
//
// Package instrument installs it in its own TracerProvider. Install it in a
// TracerProvider of your own that exports to AgentTrace:
//
//	tp := sdktrace.NewTracerProvider(
//		sdktrace.WithSampler(exporter.TraceOwnerSampler(sdktrace.ParentBased(sdktrace.AlwaysSample()))),
//		sdktrace.WithSpanProcessor(exp.SpanProcessor()),
//	)
//
// Without it, spans carry no entry, and every process whose spans come in
// with a remote parent writes its own row for the trace.
//
// A nil base is the sampler the OpenTelemetry SDK would choose:
// OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG when set, else
// ParentBased(AlwaysSample()). The mark never fails a span: if the entry
// cannot be set, base's result is returned unchanged.
func TraceOwnerSampler(base sdktrace.Sampler) sdktrace.Sampler {
	if base == nil {
		base = samplerFromEnv()
	}
	return ownerSampler{base: base}
}

type ownerSampler struct{ base sdktrace.Sampler }

func (s ownerSampler) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	r := s.base.ShouldSample(p)
	parent := trace.SpanContextFromContext(p.ParentContext)
	m := mark{role: semconv.TraceStateOwner[0]}
	if parent.IsValid() {
		pm, marked := parseMark(parent.TraceState().Get(semconv.TraceStateKey))
		switch {
		case !parent.IsRemote() && !marked:
			return r // a local parent of a provider without this sampler
		case !parent.IsRemote():
			m.role = pm.role
		case marked:
			m.role = semconv.TraceStateJoined[0]
		}
		// The observation a child of this span hangs under when the spans
		// between are left out, here or in another process.
		m.ancestor = pm.ancestor
		if pm.observation {
			m.ancestor = parent.SpanID()
		}
	}
	for _, kv := range p.Attributes {
		if relevantKey(string(kv.Key)) {
			m.observation = true
			break
		}
	}
	ts, err := r.Tracestate.Insert(semconv.TraceStateKey, m.String())
	if err != nil {
		return r
	}
	r.Tracestate = ts
	return r
}

// mark is the value of the AgentTrace tracestate entry of a span:
// "<role>[+][:<ancestor>]" (semconv.TraceStateKey).
type mark struct {
	role byte // 'o' or 'j'
	// observation is true when the span is an AgentTrace observation, as
	// its attributes at start say ("+").
	observation bool
	// ancestor is the nearest observation above the span, zero when none.
	ancestor trace.SpanID
}

func (m mark) String() string {
	b := make([]byte, 0, 19)
	b = append(b, m.role)
	if m.observation {
		b = append(b, '+')
	}
	if m.ancestor.IsValid() {
		b = append(b, ':')
		b = hex.AppendEncode(b, m.ancestor[:])
	}
	return string(b)
}

// parseMark reads a tracestate value of the AgentTrace entry; it reports
// false when there is none or it is not one.
func parseMark(v string) (mark, bool) {
	if v == "" || v[0] != semconv.TraceStateOwner[0] && v[0] != semconv.TraceStateJoined[0] {
		return mark{}, false
	}
	m := mark{role: v[0]}
	v = v[1:]
	if strings.HasPrefix(v, "+") {
		m.observation, v = true, v[1:]
	}
	if len(v) == 17 && v[0] == ':' {
		if _, err := hex.Decode(m.ancestor[:], []byte(v[1:])); err != nil {
			m.ancestor = trace.SpanID{}
		}
	}
	return m, true
}

func (s ownerSampler) Description() string {
	return "TraceOwnerSampler{" + s.base.Description() + "}"
}

// samplerFromEnv returns the sampler OTEL_TRACES_SAMPLER and
// OTEL_TRACES_SAMPLER_ARG name, as the OpenTelemetry SDK reads them (its
// own reader is unexported), or ParentBased(AlwaysSample()) when unset. A
// value it cannot read is reported through otel.Handle and gives the
// default, again as the SDK does.
func samplerFromEnv() sdktrace.Sampler {
	def := sdktrace.ParentBased(sdktrace.AlwaysSample())
	name := strings.ToLower(strings.TrimSpace(os.Getenv("OTEL_TRACES_SAMPLER")))
	arg := strings.TrimSpace(os.Getenv("OTEL_TRACES_SAMPLER_ARG"))
	ratio := func() (sdktrace.Sampler, bool) {
		if arg == "" {
			return sdktrace.TraceIDRatioBased(1), true
		}
		f, err := strconv.ParseFloat(arg, 64)
		if err != nil || f < 0 || f > 1 {
			otel.Handle(fmt.Errorf("agenttrace: OTEL_TRACES_SAMPLER_ARG %q: want a ratio from 0 to 1", arg))
			return nil, false
		}
		return sdktrace.TraceIDRatioBased(f), true
	}
	switch name {
	case "", "parentbased_always_on":
		return def
	case "always_on":
		return sdktrace.AlwaysSample()
	case "always_off":
		return sdktrace.NeverSample()
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample())
	case "traceidratio":
		if r, ok := ratio(); ok {
			return r
		}
	case "parentbased_traceidratio":
		if r, ok := ratio(); ok {
			return sdktrace.ParentBased(r)
		}
	default:
		otel.Handle(fmt.Errorf("agenttrace: OTEL_TRACES_SAMPLER %q: unsupported sampler", name))
	}
	return def
}
