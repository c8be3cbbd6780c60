package semconv_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/semconv"
	"github.com/agenttrace/agenttrace-otel-go/semconv/internal/gen"
)

// TestGenAIIsPinnedCopy fails when genai.go differs from the gen_ai namespace
// of go.opentelemetry.io/otel/semconv/v1.41.0.
func TestGenAIIsPinnedCopy(t *testing.T) {
	src, err := gen.OTelSource(".")
	require.NoError(t, err)
	data, err := os.ReadFile(src)
	require.NoError(t, err)
	want, err := gen.GenAI(data)
	require.NoError(t, err)
	got, err := os.ReadFile("genai.go")
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "genai.go drifted: run go generate ./semconv")
}

// TestReadmeTable fails when the key table in README.md does not list exactly
// the keys declared in this package.
func TestReadmeTable(t *testing.T) {
	keys, err := gen.Keys(".")
	require.NoError(t, err)
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	want, err := gen.SpliceTable(readme, gen.Table(keys))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(readme), "README.md key table drifted: run go generate ./semconv")
}

// TestKeysAreDocumented fails when a key has no type or meaning, or when two
// constants declare the same attribute name.
func TestKeysAreDocumented(t *testing.T) {
	keys, err := gen.Keys(".")
	require.NoError(t, err)
	require.Greater(t, len(keys), 100)
	seen := map[string]string{}
	for _, k := range keys {
		assert.NotEmpty(t, k.Type, "%s has no Type line", k.Const)
		assert.NotEmpty(t, k.Meaning, "%s has no meaning", k.Const)
		if prev, dup := seen[k.Name]; dup {
			t.Errorf("%s and %s both declare %q", prev, k.Const, k.Name)
		}
		seen[k.Name] = k.Const
	}
}

func TestEnums(t *testing.T) {
	types := []string{"span", "generation", "event", "agent", "tool", "chain", "retriever",
		"embedding", "guardrail", "evaluator", "checkpoint", "file_operation", "terminal_command"}
	got := []string{}
	for _, kv := range []struct{ v string }{
		{semconv.ObservationTypeSpan.Value.AsString()}, {semconv.ObservationTypeGeneration.Value.AsString()},
		{semconv.ObservationTypeEvent.Value.AsString()}, {semconv.ObservationTypeAgent.Value.AsString()},
		{semconv.ObservationTypeTool.Value.AsString()}, {semconv.ObservationTypeChain.Value.AsString()},
		{semconv.ObservationTypeRetriever.Value.AsString()}, {semconv.ObservationTypeEmbedding.Value.AsString()},
		{semconv.ObservationTypeGuardrail.Value.AsString()}, {semconv.ObservationTypeEvaluator.Value.AsString()},
		{semconv.ObservationTypeCheckpoint.Value.AsString()}, {semconv.ObservationTypeFileOperation.Value.AsString()},
		{semconv.ObservationTypeTerminalCommand.Value.AsString()},
	} {
		got = append(got, kv.v)
	}
	assert.Equal(t, types, got)
	levels := strings.Join([]string{semconv.LevelDebug.Value.AsString(), semconv.LevelDefault.Value.AsString(),
		semconv.LevelWarning.Value.AsString(), semconv.LevelError.Value.AsString()}, ",")
	assert.Equal(t, "DEBUG,DEFAULT,WARNING,ERROR", levels)
}
