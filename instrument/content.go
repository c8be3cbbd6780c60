package instrument

import (
	"encoding/json"
	"fmt"
	"math"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"

	"github.com/agenttrace/agenttrace-otel-go/internal/jsonvalue"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// maskFailed stands for a value whose mask panicked.
const maskFailed = "[masking failed]"

// content returns captured content as the JSON text of its attribute: v
// after the mask, within the content budget.
func (c *Client) content(v any) string {
	if c.mask != nil {
		v = c.masked(v)
	}
	return jsonvalue.Encode(v, c.maxContentBytes)
}

// masked returns the mask's result for v, or a placeholder when it panics.
func (c *Client) masked(v any) (out any) {
	defer func() {
		if r := recover(); r != nil {
			otel.Handle(fmt.Errorf("agenttrace: mask: panic: %v", r))
			out = maskFailed
		}
	}()
	return c.mask(v)
}

// appendModelParameters appends the attributes of a generation's model
// parameters: all of them as JSON, and the well-known ones as
// gen_ai.request.* attributes.
func (c *Client) appendModelParameters(attrs []attribute.KeyValue, params map[string]any) []attribute.KeyValue {
	attrs = append(attrs, semconv.GenerationModelParametersKey.String(jsonvalue.Encode(params, c.maxContentBytes)))
	for k, v := range params {
		var key attribute.Key
		integer := false
		switch k {
		case "temperature":
			key = semconv.GenAIRequestTemperatureKey
		case "top_p", "topP":
			key = semconv.GenAIRequestTopPKey
		case "top_k", "topK":
			key = semconv.GenAIRequestTopKKey
		case "frequency_penalty", "frequencyPenalty":
			key = semconv.GenAIRequestFrequencyPenaltyKey
		case "presence_penalty", "presencePenalty":
			key = semconv.GenAIRequestPresencePenaltyKey
		case "max_tokens", "maxTokens", "max_completion_tokens", "max_output_tokens":
			key, integer = semconv.GenAIRequestMaxTokensKey, true
		case "seed":
			key, integer = semconv.GenAIRequestSeedKey, true
		case "stop", "stop_sequences":
			if stop, ok := stringList(v); ok {
				attrs = append(attrs, semconv.GenAIRequestStopSequencesKey.StringSlice(stop))
			}
			continue
		default:
			continue
		}
		f, ok := number(v)
		switch {
		case !ok:
		case integer && f == math.Trunc(f) && math.Abs(f) < 1<<63:
			attrs = append(attrs, key.Int64(int64(f)))
		case !integer:
			attrs = append(attrs, key.Float64(f))
		}
	}
	return attrs
}

// number returns v as a float64 when it is a finite number.
func number(v any) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case float32:
		f = float64(x)
	case int:
		f = float64(x)
	case int8:
		f = float64(x)
	case int16:
		f = float64(x)
	case int32:
		f = float64(x)
	case int64:
		f = float64(x)
	case uint:
		f = float64(x)
	case uint8:
		f = float64(x)
	case uint16:
		f = float64(x)
	case uint32:
		f = float64(x)
	case uint64:
		f = float64(x)
	case json.Number:
		var err error
		if f, err = x.Float64(); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	return f, !math.IsNaN(f) && !math.IsInf(f, 0)
}

// stringList returns v as a list of strings: a string, []string or []any
// of strings.
func stringList(v any) ([]string, bool) {
	switch x := v.(type) {
	case string:
		return []string{x}, true
	case []string:
		return x, true
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}
