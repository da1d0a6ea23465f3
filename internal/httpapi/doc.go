// Package httpapi serves the engine's REST contract (contract.md) on net/http's ServeMux: routes,
// request decoding, response DTOs, the mapping of errors to status codes, and request metrics.
// It depends only on small interfaces it declares (HealthSource, StatusSource), so every handler
// is tested with httptest and plain structs.
//
// Every error body is JSON with an "error" string, also for unknown routes (404) and wrong
// methods (405); statusFor in errors.go is the one place that maps errors to status codes.
package httpapi
