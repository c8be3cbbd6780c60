package instrument_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// BenchmarkAgentNoop measures the agent records of a disabled client: no
// work and no allocation.
func BenchmarkAgentNoop(b *testing.B) {
	c, err := instrument.New(context.Background(), instrument.WithEnabled(false))
	if err != nil {
		b.Fatal(err)
	}
	ctx, tr := c.Trace(context.Background(), "noop")
	files := []string{"main.go"}
	b.Run("Checkpoint", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = tr.Checkpoint(ctx, instrument.Checkpoint{Name: "cp", Files: files})
		}
	})
	b.Run("FileOp", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = tr.FileOp(ctx, instrument.FileOp{Operation: instrument.FileRead, Path: "main.go"})
		}
	})
	b.Run("TerminalCmd", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = tr.TerminalCmd(ctx, instrument.TerminalCmd{Command: "ls"})
		}
	})
}

// BenchmarkFileOp measures an edit of a 200-line file recorded with its
// hashes, line counts and redacted diff preview.
func BenchmarkFileOp(b *testing.B) {
	_, c := benchProvider(b)
	ctx, tr := c.Trace(context.Background(), "bench")
	defer tr.End()
	var before, after strings.Builder
	for i := range 200 {
		fmt.Fprintf(&before, "line %d: some code here\n", i)
		if i%20 == 0 {
			fmt.Fprintf(&after, "line %d: changed code\n", i)
		} else {
			fmt.Fprintf(&after, "line %d: some code here\n", i)
		}
	}
	old, updated := []byte(before.String()), []byte(after.String())
	b.ReportAllocs()
	for b.Loop() {
		if err := tr.FileOp(ctx, instrument.FileOp{Operation: instrument.FileEdit, Path: "main.go", Before: old, After: updated}); err != nil {
			b.Fatal(err)
		}
	}
}
