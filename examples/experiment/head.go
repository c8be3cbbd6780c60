package main

import "github.com/agenttrace/agenttrace-otel-go/internal/attestctl"

// headDefects makes the in-process server answer the dataset routes as the
// AgentTrace server at HEAD does (PROTOCOL-datasets D.0, D.2).
var headDefects = attestctl.WithHEADDefects(attestctl.DefectDatasets)
