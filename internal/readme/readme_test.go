package readme_test

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pmezard/go-difflib/difflib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/prompts"
)

// root is the repository's root directory, from this package's.
const root = "../.."

// A block is a fenced code block of README.md.
type block struct {
	line int    // of the opening fence, from 1
	lang string // the fence's info string
	// kind and name come from the HTML comment on the line before the
	// fence: <!-- snippet: NAME --> or <!-- message: NAME -->.
	kind, name string
	body       string
}

var markerRE = regexp.MustCompile(`^<!-- (snippet|message): ([\w-]+) -->$`)

// readme returns README.md and its fenced blocks.
func readme(t *testing.T) (string, []block) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	text := string(data)
	var blocks []block
	var cur *block
	var body []string
	prev := ""
	for i, line := range strings.Split(text, "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &block{line: i + 1, lang: strings.TrimPrefix(line, "```")}
			if m := markerRE.FindStringSubmatch(prev); m != nil {
				cur.kind, cur.name = m[1], m[2]
			}
			body = nil
		case cur != nil && line == "```":
			cur.body = strings.Join(body, "\n")
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			body = append(body, line)
		}
		prev = line
	}
	require.Nil(t, cur, "README.md: a code block is not closed")
	return text, blocks
}

var (
	regionStartRE = regexp.MustCompile(`^\s*// README: ([\w-]+)\s*$`)
	regionEndRE   = regexp.MustCompile(`^\s*// README end\s*$`)
)

// regions returns the marked regions of every Go file of the repository,
// by name, dedented and without leading and trailing blank lines, and the
// file each came from.
func regions(t *testing.T) (map[string]string, map[string]string) {
	t.Helper()
	text, where := map[string]string{}, map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", ".cache", "testdata", "node_modules":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		name, start := "", 0
		var lines []string
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			switch {
			case regionStartRE.MatchString(line):
				if name != "" {
					return fmt.Errorf("%s:%d: region %q starts inside region %q", path, n, regionStartRE.FindStringSubmatch(line)[1], name)
				}
				name, start, lines = regionStartRE.FindStringSubmatch(line)[1], n, nil
			case regionEndRE.MatchString(line):
				if name == "" {
					return fmt.Errorf("%s:%d: // README end without a region", path, n)
				}
				if prev, dup := where[name]; dup {
					return fmt.Errorf("%s:%d: region %q is also in %s", path, start, name, prev)
				}
				text[name], where[name] = dedent(lines), fmt.Sprintf("%s:%d", path, start)
				name = ""
			case name != "":
				lines = append(lines, line)
			}
		}
		if name != "" {
			return fmt.Errorf("%s:%d: region %q has no // README end", path, start, name)
		}
		return sc.Err()
	})
	require.NoError(t, err)
	return text, where
}

// dedent removes the indentation all lines share, and the blank lines at
// both ends.
func dedent(lines []string) string {
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	prefix, first := "", true
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if first {
			prefix, first = indent, false
			continue
		}
		n := 0
		for n < len(prefix) && n < len(indent) && prefix[n] == indent[n] {
			n++
		}
		prefix = prefix[:n]
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimPrefix(l, prefix)
		if strings.TrimSpace(l) == "" {
			out[i] = ""
		}
	}
	return strings.Join(out, "\n")
}

