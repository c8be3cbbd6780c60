package main

import (
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		in, name, side string
	}{
		{"Export/ours-2", "Export", "ours"},
		{"Export/baseline", "Export", "baseline"},
		{"Export/batch=512/ours-8", "Export/batch=512", "ours"},
		{"Export/ours/batch=512-8", "Export/ours/batch=512", ""},
		{"Queue-2", "Queue", ""},
		{"Queue", "Queue", ""},
		{"Ours-2", "Ours", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			name, side := split(benchfmt.Name(tt.in))
			if name != tt.name || side != tt.side {
				t.Errorf("split(%q) = %q, %q; want %q, %q", tt.in, name, side, tt.name, tt.side)
			}
		})
	}
}

func TestRun(t *testing.T) {
	tests := []struct {
		name, in, want, warn string
	}{
		{
			name: "empty",
			in:   "PASS\nok  \texample.com/p\t0.1s\n",
			want: "no benchmark results\n",
		},
		{
			name: "pair with custom metric and median of three runs",
			in: `goos: linux
pkg: example.com/p
BenchmarkExport/ours-2      	1000	  1200 ns/op	 3 allocs/op	 800000 spans/s
BenchmarkExport/baseline-2  	1000	  2400 ns/op	 6 allocs/op	 400000 spans/s
BenchmarkExport/ours-2      	1000	  1000 ns/op	 3 allocs/op	 900000 spans/s
BenchmarkExport/ours-2      	1000	  9000 ns/op	 3 allocs/op	 100000 spans/s
PASS
`,
			want: `ours vs baseline (median of runs; ratio = ours/baseline: below 1 is cheaper for ns/op, B/op, allocs/op, slower for rates such as spans/s)

name   | ours           | baseline       | ratio
------ | -------------- | -------------- | -----
Export | 1200 ns/op     | 2400 ns/op     | 0.50x
       | 3 allocs/op    | 6 allocs/op    | 0.50x
       | 800000 spans/s | 400000 spans/s | 2.00x
`,
		},
		{
			name: "standalone and unpaired benchmarks across packages",
			in: `pkg: example.com/m/exporter
BenchmarkQueue-2   	10	 55.5 ns/op	 12.5 MiB
pkg: example.com/m/instrument
BenchmarkSpan/ours-2 	10	 7 ns/op	 0 allocs/op
BenchmarkSpan/baseline-2 	10	 0 ns/op	 0 allocs/op
BenchmarkLonely/ours-2 	10	 5 ns/op
`,
			want: `ours vs baseline (median of runs; ratio = ours/baseline: below 1 is cheaper for ns/op, B/op, allocs/op, slower for rates such as spans/s)

name            | ours        | baseline    | ratio
--------------- | ----------- | ----------- | -----
instrument.Span | 7 ns/op     | 0 ns/op     | -
                | 0 allocs/op | 0 allocs/op | 1.00x

other benchmarks and metrics (median of runs)

name                   | value
---------------------- | ----------
exporter.Queue         | 55.5 ns/op
                       | 12.5 MiB
instrument.Lonely/ours | 5 ns/op
`,
		},
		{
			name: "malformed line is skipped with a warning",
			in:   "pkg: example.com/p\nBenchmarkBroken-2 \tlots\nBenchmarkFine-2 \t1\t3 ns/op\n",
			want: `other benchmarks and metrics (median of runs)

name | value
---- | -------
Fine | 3 ns/op
`,
			warn: "benchtable: skipping: stdin:2: parsing iteration count: invalid syntax\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, warn strings.Builder
			if err := run(strings.NewReader(tt.in), &out, &warn); err != nil {
				t.Fatalf("run: %v", err)
			}
			if out.String() != tt.want {
				t.Errorf("output:\n%s\nwant:\n%s", out.String(), tt.want)
			}
			if warn.String() != tt.warn {
				t.Errorf("warnings = %q, want %q", warn.String(), tt.warn)
			}
		})
	}
}
