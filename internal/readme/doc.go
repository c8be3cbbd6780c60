// Package readme keeps the repository's README.md true. It has no code of
// its own; its tests fail when the README drifts from the SDK:
//
//   - every Go snippet of README.md, a ```go block after an
//     <!-- snippet: NAME --> comment, must equal the region of a compiled
//     file that starts with the line // README: NAME and ends with
//     // README end (in this package's tests, which run the snippets against
//     an in-process AgentTrace server, or in an example program); a block
//     without the comment, or a region no block uses, fails too;
//   - every error message README.md quotes, a ```text block after an
//     <!-- message: NAME --> comment, must be printed by the SDK in the
//     scenario NAME that messages_test.go reproduces;
//   - the configuration table must list every AGENTTRACE_* and OTEL_*
//     variable the SDK reads, with the defaults the code has;
//   - the package-level names and methods README.md mentions in its prose
//     and tables (instrument.WithMask, tr.SetInput...) must exist;
//   - its links must lead to files of the repository or to its headings.
//
// To change a snippet, edit the region, run the test and paste the diff it
// prints into README.md.
package readme
