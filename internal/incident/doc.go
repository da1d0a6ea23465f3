// Package incident owns the lifecycle of Incident resources: creating them (deduplicated by
// external and correlation id), updating, cancelling and correlating them with optimistic
// concurrency, and the in-memory index that the REST API lists from.
//
// Deduplication does not depend on the cache being current: an incident with an external id (or,
// without one, a correlation id) gets a name derived from that id, so the API server itself
// refuses a second one, even across replicas and concurrent retries.
package incident
