package jsonvalue

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// MinLimit is the smallest budget [Encode] honours; smaller limits are
// raised to it, so that a truncated value still says what it was.
const MinLimit = 128

// maxDepth bounds the nesting of the generic containers the encoder walks.
const maxDepth = 64

// minStringCap is the smallest string budget tried before a value is
// replaced by a preview.
const minStringCap = 32

// Encode returns v as JSON text of at most limit bytes (see the package
// documentation for what is done to values that do not fit or cannot be
// encoded). Limits below [MinLimit] are raised to it.
func Encode(v any, limit int) string {
	limit = max(limit, MinLimit)
	if s, ok := v.(string); ok {
		return quote(s, limit)
	}
	e := encoders.Get().(*encoder)
	defer e.release()
	e.reset(limit-2, hardCap(limit))
	e.value(v, 0)
	if !e.aborted && len(e.buf) <= limit {
		return string(e.buf)
	}
	return e.shrink(limit)
}

// hardCap is the output size at which the encoder stops: far beyond the
// limit the rest of a value cannot matter to the preview, and stopping
// bounds the work on huge or exponentially shared values.
func hardCap(limit int) int { return 8*limit + 4096 }

var encoders = sync.Pool{New: func() any { return new(encoder) }}

// encoder appends one value to buf.
type encoder struct {
	buf []byte
	// strCap is the most bytes of content a string keeps.
	strCap int
	// hard is the output size at which encoding stops; aborted reports it.
	hard    int
	aborted bool
	// path holds the containers being encoded, to detect cycles.
	path []uintptr
	// keys is a stack of map keys being sorted.
	keys []string
	// scratch holds the output of encoding/json.
	scratch bytes.Buffer
}

func (e *encoder) reset(strCap, hard int) {
	e.buf = e.buf[:0]
	e.strCap, e.hard, e.aborted = strCap, hard, false
	e.path, e.keys = e.path[:0], e.keys[:0]
	e.scratch.Reset()
}

func (e *encoder) release() {
	if cap(e.buf) > 64<<10 {
		e.buf = nil
	}
	if e.scratch.Cap() > 64<<10 {
		e.scratch = bytes.Buffer{}
	}
	clear(e.keys[:cap(e.keys)])
	encoders.Put(e)
}

// value appends v.
func (e *encoder) value(v any, depth int) {
	if len(e.buf) > e.hard {
		e.aborted = true
		return
	}
	switch x := v.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case string:
		e.buf = appendString(e.buf, x, e.strCap)
	case bool:
		e.buf = strconv.AppendBool(e.buf, x)
	case int:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case int8:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case int16:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case int32:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case int64:
		e.buf = strconv.AppendInt(e.buf, x, 10)
	case uint:
		e.buf = strconv.AppendUint(e.buf, uint64(x), 10)
	case uint8:
		e.buf = strconv.AppendUint(e.buf, uint64(x), 10)
	case uint16:
		e.buf = strconv.AppendUint(e.buf, uint64(x), 10)
	case uint32:
		e.buf = strconv.AppendUint(e.buf, uint64(x), 10)
	case uint64:
		e.buf = strconv.AppendUint(e.buf, x, 10)
	case float32:
		e.float(float64(x), 32)
	case float64:
		e.float(x, 64)
	case json.Number:
		if validNumber(string(x)) {
			e.buf = append(e.buf, x...)
		} else {
			e.placeholder("invalid number " + strconv.Quote(string(x)))
		}
	case json.RawMessage:
		if json.Valid(x) {
			e.rawJSON(x, depth)
		} else {
			e.placeholder("invalid json.RawMessage")
		}
	case []byte:
		e.bytes(x)
	case map[string]any:
		if e.enter(v, depth) {
			e.mapAny(x, depth)
			e.leave()
		}
	case []any:
		if e.enter(v, depth) {
			e.buf = append(e.buf, '[')
			for i, el := range x {
				if i > 0 {
					e.buf = append(e.buf, ',')
				}
				e.value(el, depth+1)
			}
			e.buf = append(e.buf, ']')
			e.leave()
		}
	case map[string]string:
		e.mapString(x)
	case []string:
		e.buf = append(e.buf, '[')
		for i, s := range x {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.buf = appendString(e.buf, s, e.strCap)
		}
		e.buf = append(e.buf, ']')
	case []map[string]string:
		e.buf = append(e.buf, '[')
		for i, m := range x {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.mapString(m)
		}
		e.buf = append(e.buf, ']')
	case []map[string]any:
		if e.enter(v, depth) {
			e.buf = append(e.buf, '[')
			for i, m := range x {
				if i > 0 {
					e.buf = append(e.buf, ',')
				}
				e.value(m, depth+1)
			}
			e.buf = append(e.buf, ']')
			e.leave()
		}
	case json.Marshaler, encoding.TextMarshaler:
		// encoding/json's own rules for these (they win over error).
		e.marshal(v, depth)
	case error:
		e.errorText(x)
	default:
		e.marshal(v, depth)
	}
}

