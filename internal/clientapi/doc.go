// Package clientapi builds the HTTP client of the AgentTrace API for a
// connection (connection.Config), for the prompt client and the experiments
// package alike, and lends an instrument client's connection to
// experiments, which calls routes the client has no method for, without an
// exported identifier in package instrument: instrument sets its hook here
// when it is initialised, so a package that imports instrument can rely on
// it.
package clientapi
