package agenttracetest

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// errUnprocessable is what the server's body parser returns for a content
// type that does not end in "json" (§1): "Unprocessable Entity".
var errUnprocessable = errors.New(http.StatusText(http.StatusUnprocessableEntity))

// handlerError is the handler error shape (§1.3, shape 1).
type handlerError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// globalError is the framework error shape (§1.3, shape 2).
type globalError struct {
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// panicError is the panic recovery shape (§1.3, shape 3).
type panicError struct {
	Error     string `json:"error"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only the server's own values are marshalled; they always encode.
		b = []byte(`{"error":"Internal Server Error","message":"agenttracetest: cannot encode response"}`)
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeHandlerError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, handlerError{Error: http.StatusText(status), Message: msg})
}

func writeGlobalError(w http.ResponseWriter, status int, msg string) {
	var e globalError
	e.Error.Code = status
	e.Error.Message = msg
	writeJSON(w, status, e)
}

// isJSONContentType reports whether the handler would decode a body of this
// content type as JSON: the lowercased media type, cut at ';', ends in
// "json" (§1).
func isJSONContentType(ct string) bool {
	ct = strings.ToLower(ct)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.HasSuffix(ct, "json")
}

// decodeContent undoes the request's Content-Encoding (gzip, deflate; the
// last applied encoding is undone first). Unknown encodings stop the
// decoding, as in the server's framework.
func decodeContent(encoding string, body []byte) ([]byte, error) {
	if encoding == "" {
		return body, nil
	}
	codings := strings.Split(encoding, ",")
	for i := len(codings) - 1; i >= 0; i-- {
		var (
			r   io.ReadCloser
			err error
		)
		switch strings.ToLower(strings.TrimSpace(codings[i])) {
		case "gzip", "x-gzip":
			r, err = gzip.NewReader(bytes.NewReader(body))
		case "deflate":
			r, err = zlib.NewReader(bytes.NewReader(body))
		case "br":
			return nil, errors.New("agenttracetest: brotli request bodies are not supported")
		default:
			return body, nil
		}
		if err != nil {
			return nil, err
		}
		body, err = io.ReadAll(r)
		if cerr := r.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
	}
	return body, nil
}

// jsonText returns raw JSON as compact text, "" for absent or null.
func jsonText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		// raw was accepted by the decoder, so it is valid JSON.
		return string(raw)
	}
	return buf.String()
}

// ms truncates t to the millisecond in UTC, the precision the server keeps.
func ms(t time.Time) time.Time {
	return t.UTC().Truncate(time.Millisecond)
}

// msPtr is ms for an optional time.
func msPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := ms(*t)
	return &v
}

// timeOr returns the first non-nil time, truncated, else def.
func timeOr(def time.Time, ts ...*time.Time) time.Time {
	for _, t := range ts {
		if t != nil {
			return ms(*t)
		}
	}
	return def
}

// hexID returns n random bytes as lowercase hex: 16 bytes make a trace id,
// 8 an observation id, the formats the server generates.
func hexID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// fixedString is the error of a value too long for a FixedString(n) column.
func fixedString(what, v string, n int) error {
	if len(v) > n {
		return fmt.Errorf("failed to insert %s: code: 131, message: Too large value for FixedString(%d)", what, n)
	}
	return nil
}

// enumError is the error of a value outside a ClickHouse Enum8 column.
func enumError(what, v string, allowed []string) error {
	return fmt.Errorf("failed to insert %s: code: 36, message: Unknown element '%s' for type Enum8('%s')",
		what, v, strings.Join(allowed, "', '"))
}
