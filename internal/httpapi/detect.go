package httpapi

import (
	"context"
	"net/http"
	"time"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/managedby"
)

// Detector tells how a workload is deployed.
type Detector interface {
	// Resolve resolves the target through its owners and decides its deployment method; an error
	// wrapping managedby.ErrTargetNotFound when it does not exist.
	Resolve(ctx context.Context, target v1alpha1.Target) (managedby.Resolution, error)
}

// detectBody is the answer of GET /api/v1/detect/{kind}/{namespace}/{name}.
type detectBody struct {
	Method     managedby.Method     `json:"method"`
	Confidence float64              `json:"confidence"`
	Evidence   []managedby.Evidence `json:"evidence"`
	Details    map[string]string    `json:"details"`
	DetectedAt string               `json:"detected_at"`
	Workload   detectObjectBody     `json:"workload"`
	Top        detectObjectBody     `json:"top"`
	Chain      []detectOwnerBody    `json:"chain"`
}

// detectObjectBody names one object of a resolution.
type detectObjectBody struct {
	APIVersion string `json:"api_version"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
}

// detectOwnerBody is one owner reference from the target up to the top controller.
type detectOwnerBody struct {
	APIVersion       string `json:"api_version"`
	Kind             string `json:"kind"`
	Name             string `json:"name"`
	Controller       bool   `json:"controller"`
	IsCustomResource bool   `json:"is_custom_resource"`
}

// detect answers GET /api/v1/detect/<kind>/{namespace}/{name} for one workload kind: 200 with
// the method, 400 for a namespace or name that is not a valid Kubernetes name, 404 when the
// workload does not exist, 503 when detection is not wired.
func (s *Server) detect(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		namespace, name := r.PathValue("namespace"), r.PathValue("name")
		if err := checkNamespace("namespace", namespace); err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := checkName("name", name); err != nil {
			s.writeError(w, r, err)
			return
		}
		if s.deps.Detector == nil {
			s.writeError(w, r, &Error{Status: http.StatusServiceUnavailable, Code: "unavailable",
				Message: "deployment method detection is not available in this engine"})
			return
		}
		res, err := s.deps.Detector.Resolve(r.Context(), v1alpha1.Target{Kind: kind, Namespace: namespace, Name: name})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, s.toDetectBody(res))
	}
}

func (s *Server) toDetectBody(res managedby.Resolution) detectBody {
	detected := res.DetectedAt
	if detected.IsZero() {
		detected = s.now()
	}
	body := detectBody{
		Method: res.Method, Confidence: res.Confidence, Evidence: res.Evidence, Details: res.Details,
		DetectedAt: detected.UTC().Format(time.RFC3339),
		Workload:   toDetectObjectBody(res.Workload), Top: toDetectObjectBody(res.Top), Chain: make([]detectOwnerBody, 0, len(res.Chain)),
	}
	if body.Evidence == nil {
		body.Evidence = []managedby.Evidence{}
	}
	if body.Details == nil {
		body.Details = map[string]string{}
	}
	for _, o := range res.Chain {
		body.Chain = append(body.Chain, detectOwnerBody{APIVersion: o.APIVersion, Kind: o.Kind, Name: o.Name,
			Controller: o.Controller, IsCustomResource: o.IsCustomResource})
	}
	return body
}

func toDetectObjectBody(o managedby.Object) detectObjectBody {
	return detectObjectBody{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
}
