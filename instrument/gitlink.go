package instrument

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
	"github.com/agenttrace/agenttrace-otel-go/instrument/internal/gitinfo"
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
type GitLinkType = exporter.GitLinkType

// Git link types, as AgentTrace names them.
const (
	// GitLinkCurrent is the commit the agent worked on (the default).
	GitLinkCurrent = exporter.GitLinkCurrent
	// GitLinkStart is the commit at the start of the trace.
	GitLinkStart = exporter.GitLinkStart
	// GitLinkEnd is the commit at the end of the trace.
	GitLinkEnd = exporter.GitLinkEnd
	// GitLinkReferenced is a commit the trace refers to.
	GitLinkReferenced = exporter.GitLinkReferenced
)

// A GitLinkOption configures [Client.GitLink] and [Observation.GitLink]:
// the With* options below that return one, and every [GitOption]
// ([WithGitDir], [WithGitCommit], [WithGitBranch], [WithGitRepoURL]),
// which is a GitLinkOption too.
type GitLinkOption interface {
	applyGitLink(*gitLinkConfig)
}

// A GitOption configures the git state of checkpoints and git links: it
// is both a [CheckpointOption] and a [GitLinkOption], so the same option
// can be given to [Observation.Checkpoint], [Client.GitLink] and
// [Observation.GitLink].
type GitOption interface {
	CheckpointOption
	GitLinkOption
}

// gitConfig is what the git options of checkpoints and git links set.
type gitConfig struct {
	dir                     string
	dirSet                  bool
	commit, branch, repoURL string
}

// directory returns the directory git information is read from.
func (g *gitConfig) directory() string {
	if g.dir == "" {
		return "."
	}
	return g.dir
}

type gitOption func(*gitConfig)

func (f gitOption) applyCheckpoint(c *checkpointConfig) { f(&c.git) }
func (f gitOption) applyGitLink(c *gitLinkConfig)       { f(&c.git) }

// WithGitDir sets the directory of the repository git information is read
// from (any directory inside its working tree). Default: the working
// directory. With it, a directory that is not in a repository, or a
// missing git, is an error ([ErrNotRepository], [ErrGitNotFound]).
func WithGitDir(dir string) GitOption {
	return gitOption(func(g *gitConfig) { g.dir, g.dirSet = dir, true })
}

// WithGitCommit gives the commit (a SHA) instead of detecting HEAD. Without
// [WithGitDir] nothing is then read from git: the record holds what the
// options give. With WithGitDir, a git link reads the details of this
// commit (any revision git understands) from that repository.
func WithGitCommit(sha string) GitOption {
	return gitOption(func(g *gitConfig) { g.commit = sha })
}

// WithGitBranch gives the branch, instead of the detected one.
func WithGitBranch(name string) GitOption {
	return gitOption(func(g *gitConfig) { g.branch = name })
}

// WithGitRepoURL gives the repository URL, instead of the detected remote
// URL. Credentials in it are removed, as from detected URLs.
func WithGitRepoURL(url string) GitOption {
	return gitOption(func(g *gitConfig) { g.repoURL = url })
}

// gitLinkConfig is what the options of a git link set.
type gitLinkConfig struct {
	git                      gitConfig
	linkType                 GitLinkType
	parent, tag              string
	message                  *string
	author, authorEmail      string
	commitTime               time.Time
	added, modified, deleted []string
	filesSet                 bool
	additions, deletions     int
	linesSet                 bool
}

type gitLinkOption func(*gitLinkConfig)

func (f gitLinkOption) applyGitLink(c *gitLinkConfig) { f(c) }

// WithGitLinkType sets how the commit relates to the trace. Default:
// [GitLinkCurrent].
func WithGitLinkType(t GitLinkType) GitLinkOption {
	return gitLinkOption(func(c *gitLinkConfig) { c.linkType = t })
}

// WithGitParent gives the commit's (first) parent.
func WithGitParent(sha string) GitLinkOption {
	return gitLinkOption(func(c *gitLinkConfig) { c.parent = sha })
}

// WithGitTag gives a tag of the commit.
func WithGitTag(tag string) GitLinkOption {
	return gitLinkOption(func(c *gitLinkConfig) { c.tag = tag })
}

// WithGitMessage gives the commit message.
func WithGitMessage(msg string) GitLinkOption {
	return gitLinkOption(func(c *gitLinkConfig) { c.message = &msg })
}

// WithGitAuthor gives the commit's author and the author's email.
func WithGitAuthor(name, email string) GitLinkOption {
	return gitLinkOption(func(c *gitLinkConfig) { c.author, c.authorEmail = name, email })
}

