package httpapi

import (
	_ "embed"
	"net/http"
)

// openAPIDocument is the OpenAPI 3 description of every route; it lives next to the handlers.
//
//go:embed openapi.yaml
var openAPIDocument []byte

// openAPI answers GET /api/v1/openapi.yaml.
func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(openAPIDocument)
}
