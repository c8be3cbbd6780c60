// Package clientapi lends the AgentTrace API connection of an instrument
// client to the SDK's other packages (experiments), which call routes the
// client has no method for, without an exported identifier in package
// instrument or prompts. Both set their hook here when they are
// initialised; a package that imports instrument can therefore rely on the
// hooks being set.
package clientapi
