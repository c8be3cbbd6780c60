package prompts_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/prompts"
)

func TestVariables(t *testing.T) {
	tests := []struct {
		name string
		p    prompts.Prompt
		want []string
	}{
		{"none", prompts.Prompt{Text: "plain"}, nil},
		{"order of first appearance", prompts.Prompt{Text: "{{b}} {{a}} {{b}} {{_c9}}"}, []string{"b", "a", "_c9"}},
		{"not placeholders", prompts.Prompt{Text: "{{ a }} {{1a}} {{a-b}} {a} {{a} {{}} {{a b}}"}, nil},
		{"braces around", prompts.Prompt{Text: "{{{x}}} {{{{y}}}}"}, []string{"x", "y"}},
		{"adjacent", prompts.Prompt{Text: "{{a}}{{b}}"}, []string{"a", "b"}},
		{"chat, message by message", prompts.Prompt{Type: prompts.TypeChat, Messages: []prompts.Message{
			{Role: "system", Content: "You review {{language}}."},
			{Role: "user", Content: "{{code}} in {{language}}"},
		}}, []string{"language", "code"}},
		{"chat roles are not templates", prompts.Prompt{Type: prompts.TypeChat, Messages: []prompts.Message{
			{Role: "{{role}}", Content: "hi"},
		}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.p.Variables())
		})
	}
}

func TestCompile(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		vars    map[string]string
		want    string
		missing []string
	}{
		{"substitutes every occurrence", "{{a}} and {{a}} or {{b}}", map[string]string{"a": "1", "b": "2"}, "1 and 1 or 2", nil},
		{"extra variables are harmless", "Hi {{name}}", map[string]string{"name": "Ada", "unused": "x"}, "Hi Ada", nil},
		{"values are not rescanned", "{{a}}{{b}}", map[string]string{"a": "{{b}}", "b": "B"}, "{{b}}B", nil},
		{"empty value", "[{{a}}]", map[string]string{"a": ""}, "[]", nil},
		{"no placeholders", "plain {{ spaced }}", nil, "plain {{ spaced }}", nil},
		{"braces kept around", "{{{x}}}", map[string]string{"x": "1"}, "{1}", nil},
		{"names every missing variable", "{{language}} {{code}} {{style}} {{code}}", map[string]string{"style": "x"}, "", []string{"language", "code"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := prompts.Prompt{Name: "code-review", Type: prompts.TypeText, Text: tt.text}
			got, err := p.Compile(tt.vars)
			if tt.missing != nil {
				var me *prompts.MissingVariablesError
				require.True(t, errors.As(err, &me), "got %v", err)
				assert.Equal(t, tt.missing, me.Names)
				assert.Equal(t, "code-review", me.Prompt)
				assert.EqualError(t, err, `prompts: prompt "code-review": missing variables: language, code`)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestCompileChat(t *testing.T) {
	p := prompts.Prompt{Name: "review-chat", Type: prompts.TypeChat, Messages: []prompts.Message{
		{Role: "system", Content: "You review {{language}} code."},
		{Role: "user", Content: "Review:\n{{code}}"},
	}}
	msgs, err := p.CompileChat(map[string]string{"language": "Python", "code": `print("{{x}}")`})
	require.NoError(t, err)
	assert.Equal(t, []prompts.Message{
		{Role: "system", Content: "You review Python code."},
		{Role: "user", Content: "Review:\n" + `print("{{x}}")`},
	}, msgs)
	assert.Equal(t, "You review {{language}} code.", p.Messages[0].Content, "the prompt is not changed")

	_, err = p.CompileChat(map[string]string{"code": "x"})
	var me *prompts.MissingVariablesError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, []string{"language"}, me.Names)

	_, err = p.CompileChat(nil)
	require.ErrorAs(t, err, &me)
	assert.Equal(t, []string{"language", "code"}, me.Names)
}

func TestCompileWrongType(t *testing.T) {
	chat := prompts.Prompt{Name: "c", Type: prompts.TypeChat}
	_, err := chat.Compile(nil)
	assert.ErrorContains(t, err, "use CompileChat")
	text := prompts.Prompt{Name: "t", Type: prompts.TypeText}
	_, err = text.CompileChat(nil)
	assert.ErrorContains(t, err, "use Compile")
	byHand := prompts.Prompt{Text: "Hi {{n}}"} // no Type: text
	got, err := byHand.Compile(map[string]string{"n": "x"})
	require.NoError(t, err)
	assert.Equal(t, "Hi x", got)
}
