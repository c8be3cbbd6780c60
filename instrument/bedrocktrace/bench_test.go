package bedrocktrace_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/smithy-go/middleware"

	"github.com/agenttrace/agenttrace-otel-go/instrument/bedrocktrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmtest"
)

// replayTransport answers every request in-process with a fixture's
// response (its frames concatenated for a stream).
type replayTransport struct {
	status int
	header http.Header
	body   []byte
}

func newReplayTransport(fixture string) *replayTransport {
	ex := llmreplay.MustLoad(fixture)
	rt := &replayTransport{status: ex.Response.Status, header: http.Header{}, body: ex.Response.Body}
	for k, v := range ex.Response.Headers {
		rt.header.Set(k, v)
	}
	if ex.Response.Frames != nil {
		rt.body = bytes.Join(ex.Response.Frames, nil)
	}
	return rt
}

func (rt *replayTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	return &http.Response{
		StatusCode: rt.status, Header: rt.header.Clone(), Body: io.NopCloser(bytes.NewReader(rt.body)),
		ContentLength: int64(len(rt.body)), Request: req, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}, nil
}

// benchClient returns a client whose calls are answered in-process.
func benchClient(rt http.RoundTripper, apiOptions []func(*middleware.Stack) error) *bedrockruntime.Client {
	cfg := aws.Config{
		Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, nil
		}),
		HTTPClient:   &http.Client{Transport: rt},
		APIOptions:   apiOptions,
		BaseEndpoint: aws.String("http://bedrock.invalid"),
	}
	return bedrockruntime.NewFromConfig(cfg)
}

// BenchmarkConverse compares a traced call with the untraced call on the
// same in-process answer.
func BenchmarkConverse(b *testing.B) {
	run := func(b *testing.B, traced bool, fixture string, call func(context.Context, *bedrockruntime.Client) error) {
		ctx := context.Background()
		var apiOptions []func(*middleware.Stack) error
		if traced {
			e := llmtest.New(b)
			bedrocktrace.AppendMiddlewares(&apiOptions, e.Client)
			var tr interface{ End() }
			ctx, tr = e.Client.Trace(ctx, "bench")
			defer tr.End()
		}
		c := benchClient(newReplayTransport(fixture), apiOptions)
		b.ReportAllocs()
		for b.Loop() {
			if err := call(ctx, c); err != nil {
				b.Fatal(err)
			}
		}
	}
	converse := func(ctx context.Context, c *bedrockruntime.Client) error {
		_, err := c.Converse(ctx, toolInput())
		return err
	}
	stream := func(ctx context.Context, c *bedrockruntime.Client) error {
		out, err := c.ConverseStream(ctx, streamInput(toolInput()))
		if err != nil {
			return err
		}
		return readStream(out)
	}
	for _, bc := range []struct {
		name, fixture string
		call          func(context.Context, *bedrockruntime.Client) error
	}{
		{"converse", "bedrock_converse_tool_use", converse},
		{"stream", "bedrock_converse_stream_tool_use", stream},
	} {
		b.Run(bc.name+"/baseline", func(b *testing.B) { run(b, false, bc.fixture, bc.call) })
		b.Run(bc.name+"/ours", func(b *testing.B) { run(b, true, bc.fixture, bc.call) })
	}
}
