// Package experiments runs an agent over a dataset of inputs, scores every
// answer with evaluators, and compares the run with an earlier one, so that
// a regression fails CI.
//
// A [Dataset] holds [Item]s: an id, an input, an optional expected output
// and metadata. It is built from a Go slice ([NewDataset]), a JSON Lines
// file ([LoadJSONL]) or a CSV file ([LoadCSV]); ids are given or derived
// from the content, so that they are the same in every run.
//
// [Run] calls a [Task] on every item with bounded concurrency. Each item
// becomes one AgentTrace trace, named after the experiment, in a session
// whose id is the run's, tagged with the experiment and the run, with the
// item's id and expected output as metadata; the task's own observations
// (LLM calls, tools) nest inside it. A task that fails or panics fails its
// item, not the run. Each [Evaluator] scores the output, and its score is
// recorded on the item's trace. [Exact], [JSONEqual], [Contains], [Matches]
// and [WithinTolerance] are built in.
//
// The [Result] holds, per evaluator, the mean (the pass rate of boolean
// scores) with a 95% confidence interval; per item, the output, scores,
// latency, tokens and errors; across the run, the latency p50 and p95 and
// the tokens. It is saved as JSON with [Result.Save], compared with a
// baseline by [Compare], and printed by [Result.WriteTable]. [Check] does
// it all from a go test and fails the test on a low score or a regression.
//
// When the dataset was pushed to the server ([Dataset.Push]) or is found
// there by name ([WithDatasetRun]), the run is also recorded as a dataset
// run with one run item per trace. The AgentTrace server at the commit its
// protocol describes answers those routes with errors
// (PROTOCOL-datasets.md D.0); the step is then skipped with one warning in
// [Result.Warnings], and the traces and scores are delivered all the same.
package experiments
