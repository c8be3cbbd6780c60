// Package jsonvalue turns arbitrary Go values into JSON text that fits a byte
// budget, for span attributes that carry captured content (the input, output
// and metadata of an observation).
//
// [Encode] never panics and never fails: values encoding/json cannot encode
// (channels, functions, cycles, NaN and infinities, a json.Marshaler that
// errors or panics) become readable placeholder strings such as
// "[unencodable chan int]", and the rest of the value is kept. Strings,
// []byte, json.RawMessage, numbers and the generic containers
// (map[string]any, []any, map[string]string, []string and slices of those
// maps) are encoded directly; everything else goes through encoding/json
// (HTML characters are not escaped).
//
// # Budgets
//
// The result is at most limit bytes and always valid JSON. When a value is
// larger, the encoder first cuts its long strings, each keeping its
// beginning followed by a marker such as
//
//	...[agenttrace: truncated 90000 of 100000 bytes]
//
// so the structure survives. When that is not enough (many small elements),
// the value is replaced by an object that says so and keeps a preview of the
// JSON text:
//
//	{"agenttrace.truncated":true,"bytes":123456,"preview":"[{\"id\":1},..."}
//
// "bytes" is the size of the complete encoding; an encoder that gave up early
// (values much larger than the budget) writes "bytes_at_least" instead.
package jsonvalue
