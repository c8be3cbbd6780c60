package llmtrace

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// llmClients are the module paths of the LLM and MCP clients that the SDK's
// module must neither import nor require: each integration
// (instrument/openaitrace, instrument/anthropictrace...) is a module of its
// own so that a user's version of a client is not raised to the SDK's
// minimum.
var llmClients = []string{
	"github.com/openai/openai-go", "github.com/anthropics/anthropic-sdk-go",
	"github.com/sashabaranov/go-openai", "google.golang.org/genai",
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime", "github.com/modelcontextprotocol/go-sdk",
}

// llmClient returns the entry of llmClients that path (a package or
// module path) belongs to, or "".
func llmClient(path string) string {
	for _, c := range llmClients {
		if path == c || strings.HasPrefix(path, c+"/") {
			return c
		}
	}
	return ""
}

// No package of the SDK's module (non-test or test) imports an LLM client,
// and its go.mod requires none.
func TestModuleImportsNoLLMClient(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed: %v", err)
	}
	root := "../.."
	cmd := exec.Command(goCmd, "list", "-e", "-deps", "-test", "-json=ImportPath,Imports,Module", "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "github.com/agenttrace/agenttrace-otel-go"
	importers := map[string][]string{}
	listed := 0
	for dec := json.NewDecoder(strings.NewReader(string(out))); dec.More(); {
		var p struct {
			ImportPath string
			Imports    []string
			Module     *struct{ Path string }
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("go list output: %v", err)
		}
		if p.Module == nil || p.Module.Path != module {
			continue
		}
		listed++
		name, _, _ := strings.Cut(p.ImportPath, " ") // "pkg [pkg.test]"
		for _, imp := range p.Imports {
			if llmClient(imp) != "" {
				importers[name] = append(importers[name], imp)
			}
		}
	}
	if listed < 20 {
		t.Fatalf("go list found %d packages of %s, want the whole module", listed, module)
	}
	for pkg, imps := range importers {
		t.Errorf("%s imports %s: the SDK's module must not import an LLM client (put the code in instrument/openaitrace's or instrument/anthropictrace's module)", pkg, strings.Join(imps, ", "))
	}

	cmd = exec.Command(goCmd, "mod", "edit", "-json")
	cmd.Dir = root
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("go mod edit -json: %v", err)
	}
	var mod struct{ Require []struct{ Path string } }
	if err := json.Unmarshal(out, &mod); err != nil {
		t.Fatalf("go mod edit -json: %v", err)
	}
	for _, r := range mod.Require {
		if llmClient(r.Path) != "" {
			t.Errorf("go.mod requires %s: the module must not (go mod tidy drops it once no package imports it)", r.Path)
		}
	}
}
