package gitinfo

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// The user's and the system's git configuration must not change the
	// outcome (signing, default branch, hooks...).
	os.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	os.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	goleak.VerifyTestMain(m)
}

// repo is a git repository in a temporary directory.
type repo struct {
	t   *testing.T
	dir string
}

func newRepo(t *testing.T) *repo {
	t.Helper()
	r := &repo{t: t, dir: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	r.git("config", "user.name", "Ann Agent")
	r.git("config", "user.email", "ann@example.com")
	return r
}

func (r *repo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), "GIT_COMMITTER_DATE=2026-03-01T12:00:00+01:00", "GIT_AUTHOR_DATE=2026-03-01T12:00:00+01:00")
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (r *repo) write(name, content string) {
	r.t.Helper()
	if err := os.WriteFile(filepath.Join(r.dir, name), []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *repo) commit(msg string) string {
	r.t.Helper()
	r.git("add", "-A")
	r.git("commit", "-q", "-m", msg)
	return r.git("rev-parse", "HEAD")
}

func TestReadHead(t *testing.T) {
	ctx := context.Background()

	empty := newRepo(t)
	h, err := ReadHead(ctx, empty.dir)
	if err != nil || h != (Head{Branch: "main"}) {
		t.Errorf("repository without commits: %+v, %v", h, err)
	}

	r := newRepo(t)
	r.write("a.txt", "a\n")
	sha := r.commit("first")
	r.git("remote", "add", "upstream", "https://example.com/upstream.git")
	r.git("remote", "add", "origin", "https://ann:ghp_secret@github.com/acme/app.git")
	h, err = ReadHead(ctx, r.dir)
	want := Head{Commit: sha, Branch: "main", RepoURL: "https://github.com/acme/app.git"}
	if err != nil || h != want {
		t.Errorf("ReadHead = %+v, %v; want %+v", h, err, want)
	}

	// From a subdirectory, detached.
	if err := os.Mkdir(filepath.Join(r.dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	r.git("checkout", "-q", "--detach")
	h, err = ReadHead(ctx, filepath.Join(r.dir, "sub"))
	want = Head{Commit: sha, RepoURL: "https://github.com/acme/app.git"}
	if err != nil || h != want {
		t.Errorf("detached, from a subdirectory: %+v, %v; want %+v", h, err, want)
	}

	// Without origin, the first remote by name.
	r.git("remote", "remove", "origin")
	if h, err = ReadHead(ctx, r.dir); err != nil || h.RepoURL != "https://example.com/upstream.git" {
		t.Errorf("without origin: %+v, %v", h, err)
	}
}

func TestReadCommit(t *testing.T) {
	ctx := context.Background()
	r := newRepo(t)
	r.write("keep.txt", "one\ntwo\n")
	r.write("gone.txt", "bye\n")
	r.write("old-name.txt", "renamed\n")
	root := r.commit("root commit")

	c, err := ReadCommit(ctx, r.dir, root)
	if err != nil {
		t.Fatal(err)
	}
	if c.Parent != "" || c.Additions != 4 || c.Deletions != 0 || len(c.Added) != 3 || c.Modified != nil || c.Deleted != nil {
		t.Errorf("root commit: %+v", c)
	}

	r.write("keep.txt", "one\nTWO\nthree\n")
	if err := os.Remove(filepath.Join(r.dir, "gone.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(r.dir, "old-name.txt"), filepath.Join(r.dir, "new name.txt")); err != nil {
		t.Fatal(err)
	}
	r.write("new.bin", "\x00\x01\x02")
	sha := r.commit("second\n\nWith a body.\n")
	r.git("tag", "v1.0.0")
	r.git("remote", "add", "origin", "git@github.com:acme/app.git")

	c, err = ReadCommit(ctx, r.dir, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	want := Commit{
		SHA:         sha,
		Parent:      root,
		Branch:      "main",
		Tag:         "v1.0.0",
		RepoURL:     "git@github.com:acme/app.git",
		Message:     "second\n\nWith a body.",
		Author:      "Ann Agent",
		AuthorEmail: "ann@example.com",
		Time:        time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC),
		Added:       []string{"new name.txt", "new.bin"},
		Modified:    []string{"keep.txt"},
		Deleted:     []string{"gone.txt", "old-name.txt"},
		Additions:   3, // TWO, three, renamed; the binary file counts none
		Deletions:   3, // two, bye, renamed
	}
	if !c.Time.Equal(want.Time) {
		t.Errorf("Time = %v, want %v", c.Time, want.Time)
	}
	c.Time = want.Time
	if !reflect.DeepEqual(c, want) {
		t.Errorf("ReadCommit =\n%+v\nwant\n%+v", c, want)
	}

	// Another branch, checked out: it is the branch of its commits.
	r.git("checkout", "-q", "-b", "feature")
	if c, err = ReadCommit(ctx, r.dir, sha); err != nil || c.Branch != "feature" {
		t.Errorf("branch of a commit on two branches: %q, %v; want the checked-out one", c.Branch, err)
	}
	r.git("checkout", "-q", "--detach")
	if c, err = ReadCommit(ctx, r.dir, sha); err != nil || c.Branch != "feature" {
		t.Errorf("detached: branch %q, %v; want the first by name", c.Branch, err)
	}

	// A merge: its change against the first parent.
	r.git("checkout", "-q", "main")
	r.git("checkout", "-q", "-b", "side")
	r.write("side.txt", "s\n")
	r.commit("side")
	r.git("checkout", "-q", "main")
	r.write("main.txt", "m\n")
	mainSHA := r.commit("main")
	r.git("merge", "-q", "--no-ff", "-m", "merge side", "side")
	if c, err = ReadCommit(ctx, r.dir, "HEAD"); err != nil || c.Parent != mainSHA || !reflect.DeepEqual(c.Added, []string{"side.txt"}) || c.Additions != 1 {
		t.Errorf("merge: %+v, %v", c, err)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	notRepo := t.TempDir()
	file := filepath.Join(notRepo, "f.txt")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := newRepo(t)
	r.write("a", "a")
	r.commit("c")

	tests := []struct {
		name string
		call func() error
		is   error
	}{
		{"head outside a repository", func() error { _, err := ReadHead(ctx, notRepo); return err }, ErrNotRepository},
		{"commit outside a repository", func() error { _, err := ReadCommit(ctx, notRepo, ""); return err }, ErrNotRepository},
		{"a file, not a directory", func() error { _, err := ReadHead(ctx, file); return err }, ErrNotRepository},
		{"missing directory", func() error { _, err := ReadHead(ctx, filepath.Join(notRepo, "nope")); return err }, os.ErrNotExist},
		{"unknown revision", func() error { _, err := ReadCommit(ctx, r.dir, "no-such-branch"); return err }, nil},
		{"option as revision", func() error { _, err := ReadCommit(ctx, r.dir, "--output=/tmp/x"); return err }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil {
				t.Fatal("no error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
		})
	}

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := ReadHead(canceled, r.dir); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: %v", err)
	}
}

func TestGitNotFound(t *testing.T) {
	r := newRepo(t)
	t.Setenv("PATH", t.TempDir())
	_, err := ReadHead(context.Background(), r.dir)
	if !errors.Is(err, ErrGitNotFound) || !errors.Is(err, exec.ErrNotFound) {
		t.Errorf("without git on PATH: %v", err)
	}
}

func TestStripCredentials(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://github.com/acme/app.git", "https://github.com/acme/app.git"},
		{"https://user:token@github.com/acme/app.git", "https://github.com/acme/app.git"},
		{"https://ghp_abc123@github.com/acme/app.git", "https://github.com/acme/app.git"},
		{"https://x-access-token:ghs_abc@github.com/acme/app", "https://github.com/acme/app"},
		{"http://u:p@host:8080/r.git?private_token=abc#frag", "http://host:8080/r.git"},
		{"HTTPS://U:P@Example.com/r", "https://Example.com/r"},
		{"git://u@host/r.git", "git://host/r.git"},
		{"ssh://git@github.com/acme/app.git", "ssh://git@github.com/acme/app.git"},
		{"ssh://git:hunter2@github.com:22/acme/app.git", "ssh://git@github.com:22/acme/app.git"},
		{"git+ssh://deploy:pw@host/r", "git+ssh://deploy@host/r"},
		{"git@github.com:acme/app.git", "git@github.com:acme/app.git"},
		{"deploy:pw@host:acme/app.git", "deploy@host:acme/app.git"},
		{"github.com:acme/app.git", "github.com:acme/app.git"},
		{"/srv/git/app.git", "/srv/git/app.git"},
		{"../other@repo", "../other@repo"},
		{"file:///srv/git/app.git", "file:///srv/git/app.git"},
		{"https://u:p%zz@host/r", "https://host/r"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := StripCredentials(tt.in); got != tt.want {
			t.Errorf("StripCredentials(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	a, d := parseNumstat("2\t1\ta.go\x00-\t-\tlogo.png\x0010\t0\tnew file.go\x00")
	if a != 12 || d != 1 {
		t.Errorf("parseNumstat: %d/%d, want 12/1", a, d)
	}
	added, modified, deleted := parseNameStatus("\nA\x00x\x00M\x00y\x00D\x00z\x00T\x00link\x00")
	if !reflect.DeepEqual(added, []string{"x"}) || !reflect.DeepEqual(modified, []string{"y", "link"}) || !reflect.DeepEqual(deleted, []string{"z"}) {
		t.Errorf("parseNameStatus: %q %q %q", added, modified, deleted)
	}
	for _, tt := range []struct{ in, want string }{
		{"*\x00main\n \x00dev\n", "main"},
		{" \x00dev\n \x00main\n", "dev"},
		{"*\x00(HEAD detached at 3f1c2a9)\n \x00dev\n", "dev"},
		{"", ""},
	} {
		if got := pickBranch(tt.in); got != tt.want {
			t.Errorf("pickBranch(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
