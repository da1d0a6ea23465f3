package engine

import (
	"fmt"

	"k8s.io/client-go/kubernetes"

	"selfhealing.dev/coordination-engine/internal/apiauth"
	"selfhealing.dev/coordination-engine/internal/config"
)

// newAuthorizer is API_AUTH_MODE's authorizer; nil for none. A tokens file that cannot be read
// or parsed stops the engine at start, naming the line.
func newAuthorizer(cfg config.Options, cs kubernetes.Interface) (apiauth.Authorizer, error) {
	switch apiauth.Mode(cfg.APIAuthMode) {
	case apiauth.ModeToken:
		t, err := apiauth.NewTokens(cfg.APIAuthTokensFile)
		if err != nil {
			return nil, fmt.Errorf("API_AUTH_MODE=token: %w", err)
		}
		return t, nil
	case apiauth.ModeKubernetes:
		return apiauth.NewKubernetes(cs, cfg.Namespace), nil
	default:
		return nil, nil
	}
}