// Every Go block of README.md is a copy of a compiled region, and every
// region is shown.
func TestSnippets(t *testing.T) {
	_, blocks := readme(t)
	text, where := regions(t)
	used := map[string]bool{}
	for _, b := range blocks {
		if b.kind == "snippet" && b.lang != "go" {
			t.Errorf("README.md:%d: snippet %q is a %q block, want go", b.line, b.name, b.lang)
		}
		if b.lang != "go" {
			continue
		}
		if b.kind != "snippet" {
			t.Errorf("README.md:%d: a Go block without <!-- snippet: NAME --> on the line before: every Go snippet must be a region of a compiled file", b.line)
			continue
		}
		want, ok := text[b.name]
		if !ok {
			t.Errorf("README.md:%d: no Go file has the region %q (// README: %s ... // README end)", b.line, b.name, b.name)
			continue
		}
		used[b.name] = true
		if b.body != want {
			diff, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
				A: difflib.SplitLines(b.body + "\n"), B: difflib.SplitLines(want + "\n"),
				FromFile: fmt.Sprintf("README.md:%d", b.line+1), ToFile: where[b.name], Context: 2,
			})
			t.Errorf("README.md:%d: snippet %q differs from its region; copy the region into README.md:\n%s", b.line, b.name, diff)
		}
	}
	for name, at := range where {
		if !used[name] {
			t.Errorf("%s: region %q is not shown in README.md", at, name)
		}
	}
}

// llmMessages are the messages README.md quotes whose scenario needs an LLM
// client: the tests of internal/readme/llm, a module of its own (this
// module does not require the clients), reproduce them.
var llmMessages = map[string]bool{"stream-usage": true}

// Every message README.md quotes is printed by the SDK in its scenario.
func TestMessages(t *testing.T) {
	_, blocks := readme(t)
	quoted := map[string]bool{}
	for _, b := range blocks {
		if b.kind != "message" {
			continue
		}
		quoted[b.name] = true
		if llmMessages[b.name] {
			continue
		}
		sc, ok := scenarios[b.name]
		if !ok {
			t.Errorf("README.md:%d: no scenario %q in messages_test.go", b.line, b.name)
			continue
		}
		t.Run(b.name, func(t *testing.T) {
			handled.take()
			norm := sc.normalize
			if norm == nil {
				norm = func(s string) string { return s }
			}
			var printed []string
			for _, l := range sc.run(t) {
				printed = append(printed, norm(l))
			}
			for i, l := range strings.Split(b.body, "\n") {
				if !slices.Contains(printed, norm(l)) {
					t.Errorf("README.md:%d: the SDK no longer prints\n\t%s\nIt printed:\n\t%s",
						b.line+1+i, l, strings.Join(printed, "\n\t"))
				}
			}
		})
	}
	for name := range scenarios {
		if !quoted[name] {
			t.Errorf("scenario %q is not quoted in README.md", name)
		}
	}
}

// The configuration table lists every variable the SDK reads, and the
// defaults of the code.
func TestConfigurationTable(t *testing.T) {
	text, _ := readme(t)
	rows := table(t, text, "| Option | Environment variable | Default | What it does |")

	// Every variable named in the code is in the table.
	var inTable strings.Builder
	for _, r := range rows {
		inTable.WriteString(r[1])
	}
	for _, v := range envVars(t, "instrument", "exporter", "internal/httpapi", "prompts", "connection") {
		assert.Contains(t, inTable.String(), "`"+v+"`", "the configuration table lacks %s", v)
	}

	// The defaults as the code declares them (its unexported constants).
	num := func(dir, name string) string { return constValue(t, dir, name).ExactString() }
	secs := func(dir, name string) string {
		v, _ := constant.Int64Val(constValue(t, dir, name))
		return seconds(time.Duration(v))
	}
	str := func(dir, name string) string { return constant.StringVal(constValue(t, dir, name)) }
	defaults := map[string]string{
		"connection.Config.APIURL":         str("internal/httpapi", "DefaultAPIURL"),
		"connection.Config.Timeout":        secs("connection", "defaultTimeout"),
		"connection.Config.RetryBudget":    secs("connection", "defaultRetryBudget"),
		"connection.Config.APIKey":         "none",
		"connection.Config.ProjectID":      "none",
		"connection.Config.HTTPClient":     "",
		"exporter.WithBatchSize":           num("exporter", "defaultBatchSize"),
		"exporter.WithFlushInterval":       secs("exporter", "defaultFlushInterval"),
		"exporter.WithMaxQueueSize":        num("exporter", "defaultMaxQueueSize"),
		"exporter.WithMaxRequestBytes":     num("exporter", "defaultMaxRequestBytes"),
		"instrument.WithMaxContentBytes":   num("instrument", "defaultMaxContentBytes"),
		"instrument.WithMaxOutputBytes":    num("instrument", "defaultMaxOutputBytes"),
		"instrument.WithPromptCacheTTL":    seconds(prompts.DefaultCacheTTL),
		"instrument.WithSampleRate":        "1",
		"instrument.WithEnabled":           "true",
		"exporter.WithDebug":               "false",
		"instrument.WithRedaction":         "true",
		"exporter.WithRateLimit":           "100 per minute",
		"exporter.WithGzip":                "false",
		"exporter.WithExportAllSpans":      "false",
		"span attribute count limit":       num("instrument", "defaultAttributeCountLimit"),
		"instrument.WithExporterOptions":   "",
		"instrument.WithOTLPEndpoint":      "none",
		"instrument.WithMask":              "none",
		"instrument.WithRedactionPatterns": "none",
		"instrument.WithTracerProvider":    "",
	}
	seen := map[string]bool{}
	for _, r := range rows {
		for opt, want := range defaults {
			if strings.Contains(r[0], opt+"`") || strings.Contains(r[0], opt+"(") || r[0] == opt {
				seen[opt] = true
				assert.Contains(t, r[2], want, "default of %s", opt)
			}
		}
	}
	for opt := range defaults {
		assert.True(t, seen[opt], "the configuration table has no row for %s", opt)
	}
}

