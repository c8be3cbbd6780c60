// Command benchtable reads `go test -bench` output on standard input and
// prints two tables on standard output.
//
// The comparison table pairs sub-benchmarks whose last name element is
// "ours" and "baseline" (BenchmarkExport/ours beside
// BenchmarkExport/baseline, also below further sub-benchmarks such as
// BenchmarkExport/batch=512/ours) and gives, for every unit both sides
// report (ns/op, B/op, allocs/op and any b.ReportMetric unit such as
// spans/s), the value of each side and the ratio ours/baseline. A ratio
// below 1 is better for costs (ns/op, allocs/op) and worse for rates
// (spans/s).
//
// The standalone table lists every other benchmark with all its values,
// including metrics reported through b.ReportMetric (spans/s, MiB, ...).
//
// A benchmark run more than once (-count) is summarised by the median of its
// runs. Lines that are not benchmark results are ignored, so the output of a
// whole `go test ./...` run can be piped in:
//
//	go test -run '^$' -bench . -benchmem ./... | benchtable
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	if err := run(os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

// run reads benchmark results from in, writes the tables to out and
// warnings about malformed benchmark lines to warn.
func run(in io.Reader, out, warn io.Writer) error {
	set, err := read(in, warn)
	if err != nil {
		return err
	}
	return render(out, set)
}
