// Package scores defines the values of AgentTrace scores: [Numeric],
// [Boolean] and [Categorical], distinct types so a score's kind is never
// guessed from a dynamic value, and their validation.
//
// Scores are recorded with the instrument client, by trace id or from a
// trace or observation handle; this package only describes them.
package scores