// seconds writes d as the README does: "60s", not "1m0s".
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
}

// table returns the cells of the Markdown table with the header line.
func table(t *testing.T, text, header string) [][]string {
	t.Helper()
	i := strings.Index(text, header+"\n")
	require.GreaterOrEqual(t, i, 0, "README.md has no table %s", header)
	var rows [][]string
	for _, line := range strings.Split(text[i:], "\n")[2:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
			cells = append(cells, strings.TrimSpace(c))
		}
		require.Len(t, cells, 4, "row %q", line)
		rows = append(rows, cells)
	}
	return rows
}

var envVarRE = regexp.MustCompile(`^"((AGENTTRACE|OTEL)_[A-Z_]+)"$`)

// envVars returns the AGENTTRACE_* and OTEL_* string constants of the
// packages' code (tests excluded).
func envVars(t *testing.T, dirs ...string) []string {
	t.Helper()
	var vars []string
	for _, dir := range dirs {
		for _, f := range parseDir(t, dir) {
			ast.Inspect(f, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if m := envVarRE.FindStringSubmatch(lit.Value); m != nil && !slices.Contains(vars, m[1]) {
						vars = append(vars, m[1])
					}
				}
				return true
			})
		}
	}
	require.NotEmpty(t, vars)
	return vars
}

// parseDir parses the non-test Go files of a directory of the repository.
func parseDir(t *testing.T, dir string) []*ast.File {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
	require.NoError(t, err)
	var files []*ast.File
	fset := token.NewFileSet()
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		files = append(files, f)
	}
	return files
}

