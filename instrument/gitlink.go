package instrument

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/instrument/internal/gitinfo"
	"github.com/agenttrace/agenttrace-otel-go/internal/records"
)

var (
	// ErrNotRepository is returned (wrapped) when git information is read
	// from a directory that is not inside a git repository.
	ErrNotRepository = gitinfo.ErrNotRepository
	// ErrGitNotFound is returned (wrapped) when git information is needed
	// and no git executable is on the PATH. It wraps exec.ErrNotFound.
	ErrGitNotFound = gitinfo.ErrGitNotFound
)

// GitLinkType says how a commit relates to a trace.
type GitLinkType string

// Git link types, as AgentTrace names them.
const (
	// GitLinkCurrent is the commit the agent worked on (the default).
	GitLinkCurrent GitLinkType = "current"
	// GitLinkStart is the commit at the start of the trace.
	GitLinkStart GitLinkType = "start"
	// GitLinkEnd is the commit at the end of the trace.
	GitLinkEnd GitLinkType = "end"
	// GitLinkReferenced is a commit the trace refers to.
	GitLinkReferenced GitLinkType = "referenced"
)

// GitLink is a link from a trace to a git commit, for [Client.GitLink] and
// [Observation.GitLink]. Its zero value links the commit HEAD of the
// repository in the working directory, every detail read from git; a field
// that is set replaces what git says.
type GitLink struct {
	// Type says how the commit relates to the trace. Default:
	// [GitLinkCurrent].
	Type GitLinkType
	// Dir is a directory inside the repository's working tree. Default:
	// the working directory. With Dir set, a directory outside a
	// repository, or a missing git, is an error ([ErrNotRepository],
	// [ErrGitNotFound]).
	Dir string
	// Commit is the commit (a SHA) instead of HEAD. Without Dir, nothing
	// is then read from git: the link holds what the fields give. With
	// Dir, the details of this commit (any revision git understands) are
	// read from that repository.
	Commit string
	// Parent is the commit's (first) parent.
	Parent string
	// Branch and Tag name the commit.
	Branch, Tag string
	// RepoURL is the repository's URL (the detected one is the remote's).
	// Credentials in it are removed.
	RepoURL string
	// Message is the commit message; secrets in it are redacted.
	Message string
	// Author and AuthorEmail are the commit's author.
	Author, AuthorEmail string
	// CommitTime is when the commit was made.
	CommitTime time.Time
	// FilesAdded, FilesModified and FilesDeleted are the files the commit
	// changed against its first parent.
	FilesAdded, FilesModified, FilesDeleted []string
	// Additions and Deletions are the lines the commit added and deleted.
	Additions, Deletions int
}

// gitConfig says where the git state of checkpoints and git links is read,
// and which parts are given by hand.
type gitConfig struct {
	dir                     string
	commit, branch, repoURL string
}

// directory returns the directory git information is read from.
func (g *gitConfig) directory() string {
	if g.dir == "" {
		return "."
	}
	return g.dir
}

// GitLink links a git commit to the trace with id traceID, as the Python
// SDK's git_link does:
//
//	err := client.GitLink(ctx, traceID, instrument.GitLink{}) // HEAD of the working directory
//	err = client.GitLink(ctx, traceID, instrument.GitLink{
//		Commit: "3f1c2a9", Branch: "main", RepoURL: "https://github.com/org/repo",
//	})
//
// The zero GitLink reads the commit HEAD of the repository in the working
// directory: SHA, parent, branch, tag, remote URL (without credentials),
// message, author and email, commit time, the files added, modified and
// deleted against the first parent, and the lines added and deleted. The
// fields of link give any of these by hand, or choose another repository
// (Dir) or commit (Commit).
//
// The link is sent once the trace exists on the server. A directory
// outside a repository is an error wrapping [ErrNotRepository], a missing
// git one wrapping [ErrGitNotFound]; nothing is sent then. Under a
// disabled client, or for a trace the sample rate drops, GitLink does
// nothing and returns nil.
//
// While the trace runs, link from a ctx that carries it (or with
// [Observation.GitLink]): the exporter then creates the trace on the
// server first. A bare trace id is taken to name a trace the server has
// already received.
func (c *Client) GitLink(ctx context.Context, traceID trace.TraceID, link GitLink) error {
	if !traceID.IsValid() {
		return errors.New("agenttrace: git link: invalid trace id")
	}
	if !c.enabled() || !c.keeps(traceID) {
		return nil
	}
	var start time.Time
	if o := current(ctx); o != nil && o.span != nil && o.TraceID() == traceID {
		start = o.trace.start
	}
	return c.gitLink(ctx, traceID, start, link)
}

// GitLink links a git commit to o's trace, as [Client.GitLink] does.
func (o *Observation) GitLink(ctx context.Context, link GitLink) error {
	if o.span == nil || !o.span.SpanContext().IsSampled() || !o.client.keeps(o.TraceID()) {
		return nil
	}
	return o.client.gitLink(ctx, o.TraceID(), o.trace.start, link)
}

func (c *Client) gitLink(ctx context.Context, id trace.TraceID, start time.Time, in GitLink) error {
	switch in.Type {
	case "", GitLinkCurrent, GitLinkStart, GitLinkEnd, GitLinkReferenced:
	default:
		return fmt.Errorf("agenttrace: git link type %q: want current, start, end or referenced", in.Type)
	}
	l := records.GitLink{TraceID: id, TraceStart: start, LinkType: string(in.Type)}
	if in.Commit == "" || in.Dir != "" {
		dir := gitConfig{dir: in.Dir}
		cm, err := gitinfo.ReadCommit(ctx, dir.directory(), in.Commit)
		if err != nil {
			return fmt.Errorf("agenttrace: git link: %w", err)
		}
		l.CommitSHA, l.ParentSHA, l.Branch, l.Tag, l.RepoURL = cm.SHA, cm.Parent, cm.Branch, cm.Tag, cm.RepoURL
		l.CommitMessage, l.CommitAuthor, l.CommitAuthorEmail, l.CommitTime = cm.Message, cm.Author, cm.AuthorEmail, cm.Time
		l.FilesAdded, l.FilesModified, l.FilesDeleted = cm.Added, cm.Modified, cm.Deleted
		l.Additions, l.Deletions = cm.Additions, cm.Deletions
	} else {
		l.CommitSHA = in.Commit
	}
	override(&l.Branch, in.Branch)
	override(&l.RepoURL, in.RepoURL)
	override(&l.ParentSHA, in.Parent)
	override(&l.Tag, in.Tag)
	override(&l.CommitAuthor, in.Author)
	override(&l.CommitAuthorEmail, in.AuthorEmail)
	override(&l.CommitMessage, in.Message)
	if !in.CommitTime.IsZero() {
		l.CommitTime = in.CommitTime
	}
	if in.FilesAdded != nil || in.FilesModified != nil || in.FilesDeleted != nil {
		l.FilesAdded, l.FilesModified, l.FilesDeleted = slices.Clone(in.FilesAdded), slices.Clone(in.FilesModified), slices.Clone(in.FilesDeleted)
	}
	if in.Additions != 0 || in.Deletions != 0 {
		l.Additions, l.Deletions = in.Additions, in.Deletions
	}
	l.RepoURL = gitinfo.StripCredentials(l.RepoURL)
	l.CommitMessage = c.agent.redactor.String(l.CommitMessage)
	return c.records.ExportGitLink(l)
}

// override sets *dst to v when v is not empty.
func override(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}
