package goopenaitrace

import (
	"io"
	"mime"
	"net/http"
)

// jsonEOF is the transport under the tracing. go-openai decodes a JSON
// answer with a json.Decoder, which stops reading at the end of the value,
// then closes the body: the tracing, which ends the generation when the
// body is read to its end, would see a body closed early whenever the end
// of the body (the last chunk, HTTP/2's END_STREAM) arrives after the
// value. jsonEOF reports the end of a successful JSON body with the read
// that completes its value, as a body with a Content-Length does.
type jsonEOF struct{ base http.RoundTripper }

func (t jsonEOF) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	res, err := base.RoundTrip(req)
	if err != nil || res == nil || res.Body == nil || res.StatusCode >= 300 {
		return res, err
	}
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "application/json" {
		return res, err
	}
	res.Body = &valueBody{ReadCloser: res.Body}
	return res, nil
}

// valueBody returns io.EOF once a top-level JSON object or array is
// complete.
type valueBody struct {
	io.ReadCloser
	depth            int
	str, esc, opened bool
	done             bool
}

func (b *valueBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	n, err := b.ReadCloser.Read(p)
	for _, c := range p[:n] {
		switch {
		case b.esc:
			b.esc = false
		case b.str && c == '\\':
			b.esc = true
		case c == '"':
			b.str = !b.str
		case b.str:
		case c == '{' || c == '[':
			b.depth++
			b.opened = true
		case c == '}' || c == ']':
			b.depth--
			if b.opened && b.depth == 0 {
				b.done = true
			}
		}
	}
	if b.done && err == nil {
		err = io.EOF
	}
	return n, err
}