// enter pushes the container v on the path; it reports false, after
// appending a placeholder, when v is already on it or the path is too deep.
func (e *encoder) enter(v any, depth int) bool {
	if depth >= maxDepth {
		e.buf = append(e.buf, `"[max depth]"`...)
		return false
	}
	p := uintptr(reflect.ValueOf(v).UnsafePointer())
	if p != 0 && slices.Contains(e.path, p) {
		e.buf = append(e.buf, `"[cycle]"`...)
		return false
	}
	e.path = append(e.path, p)
	return true
}

func (e *encoder) leave() { e.path = e.path[:len(e.path)-1] }

func (e *encoder) mapAny(m map[string]any, depth int) {
	encodeMap(e, m, func(v any) { e.value(v, depth+1) })
}

func (e *encoder) mapString(m map[string]string) {
	encodeMap(e, m, func(v string) { e.buf = appendString(e.buf, v, e.strCap) })
}

// encodeMap appends m as a JSON object with its keys sorted, as
// encoding/json does, each value appended by elem.
func encodeMap[V any](e *encoder, m map[string]V, elem func(V)) {
	if m == nil {
		e.buf = append(e.buf, "null"...)
		return
	}
	start := len(e.keys)
	for k := range m {
		e.keys = append(e.keys, k)
	}
	slices.Sort(e.keys[start:])
	e.buf = append(e.buf, '{')
	for i := start; i < len(e.keys); i++ {
		if i > start {
			e.buf = append(e.buf, ',')
		}
		k := e.keys[i]
		e.buf = appendString(e.buf, k, e.strCap)
		e.buf = append(e.buf, ':')
		elem(m[k])
	}
	e.buf = append(e.buf, '}')
	e.keys = e.keys[:start]
}

