package redact

import (
	"regexp"
	"slices"
	"strings"
)

// Placeholder replaces a secret.
const Placeholder = "[REDACTED]"

// PrivateKeyPlaceholder replaces a private key block.
const PrivateKeyPlaceholder = "[REDACTED PRIVATE KEY]"

// A rule replaces the matches of re by repl, a regexp.Expand template that
// keeps what names the secret (a variable name, "Bearer ") and replaces the
// secret itself. re can only match text containing one of hints (in lower
// case when fold is set): most text has none, and checking for them costs
// far less than running re.
type rule struct {
	re    *regexp.Regexp
	repl  string
	hints []string
	fold  bool
}

// builtin are the rules of a Redactor with the built-in rules on. Order
// matters: assignments and headers are redacted before the bare key shapes,
// so the name of a secret stays visible ("OPENAI_API_KEY=[REDACTED]").
var builtin = []rule{
	// Passwords in URLs: scheme://user:password@host.
	{regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s/@]+@`), "${1}" + Placeholder + "@", []string{"://"}, false},
	// Assignments to secret-looking names, in environment dumps, config
	// files, logs and JSON: NAME=value, name: value, "name": "value".
	// The name must end with the secret word or continue after a
	// separator, so max_tokens=512 is not a secret.
	{regexp.MustCompile(`(?i)\b([a-z0-9_.-]*?(?:token|secret|passw(?:or)?d|passphrase|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)(?:[_.-][a-z0-9_.-]*)?["']?[ \t]*[:=][ \t]*["']?)[^\s"',;]+`), "${1}" + Placeholder,
		[]string{"token", "secret", "passw", "passphrase", "key", "credential"}, true},
	// Authorization headers. A bearer token is at least 16 characters, so
	// prose ("bearer authentication") survives.
	{regexp.MustCompile(`(?i)(\bbearer[ \t]+)[a-z0-9._~+/-]{16,}=*`), "${1}" + Placeholder, []string{"bearer"}, true},
	{regexp.MustCompile(`(?i)(\bauthorization:[ \t]*basic[ \t]+)[a-z0-9+/]+=*`), "${1}" + Placeholder, []string{"authorization"}, true},
	// API keys by shape: OpenAI (sk-, sk-proj-), Anthropic (sk-ant-),
	// AgentTrace (pk-, sk-, pk_, at_).
	{regexp.MustCompile(`\b(?:sk|pk)[-_][A-Za-z0-9_-]{16,}`), Placeholder, []string{"sk-", "sk_", "pk-", "pk_"}, false},
	{regexp.MustCompile(`\bat_[A-Za-z0-9]{20,}`), Placeholder, []string{"at_"}, false},
	// GitHub personal, OAuth, user, server and refresh tokens; fine-grained
	// personal access tokens.
	{regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})`), Placeholder,
		[]string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"}, false},
	// Slack bot, user, app and refresh tokens.
	{regexp.MustCompile(`\bxox[abposre]-[A-Za-z0-9-]{10,}`), Placeholder, []string{"xox"}, false},
	// Google API keys.
	{regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}`), Placeholder, []string{"AIza"}, false},
	// AWS access key ids (long-term and temporary). AWS secret keys have no
	// shape of their own; they are caught by name (aws_secret_access_key=,
	// "SecretAccessKey": ...).
	{regexp.MustCompile(`\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b`), Placeholder, []string{"AKIA", "ASIA", "ABIA", "ACCA"}, false},
	// JSON Web Tokens.
	{regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`), Placeholder, []string{"eyJ"}, false},
}

// Private key blocks (PEM, OpenSSH, PGP).
var (
	keyBegin = regexp.MustCompile(`-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----`)
	keyEnd   = regexp.MustCompile(`-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----`)
)

// A Redactor replaces secrets in text. Create one with [New]; it is safe for
// concurrent use. A nil *Redactor changes nothing.
type Redactor struct {
	builtin bool
	extra   []*regexp.Regexp
	// secrets are replaced wherever they occur, longest first.
	secrets []string
}

// MinSecretBytes is the shortest secret [Redactor.WithSecrets] replaces: a
// shorter one ("k", "test") cannot be told apart from ordinary text.
const MinSecretBytes = 8

// New returns a Redactor that applies the built-in rules when builtin is
// true, then the patterns of extra, whose whole matches are replaced by
// [Placeholder].
func New(builtin bool, extra ...*regexp.Regexp) *Redactor {
	r := &Redactor{builtin: builtin}
	for _, re := range extra {
		if re != nil {
			r.extra = append(r.extra, re)
		}
	}
	return r
}

// WithSecrets returns a copy of r that also replaces every occurrence of
// each of secrets (the exact strings, such as the client's own API key) by
// [Placeholder], before any rule and whether the built-in rules are on or
// not. Secrets shorter than [MinSecretBytes] are ignored. On a nil
// *Redactor it returns a Redactor that replaces only secrets.
func (r *Redactor) WithSecrets(secrets ...string) *Redactor {
	out := &Redactor{}
	if r != nil {
		*out = *r
	}
	out.secrets = slices.Clone(out.secrets)
	for _, s := range secrets {
		if len(s) >= MinSecretBytes && !slices.Contains(out.secrets, s) {
			out.secrets = append(out.secrets, s)
		}
	}
	// A secret that contains another is replaced first, whole.
	slices.SortStableFunc(out.secrets, func(a, b string) int { return len(b) - len(a) })
	return out
}

