package main

import (
	"fmt"
	"io"
	"maps"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// render writes the comparison table and the standalone table of s to w.
// A table with no rows is left out; with no benchmarks at all, w gets one
// line saying so.
func render(w io.Writer, s *set) error {
	pairs := table{header: []string{"name", sideOurs, sideBaseline, "ratio"}}
	single := table{header: []string{"name", "value"}}
	labels := labeller(s)
	for _, b := range s.order {
		label := labels(b)
		if b.paired() {
			for i, unit := range b.units {
				o, okO := b.median(sideOurs, unit)
				bl, okB := b.median(sideBaseline, unit)
				pairs.add(first(i, label), value(o, okO, unit), value(bl, okB, unit), ratio(o, okO, bl, okB))
			}
			continue
		}
		for _, side := range slices.Sorted(maps.Keys(b.samples)) {
			name := label
			if side != "" {
				name += "/" + side
			}
			i := 0
			for _, unit := range b.units {
				v, ok := b.median(side, unit)
				if !ok {
					continue
				}
				single.add(first(i, name), value(v, true, unit))
				i++
			}
		}
	}
	if len(pairs.rows) == 0 && len(single.rows) == 0 {
		_, err := fmt.Fprintln(w, "no benchmark results")
		return err
	}
	var out strings.Builder
	if len(pairs.rows) > 0 {
		out.WriteString("ours vs baseline (median of runs; ratio = ours/baseline: below 1 is cheaper for ns/op, B/op, allocs/op, slower for rates such as spans/s)\n\n")
		pairs.write(&out)
	}
	if len(single.rows) > 0 {
		if out.Len() > 0 {
			out.WriteString("\n")
		}
		out.WriteString("other benchmarks and metrics (median of runs)\n\n")
		single.write(&out)
	}
	_, err := io.WriteString(w, out.String())
	return err
}

// first returns label for the first row of a benchmark and "" for the rows
// after it, so that each benchmark's name is printed once.
func first(i int, label string) string {
	if i == 0 {
		return label
	}
	return ""
}

// labeller returns a function naming benchmarks. When the input holds
// benchmarks of several packages, names are prefixed with the package path
// relative to the packages' common prefix (exporter.Export); otherwise they
// are the bare benchmark names.
func labeller(s *set) func(*benchmark) string {
	var pkgs []string
	for _, b := range s.order {
		if !slices.Contains(pkgs, b.pkg) {
			pkgs = append(pkgs, b.pkg)
		}
	}
	if len(pkgs) < 2 {
		return func(b *benchmark) string { return b.name }
	}
	prefix := commonDir(pkgs)
	return func(b *benchmark) string {
		rel := strings.TrimPrefix(strings.TrimPrefix(b.pkg, prefix), "/")
		if rel == "" {
			rel = path.Base(b.pkg)
		}
		return rel + "." + b.name
	}
}

// commonDir returns the longest slash-separated prefix shared by all paths.
func commonDir(paths []string) string {
	prefix := strings.Split(paths[0], "/")
	for _, p := range paths[1:] {
		elems := strings.Split(p, "/")
		n := 0
		for n < len(prefix) && n < len(elems) && prefix[n] == elems[n] {
			n++
		}
		prefix = prefix[:n]
	}
	return strings.Join(prefix, "/")
}

// value formats a measurement with its unit, or "-" when absent.
func value(v float64, ok bool, unit string) string {
	if !ok {
		return "-"
	}
	return number(v) + " " + unit
}

// ratio formats ours/baseline, or "-" when it is undefined.
func ratio(ours float64, okOurs bool, baseline float64, okBaseline bool) string {
	switch {
	case !okOurs || !okBaseline:
		return "-"
	case baseline == 0 && ours == 0:
		return "1.00x"
	case baseline == 0:
		return "-"
	}
	return strconv.FormatFloat(ours/baseline, 'f', 2, 64) + "x"
}

// number formats v with four significant digits, without an exponent for
// values benchmarks commonly report.
func number(v float64) string {
	if math.Abs(v) >= 1e4 || v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// table is a text table in Markdown syntax with aligned columns.
type table struct {
	header []string
	rows   [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(b *strings.Builder) {
	widths := make([]int, len(t.header))
	for _, row := range append([][]string{t.header}, t.rows...) {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	line := func(cells []string) {
		for i, c := range cells {
			if i > 0 {
				b.WriteString(" | ")
			}
			b.WriteString(c)
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)))
			}
		}
		b.WriteString("\n")
	}
	line(t.header)
	rule := make([]string, len(widths))
	for i, w := range widths {
		rule[i] = strings.Repeat("-", w)
	}
	line(rule)
	for _, row := range t.rows {
		line(row)
	}
}