// float appends f as encoding/json does; NaN and infinities, which JSON
// cannot hold, become the strings "NaN", "+Inf" and "-Inf".
func (e *encoder) float(f float64, bits int) {
	switch {
	case math.IsNaN(f):
		e.buf = append(e.buf, `"NaN"`...)
		return
	case math.IsInf(f, 1):
		e.buf = append(e.buf, `"+Inf"`...)
		return
	case math.IsInf(f, -1):
		e.buf = append(e.buf, `"-Inf"`...)
		return
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	e.buf = strconv.AppendFloat(e.buf, f, format, -1, bits)
	if format == 'e' {
		// Clean up e-09 to e-9, as encoding/json does.
		if n := len(e.buf); n >= 4 && e.buf[n-4] == 'e' && e.buf[n-3] == '-' && e.buf[n-2] == '0' {
			e.buf[n-2] = e.buf[n-1]
			e.buf = e.buf[:n-1]
		}
	}
}

// bytes appends b as a string when it is UTF-8 text (the usual case for
// captured bodies), else base64-encoded as encoding/json does.
func (e *encoder) bytes(b []byte) {
	if utf8.Valid(b) {
		// A view, not a copy: appendString only reads it.
		e.buf = appendString(e.buf, unsafe.String(unsafe.SliceData(b), len(b)), e.strCap)
		return
	}
	e.marshal(b, 0)
}

// errorText appends the message of err.
func (e *encoder) errorText(err error) {
	msg, p := call(err.Error)
	if p != nil {
		e.placeholder(fmt.Sprintf("unencodable %T: Error panicked: %v", err, p))
		return
	}
	e.buf = appendString(e.buf, msg, e.strCap)
}

// marshal appends v encoded by encoding/json, or a placeholder when that
// fails or panics.
func (e *encoder) marshal(v any, depth int) {
	start := e.scratch.Len() // the scratch buffer is in use further up
	enc := json.NewEncoder(&e.scratch)
	enc.SetEscapeHTML(false)
	err, p := call(func() error { return enc.Encode(v) })
	switch {
	case p != nil:
		e.placeholder(fmt.Sprintf("unencodable %T: panic: %v", v, p))
	case err != nil:
		var te *json.UnsupportedTypeError
		var me *json.MarshalerError
		switch {
		case errors.As(err, &te):
			e.placeholder(fmt.Sprintf("unencodable %v", te.Type))
		case errors.As(err, &me):
			e.placeholder(fmt.Sprintf("unencodable %T: %v", v, me.Unwrap()))
		default:
			e.placeholder(fmt.Sprintf("unencodable %T: %v", v, err))
		}
	default:
		e.rawJSON(bytes.TrimSuffix(e.scratch.Bytes()[start:], []byte("\n")), depth)
	}
	e.scratch.Truncate(start)
}

// rawJSON appends valid JSON text; text long enough to hold strings over
// the string budget is decoded and walked, so those strings are cut.
func (e *encoder) rawJSON(b []byte, depth int) {
	if len(b) <= e.strCap {
		e.buf = append(e.buf, b...)
		return
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		e.buf = append(e.buf, b...)
		return
	}
	e.value(tree, depth)
}

// placeholder appends "[what]".
func (e *encoder) placeholder(what string) {
	e.buf = appendString(e.buf, "["+what+"]", e.strCap)
}

// call runs f and returns what it returned, or the value it panicked
// with.
func call[T any](f func() T) (v T, panicked any) {
	defer func() {
		if r := recover(); r != nil {
			panicked = r
		}
	}()
	return f(), nil
}

// shrink returns the over-budget value in e.buf cut to limit bytes: first by
// cutting its strings ever shorter, then as a preview object.
func (e *encoder) shrink(limit int) string {
	if !e.aborted {
		dec := json.NewDecoder(bytes.NewReader(e.buf))
		dec.UseNumber()
		var tree any
		if dec.Decode(&tree) == nil {
			if _, isString := tree.(string); !isString {
				f := encoders.Get().(*encoder)
				defer f.release()
				for c := e.strCap / 2; c >= minStringCap; c /= 2 {
					f.reset(c, hardCap(limit))
					f.value(tree, 0)
					if !f.aborted && len(f.buf) <= limit {
						return string(f.buf)
					}
				}
			}
		}
	}
	return preview(e.buf, e.aborted, limit)
}

// Preview returns the marker object that stands for the JSON text js in at
// most limit bytes: {"agenttrace.truncated":true,"bytes":N,"preview":"..."}
// with as much of js as fits, or "" when limit is too small for even an
// empty preview. The exporter uses it to shrink events that exceed a
// request, so every cut value looks the same.
func Preview(js string, limit int) string {
	if limit < len(`{"agenttrace.truncated":true,"bytes":,"preview":""}`)+len(strconv.Itoa(len(js))) {
		return ""
	}
	return preview(unsafe.Slice(unsafe.StringData(js), len(js)), false, limit)
}

// preview returns the object that stands for the JSON text js when it does
// not fit in limit bytes.
func preview(js []byte, incomplete bool, limit int) string {
	b := make([]byte, 0, limit)
	b = append(b, `{"agenttrace.truncated":true,"bytes`...)
	if incomplete {
		b = append(b, "_at_least"...)
	}
	b = append(b, `":`...)
	b = strconv.AppendInt(b, int64(len(js)), 10)
	b = append(b, `,"preview":"`...)
	// A view, not a copy: appendEscaped only reads it.
	b, _ = appendEscaped(b, unsafe.String(unsafe.SliceData(js), len(js)), limit-len(b)-2)
	b = append(b, `"}`...)
	return string(b)
}

// validNumber reports whether s is a JSON number.
func validNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i, n = i+1, n+1
		}
		return n
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}
