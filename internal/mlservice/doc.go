// Package mlservice provides clients for the Python ML service and KServe v1 model servers, with
// timeouts, bounded retries for idempotent calls and a circuit breaker per endpoint.
//
// The model registry comes from the KSERVE_<NAME>_SERVICE, KSERVE_<NAME>_MODEL and KSERVE_<NAME>_URL
// environment variables (contract §4). Every call returns either a *ModelError, carrying the
// server's own {"error": …} message and HTTP status, or an error wrapping ErrUnavailable when the
// server could not be reached, timed out, or its breaker is open.
//
// Each predictor and the ML service has its own Breaker. Connection errors, timeouts and 502/503/504
// answers count as failures; any other answer, 4xx and 500 included, proves the server is up (a
// 500 is how a model reports a wrong feature count). A caller that cancels its context does not
// count either way. Connection errors, timeouts and 503 are retried at most MaxRetries times with
// doubling backoff; predict and detect are side-effect free (contract §4), so they are retried like
// the GET readiness probe, but 4xx and 500 never are.
package mlservice
