package wire

import (
	"encoding/hex"
	"slices"
	"strconv"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/internal/jsonvalue"
)

// TimeLayout is the timestamp format of every time on the wire: UTC, RFC
// 3339, exactly millisecond precision, Z suffix (A4).
const TimeLayout = "2006-01-02T15:04:05.000Z"

// AppendTime appends t as a JSON string in TimeLayout. It writes the digits
// itself: time.Time.AppendFormat is general and several times slower.
func AppendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	hour, min, sec := t.Clock()
	if year < 0 || year > 9999 {
		b = append(b, '"')
		b = t.AppendFormat(b, TimeLayout)
		return append(b, '"')
	}
	ms := t.Nanosecond() / 1e6
	return append(b, '"',
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+int(month)/10), byte('0'+int(month)%10), '-',
		byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':',
		byte('0'+min/10), byte('0'+min%10), ':',
		byte('0'+sec/10), byte('0'+sec%10), '.',
		byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z', '"')
}

// FormatTime formats t in TimeLayout.
func FormatTime(t time.Time) string {
	return t.UTC().Format(TimeLayout)
}

// AppendString appends s as a JSON string (the SDK's one escaper, in
// internal/jsonvalue).
func AppendString(b []byte, s string) []byte { return jsonvalue.AppendString(b, s) }

// Object appends the members of one JSON object. The zero value is not
// usable: start one with Begin.
type Object struct {
	B     []byte
	first bool
}

// Begin starts an object at the end of b.
func Begin(b []byte) Object {
	return Object{B: append(b, '{'), first: true}
}

// End closes the object and returns the buffer.
func (o *Object) End() []byte {
	return append(o.B, '}')
}

// Key appends a member name (which must need no escaping) and its colon.
func (o *Object) Key(k string) {
	b := slices.Grow(o.B, len(k)+4) // one capacity check; b stays in a register
	if !o.first {
		b = append(b, ',')
	}
	o.first = false
	b = append(b, '"')
	b = append(b, k...)
	o.B = append(b, '"', ':')
}

// String appends a string member, omitted when empty.
func (o *Object) String(k, v string) {
	if v == "" {
		return
	}
	o.Key(k)
	o.B = AppendString(o.B, v)
}

// HexID appends a member whose value is id as a lowercase hex string.
func (o *Object) HexID(k string, id []byte) {
	o.Key(k)
	o.B = AppendHex(o.B, id)
}

// AppendHex appends id as a JSON string of lowercase hex digits.
func AppendHex(b []byte, id []byte) []byte {
	n := len(b)
	b = slices.Grow(b, 2*len(id)+2)[:n+2*len(id)+2]
	b[n] = '"'
	hex.Encode(b[n+1:], id)
	b[len(b)-1] = '"'
	return b
}

// AppendUUID appends id, 16 bytes, as a JSON string in the canonical
// 8-4-4-4-12 form.
func AppendUUID(b []byte, id *[16]byte) []byte {
	n := len(b)
	b = slices.Grow(b, 38)[:n+38]
	u := b[n:]
	u[0], u[9], u[14], u[19], u[24], u[37] = '"', '-', '-', '-', '-', '"'
	hex.Encode(u[1:9], id[:4])
	hex.Encode(u[10:14], id[4:6])
	hex.Encode(u[15:19], id[6:8])
	hex.Encode(u[20:24], id[8:10])
	hex.Encode(u[25:37], id[10:])
	return b
}

// Word appends a string member whose value needs no escaping (an event
// type, a level), without looking for characters to escape.
func (o *Object) Word(k, v string) {
	o.Key(k)
	o.B = append(o.B, '"')
	o.B = append(o.B, v...)
	o.B = append(o.B, '"')
}

// StringAlways appends a string member even when empty.
func (o *Object) StringAlways(k, v string) {
	o.Key(k)
	o.B = AppendString(o.B, v)
}

// Time appends a timestamp member, omitted when t is zero.
func (o *Object) Time(k string, t time.Time) {
	if t.IsZero() {
		return
	}
	o.Key(k)
	o.B = AppendTime(o.B, t)
}

// Int appends an integer member.
func (o *Object) Int(k string, v int64) {
	o.Key(k)
	o.B = strconv.AppendInt(o.B, v, 10)
}

// IntNonZero appends an integer member, omitted when zero.
func (o *Object) IntNonZero(k string, v int64) {
	if v != 0 {
		o.Int(k, v)
	}
}

// Float appends a number member. v must be finite.
func (o *Object) Float(k string, v float64) {
	o.Key(k)
	o.B = strconv.AppendFloat(o.B, v, 'g', -1, 64)
}

// Bool appends a boolean member.
func (o *Object) Bool(k string, v bool) {
	o.Key(k)
	o.B = strconv.AppendBool(o.B, v)
}

// Raw appends a member whose value is JSON text, omitted when empty. The
// caller guarantees raw is valid JSON.
func (o *Object) Raw(k string, raw string) {
	if len(raw) == 0 {
		return
	}
	o.Key(k)
	o.B = append(o.B, raw...)
}

// Strings appends an array-of-strings member, omitted when empty.
func (o *Object) Strings(k string, v []string) {
	if len(v) == 0 {
		return
	}
	o.Key(k)
	o.B = AppendStrings(o.B, v)
}

// AppendStrings appends v as a JSON array of strings.
func AppendStrings(b []byte, v []string) []byte {
	b = append(b, '[')
	for i, s := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, s)
	}
	return append(b, ']')
}
