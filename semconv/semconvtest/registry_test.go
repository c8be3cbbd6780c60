package semconvtest

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"

	"github.com/agenttrace/agenttrace-otel-go/semconv/internal/gen"
)

// TestRegistryIsGenerated fails when registry.go differs from what the
// generator makes of package semconv's declarations.
func TestRegistryIsGenerated(t *testing.T) {
	keys, err := gen.Keys("..")
	require.NoError(t, err)
	want, err := gen.Registry(keys)
	require.NoError(t, err)
	got, err := os.ReadFile("registry.go")
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "registry.go drifted: run go generate ./semconv")
	assert.Equal(t, gen.GenAIVersion, genAIVersion)
}

func TestRegistryContents(t *testing.T) {
	keys, err := gen.Keys("..")
	require.NoError(t, err)
	var genAI, agentTrace, dep int
	for _, k := range keys {
		switch {
		case k.Deprecated != "":
			if _, ok := deprecated[attribute.Key(k.Name)]; ok {
				dep++
			}
		case known[attribute.Key(k.Name)] && strings.HasPrefix(k.Name, "gen_ai."):
			genAI++
		case known[attribute.Key(k.Name)]:
			agentTrace++
		}
	}
	assert.Greater(t, genAI, 40, "the gen_ai keys of v1.41.0")
	assert.Greater(t, agentTrace, 40, "the agenttrace keys")
	assert.Equal(t, len(deprecated), dep)
	assert.Equal(t, len(known), genAI+agentTrace, "nothing but gen_ai and agenttrace keys")
}