// The Go names README.md mentions outside its code blocks (in prose and
// tables) exist: package-level names such as instrument.WithMask, and
// methods and fields of the variables the README uses throughout (client,
// tr, gen, srv...).
func TestAPINames(t *testing.T) {
	text, _ := readme(t)
	pkgs := map[string]*decls{}
	for name, dir := range map[string]string{
		"instrument":         "instrument",
		"exporter":           "exporter",
		"scores":             "scores",
		"prompts":            "prompts",
		"semconv":            "semconv",
		"semconvtest":        "semconv/semconvtest",
		"agenttracetest":     "exporter/agenttracetest",
		"openaitrace":        "instrument/openaitrace",
		"anthropictrace":     "instrument/anthropictrace",
		"agenttraceexporter": "exporter/agenttraceexporter",
		"connection":         "connection",
		"experiments":        "experiments",
		"llmtrace":           "instrument/llmtrace",
		"anthropicv2trace":   "instrument/anthropicv2trace",
		"goopenaitrace":      "instrument/goopenaitrace",
		"genaitrace":         "instrument/genaitrace",
		"mcptrace":           "instrument/mcptrace",
	} {
		pkgs[name] = index(parseDir(t, dir))
	}
	vars := map[string][2]string{
		"client": {"instrument", "Client"},
		"at":     {"instrument", "Client"},
		"tr":     {"instrument", "Trace"},
		"gen":    {"instrument", "Generation"},
		"span":   {"instrument", "Observation"},
		"obs":    {"instrument", "Observation"},
		"prompt": {"prompts", "Prompt"},
		"srv":    {"agenttracetest", "Server"},
		"exp":    {"exporter", "Exporter"},
	}

	// Only the prose: code blocks are compiled or are not Go.
	var prose strings.Builder
	inBlock := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "```") {
			inBlock = !inBlock
			continue
		}
		if !inBlock {
			prose.WriteString(line + "\n")
		}
	}
	nameRE := regexp.MustCompile(`\b([a-z]\w*)\.([A-Z]\w*)(?:\.([A-Z]\w*))?`)
	checked := 0
	for _, m := range nameRE.FindAllStringSubmatch(prose.String(), -1) {
		if d, ok := pkgs[m[1]]; ok {
			checked++
			if !d.top[m[2]] {
				t.Errorf("README.md mentions %s.%s, which package %s does not declare", m[1], m[2], m[1])
			} else if m[3] != "" && d.isType(m[2]) && !d.has(m[2], m[3]) {
				t.Errorf("README.md mentions %s.%s.%s, which %s.%s does not have", m[1], m[2], m[3], m[1], m[2])
			}
		} else if v, ok := vars[m[1]]; ok {
			checked++
			if !pkgs[v[0]].has(v[1], m[2]) {
				t.Errorf("README.md mentions %s.%s, but %s (a *%s.%s) has no %s", m[1], m[2], m[1], v[0], v[1], m[2])
			}
		}
	}
	assert.Greater(t, checked, 50, "names checked")
}

// decls indexes the declarations of a package.
type decls struct {
	top     map[string]bool            // package-level names
	types   map[string]bool            // type names
	members map[string]map[string]bool // methods and fields by type
	embeds  map[string][]string        // embedded types by type
}

func index(files []*ast.File) *decls {
	d := &decls{top: map[string]bool{}, types: map[string]bool{}, members: map[string]map[string]bool{}, embeds: map[string][]string{}}
	member := func(typ, name string) {
		if d.members[typ] == nil {
			d.members[typ] = map[string]bool{}
		}
		d.members[typ][name] = true
	}
	for _, f := range files {
		for _, decl := range f.Decls {
			switch decl := decl.(type) {
			case *ast.FuncDecl:
				if decl.Recv == nil {
					d.top[decl.Name.Name] = true
					continue
				}
				recv := decl.Recv.List[0].Type
				if star, ok := recv.(*ast.StarExpr); ok {
					recv = star.X
				}
				if id, ok := recv.(*ast.Ident); ok {
					member(id.Name, decl.Name.Name)
				}
			case *ast.GenDecl:
				for _, spec := range decl.Specs {
					switch spec := spec.(type) {
					case *ast.ValueSpec:
						for _, n := range spec.Names {
							d.top[n.Name] = true
						}
					case *ast.TypeSpec:
						d.top[spec.Name.Name], d.types[spec.Name.Name] = true, true
						st, ok := spec.Type.(*ast.StructType)
						if !ok {
							continue
						}
						for _, field := range st.Fields.List {
							for _, n := range field.Names {
								member(spec.Name.Name, n.Name)
							}
							if len(field.Names) == 0 {
								typ := field.Type
								if star, ok := typ.(*ast.StarExpr); ok {
									typ = star.X
								}
								if id, ok := typ.(*ast.Ident); ok {
									d.embeds[spec.Name.Name] = append(d.embeds[spec.Name.Name], id.Name)
									member(spec.Name.Name, id.Name)
								}
							}
						}
					}
				}
			}
		}
	}
	return d
}

