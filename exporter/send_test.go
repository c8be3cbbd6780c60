package exporter

import (
	"reflect"
	"testing"
)

var responseCases = []string{
	`{"successes":["e1","e2"],"errors":[]}`, `{"successes":[],"errors":[]}`, `{"successes":[]}`, `{"errors":[]}`,
	` { "errors" : [ ] , "successes" : [ "e1" ] } `, `{"Successes":["e1"]}`, `{"successes":null,"errors":[]}`,
	`{"successes":["e1"],"errors":[{"id":"e2","status":500,"message":"failed to get trace"}]}`,
	`{"successes":["e1"],"errors":null}`, `{"successes":"e1"}`, `{"successes":[1,{"a":2}]}`, `{}`, `[]`, `null`,
	`{"error":"Too Many Requests"}`, `<html>502 Bad Gateway</html>`, `{"successes":["e1"]`, ``,
	`{"successes":[],"errors":[],"errors":[{"id":"e2","status":400,"message":"x"}]}`,
	`{"successes":[],"\u0065rrors":[{"id":"e2","status":400,"message":"x"}]}`,
}

// TestParseResults checks both ways of reading ingestion responses against
// each other: allStored answers only for responses decodeResults reads as
// stored whole.
func TestParseResults(t *testing.T) {
	fast := 0
	for _, s := range responseCases {
		if checkParse(t, s) {
			fast++
		}
	}
	if fast < 5 {
		t.Errorf("allStored read %d of the usual responses, want at least 5", fast)
	}
}

func FuzzParseResults(f *testing.F) {
	for _, s := range responseCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkParse(t, s) })
}

// checkParse checks parseResults against decodeResults for the response s
// and reports whether allStored read it.
func checkParse(t *testing.T, s string) bool {
	t.Helper()
	got, gerr := parseResults([]byte(s))
	want, werr := decodeResults([]byte(s))
	if (gerr == nil) != (werr == nil) || gerr == nil && !reflect.DeepEqual(got, want) && len(got.Errors)+len(want.Errors) > 0 {
		t.Errorf("parseResults(%q) = %+v, %v; decodeResults says %+v, %v", s, got, gerr, want, werr)
	}
	return allStored(s)
}
