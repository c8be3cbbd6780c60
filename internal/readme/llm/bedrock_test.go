package llm_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/bedrocktrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmtest"
)

// suggestNovels streams a ConverseStream answer traced by bedrocktrace.
func suggestNovels(ctx context.Context, at *instrument.Client) error {
	// README: bedrock
	cfg, err := config.LoadDefaultConfig(ctx) // AWS credentials and region from the environment
	if err != nil {
		return err
	}
	client := bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) {
		bedrocktrace.AppendMiddlewares(&o.APIOptions, at)
	})

	ctx, tr := at.Trace(ctx, "library-assistant")
	defer tr.End()
	out, err := client.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{
		ModelId: aws.String("us.anthropic.claude-sonnet-4-20250514-v1:0"),
		Messages: []types.Message{{
			Role:    types.ConversationRoleUser,
			Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "Suggest two novels."}},
		}},
	})
	if err != nil {
		return err
	}
	stream := out.GetStream()
	for ev := range stream.Events() {
		if d, ok := ev.(*types.ConverseStreamOutputMemberContentBlockDelta); ok {
			if text, ok := d.Value.Delta.(*types.ContentBlockDeltaMemberText); ok {
				fmt.Print(text.Value)
			}
		}
	}
	return stream.Close()
	// README end
}

func TestBedrockStream(t *testing.T) {
	e := llmtest.New(t)
	e.LLM.Enqueue(llmtest.Answer(t, "bedrock_converse_stream"))
	// The AWS configuration the snippet loads: static credentials, the
	// replay server as the endpoint, no shared files or instance metadata.
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "",
		"AWS_REGION": "us-east-1", "AWS_PROFILE": "", "AWS_ENDPOINT_URL": e.LLM.URL,
		"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": e.LLM.URL, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "",
		"AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none, "AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}

	require.NoError(t, suggestNovels(t.Context(), e.Client))

	gen, _ := e.OneGeneration(t, onlyTrace(t, e))
	assert.Equal(t, "chat us.anthropic.claude-sonnet-4-20250514-v1:0", gen.Name)
	require.NotNil(t, gen.Usage)
	assert.Positive(t, gen.Usage.OutputTokens)
	assert.NotNil(t, gen.CompletionStartTime)
}
