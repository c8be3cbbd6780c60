package gitinfo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

var (
	// ErrNotRepository means the directory is not inside a git working
	// tree (or a bare repository).
	ErrNotRepository = errors.New("not a git repository")
	// ErrGitNotFound means no git executable is on the PATH. It wraps
	// exec.ErrNotFound.
	ErrGitNotFound = fmt.Errorf("git executable not found on PATH: %w", exec.ErrNotFound)
)

// Head is the state of a repository's HEAD.
type Head struct {
	// Commit is the SHA of HEAD, empty in a repository without commits.
	Commit string
	// Branch is the checked-out branch, empty when HEAD is detached.
	Branch string
	// RepoURL is the URL of the remote "origin" (else of the first remote
	// by name) with credentials removed; empty without remotes.
	RepoURL string
}

// Commit describes one commit.
type Commit struct {
	SHA string
	// Parent is the first parent, empty for a root commit.
	Parent string
	// Branch is a branch pointing at the commit, the checked-out one when
	// it does; Tag a tag pointing at it (the first by name).
	Branch, Tag string
	// RepoURL is as in Head.
	RepoURL     string
	Message     string
	Author      string
	AuthorEmail string
	// Time is the committer date.
	Time time.Time
	// Files added, modified and deleted by the commit (against its first
	// parent; a rename is a deletion and an addition), and the lines added
	// and deleted in text files.
	Added, Modified, Deleted []string
	Additions, Deletions     int
}

// ReadHead returns the HEAD state of the repository containing dir.
func ReadHead(ctx context.Context, dir string) (Head, error) {
	var h Head
	// symbolic-ref works in a repository without commits; it fails
	// (quietly, with -q) when HEAD is detached.
	branch, err := run(ctx, dir, "symbolic-ref", "-q", "--short", "HEAD")
	switch {
	case err == nil:
		h.Branch = strings.TrimSpace(branch)
	case !isExit(err, 1):
		return Head{}, err
	}
	commit, err := run(ctx, dir, "rev-parse", "-q", "--verify", "HEAD^{commit}")
	switch {
	case err == nil:
		h.Commit = strings.TrimSpace(commit)
	case !isExit(err, 1):
		return Head{}, err
	}
	h.RepoURL, err = remoteURL(ctx, dir)
	if err != nil {
		return Head{}, err
	}
	return h, nil
}

// ReadCommit returns the commit rev (a SHA, branch, tag or "HEAD") of the
// repository containing dir.
func ReadCommit(ctx context.Context, dir, rev string) (Commit, error) {
	if rev == "" {
		rev = "HEAD"
	}
	if strings.HasPrefix(rev, "-") {
		return Commit{}, fmt.Errorf("git: revision %q: must not start with '-'", rev)
	}
	// Fields separated by NUL; the message last, as it may hold anything.
	out, err := run(ctx, dir, "show", "-s", "--no-color", "--no-show-signature",
		"--format=%H%x00%P%x00%an%x00%ae%x00%cI%x00%B", rev+"^{commit}", "--")
	if err != nil {
		return Commit{}, err
	}
	f := strings.SplitN(out, "\x00", 6)
	if len(f) != 6 {
		return Commit{}, fmt.Errorf("git show %s: unexpected output %q", rev, out)
	}
	c := Commit{
		SHA:         f[0],
		Author:      f[2],
		AuthorEmail: f[3],
		Message:     strings.TrimRight(f[5], "\n"),
	}
	if parents := strings.Fields(f[1]); len(parents) > 0 {
		c.Parent = parents[0]
	}
	if c.Time, err = time.Parse(time.RFC3339, f[4]); err != nil {
		return Commit{}, fmt.Errorf("git show %s: commit time %q: %w", rev, f[4], err)
	}

	// The change against the first parent (the empty tree for a root
	// commit), without renames, external diff drivers or text conversion.
	diff := []string{"show", "--format=", "-z", "--no-color", "--no-renames", "--no-ext-diff", "--no-textconv", "--diff-merges=first-parent"}
	numstat, err := run(ctx, dir, append(diff, "--numstat", c.SHA, "--")...)
	if err != nil {
		return Commit{}, err
	}
	c.Additions, c.Deletions = parseNumstat(numstat)
	status, err := run(ctx, dir, append(diff, "--name-status", c.SHA, "--")...)
	if err != nil {
		return Commit{}, err
	}
	c.Added, c.Modified, c.Deleted = parseNameStatus(status)

	tags, err := run(ctx, dir, "tag", "--points-at", c.SHA)
	if err != nil {
		return Commit{}, err
	}
	if t := strings.Fields(tags); len(t) > 0 {
		c.Tag = t[0]
	}
	branches, err := run(ctx, dir, "branch", "--no-color", "--points-at", c.SHA, "--format=%(HEAD)%00%(refname:short)")
	if err != nil {
		return Commit{}, err
	}
	c.Branch = pickBranch(branches)
	if c.RepoURL, err = remoteURL(ctx, dir); err != nil {
		return Commit{}, err
	}
	return c, nil
}

