// Package benchkit holds what the SDK's benchmarks share: the process's CPU
// time, to report CPU per exported span beside wall-clock throughput, and a
// sink server that reads and discards request bodies.
package benchkit
