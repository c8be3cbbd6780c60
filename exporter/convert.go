package exporter

import (
	"math"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter/internal/wire"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// span is what conversion finds in one ended OTel span: its observation, the
// trace-level fields it carries, and the agent record it describes.
type span struct {
	traceID trace.TraceID
	spanID  trace.SpanID
	// parentID is the span's AgentTrace parent: agenttrace.observation.parent_id
	// when set, else the OTel parent. Zero for a root.
	parentID trace.SpanID
	// explicitParent is true when parentID came from
	// agenttrace.observation.parent_id.
	explicitParent bool
	// localRoot is true when the span has no parent in this process.
	localRoot bool
	// joined is true when the span's tracestate says its process joined a
	// trace owned by a process upstream (semconv.TraceStateJoined, A17).
	joined bool
	// ancestor is the nearest observation above the span, from its
	// tracestate: its AgentTrace parent when its parent is remote.
	ancestor trace.SpanID
	// relevant is true when the span carries AgentTrace, GenAI or
	// OpenInference attributes.
	relevant bool
	// keep is the filter's verdict: the span becomes an observation.
	keep bool
	// trusted is true for spans of the AgentTrace instrumentation under the
	// default filter: their OTel parent is an exported AgentTrace span
	// unless agenttrace.observation.parent_id says otherwise, so they never
	// need re-parenting.
	trusted bool
	// eventType is span-create, generation-create or event-create.
	eventType string
	obsType   string
	obs       wire.Observation
	trace     traceFields
	// traceStart is agenttrace.trace.start_time, zero when absent.
	traceStart time.Time
	// record is the REST body of a checkpoint, file operation or terminal
	// command span; nil otherwise.
	record *agentRecord
	// scope is the instrumentation scope name.
	scope string
}

// traceFields are the trace-level attributes of one span. A nil slice or
// empty string means "not set on this span".
type traceFields struct {
	name, userID, sessionID, release, version string
	tags                                      []string
	metadata, input, output                   string // JSON
	public                                    bool
	publicSet                                 bool
}

// merge copies the fields set in f over t.
func (t *traceFields) merge(f *traceFields) bool {
	changed := false
	setS := func(dst *string, v string) {
		if v != "" && *dst != v {
			*dst, changed = v, true
		}
	}
	setJ := func(dst *string, v string) {
		if v != "" && *dst != v {
			*dst, changed = v, true
		}
	}
	setS(&t.name, f.name)
	setS(&t.userID, f.userID)
	setS(&t.sessionID, f.sessionID)
	setS(&t.release, f.release)
	setS(&t.version, f.version)
	if f.tags != nil && strings.Join(t.tags, "\x00") != strings.Join(f.tags, "\x00") {
		t.tags, changed = f.tags, true
	}
	setJ(&t.metadata, f.metadata)
	setJ(&t.input, f.input)
	setJ(&t.output, f.output)
	if f.publicSet && (!t.publicSet || t.public != f.public) {
		t.public, t.publicSet, changed = f.public, true, true
	}
	return changed
}

func (t *traceFields) empty() bool {
	return t.name == "" && t.userID == "" && t.sessionID == "" && t.release == "" && t.version == "" &&
		t.tags == nil && t.metadata == "" && t.input == "" && t.output == "" && !t.publicSet
}

// genAI collects the GenAI attributes of a span, current names first and
// deprecated or OpenInference names as fallbacks.
type genAI struct {
	operation, provider, requestModel, responseModel, responseID string
	finishReasons                                                []string
	params                                                       string // agenttrace.generation.model_parameters
	llmParams                                                    string // llm.invocation_parameters
	reqParams                                                    []attribute.KeyValue
	input, output                                                string
	usage                                                        wire.Usage
	usageSet                                                     bool
	totalSet                                                     bool
	usageUnavailable                                             string
	completionStart                                              int64
	ttfc                                                         float64
	promptName                                                   string
	promptVersion                                                int64
	oiKind                                                       string
}

// convert turns one ended span into its AgentTrace form. It is a pure
// function of the span.
func convert(s sdktrace.ReadOnlySpan, textLimit int) span {
	var out span
	convertInto(&out, s, textLimit)
	return out
}

// convertInto is convert writing into *out, which must be zero: the
// exporter converts into a pooled slice without copying spans around.
func convertInto(out *span, s sdktrace.ReadOnlySpan, textLimit int) {
	sc := s.SpanContext()
	out.traceID = sc.TraceID()
	out.spanID = sc.SpanID()
	out.scope = s.InstrumentationScope().Name
	parent := s.Parent()
	if parent.IsValid() {
		out.parentID = parent.SpanID()
		out.localRoot = parent.IsRemote()
	} else {
		out.localRoot = true
	}
	if m, ok := parseMark(sc.TraceState().Get(semconv.TraceStateKey)); ok {
		out.joined = m.role == semconv.TraceStateJoined[0]
		out.ancestor = m.ancestor
	}

	var (
		g             genAI
		level, status string
		metadata      string
		unmapped      []attribute.KeyValue
		rec           recordAttrs
	)
	for _, kv := range s.Attributes() {
		k := string(kv.Key)
		if !out.relevant && relevantKey(k) {
			out.relevant = true
		}
		switch {
		case strings.HasPrefix(k, "agenttrace."):
			if !out.agentTraceAttr(kv, &g, &level, &status, &metadata, &rec) {
				unmapped = append(unmapped, kv)
			}
		case strings.HasPrefix(k, "gen_ai."):
			if !g.attr(kv) && !rec.attr(kv) {
				unmapped = append(unmapped, kv)
			}
		case out.otherAttr(kv, &g, &metadata, &rec):
		default:
			unmapped = append(unmapped, kv)
		}
	}

	ob := &out.obs
	ob.ID = sc.SpanID()
	ob.TraceID = sc.TraceID()
	ob.Name = s.Name()
	ob.StartTime = s.StartTime()
	ob.EndTime = s.EndTime()
	ob.Parent = out.parentID
	ob.StatusMessage = status
	ob.Level = normalizeLevel(level)
	if st := s.Status(); st.Code == codes.Error {
		ob.Level = "ERROR"
		if ob.StatusMessage == "" {
			ob.StatusMessage = st.Description
		}
	}
	if ob.Input == "" {
		ob.Input = g.input
	}
	if ob.Output == "" {
		ob.Output = g.output
	}

	if out.obsType == "" {
		out.obsType = g.inferType()
	}
	switch out.obsType {
	case "generation", "embedding":
		out.eventType = wire.TypeGenerationCreate
		g.fill(ob, s.StartTime())
	case "event":
		out.eventType = wire.TypeEventCreate
		ob.EndTime = time.Time{}
	default:
		out.eventType = wire.TypeSpanCreate
	}
	if out.obsType == "" {
		out.obsType = "span"
	}

	ob.Metadata = metadata
	if out.obsType != "span" && out.obsType != "generation" && out.obsType != "event" {
		ob.AddExtra(wire.Member{Key: "observationType", Str: out.obsType})
	}
	if out.eventType == wire.TypeGenerationCreate {
		g.metadata(ob)
	}
	if len(unmapped) > 0 {
		ob.AddExtra(wire.Member{Key: "attributes", Raw: attrsJSON(unmapped)})
	}
	if n := s.DroppedAttributes(); n > 0 {
		// The SDK's span limits dropped attributes: say so where the
		// observation is looked at.
		ob.AddExtra(wire.Member{Key: "droppedAttributes", Raw: strconv.Itoa(n)})
	}

	switch out.obsType {
	case "checkpoint", "file_operation", "terminal_command":
		out.record = rec.build(out.obsType, ob, textLimit)
	}
}

// agentTraceAttr reads one agenttrace.* attribute; it reports whether the
// key is known.
func (out *span) agentTraceAttr(kv attribute.KeyValue, g *genAI, level, status, metadata *string, rec *recordAttrs) bool {
	ob := &out.obs
	switch kv.Key {
	case semconv.ObservationTypeKey:
		out.obsType = strings.ToLower(kv.Value.String())
	case semconv.ObservationInputKey:
		ob.Input = jsonAttr(kv.Value)
	case semconv.ObservationOutputKey:
		ob.Output = jsonAttr(kv.Value)
	case semconv.ObservationMetadataKey:
		*metadata = jsonAttr(kv.Value)
	case semconv.ObservationLevelKey:
		*level = kv.Value.String()
	case semconv.ObservationStatusMessageKey:
		*status = kv.Value.String()
	case semconv.ObservationVersionKey:
		ob.Version = kv.Value.String()
	case semconv.ObservationParentIDKey:
		if id, err := trace.SpanIDFromHex(kv.Value.String()); err == nil {
			out.parentID, out.explicitParent = id, true
		}
	case semconv.TraceNameKey:
		out.trace.name = kv.Value.String()
	case semconv.TraceUserIDKey:
		out.trace.userID = kv.Value.String()
	case semconv.TraceSessionIDKey:
		out.trace.sessionID = kv.Value.String()
	case semconv.TraceTagsKey:
		out.trace.tags = stringSlice(kv.Value)
	case semconv.TraceMetadataKey:
		out.trace.metadata = jsonAttr(kv.Value)
	case semconv.TracePublicKey:
		out.trace.public, out.trace.publicSet = kv.Value.AsBool(), true
	case semconv.TraceReleaseKey:
		out.trace.release = kv.Value.String()
	case semconv.TraceVersionKey:
		out.trace.version = kv.Value.String()
	case semconv.TraceInputKey:
		out.trace.input = jsonAttr(kv.Value)
	case semconv.TraceOutputKey:
		out.trace.output = jsonAttr(kv.Value)
	case semconv.TraceStartTimeKey:
		if n := kv.Value.AsInt64(); n > 0 {
			out.traceStart = time.Unix(0, n)
		}
	case semconv.GenerationModelParametersKey:
		g.params = jsonAttr(kv.Value)
	case semconv.GenerationUsageTotalTokensKey:
		g.usage.Total, g.usageSet, g.totalSet = intAttr(kv.Value), true, true
	case semconv.GenerationUsageUnavailableKey:
		g.usageUnavailable = kv.Value.String()
	case semconv.GenerationCompletionStartTimeKey:
		g.completionStart = kv.Value.AsInt64()
	case semconv.GenerationPromptVersionKey:
		g.promptVersion = intAttr(kv.Value)
	default:
		return rec.attr(kv)
	}
	return true
}

// otherAttr reads OpenInference keys and the OTel keys AgentTrace reuses; it
// reports whether the key is known.
func (out *span) otherAttr(kv attribute.KeyValue, g *genAI, metadata *string, rec *recordAttrs) bool {
	switch kv.Key {
	case semconv.UserIDKey:
		if out.trace.userID == "" {
			out.trace.userID = kv.Value.String()
		}
	case semconv.SessionIDKey:
		if out.trace.sessionID == "" {
			out.trace.sessionID = kv.Value.String()
		}
	case semconv.OpenInferenceSpanKindKey:
		g.oiKind = strings.ToUpper(kv.Value.String())
	case semconv.LLMModelNameKey:
		if g.requestModel == "" {
			g.requestModel = kv.Value.String()
		}
	case semconv.LLMProviderKey, semconv.LLMSystemKey:
		if g.provider == "" {
			g.provider = kv.Value.String()
		}
	case semconv.LLMInvocationParametersKey:
		g.llmParams = jsonAttr(kv.Value)
	case semconv.LLMTokenCountPromptKey:
		g.setUsage(&g.usage.Input, kv, false)
	case semconv.LLMTokenCountCompletionKey:
		g.setUsage(&g.usage.Output, kv, false)
	case semconv.LLMTokenCountTotalKey:
		if !g.totalSet {
			g.usage.Total, g.usageSet, g.totalSet = intAttr(kv.Value), true, true
		}
	case semconv.LLMTokenCountPromptCacheReadKey:
		g.setUsage(&g.usage.CacheRead, kv, false)
	case semconv.LLMTokenCountPromptCacheWriteKey:
		g.setUsage(&g.usage.CacheCreation, kv, false)
	case semconv.InputValueKey:
		if out.obs.Input == "" && g.input == "" {
			g.input = valueAttr(kv.Value)
		}
	case semconv.OutputValueKey:
		if out.obs.Output == "" && g.output == "" {
			g.output = valueAttr(kv.Value)
		}
	case semconv.AnthropicMessageStopReasonKey:
		if g.finishReasons == nil {
			g.finishReasons = []string{kv.Value.String()}
		}
	case semconv.InputMimeTypeKey, semconv.OutputMimeTypeKey:
	case semconv.OpenInferenceMetadataKey:
		if *metadata == "" {
			*metadata = jsonAttr(kv.Value)
		}
	case semconv.OpenInferenceTagsKey:
		if out.trace.tags == nil {
			out.trace.tags = stringSlice(kv.Value)
		}
	default:
		return rec.attr(kv)
	}
	return true
}

// attr reads one gen_ai.* attribute; it reports whether the key is known.
func (g *genAI) attr(kv attribute.KeyValue) bool {
	switch kv.Key {
	case semconv.GenAIOperationNameKey:
		g.operation = kv.Value.String()
	case semconv.GenAIProviderNameKey:
		g.provider = kv.Value.String()
	case semconv.GenAISystemKey:
		if g.provider == "" {
			g.provider = kv.Value.String()
		}
	case semconv.GenAIRequestModelKey:
		g.requestModel = kv.Value.String()
	case semconv.GenAIResponseModelKey:
		g.responseModel = kv.Value.String()
	case semconv.GenAIResponseIDKey:
		g.responseID = kv.Value.String()
	case semconv.GenAIResponseFinishReasonsKey:
		g.finishReasons = stringSlice(kv.Value)
	case semconv.GenAIResponseTimeToFirstChunkKey:
		g.ttfc = kv.Value.AsFloat64()
	case semconv.GenAIUsageInputTokensKey:
		g.setUsage(&g.usage.Input, kv, true)
	case semconv.GenAIUsagePromptTokensKey:
		g.setUsage(&g.usage.Input, kv, false)
	case semconv.GenAIUsageOutputTokensKey:
		g.setUsage(&g.usage.Output, kv, true)
	case semconv.GenAIUsageCompletionTokensKey:
		g.setUsage(&g.usage.Output, kv, false)
	case semconv.GenAIUsageCacheReadInputTokensKey:
		g.setUsage(&g.usage.CacheRead, kv, true)
	case semconv.GenAIUsageCacheReadInputTokensDeprecatedKey:
		g.setUsage(&g.usage.CacheRead, kv, false)
	case semconv.GenAIUsageCacheCreationInputTokensKey:
		g.setUsage(&g.usage.CacheCreation, kv, true)
	case semconv.GenAIUsageCacheCreationInputTokensDeprecatedKey, semconv.GenAIUsageCacheWriteInputTokensKey:
		g.setUsage(&g.usage.CacheCreation, kv, false)
	case semconv.GenAIUsageReasoningOutputTokensKey:
		g.setUsage(&g.usage.Reasoning, kv, true)
	case semconv.GenAIInputMessagesKey:
		g.input = jsonAttr(kv.Value)
	case semconv.GenAIPromptKey:
		if g.input == "" {
			g.input = jsonAttr(kv.Value)
		}
	case semconv.GenAIOutputMessagesKey:
		g.output = jsonAttr(kv.Value)
	case semconv.GenAICompletionKey:
		if g.output == "" {
			g.output = jsonAttr(kv.Value)
		}
	case semconv.GenAIPromptNameKey:
		g.promptName = kv.Value.String()
	case semconv.GenAIRequestTemperatureKey, semconv.GenAIRequestMaxTokensKey, semconv.GenAIRequestTopPKey,
		semconv.GenAIRequestTopKKey, semconv.GenAIRequestFrequencyPenaltyKey, semconv.GenAIRequestPresencePenaltyKey,
		semconv.GenAIRequestSeedKey, semconv.GenAIRequestStopSequencesKey, semconv.GenAIRequestChoiceCountKey,
		semconv.GenAIOpenAIRequestSeedKey:
		g.reqParams = append(g.reqParams, kv)
	default:
		return false
	}
	return true
}

// setUsage sets a token count; a current key wins over a deprecated one
// whatever their order.
func (g *genAI) setUsage(dst *int64, kv attribute.KeyValue, current bool) {
	if current || *dst == 0 {
		*dst = intAttr(kv.Value)
	}
	g.usageSet = true
}

// inferType returns the observation type of a span without
// agenttrace.observation.type.
func (g *genAI) inferType() string {
	switch g.operation {
	case "chat", "text_completion", "generate_content":
		return "generation"
	case "embeddings":
		return "embedding"
	case "execute_tool":
		return "tool"
	case "invoke_agent", "create_agent":
		return "agent"
	case "retrieval":
		return "retriever"
	case "invoke_workflow":
		return "chain"
	}
	switch g.oiKind {
	case "LLM":
		return "generation"
	case "EMBEDDING":
		return "embedding"
	case "CHAIN":
		return "chain"
	case "TOOL":
		return "tool"
	case "AGENT":
		return "agent"
	case "RETRIEVER", "RERANKER":
		return "retriever"
	case "GUARDRAIL":
		return "guardrail"
	case "EVALUATOR":
		return "evaluator"
	}
	if g.requestModel != "" || g.responseModel != "" || g.usageSet {
		return "generation"
	}
	return ""
}

// fill sets the generation fields of ob.
func (g *genAI) fill(ob *wire.Observation, start time.Time) {
	ob.Model = g.requestModel
	if ob.Model == "" {
		ob.Model = g.responseModel
	}
	switch {
	case g.params != "":
		ob.ModelParameters = g.params
	case len(g.reqParams) > 0:
		ob.ModelParameters = paramsJSON(g.reqParams)
	case g.llmParams != "":
		ob.ModelParameters = g.llmParams
	}
	if g.usageSet && g.usageUnavailable == "" {
		ob.Usage, ob.HasUsage = g.usage, true
		if !g.totalSet {
			ob.Usage.Total = ob.Usage.Input + ob.Usage.Output
		}
	}
	switch {
	case g.completionStart > 0:
		ob.CompletionStartTime = time.Unix(0, g.completionStart)
	case g.ttfc > 0 && !math.IsInf(g.ttfc, 0):
		ob.CompletionStartTime = start.Add(time.Duration(g.ttfc * float64(time.Second)))
	}
	ob.PromptName = g.promptName
	ob.PromptVersion = g.promptVersion
}

// metadata adds the generation details that have no field of their own to
// the observation's metadata.
func (g *genAI) metadata(ob *wire.Observation) {
	if g.provider != "" {
		ob.AddExtra(wire.Member{Key: "provider", Str: g.provider})
	}
	if g.responseModel != "" && g.responseModel != g.requestModel {
		ob.AddExtra(wire.Member{Key: "responseModel", Str: g.responseModel})
	}
	if g.responseID != "" {
		ob.AddExtra(wire.Member{Key: "responseId", Str: g.responseID})
	}
	if len(g.finishReasons) > 0 {
		ob.AddExtra(wire.Member{Key: "finishReasons", Raw: string(wire.AppendStrings(nil, g.finishReasons))})
	}
	if g.usageUnavailable != "" {
		ob.AddExtra(wire.Member{Key: "usageUnavailable", Str: g.usageUnavailable})
	}
}

// paramsJSON builds modelParameters from gen_ai.request.* attributes, named
// as the providers name them (temperature, max_tokens, top_p, ...).
func paramsJSON(kvs []attribute.KeyValue) string {
	o := wire.Begin(nil)
	for _, kv := range kvs {
		name := strings.TrimPrefix(strings.TrimPrefix(string(kv.Key), "gen_ai.openai.request."), "gen_ai.request.")
		switch name {
		case "stop_sequences":
			name = "stop"
		case "choice.count":
			name = "n"
		}
		o.Key(name)
		o.B = appendValue(o.B, kv.Value)
	}
	return string(o.End())
}

// normalizeLevel maps a level to one of the four the server accepts (A6).
func normalizeLevel(l string) string {
	switch strings.ToUpper(strings.TrimSpace(l)) {
	case "DEBUG", "TRACE":
		return "DEBUG"
	case "WARNING", "WARN":
		return "WARNING"
	case "ERROR", "FATAL", "CRITICAL":
		return "ERROR"
	}
	return "DEFAULT"
}

// jsonAttr returns the JSON text of an attribute declared as JSON: its
// string value when that is valid JSON, else the value encoded as JSON (so
// a plain string becomes a JSON string).
func jsonAttr(v attribute.Value) string {
	if v.Type() == attribute.STRING {
		s := v.AsString()
		if s == "" {
			return ""
		}
		if validJSON(s) {
			return s
		}
	}
	return string(appendValue(nil, v))
}

func validJSON(s string) bool { return wire.Valid(s) }

// valueAttr returns the JSON of an OpenInference input.value/output.value:
// JSON text as it is when it parses as an object or array, else the value
// as a JSON string.
func valueAttr(v attribute.Value) string {
	if v.Type() == attribute.STRING {
		s := strings.TrimSpace(v.AsString())
		if s == "" {
			return ""
		}
		if (s[0] == '{' || s[0] == '[') && validJSON(s) {
			return s
		}
	}
	return string(appendValue(nil, v))
}

func intAttr(v attribute.Value) int64 {
	switch v.Type() {
	case attribute.INT64:
		return v.AsInt64()
	case attribute.FLOAT64:
		f := v.AsFloat64()
		if f != f || math.IsInf(f, 0) {
			return 0
		}
		return int64(f)
	}
	return 0
}

func stringSlice(v attribute.Value) []string {
	if v.Type() == attribute.STRINGSLICE {
		s := v.AsStringSlice()
		if s == nil {
			return []string{}
		}
		return s
	}
	if s := v.String(); s != "" {
		return []string{s}
	}
	return []string{}
}

// appendValue appends an attribute value as JSON. Non-finite floats become
// strings, since JSON has no NaN.
func appendValue(b []byte, v attribute.Value) []byte {
	switch v.Type() {
	case attribute.BOOL:
		if v.AsBool() {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case attribute.INT64:
		return strconv.AppendInt(b, v.AsInt64(), 10)
	case attribute.FLOAT64:
		return appendFloat(b, v.AsFloat64())
	case attribute.STRING:
		return wire.AppendString(b, v.AsString())
	case attribute.BOOLSLICE:
		b = append(b, '[')
		for i, x := range v.AsBoolSlice() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, attribute.BoolValue(x))
		}
		return append(b, ']')
	case attribute.INT64SLICE:
		b = append(b, '[')
		for i, x := range v.AsInt64Slice() {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, x, 10)
		}
		return append(b, ']')
	case attribute.FLOAT64SLICE:
		b = append(b, '[')
		for i, x := range v.AsFloat64Slice() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendFloat(b, x)
		}
		return append(b, ']')
	case attribute.STRINGSLICE:
		return wire.AppendStrings(b, v.AsStringSlice())
	}
	return wire.AppendString(b, v.String())
}

// appendFloat appends a float as a JSON number, or as a string when it is
// not finite.
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return wire.AppendString(b, strconv.FormatFloat(f, 'g', -1, 64))
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

// attrsJSON encodes attributes as one JSON object.
func attrsJSON(kvs []attribute.KeyValue) string {
	b := make([]byte, 0, 32*len(kvs))
	b = append(b, '{')
	for i, kv := range kvs {
		if i > 0 {
			b = append(b, ',')
		}
		b = wire.AppendString(b, string(kv.Key))
		b = append(b, ':')
		b = appendValue(b, kv.Value)
	}
	return string(append(b, '}'))
}