// parseNumstat sums the lines added and deleted of `git show --numstat -z`
// output ("added\tdeleted\tpath\0"; binary files count "-").
func parseNumstat(out string) (additions, deletions int) {
	for rec := range strings.SplitSeq(out, "\x00") {
		f := strings.SplitN(strings.TrimLeft(rec, "\n"), "\t", 3)
		if len(f) < 3 {
			continue
		}
		a, errA := strconv.Atoi(f[0])
		d, errD := strconv.Atoi(f[1])
		if errA == nil && errD == nil {
			additions += a
			deletions += d
		}
	}
	return additions, deletions
}

// parseNameStatus reads `git show --name-status -z` output ("M\0path\0").
// Type changes count as modifications.
func parseNameStatus(out string) (added, modified, deleted []string) {
	f := strings.Split(strings.TrimLeft(out, "\n"), "\x00")
	for i := 0; i+1 < len(f); i += 2 {
		status, path := strings.TrimSpace(f[i]), f[i+1]
		if status == "" {
			continue
		}
		switch status[0] {
		case 'A':
			added = append(added, path)
		case 'D':
			deleted = append(deleted, path)
		default:
			modified = append(modified, path)
		}
	}
	return added, modified, deleted
}

// pickBranch returns the checked-out branch among `git branch --points-at`
// lines ("*\0main"), else the first.
func pickBranch(out string) string {
	first := ""
	for line := range strings.Lines(out) {
		head, name, ok := strings.Cut(strings.TrimRight(line, "\n"), "\x00")
		if !ok || name == "" || strings.HasPrefix(name, "(") {
			continue // "(HEAD detached at ...)"
		}
		if head == "*" {
			return name
		}
		if first == "" {
			first = name
		}
	}
	return first
}

// remoteURL returns the URL of the remote origin, else of the first remote
// by name, with credentials removed; empty without remotes.
func remoteURL(ctx context.Context, dir string) (string, error) {
	out, err := run(ctx, dir, "config", "--get-regexp", `^remote\..*\.url$`)
	if isExit(err, 1) {
		return "", nil // no remote
	}
	if err != nil {
		return "", err
	}
	type remote struct{ name, url string }
	var remotes []remote
	for line := range strings.Lines(out) {
		key, url, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		name := strings.TrimSuffix(strings.TrimPrefix(key, "remote."), ".url")
		remotes = append(remotes, remote{name, strings.TrimSpace(url)})
	}
	if len(remotes) == 0 {
		return "", nil
	}
	slices.SortStableFunc(remotes, func(a, b remote) int {
		switch {
		case a.name == b.name:
			return 0
		case a.name == "origin":
			return -1
		case b.name == "origin":
			return 1
		}
		return strings.Compare(a.name, b.name)
	})
	return StripCredentials(remotes[0].url), nil
}

// exitError is a git command that ran and failed.
type exitError struct {
	args   []string
	code   int
	stderr string
}

func (e *exitError) Error() string {
	msg := e.stderr
	if msg == "" {
		msg = "exit status " + strconv.Itoa(e.code)
	}
	return "git " + strings.Join(e.args, " ") + ": " + msg
}

func isExit(err error, code int) bool {
	var e *exitError
	return errors.As(err, &e) && e.code == code
}

// run runs git with args in dir and returns its standard output.
func run(ctx context.Context, dir string, args ...string) (string, error) {
	if fi, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("git: %w", err)
	} else if !fi.IsDir() {
		return "", fmt.Errorf("git: %s: %w", dir, ErrNotRepository)
	}
	git, err := exec.LookPath("git")
	if err != nil {
		return "", ErrGitNotFound
	}
	cmd := exec.CommandContext(ctx, git, args...)
	cmd.Dir = dir
	// English messages (to recognise "not a git repository"), never a
	// prompt, and no optional locks that would disturb a concurrent git
	// in the same repository.
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANGUAGE=C", "GIT_TERMINAL_PROMPT=0", "GIT_OPTIONAL_LOCKS=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if err == nil {
		return stdout.String(), nil
	}
	if ctx.Err() != nil {
		return "", fmt.Errorf("git %s: %w", args[0], ctx.Err())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, exec.ErrNotFound) {
			return "", ErrGitNotFound
		}
		return "", fmt.Errorf("git %s: %w", args[0], err)
	}
	msg := strings.TrimSpace(stderr.String())
	if strings.Contains(msg, "not a git repository") {
		return "", fmt.Errorf("%s: %w", dir, ErrNotRepository)
	}
	return "", &exitError{args: args, code: ee.ExitCode(), stderr: msg}
}