// String returns s with the secrets it contains replaced.
//
// A private key block is replaced whole. Text cut from a longer output may
// hold part of a block: a BEGIN line without its END is redacted to the end of
// s, and an END line before any BEGIN is redacted from the start of s.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, Placeholder)
	}
	if r.builtin {
		s = privateKeys(s)
		lower := "" // asciiLower(s) once a rule needed it
		for i := range builtin {
			rl := &builtin[i]
			check := s
			if rl.fold {
				if lower == "" {
					lower = asciiLower(s)
				}
				check = lower
			}
			if out, changed := rl.apply(s, check); changed {
				s, lower = out, ""
			}
		}
	}
	for _, re := range r.extra {
		s = re.ReplaceAllLiteralString(s, Placeholder)
	}
	return s
}

// Env returns the value of the environment variable name as it may be
// recorded: [Placeholder] when the built-in rules are on and the name looks
// secret (see [SecretName]), else value with the secrets it contains
// replaced.
func (r *Redactor) Env(name, value string) string {
	if r == nil {
		return value
	}
	if r.builtin && value != "" && SecretName(name) {
		return Placeholder
	}
	return r.String(value)
}

// apply returns s with the matches of rl replaced, and whether there were
// any. check is s, in lower case for a rule that folds case. No rule matches
// across lines, so only the lines holding a hint are searched.
func (rl *rule) apply(s, check string) (string, bool) {
	if !containsAny(check, rl.hints) {
		return s, false
	}
	var b strings.Builder
	done := 0 // s[:done] is in b
	for start := 0; start < len(s); {
		end := len(s)
		if i := strings.IndexByte(s[start:], '\n'); i >= 0 {
			end = start + i + 1
		}
		if containsAny(check[start:end], rl.hints) {
			line := s[start:end]
			if r := rl.re.ReplaceAllString(line, rl.repl); r != line {
				b.WriteString(s[done:start])
				b.WriteString(r)
				done = end
			}
		}
		start = end
	}
	if done == 0 {
		return s, false
	}
	b.WriteString(s[done:])
	return b.String(), true
}

// asciiLower returns s with ASCII letters in lower case; its bytes stay at
// the same offsets.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func containsAny(s string, substrs []string) bool {
	for _, sub := range substrs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// Args returns the arguments of a command with the secrets they contain
// replaced. The value of a flag with a secret-looking name given as the next
// argument ("--token", "abc") is replaced too.
func (r *Redactor) Args(args []string) []string {
	if r == nil || len(args) == 0 {
		return args
	}
	out := make([]string, len(args))
	for i, a := range args {
		if i > 0 && r.builtin && secretFlag(args[i-1]) {
			out[i] = Placeholder
			continue
		}
		out[i] = r.String(a)
	}
	return out
}

// secretFlag reports whether arg is a flag with a secret-looking name and no
// value of its own ("--password", not "--password=x").
func secretFlag(arg string) bool {
	return secretFlagRe.MatchString(arg)
}

// secretFlagRe matches flags whose value is a secret: --token, -password,
// --api-key, --client-secret, ...
var secretFlagRe = regexp.MustCompile(`(?i)^--?(?:[a-z0-9]+[-_])*(?:token|secret|password|passwd|pass|passphrase|api[-_]?key|key|credentials?)$`)

// privateKeys replaces the private key blocks of s.
func privateKeys(s string) string {
	if !strings.Contains(s, "PRIVATE KEY") {
		return s
	}
	var b strings.Builder
	rest := s
	// The end of a block whose beginning was cut off.
	if e := keyEnd.FindStringIndex(rest); e != nil {
		if begin := keyBegin.FindStringIndex(rest); begin == nil || begin[0] > e[0] {
			b.WriteString(PrivateKeyPlaceholder)
			rest = rest[e[1]:]
		}
	}
	for {
		begin := keyBegin.FindStringIndex(rest)
		if begin == nil {
			break
		}
		b.WriteString(rest[:begin[0]])
		b.WriteString(PrivateKeyPlaceholder)
		rest = rest[begin[1]:]
		e := keyEnd.FindStringIndex(rest)
		if e == nil {
			// A block whose end was cut off: the rest is key material.
			rest = ""
			break
		}
		rest = rest[e[1]:]
	}
	b.WriteString(rest)
	return b.String()
}

// Words of environment variable names that hold secrets: names containing
// one of secretParts anywhere (GITHUB_TOKEN, MYAPIKEY, DB_PASSWORD), or one
// of secretWords as a whole word (NPM_AUTH, but not GIT_AUTHOR_NAME).
var (
	secretParts = []string{"TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "CREDENTIAL", "KEY", "COOKIE", "PRIVATE"}
	secretWords = []string{"AUTH", "PASS", "PW", "DSN", "SIGNATURE"}
)

// SecretName reports whether an environment variable named name holds a
// secret, judging by its name: it contains TOKEN, SECRET, PASSWORD, PASSWD,
// PASSPHRASE, CREDENTIAL, KEY, COOKIE or PRIVATE, or has AUTH, PASS, PW,
// DSN or SIGNATURE as a word (case-insensitive; words are separated by
// anything but letters and digits).
func SecretName(name string) bool {
	upper := strings.ToUpper(name)
	for _, p := range secretParts {
		if strings.Contains(upper, p) {
			return true
		}
	}
	for _, w := range strings.FieldsFunc(upper, func(r rune) bool {
		return (r < 'A' || r > 'Z') && (r < '0' || r > '9')
	}) {
		for _, s := range secretWords {
			if w == s {
				return true
			}
		}
	}
	return false
}
