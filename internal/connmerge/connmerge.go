// Package connmerge merges the connection settings given by several
// WithConnection options of one client.
package connmerge

import "github.com/agenttrace/agenttrace-otel-go/connection"

// Merge returns base with the fields that over sets (its non-zero fields)
// taken from over: a later WithConnection adds to an earlier one, as a
// zero field means "not set" (environment, then default).
func Merge(base, over connection.Config) connection.Config {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&base.APIURL, over.APIURL)
	set(&base.APIKey, over.APIKey)
	set(&base.ProjectID, over.ProjectID)
	base.Insecure = base.Insecure || over.Insecure
	if over.HTTPClient != nil {
		base.HTTPClient = over.HTTPClient
	}
	if over.Timeout != 0 {
		base.Timeout = over.Timeout
	}
	if over.RetryBudget != 0 {
		base.RetryBudget = over.RetryBudget
	}
	return base
}
