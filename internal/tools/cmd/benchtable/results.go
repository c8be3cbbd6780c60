package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// Sides of a benchmark pair: the last element of the sub-benchmark name.
const (
	sideOurs     = "ours"
	sideBaseline = "baseline"
)

// benchmark is everything read about one benchmark name, with the "ours" or
// "baseline" element and the GOMAXPROCS suffix removed from the name.
type benchmark struct {
	pkg   string
	name  string
	units []string // in the order first seen
	// samples maps side ("ours", "baseline" or "" for a benchmark that is
	// not part of a pair) to unit to the values of every run.
	samples map[string]map[string][]float64
}

// set holds the benchmarks in the order they first appeared.
type set struct {
	order []*benchmark
	index map[[2]string]*benchmark
}

// read parses go test -bench output. Malformed benchmark lines are reported
// on warn and skipped; only a failure to read in is an error.
func read(in io.Reader, warn io.Writer) (*set, error) {
	s := &set{index: map[[2]string]*benchmark{}}
	r := benchfmt.NewReader(in, "stdin")
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			fmt.Fprintln(warn, "benchtable: skipping:", rec)
		case *benchfmt.Result:
			s.add(rec)
		}
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("reading benchmark output: %w", err)
	}
	return s, nil
}

// add records one result line.
func (s *set) add(res *benchfmt.Result) {
	name, side := split(res.Name)
	pkg := res.GetConfig("pkg")
	key := [2]string{pkg, name}
	b := s.index[key]
	if b == nil {
		b = &benchmark{pkg: pkg, name: name, samples: map[string]map[string][]float64{}}
		s.index[key] = b
		s.order = append(s.order, b)
	}
	if b.samples[side] == nil {
		b.samples[side] = map[string][]float64{}
	}
	for _, v := range res.Values {
		// The reader tidies units (ns/op becomes sec/op); show them as
		// the benchmark printed them.
		unit, value := v.Unit, v.Value
		if v.OrigUnit != "" {
			unit, value = v.OrigUnit, v.OrigValue
		}
		if !slices.Contains(b.units, unit) {
			b.units = append(b.units, unit)
		}
		b.samples[side][unit] = append(b.samples[side][unit], value)
	}
}

// split returns the benchmark name without its GOMAXPROCS suffix and, when
// its last element is "ours" or "baseline", without that element, which it
// returns as the side.
func split(n benchfmt.Name) (name, side string) {
	base, parts := n.Parts()
	var b strings.Builder
	b.Write(base)
	for i, p := range parts {
		switch {
		case p[0] == '-': // GOMAXPROCS, always last
		case isSide(p) && isLastElement(parts, i):
			side = string(p[1:])
		default:
			b.Write(p)
		}
	}
	return b.String(), side
}

func isSide(p []byte) bool {
	s := string(p)
	return s == "/"+sideOurs || s == "/"+sideBaseline
}

// isLastElement reports whether parts[i] is the last name element, that is
// followed by nothing or only by the GOMAXPROCS suffix.
func isLastElement(parts [][]byte, i int) bool {
	return i == len(parts)-1 || (i == len(parts)-2 && parts[i+1][0] == '-')
}

// paired reports whether b has results on both sides of a pair.
func (b *benchmark) paired() bool {
	return b.samples[sideOurs] != nil && b.samples[sideBaseline] != nil
}

// median returns the median of the runs of unit on side, and false when that
// side did not report the unit.
func (b *benchmark) median(side, unit string) (float64, bool) {
	vs := b.samples[side][unit]
	if len(vs) == 0 {
		return 0, false
	}
	vs = slices.Sorted(slices.Values(vs))
	m := len(vs) / 2
	if len(vs)%2 == 1 {
		return vs[m], true
	}
	return (vs[m-1] + vs[m]) / 2, true
}
