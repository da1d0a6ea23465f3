package incident

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/projection"
)

// Service creates and changes Incidents in one namespace and answers reads from its index.
type Service struct {
	writer    client.Client
	reader    client.Reader
	index     *projection.Index[*v1alpha1.Incident]
	namespace string
	now       func() time.Time
	log       logr.Logger

	summaryMu      sync.Mutex
	summaryVersion uint64
	summary        Summary
}

// NewService returns a Service that writes with writer, reads fresh objects with reader (the
// API server, for read-modify-write) and lists from index.
func NewService(writer client.Client, reader client.Reader, index *projection.Index[*v1alpha1.Incident],
	namespace string, log logr.Logger) *Service {
	return &Service{writer: writer, reader: reader, index: index, namespace: namespace, now: time.Now, log: log}
}

// Index is the index the service lists from.
func (s *Service) Index() *projection.Index[*v1alpha1.Incident] { return s.index }

// New is a validated request to open an incident.
type New struct {
	Title, Description string
	Severity           v1alpha1.Severity
	Source             v1alpha1.Source
	TargetRef          string
	Target             *v1alpha1.Target
	ActionType         string
	Labels             map[string]string
	AffectedResources  []string
	CorrelationID      string
	ExternalID         string
	CreatedBy          string
	Confidence         float64
	// Parameters is a JSON object, or nil.
	Parameters []byte
}

// Create opens an incident. When one with the same external id (or, lacking one, correlation
// id) exists, it returns that one and created=false instead of opening a second.
func (s *Service) Create(ctx context.Context, n New) (inc *v1alpha1.Incident, created bool, err error) {
	if existing := s.findByKeys(n.ExternalID, n.CorrelationID); existing != nil {
		return existing, false, nil
	}
	obj := &v1alpha1.Incident{
		ObjectMeta: metav1.ObjectMeta{Name: nameFor(n.ExternalID, n.CorrelationID), Namespace: s.namespace},
		Spec: v1alpha1.IncidentSpec{
			Title: n.Title, Description: n.Description, Severity: n.Severity, Priority: n.Severity.Priority(),
			Source: n.Source, Target: n.Target, TargetRef: n.TargetRef, ActionType: n.ActionType, Labels: n.Labels,
			AffectedResources: n.AffectedResources, CorrelationID: n.CorrelationID, ExternalID: n.ExternalID,
			CreatedBy: n.CreatedBy, Confidence: n.Confidence,
		},
	}
	if len(n.Parameters) > 0 {
		obj.Spec.Parameters = &apiextensionsv1.JSON{Raw: n.Parameters}
	}
	if err := s.writer.Create(ctx, obj); err != nil {
		if apierrors.IsAlreadyExists(err) {
			existing, getErr := s.Get(ctx, obj.Name)
			if getErr != nil {
				return nil, false, fmt.Errorf("read existing incident %s: %w", obj.Name, getErr)
			}
			return existing, false, nil
		}
		return nil, false, fmt.Errorf("create incident: %w", err)
	}
	s.index.Upsert(obj)
	return obj, true, nil
}

// Find returns the incident with the external id, else the correlation id, from the index; nil
// when there is none.
func (s *Service) Find(externalID, correlationID string) *v1alpha1.Incident {
	return s.findByKeys(externalID, correlationID)
}

// findByKeys finds an incident in the index with the external id, else the correlation id.
func (s *Service) findByKeys(externalID, correlationID string) *v1alpha1.Incident {
	if externalID == "" && correlationID == "" {
		return nil
	}
	if inc, ok := s.index.Get(nameFor(externalID, correlationID)); ok {
		return inc
	}
	var found *v1alpha1.Incident
	s.index.Each(func(inc *v1alpha1.Incident) bool {
		if (externalID != "" && inc.Spec.ExternalID == externalID) ||
			(correlationID != "" && inc.Spec.CorrelationID == correlationID) {
			found = inc
			return false
		}
		return true
	})
	return found
}

// Get returns the incident from the index, falling back to the API server (a write this replica
// did not see yet). It returns ErrNotFound when there is none.
func (s *Service) Get(ctx context.Context, id string) (*v1alpha1.Incident, error) {
	if inc, ok := s.index.Get(id); ok {
		return inc, nil
	}
	var inc v1alpha1.Incident
	if err := s.reader.Get(ctx, client.ObjectKey{Namespace: s.namespace, Name: id}, &inc); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
		}
		return nil, fmt.Errorf("get incident %s: %w", id, err)
	}
	return &inc, nil
}