// WithGitCommitTime gives the time of the commit.
func WithGitCommitTime(t time.Time) GitLinkOption {
	return gitLinkOption(func(c *gitLinkConfig) { c.commitTime = t })
}

// WithGitFiles gives the files the commit added, modified and deleted.
func WithGitFiles(added, modified, deleted []string) GitLinkOption {
	added, modified, deleted = slices.Clone(added), slices.Clone(modified), slices.Clone(deleted)
	return gitLinkOption(func(c *gitLinkConfig) {
		c.added, c.modified, c.deleted, c.filesSet = added, modified, deleted, true
	})
}

// WithGitLineChanges gives the lines the commit added and deleted.
func WithGitLineChanges(additions, deletions int) GitLinkOption {
	return gitLinkOption(func(c *gitLinkConfig) { c.additions, c.deletions, c.linesSet = additions, deletions, true })
}

// GitLink links a git commit to the trace with id traceID, as the Python
// SDK's git_link does:
//
//	err := client.GitLink(ctx, traceID) // HEAD of the working directory
//	err = client.GitLink(ctx, traceID,
//		instrument.WithGitCommit("3f1c2a9"), instrument.WithGitBranch("main"),
//		instrument.WithGitRepoURL("https://github.com/org/repo"))
//
// By default it reads the commit HEAD of the repository in the working
// directory: SHA, parent, branch, tag, remote URL (without credentials),
// message, author and email, commit time, the files added, modified and
// deleted against the first parent, and the lines added and deleted. The
// git options give any of these by hand, or choose another repository
// ([WithGitDir]) or commit ([WithGitCommit]).
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
func (c *Client) GitLink(ctx context.Context, traceID trace.TraceID, opts ...GitLinkOption) error {
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
	return c.gitLink(ctx, traceID, start, opts)
}

// GitLink links a git commit to o's trace, as [Client.GitLink] does.
func (o *Observation) GitLink(ctx context.Context, opts ...GitLinkOption) error {
	if o.span == nil || !o.span.SpanContext().IsSampled() || !o.client.keeps(o.TraceID()) {
		return nil
	}
	return o.client.gitLink(ctx, o.TraceID(), o.trace.start, opts)
}

func (c *Client) gitLink(ctx context.Context, id trace.TraceID, start time.Time, opts []GitLinkOption) error {
	var cfg gitLinkConfig
	for _, opt := range opts {
		opt.applyGitLink(&cfg)
	}
	switch cfg.linkType {
	case "", GitLinkCurrent, GitLinkStart, GitLinkEnd, GitLinkReferenced:
	default:
		return fmt.Errorf("agenttrace: git link type %q: want current, start, end or referenced", cfg.linkType)
	}
	l := exporter.GitLink{TraceID: id, TraceStart: start, LinkType: cfg.linkType}
	if cfg.git.commit == "" || cfg.git.dirSet {
		cm, err := gitinfo.ReadCommit(ctx, cfg.git.directory(), cfg.git.commit)
		if err != nil {
			return fmt.Errorf("agenttrace: git link: %w", err)
		}
		l.CommitSHA, l.ParentSHA, l.Branch, l.Tag, l.RepoURL = cm.SHA, cm.Parent, cm.Branch, cm.Tag, cm.RepoURL
		l.CommitMessage, l.CommitAuthor, l.CommitAuthorEmail, l.CommitTime = cm.Message, cm.Author, cm.AuthorEmail, cm.Time
		l.FilesAdded, l.FilesModified, l.FilesDeleted = cm.Added, cm.Modified, cm.Deleted
		l.Additions, l.Deletions = cm.Additions, cm.Deletions
	} else {
		l.CommitSHA = cfg.git.commit
	}
	override(&l.Branch, cfg.git.branch)
	override(&l.RepoURL, cfg.git.repoURL)
	override(&l.ParentSHA, cfg.parent)
	override(&l.Tag, cfg.tag)
	override(&l.CommitAuthor, cfg.author)
	override(&l.CommitAuthorEmail, cfg.authorEmail)
	if cfg.message != nil {
		l.CommitMessage = *cfg.message
	}
	if !cfg.commitTime.IsZero() {
		l.CommitTime = cfg.commitTime
	}
	if cfg.filesSet {
		l.FilesAdded, l.FilesModified, l.FilesDeleted = cfg.added, cfg.modified, cfg.deleted
	}
	if cfg.linesSet {
		l.Additions, l.Deletions = cfg.additions, cfg.deletions
	}
	l.RepoURL = gitinfo.StripCredentials(l.RepoURL)
	l.CommitMessage = c.agent.redactor.String(l.CommitMessage)
	return c.exporter.ExportGitLink(l)
}

// override sets *dst to v when v is not empty.
func override(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}
