package agenttracetest_test

import (
	"encoding/json"
	"fmt"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl"
)

// An experiment's client creates a dataset with its items, a run, and one
// run item per item; the test reads them back with Server.Datasets, as the
// real API cannot list run items.
func ExampleServer_Datasets() {
	srv := agenttracetest.NewServer()
	defer srv.Close()

	var ds struct{ ID string }
	_ = json.Unmarshal([]byte(post(srv, "/api/public/import/dataset",
		`{"name":"arith","items":[{"input":"1+1","expectedOutput":"2"},{"input":"2+2","expectedOutput":"4"}]}`)), &ds)
	var run struct{ ID string }
	_ = json.Unmarshal([]byte(post(srv, "/api/public/datasets/"+ds.ID+"/runs", `{"name":"baseline","metadata":{}}`)), &run)
	item := srv.Datasets()[0].Items[0]
	post(srv, "/api/public/datasets/"+ds.ID+"/runs/"+run.ID+"/items",
		`{"datasetItemId":"`+item.ID+`","traceId":"5c0ffee0d15ea5e5a1b2c3d4e5f60718"}`)

	for _, d := range srv.Datasets() {
		fmt.Println(d.Name, len(d.Items), "items")
		for _, r := range d.Runs {
			for _, ri := range r.Items {
				fmt.Println(r.Name, ri.TraceID, ri.DatasetItemID == item.ID, string(item.Input))
			}
		}
	}

	// With the HEAD defects, every route with an id in its path fails.
	head := agenttracetest.NewServer(attestctl.WithHEADDefects(attestctl.DefectDatasets))
	defer head.Close()
	fmt.Println(post(head, "/api/public/datasets/"+ds.ID+"/runs", `{"name":"baseline","metadata":{}}`))
	// Output:
	// arith 2 items
	// baseline 5c0ffee0d15ea5e5a1b2c3d4e5f60718 true "1+1"
	// {"error":"Bad Request","message":"Invalid dataset ID"}
}

// post sends a JSON body and returns the answer's body.
func post(srv *agenttracetest.Server, path, body string) string {
	resp, err := do(srv, "POST", path, body)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	var b json.RawMessage
	_ = json.NewDecoder(resp.Body).Decode(&b)
	return string(b)
}
