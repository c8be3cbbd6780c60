// Command semconvgen writes the generated parts of package semconv: genai.go,
// the pinned copy of the GenAI keys, the key table in README.md, and the key
// registry of package semconvtest. Run it with go generate in the semconv
// directory.
package main

import (
	"log"
	"os"

	"github.com/agenttrace/agenttrace-otel-go/semconv/internal/gen"
)

func main() {
	log.SetFlags(0)
	src, err := gen.OTelSource(".")
	if err != nil {
		log.Fatal(err)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		log.Fatal(err)
	}
	genai, err := gen.GenAI(data)
	if err != nil {
		log.Fatal(err)
	}
	if err := gen.WriteFileIfChanged("genai.go", genai); err != nil {
		log.Fatal(err)
	}
	keys, err := gen.Keys(".")
	if err != nil {
		log.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		log.Fatal(err)
	}
	out, err := gen.SpliceTable(readme, gen.Table(keys))
	if err != nil {
		log.Fatal(err)
	}
	if err := gen.WriteFileIfChanged("README.md", out); err != nil {
		log.Fatal(err)
	}
	registry, err := gen.Registry(keys)
	if err != nil {
		log.Fatal(err)
	}
	if err := gen.WriteFileIfChanged(gen.RegistryFile, registry); err != nil {
		log.Fatal(err)
	}
}
