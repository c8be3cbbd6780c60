// Package gitinfo reads the state of a git repository (HEAD, branch, remote
// URL, and the details of a commit) by running the git command-line tool, for
// the checkpoints and git links of the instrument package.
//
// It runs git rather than reading the repository with a Go git library: git
// is present wherever an agent edits code, it understands every repository
// layout and setting the user's own git does (worktrees, sparse and partial
// clones, SHA-256 object format, includes), and it costs the SDK's users no
// dependency. Each call runs a few short git processes with English messages
// and no prompts.
//
// Errors say what is wrong: [ErrNotRepository] for a directory outside any
// repository, [ErrGitNotFound] when git is not installed; both can be tested
// with errors.Is. Remote URLs come back without credentials
// ([StripCredentials]).
package gitinfo
