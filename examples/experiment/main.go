// Command experiment runs a small question-answering agent over a 20-item
// dataset, scores its answers with two evaluators, prints the result's
// table and its comparison with a stored baseline, and exits non-zero on a
// regression.
//
// The agent's model answers are replayed from data/answers.json (no key
// needed): -model v1 is the model of the baseline, -model v2 a prompt change
// that broke three answers. The traces, scores and the dataset run go to an
// AgentTrace-compatible server started in-process (agenttracetest), in its
// intended mode, or with -head as the AgentTrace server at the commit its
// protocol describes, whose dataset routes fail (a warning; the traces and
// scores are delivered all the same).
//
//	go run ./examples/experiment            # no regression: exit 0
//	go run ./examples/experiment -model v2  # regression: exit 1
//	go run ./examples/experiment -update -baseline examples/experiment/data/baseline.json
package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"
	"github.com/agenttrace/agenttrace-otel-go/experiments"
	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/scores"
)

//go:embed data
var data embed.FS

// errRegression is the error of a run that regressed.
var errRegression = errors.New("regression against the baseline")

func main() {
	var o options
	flag.StringVar(&o.model, "model", "v1", "replayed model answers: v1 (the baseline's) or v2 (a broken prompt)")
	flag.StringVar(&o.baseline, "baseline", "", "baseline file (default: the stored data/baseline.json)")
	flag.BoolVar(&o.update, "update", false, "save this run as -baseline instead of comparing")
	flag.BoolVar(&o.head, "head", false, "serve with the AgentTrace server's HEAD defects")
	flag.Parse()

	var srvOpts []agenttracetest.Option
	if o.head {
		srvOpts = append(srvOpts, headDefects)
	}
	srv := agenttracetest.NewServer(srvOpts...)
	defer srv.Close()
	err := run(context.Background(), srv, o, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "experiment:", err)
		srv.Close()
		os.Exit(1)
	}
}

type options struct {
	model, baseline string
	update, head    bool
}

func run(ctx context.Context, srv *agenttracetest.Server, o options, w io.Writer) (err error) {
	client, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
	if err != nil {
		return err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = errors.Join(err, client.Shutdown(ctx))
	}()
	agent, err := newAgent(o.model)
	if err != nil {
		return err
	}
	dataset, err := loadDataset()
	if err != nil {
		return err
	}

	// README: experiment
	res, err := experiments.Run(ctx, client, dataset, agent.answer,
		experiments.WithName("qa-agent"),
		experiments.WithEvaluators(experiments.Contains(), brevity),
		experiments.WithDatasetRun()) // a dataset run on the server, if it answers
	if err != nil {
		return err
	}
	if err := res.WriteTable(w); err != nil {
		return err
	}
	// README end

	if o.update {
		return res.Save(o.baseline)
	}
	base, err := loadBaseline(o.baseline)
	if err != nil {
		return err
	}
	cmp := experiments.Compare(base, res, 0.05)
	fmt.Fprintln(w, "\ncompared with the baseline:")
	if err := cmp.Write(w); err != nil {
		return err
	}
	if cmp.Regressed {
		return errRegression
	}
	return nil
}

// brevity scores short answers 1, and longer ones less: 12 words / words.
var brevity = experiments.Evaluator{
	Name: "brevity",
	Func: func(_ context.Context, _ experiments.Item, output any) (scores.Value, error) {
		words := len(strings.Fields(output.(string)))
		return scores.Numeric(min(1, 12/float64(max(words, 1)))), nil
	},
}

func loadDataset() (*experiments.Dataset, error) {
	dir, err := os.MkdirTemp("", "experiment-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	text, err := data.ReadFile("data/dataset.jsonl")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "dataset.jsonl")
	if err := os.WriteFile(path, text, 0o600); err != nil {
		return nil, err
	}
	return experiments.LoadJSONL("qa-capitals-and-sums", path)
}

func loadBaseline(path string) (*experiments.Result, error) {
	if path != "" {
		return experiments.LoadResult(path)
	}
	text, err := data.ReadFile("data/baseline.json")
	if err != nil {
		return nil, err
	}
	var r experiments.Result
	return &r, json.Unmarshal(text, &r)
}

// agent answers questions with a model whose answers are replayed.
type agent struct {
	model   string
	answers map[string]answer
}

// answer is a recorded model answer.
type answer struct {
	Text         string `json:"text"`
	InputTokens  int64  `json:"inputTokens"`
	OutputTokens int64  `json:"outputTokens"`
}

func newAgent(model string) (*agent, error) {
	text, err := data.ReadFile("data/answers.json")
	if err != nil {
		return nil, err
	}
	var all map[string]map[string]answer
	if err := json.Unmarshal(text, &all); err != nil {
		return nil, err
	}
	answers, ok := all[model]
	if !ok {
		return nil, fmt.Errorf("no replayed answers of model %q", model)
	}
	return &agent{model: model, answers: answers}, nil
}

// answer is the task: one model call, recorded as a generation of the
// item's trace.
func (a *agent) answer(ctx context.Context, item experiments.Item) (any, error) {
	question, _ := item.Input.(string)
	_, gen := instrument.FromContext(ctx).Generation(ctx, "answer",
		instrument.WithModel("replayed-"+a.model),
		instrument.WithInput([]map[string]string{
			{"role": "system", "content": "Answer in one short sentence."},
			{"role": "user", "content": question},
		}))
	defer gen.End()
	ans, ok := a.answers[question]
	if !ok {
		err := fmt.Errorf("no replayed answer to %q", question)
		gen.SetError(err)
		return nil, err
	}
	gen.SetOutput(ans.Text)
	gen.SetUsage(instrument.Usage{InputTokens: ans.InputTokens, OutputTokens: ans.OutputTokens})
	return ans.Text, nil
}
