package llmtrace

import "bytes"

// maxEventBytes bounds the data of one server-sent event the parser keeps
// (the clients' own decoders accept lines of up to 32 MiB); larger events are
// skipped.
const maxEventBytes = 32 << 20

// sseParser splits the bytes of a text/event-stream body into events as
// they pass through, without reading the body itself (the client does).
type sseParser struct {
	line    []byte
	typ     string
	data    []byte
	hasData bool
	// skipLF is set after a CR: a LF right after it ends the same line.
	skipLF bool
	// oversized is set while the current event exceeds maxEventBytes.
	oversized bool
}

// feed parses b and calls emit for every complete event. It stops early and
// returns true when emit does.
func (p *sseParser) feed(b []byte, emit func(typ string, data []byte) bool) bool {
	for len(b) > 0 {
		if p.skipLF {
			p.skipLF = false
			if b[0] == '\n' {
				b = b[1:]
				continue
			}
		}
		i := bytes.IndexAny(b, "\r\n")
		if i < 0 {
			p.appendLine(b)
			return false
		}
		p.appendLine(b[:i])
		p.skipLF = b[i] == '\r'
		b = b[i+1:]
		if p.endLine(emit) {
			return true
		}
	}
	return false
}

func (p *sseParser) appendLine(b []byte) {
	if len(p.line)+len(b) > maxEventBytes {
		p.oversized = true
		return
	}
	p.line = append(p.line, b...)
}

// endLine handles the line in p.line; it returns true when emit does.
func (p *sseParser) endLine(emit func(string, []byte) bool) bool {
	line := p.line
	p.line = p.line[:0]
	if len(line) == 0 {
		typ, data, has, oversized := p.typ, p.data, p.hasData, p.oversized
		p.typ, p.data, p.hasData, p.oversized = "", p.data[:0], false, false
		if !has || oversized {
			return false
		}
		return emit(typ, data)
	}
	name, value, _ := bytes.Cut(line, []byte(":"))
	if len(value) > 0 && value[0] == ' ' {
		value = value[1:]
	}
	switch string(name) {
	case "event":
		p.typ = string(value)
	case "data":
		if p.hasData {
			p.data = append(p.data, '\n')
		}
		if len(p.data)+len(value) > maxEventBytes {
			p.oversized = true
			return false
		}
		p.data = append(p.data, value...)
		p.hasData = true
	}
	return false
}
