package redact

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// Secrets of every family the built-in rules know, in the shapes their
// issuers use. None is a real credential.
const (
	openAIKey     = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"
	openAILegacy  = "sk-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb3dEf6hIj9k"
	anthropicKey  = "sk-ant-api03-Zx9_Yw8-Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa-AAAA"
	agentPublic   = "pk-0123456789abcdef0123456789abcdef"
	agentSecret   = "sk-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	agentUnder    = "pk_0123456789abcdef0123456789abcdef"
	agentAt       = "at_0123456789abcdef0123456789abcdef"
	githubClassic = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
	githubFine    = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ"
	slackBot      = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
	googleKey     = "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"
	awsKeyID      = "AKIAIOSFODNN7EXAMPLE"
	awsTempID     = "ASIAIOSFODNN7EXAMPLE"
	awsSecret     = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	jwt           = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
	bearerToken   = "mF_9.B5f-4.1JqM+abc/def=="
)

const pemKey = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n-----END RSA PRIVATE KEY-----"

const opensshKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----"

func TestString(t *testing.T) {
	r := New(true)
	tests := []struct {
		name, in, want string
	}{
		{"OpenAI project key", "using " + openAIKey + " now", "using [REDACTED] now"},
		{"OpenAI legacy key", openAILegacy, "[REDACTED]"},
		{"Anthropic key", "key=" + anthropicKey, "key=[REDACTED]"},
		{"Anthropic key alone", "(" + anthropicKey + ")", "([REDACTED])"},
		{"AgentTrace public key", "public " + agentPublic, "public [REDACTED]"},
		{"AgentTrace secret key", "secret: " + agentSecret, "secret: [REDACTED]"},
		{"AgentTrace pk_ key", agentUnder + ".", "[REDACTED]."},
		{"AgentTrace at_ key", "[" + agentAt + "]", "[[REDACTED]]"},
		{"GitHub classic token", "push with " + githubClassic, "push with [REDACTED]"},
		{"GitHub fine-grained token", githubFine, "[REDACTED]"},
		{"Slack bot token", "slack " + slackBot, "slack [REDACTED]"},
		{"Google API key", "g=" + googleKey + "&x=1", "g=[REDACTED]&x=1"},
		{"AWS access key id", "id " + awsKeyID + " ok", "id [REDACTED] ok"},
		{"AWS temporary key id", awsTempID, "[REDACTED]"},
		{"AWS secret key by env name", "AWS_SECRET_ACCESS_KEY=" + awsSecret, "AWS_SECRET_ACCESS_KEY=[REDACTED]"},
		{"AWS secret key in credentials file", "aws_secret_access_key = " + awsSecret, "aws_secret_access_key = [REDACTED]"},
		{"AWS secret key in JSON", `{"AccessKeyId": "` + awsKeyID + `", "SecretAccessKey": "` + awsSecret + `"}`, `{"AccessKeyId": "[REDACTED]", "SecretAccessKey": "[REDACTED]"}`},
		{"JWT", "id_token " + jwt, "id_token [REDACTED]"},
		{"bearer header", "Authorization: Bearer " + bearerToken, "Authorization: Bearer [REDACTED]"},
		{"bearer lower case", "curl -H 'authorization: bearer " + bearerToken + "'", "curl -H 'authorization: bearer [REDACTED]'"},
		{"basic header", "Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: Basic [REDACTED]"},
		{"URL password", "cloning https://user:s3cr3t@github.com/org/repo.git", "cloning https://user:[REDACTED]@github.com/org/repo.git"},
		{"database URL", "postgres://app:hunter2@db:5432/app", "postgres://app:[REDACTED]@db:5432/app"},
		{"env assignment", "export GITHUB_TOKEN=abc123\nexport PATH=/bin", "export GITHUB_TOKEN=[REDACTED]\nexport PATH=/bin"},
		{"yaml password", "password: hunter2\nuser: ann", "password: [REDACTED]\nuser: ann"},
		{"JSON api key", `{"api_key":"abc","model":"x"}`, `{"api_key":"[REDACTED]","model":"x"}`},
		{"quoted assignment", `client_secret='abc def'`, `client_secret='[REDACTED] def'`},
		{"name with suffix", "DB_PASSWORD_FILE=/run/secrets/db", "DB_PASSWORD_FILE=[REDACTED]"},
		{"PEM private key", "key:\n" + pemKey + "\ndone", "key:\n[REDACTED PRIVATE KEY]\ndone"},
		{"OpenSSH private key", opensshKey, "[REDACTED PRIVATE KEY]"},
		{"two private keys", pemKey + " and " + opensshKey, "[REDACTED PRIVATE KEY] and [REDACTED PRIVATE KEY]"},
		{"private key without its end", "head\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB", "head\n[REDACTED PRIVATE KEY]"},
		{"private key without its beginning", "IB3xyz\n-----END EC PRIVATE KEY-----\ntail", "[REDACTED PRIVATE KEY]\ntail"},
		{"PGP private key block", "-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBF\n-----END PGP PRIVATE KEY BLOCK-----", "[REDACTED PRIVATE KEY]"},

		// What must survive.
		{"plain text", "ok  \tgithub.com/acme/store\t0.012s", "ok  \tgithub.com/acme/store\t0.012s"},
		{"token counts", "max_tokens=512 input_tokens: 9 tokenizer=bpe", "max_tokens=512 input_tokens: 9 tokenizer=bpe"},
		{"git SHA", "commit 3f1c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a", "commit 3f1c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a"},
		{"prose about bearer auth", "uses bearer authentication", "uses bearer authentication"},
		{"short sk- words", "task-list and sk-learn", "task-list and sk-learn"},
		{"URL with a port", "http://localhost:8080/api@v2", "http://localhost:8080/api@v2"},
		{"git author", "GIT_AUTHOR_NAME=Ann", "GIT_AUTHOR_NAME=Ann"},
		{"public key", "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----", "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.String(tt.in); got != tt.want {
				t.Errorf("String(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestStringOptions(t *testing.T) {
	ticket := regexp.MustCompile(`TICKET-\d+`)
	in := "TICKET-42 " + openAIKey
	tests := []struct {
		name string
		r    *Redactor
		want string
	}{
		{"built-in and extra", New(true, ticket), "[REDACTED] [REDACTED]"},
		{"extra only", New(false, ticket), "[REDACTED] " + openAIKey},
		{"off", New(false), in},
		{"nil pattern ignored", New(false, nil), in},
		{"nil redactor", nil, in},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.String(in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// The exact secrets of WithSecrets are replaced whatever their shape,
// before the rules and with the built-in rules off, and never in part.
func TestWithSecrets(t *testing.T) {
	const key = "at-local-3f9a" // no rule knows this shape
	ticket := regexp.MustCompile(`TICKET-\d+`)
	tests := []struct {
		name string
		r    *Redactor
		in   string
		want string
	}{
		{"built-in on", New(true).WithSecrets(key), "echo " + key + " done", "echo [REDACTED] done"},
		{"built-in off", New(false).WithSecrets(key), "echo " + key, "echo [REDACTED]"},
		{"with patterns", New(false, ticket).WithSecrets(key), key + " TICKET-1", "[REDACTED] [REDACTED]"},
		{"every occurrence", New(true).WithSecrets(key), key + key + "\n" + key, "[REDACTED][REDACTED]\n[REDACTED]"},
		{"inside a word", New(true).WithSecrets(key), "x" + key + "y", "x[REDACTED]y"},
		{"assignment keeps its name", New(true).WithSecrets(key), "AGENTTRACE_API_KEY=" + key, "AGENTTRACE_API_KEY=[REDACTED]"},
		{"a key of a known shape", New(true).WithSecrets(agentPublic), "k " + agentPublic, "k [REDACTED]"},
		{"longest first", New(true).WithSecrets(key, key+"-extended"), key + "-extended", "[REDACTED]"},
		{"too short to tell", New(true).WithSecrets("k", "pk-test"), "kept pk-test", "kept pk-test"},
		{"empty", New(true).WithSecrets(""), "text", "text"},
		{"nil redactor", (*Redactor)(nil).WithSecrets(key), "echo " + key + " " + openAIKey, "echo [REDACTED] " + openAIKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The secrets are test values, not credentials: the
			// failure messages may show them.
			if got := tt.r.String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	r := New(true).WithSecrets(key)
	if got := r.Env("HELPER", "use "+key); got != "use [REDACTED]" {
		t.Errorf("Env = %q", got)
	}
	if got := r.Args([]string{"login", key}); got[1] != Placeholder {
		t.Errorf("Args = %q", got)
	}
	base := New(true)
	base.WithSecrets(key)
	if got := base.String(key); got != key {
		t.Errorf("WithSecrets changed its receiver: %q", got)
	}
}

func TestSecretName(t *testing.T) {
	tests := []struct {
		name   string
		secret bool
	}{
		{"OPENAI_API_KEY", true},
		{"ANTHROPIC_API_KEY", true},
		{"AGENTTRACE_SECRET_KEY", true},
		{"GITHUB_TOKEN", true},
		{"github_token", true},
		{"AWS_SECRET_ACCESS_KEY", true},
		{"AWS_SESSION_TOKEN", true},
		{"DB_PASSWORD", true},
		{"PGPASSWORD", true},
		{"MYSQL_PWD_PASSWD", true},
		{"GPG_PASSPHRASE", true},
		{"GOOGLE_APPLICATION_CREDENTIALS", true},
		{"SESSION_COOKIE", true},
		{"NPM_AUTH", true},
		{"SENTRY_DSN", true},
		{"SMTP_PASS", true},
		{"PRIVATE_DATA", true},
		{"PATH", false},
		{"HOME", false},
		{"PWD", false},
		{"GIT_AUTHOR_NAME", false},
		{"GIT_AUTHOR_EMAIL", false},
		{"PASSENGER_COUNT", false},
		{"CGO_ENABLED", false},
		{"GOFLAGS", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := SecretName(tt.name); got != tt.secret {
			t.Errorf("SecretName(%q) = %v, want %v", tt.name, got, tt.secret)
		}
	}
}

func TestEnv(t *testing.T) {
	tests := []struct {
		name, value string
		r           *Redactor
		want        string
	}{
		{"GITHUB_TOKEN", "anything", New(true), Placeholder},
		{"GITHUB_TOKEN", "", New(true), ""},
		{"GITHUB_TOKEN", "anything", New(false), "anything"},
		{"HOME", "/home/ann", New(true), "/home/ann"},
		{"DATABASE_URL", "postgres://u:p4ss@db/x", New(true), "postgres://u:[REDACTED]@db/x"},
		{"HELPER", "use " + githubClassic, New(true), "use [REDACTED]"},
		{"HELPER", "TICKET-1", New(false, regexp.MustCompile(`TICKET-\d`)), Placeholder},
		{"GITHUB_TOKEN", "x", nil, "x"},
	}
	for _, tt := range tests {
		if got := tt.r.Env(tt.name, tt.value); got != tt.want {
			t.Errorf("Env(%q, %q) = %q, want %q", tt.name, tt.value, got, tt.want)
		}
	}
}

func TestArgs(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"flag value", []string{"login", "--token", "abc"}, []string{"login", "--token", Placeholder}},
		{"single dash", []string{"-password", "hunter2", "x"}, []string{"-password", Placeholder, "x"}},
		{"compound flag", []string{"--client-secret", "s", "--api-key", "k"}, []string{"--client-secret", Placeholder, "--api-key", Placeholder}},
		{"flag with its value", []string{"--token=abc"}, []string{"--token=[REDACTED]"}},
		{"header argument", []string{"curl", "-H", "Authorization: Bearer " + bearerToken}, []string{"curl", "-H", "Authorization: Bearer [REDACTED]"}},
		{"boolean flag", []string{"gh", "repo", "create", "--private", "demo"}, []string{"gh", "repo", "create", "--private", "demo"}},
		{"plain", []string{"go", "test", "./..."}, []string{"go", "test", "./..."}},
		{"empty", nil, nil},
	}
	r := New(true)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.Args(tt.in)
			if strings.Join(got, "\x00") != strings.Join(tt.want, "\x00") || len(got) != len(tt.want) {
				t.Errorf("Args(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	in := []string{"--token", "abc"}
	if New(true).Args(in); in[1] != "abc" {
		t.Error("Args changed its argument")
	}
}

// FuzzString checks that redaction never panics, keeps valid UTF-8 valid,
// is idempotent, and removes a known secret wherever it is put.
func FuzzString(f *testing.F) {
	f.Add("plain output\n", 0)
	f.Add("export OPENAI_API_KEY=sk-xyz", 3)
	f.Add("-----BEGIN RSA PRIVATE KEY-----\nabc", 1)
	f.Add("abc\n-----END RSA PRIVATE KEY-----", 2)
	f.Add("https://u:p@h/x Bearer "+bearerToken, 7)
	f.Add(`{"password":"x","token":"y"}`, 12)
	const ownKey = "at-local-3f9a"
	secrets := []string{openAIKey, anthropicKey, agentSecret, githubClassic, slackBot, awsKeyID, jwt, pemKey, ownKey}
	r := New(true).WithSecrets(ownKey)
	f.Fuzz(func(t *testing.T, s string, at int) {
		got := r.String(s)
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("String(%q) = %q: invalid UTF-8", s, got)
		}
		if again := r.String(got); again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, got, again)
		}
		// A secret surrounded by separators is always removed.
		for _, secret := range secrets {
			i := 0
			if len(s) > 0 {
				i = ((at % len(s)) + len(s)) % len(s)
			}
			in := s[:i] + "\n" + secret + "\n" + s[i:]
			if out := r.String(in); strings.Contains(out, secret) {
				t.Fatalf("String(%q) kept the secret: %q", in, out)
			}
		}
	})
}

// BenchmarkString redacts 64 KiB of command output (the default budget):
// plain test output, and output holding a secret and a key assignment.
func BenchmarkString(b *testing.B) {
	var sb strings.Builder
	for i := 0; sb.Len() < 64<<10; i++ {
		fmt.Fprintf(&sb, "=== RUN   TestThing%d\n--- PASS: TestThing%d (0.00s)\n", i, i)
	}
	plain := sb.String()
	leaky := plain[:len(plain)/2] + "export OPENAI_API_KEY=" + openAIKey + "\n" + plain[len(plain)/2:]
	r := New(true)
	for _, bc := range []struct{ name, text string }{{"plain", plain}, {"secret", leaky}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.text)))
			b.ReportAllocs()
			for b.Loop() {
				r.String(bc.text)
			}
		})
	}
}
