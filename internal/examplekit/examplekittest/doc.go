// Package examplekittest runs an LLM example from its test as CI does: no
// provider key, so the model's answers are replayed, and the traces sent to
// the in-process server, whose trees the example prints.
package examplekittest
