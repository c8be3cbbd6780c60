package experiments_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/experiments"
)

func write(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	return p
}

func TestLoadJSONL(t *testing.T) {
	p := write(t, "qa.jsonl", `{"id":"a","input":"2+2","expected":"4","metadata":{"topic":"math"}}

{"input":{"q":"capital of France"},"expected":"Paris"}
`)
	d, err := experiments.LoadJSONL("qa", p)
	require.NoError(t, err)
	items := d.Items()
	require.Len(t, items, 2)
	assert.Equal(t, experiments.Item{ID: "a", Input: "2+2", Expected: "4", Metadata: map[string]any{"topic": "math"}}, items[0])
	assert.Len(t, items[1].ID, 16, "an id derived from the content")
	assert.Equal(t, "qa", d.Name())
}

// Every bad row is reported, by line, in one error.
func TestLoadJSONLBadRows(t *testing.T) {
	p := write(t, "bad.jsonl", `{"id":"a","input":"x"}
{"id":"b","input":
{"id":"c","expected":"y"}
{"id":"d","input":"x","expected_output":"y"}
{"id":"a","input":"z"}
{"input":"w"} {"input":"v"}
`)
	_, err := experiments.LoadJSONL("bad", p)
	require.Error(t, err)
	for _, want := range []string{
		p + ":2: unexpected EOF",
		p + ":3: input is required",
		p + `:4: json: unknown field "expected_output"`,
		p + `:5: id "a" is also line 1's`,
		p + ":6: more than one JSON value on the line",
	} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestLoadCSV(t *testing.T) {
	p := write(t, "qa.csv", "id,input,expected_output,topic\n"+
		"a,2+2,4,math\n"+
		",\"capital of\nFrance\",Paris,geo\n")
	d, err := experiments.LoadCSV("qa", p)
	require.NoError(t, err)
	items := d.Items()
	require.Len(t, items, 2)
	assert.Equal(t, experiments.Item{ID: "a", Input: "2+2", Expected: "4", Metadata: map[string]any{"topic": "math"}}, items[0])
	assert.Equal(t, "capital of\nFrance", items[1].Input)
	assert.NotEmpty(t, items[1].ID)
}

func TestLoadCSVBadRows(t *testing.T) {
	p := write(t, "bad.csv", "input,expected\n"+
		"ok,1\n"+
		"too,many,fields\n"+
		",2\n"+
		"ok,1\n")
	_, err := experiments.LoadCSV("bad", p)
	require.Error(t, err)
	assert.Contains(t, err.Error(), p+":3: 3 fields, want 2")
	assert.Contains(t, err.Error(), p+":4: input is empty")
	assert.Contains(t, err.Error(), p+":5: id ")
	assert.Contains(t, err.Error(), "is also line 2's")

	_, err = experiments.LoadCSV("bad", write(t, "noinput.csv", "question,answer\nx,y\n"))
	assert.ErrorContains(t, err, `:1: no "input" column`)

	_, err = experiments.LoadCSV("bad", write(t, "quote.csv", "input\n\"x\"y\"\n"))
	assert.ErrorContains(t, err, "parse error on line 2")
}

// Ids derived from the content do not depend on the item's place, the
// file it came from, or the order of map keys; a different content gets a
// different id.
func TestStableIDs(t *testing.T) {
	a, err := experiments.NewDataset("a", []experiments.Item{
		{Input: map[string]any{"q": "x", "lang": "en"}, Expected: "y"},
		{Input: "other"},
	})
	require.NoError(t, err)
	b, err := experiments.NewDataset("b", []experiments.Item{
		{Input: "other"},
		{Input: map[string]any{"lang": "en", "q": "x"}, Expected: "y"},
		{Input: map[string]any{"lang": "en", "q": "x"}, Expected: "z"},
	})
	require.NoError(t, err)
	f, err := experiments.LoadJSONL("f", write(t, "f.jsonl", `{"input":{"lang":"en","q":"x"},"expected":"y"}`+"\n"))
	require.NoError(t, err)
	ia, ib, iff := a.Items(), b.Items(), f.Items()
	assert.Equal(t, ia[0].ID, ib[1].ID)
	assert.Equal(t, ia[0].ID, iff[0].ID)
	assert.Equal(t, ia[1].ID, ib[0].ID)
	assert.NotEqual(t, ib[1].ID, ib[2].ID)
	assert.Equal(t, "2563905db01457d8", ia[1].ID, "the derived id is part of the saved baselines: it must not change")
}

func TestNewDatasetErrors(t *testing.T) {
	_, err := experiments.NewDataset("d", []experiments.Item{{ID: "x", Input: 1}, {ID: "x", Input: 2}, {ID: "y"}})
	assert.ErrorContains(t, err, `item 2: id "x" is also item 1's`)
	assert.ErrorContains(t, err, "item 3: input is required")
	_, err = experiments.NewDataset("", nil)
	assert.Error(t, err)
}
