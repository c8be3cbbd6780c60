package llmreplay

// frameChunks returns the frames of an event-stream answer as the chunks the
// server writes, one flush after each.
func (a Answer) frameChunks() []string {
	chunks := make([]string, len(a.Frames))
	for i, f := range a.Frames {
		chunks[i] = string(f)
	}
	return chunks
}
