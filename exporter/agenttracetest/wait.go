package agenttracetest

import (
	"context"
	"fmt"
)

// WaitFor blocks until cond holds for the server's data, ctx ends or the
// server is closed. cond is evaluated on a fresh [Snapshot] now and after
// every change of the data (each stored row and each request received or
// answered), never by polling; it runs on the caller's goroutine without any
// lock held.
//
// When ctx ends first, the error wraps the context's error and counts what
// the server holds; when the server is closed it is [ErrClosed].
func (s *Server) WaitFor(ctx context.Context, cond func(Snapshot) bool) error {
	for {
		s.mu.Lock()
		snap := s.data.snapshot()
		changed := s.changed
		s.mu.Unlock()
		if cond(snap) {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("agenttracetest: condition not met with %s: %w", snap.summary(), context.Cause(ctx))
		case <-s.done:
			if cond(s.Snapshot()) {
				return nil
			}
			return ErrClosed
		}
	}
}

func (sn Snapshot) summary() string {
	return fmt.Sprintf("%d trace rows, %d observation rows, %d scores, %d checkpoints, %d git links, %d file operations, %d terminal commands, %d requests",
		len(sn.Traces), len(sn.Observations), len(sn.Scores), len(sn.Checkpoints), len(sn.GitLinks),
		len(sn.FileOperations), len(sn.TerminalCommands), len(sn.Requests))
}

// WaitForTrace waits until a row of the trace with the id is stored, and
// returns the last written one. Other conditions are waited for with
// [Server.WaitFor].
func (s *Server) WaitForTrace(ctx context.Context, id string) (Trace, error) {
	var t Trace
	err := s.WaitFor(ctx, func(sn Snapshot) bool {
		var ok bool
		t, ok = sn.Trace(id)
		return ok
	})
	return t, err
}