func (d *decls) isType(name string) bool { return d.types[name] }

// has reports whether type typ has the method or field name, directly or
// through an embedded type of the same package.
func (d *decls) has(typ, name string) bool {
	if d.members[typ][name] {
		return true
	}
	for _, e := range d.embeds[typ] {
		if d.has(e, name) {
			return true
		}
	}
	return false
}

// The links of README.md lead somewhere: files of the repository, and
// headings of README.md itself.
func TestLinks(t *testing.T) {
	text, _ := readme(t)
	anchors := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		if h, ok := strings.CutPrefix(strings.TrimLeft(line, "#"), " "); ok && strings.HasPrefix(line, "#") {
			anchors[slug(h)] = true
		}
	}
	linkRE := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	for _, m := range linkRE.FindAllStringSubmatch(text, -1) {
		target := m[1]
		switch {
		case strings.HasPrefix(target, "#"):
			assert.True(t, anchors[target[1:]], "README.md links to %s, which is no heading", target)
		case strings.Contains(target, "://"):
		default:
			_, err := os.Stat(filepath.Join(root, target))
			assert.NoError(t, err, "README.md links to %s", target)
		}
	}
}

// slug is the anchor GitHub gives a heading.
func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}

// constValue evaluates the constant name declared in the non-test Go files
// of dir: literals, arithmetic, the time units and constants of the same
// files or of internal/httpapi, which is all the SDK's defaults use.
func constValue(t *testing.T, dir, name string) constant.Value {
	t.Helper()
	decls := map[string]ast.Expr{}
	for _, d := range []string{dir, "internal/httpapi"} {
		for _, f := range parseDir(t, d) {
			for _, decl := range f.Decls {
				if g, ok := decl.(*ast.GenDecl); ok && g.Tok == token.CONST {
					for _, spec := range g.Specs {
						vs := spec.(*ast.ValueSpec)
						for i, n := range vs.Names {
							if i < len(vs.Values) {
								if _, dup := decls[n.Name]; !dup || d == dir {
									decls[n.Name] = vs.Values[i]
								}
							}
						}
					}
				}
			}
		}
	}
	units := map[string]time.Duration{"Millisecond": time.Millisecond, "Second": time.Second, "Minute": time.Minute, "Hour": time.Hour}
	var eval func(e ast.Expr) constant.Value
	eval = func(e ast.Expr) constant.Value {
		switch e := e.(type) {
		case *ast.BasicLit:
			return constant.MakeFromLiteral(e.Value, e.Kind, 0)
		case *ast.ParenExpr:
			return eval(e.X)
		case *ast.BinaryExpr:
			x, y := eval(e.X), eval(e.Y)
			if e.Op == token.SHL {
				n, _ := constant.Uint64Val(y)
				return constant.Shift(x, token.SHL, uint(n))
			}
			return constant.BinaryOp(x, e.Op, y)
		case *ast.SelectorExpr:
			if u, ok := units[e.Sel.Name]; ok {
				return constant.MakeInt64(int64(u))
			}
			return eval(&ast.Ident{Name: e.Sel.Name})
		case *ast.Ident:
			if v, ok := decls[e.Name]; ok {
				return eval(v)
			}
		}
		t.Fatalf("constValue %s.%s: cannot evaluate %T", dir, name, e)
		return nil
	}
	e, ok := decls[name]
	require.True(t, ok, "no constant %s in %s", name, dir)
	v := eval(e)
	if v.Kind() == constant.Float {
		v = constant.ToInt(v)
	}
	return v
}
