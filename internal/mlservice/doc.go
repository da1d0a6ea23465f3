// Package mlservice provides clients for the Python ML service and KServe v1 model servers, with
// timeouts, bounded retries for idempotent calls and a circuit breaker per endpoint.
//
// The model registry comes from the KSERVE_<NAME>_SERVICE, KSERVE_<NAME>_MODEL and KSERVE_<NAME>_URL
// environment variables (contract §4). Every call returns either a *ModelError, carrying the
// server's own {"error": …} message and HTTP status, or an error wrapping ErrUnavailable when the
// server could not be reached, timed out, or its breaker is open.
package mlservice
