package main

import "github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"

// headDefects are the defects of the AgentTrace server at HEAD that -head
// reproduces.
var headDefects = agenttracetest.WithHEADDefects(0)
