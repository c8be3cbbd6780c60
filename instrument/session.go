package instrument

import "context"

// Session groups related traces (the turns of a conversation, the tasks of
// one user visit) under an id the application chooses.
type Session struct {
	client *Client
	id     string
}

// Session returns the session with id. Traces started with
// [Session.Trace] belong to it; [WithSessionID] does the same for any
// trace or observation.
func (c *Client) Session(id string) Session {
	return Session{client: c, id: id}
}

// ID returns the session's id.
func (s Session) ID() string { return s.id }

// Trace starts a trace of the session, as [Client.Trace] does.
func (s Session) Trace(ctx context.Context, name string, opts ...ObservationOption) (context.Context, *Trace) {
	if !s.client.enabled() {
		return ctx, noopTrace
	}
	return s.client.startTrace(ctx, name, kindTrace, configOf(opts), s.id)
}
