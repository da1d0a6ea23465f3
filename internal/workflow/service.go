package workflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/projection"
)

// ErrNotFound means no workflow has that id.
var ErrNotFound = errors.New("workflow not found")

// Service records and reads RemediationWorkflows in one namespace.
type Service struct {
	writer    client.Client
	reader    client.Reader
	index     *projection.Index[*v1alpha1.RemediationWorkflow]
	namespace string
	now       func() time.Time
}

// NewService returns a Service writing with writer, reading fresh objects with reader and
// listing from index.
func NewService(writer client.Client, reader client.Reader, index *projection.Index[*v1alpha1.RemediationWorkflow], namespace string) *Service {
	return &Service{writer: writer, reader: reader, index: index, namespace: namespace, now: time.Now}
}

// Index is the index the service lists from.
func (s *Service) Index() *projection.Index[*v1alpha1.RemediationWorkflow] { return s.index }

// Request is a validated request to remediate.
type Request struct {
	IncidentID string
	Target     v1alpha1.Target
	Issue      v1alpha1.Issue
	Actions    []v1alpha1.RequestedAction
	DryRun     bool
	Source     v1alpha1.Source
	Priority   int32
	Confidence float64
	// ApprovalRequired makes the workflow wait for a person's approval.
	ApprovalRequired bool
	// Parent names the coordination workflow this one is a step of.
	Parent string
	// Plan makes it a coordination workflow (no Target).
	Plan []v1alpha1.PlanItem
}

// Key identifies a request: the same incident, target, requested actions and dry-run flag give
// the same key.
func (r Request) Key() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%s|%s|%s|%t", r.IncidentID, r.Target.Kind, r.Target.Namespace, r.Target.Name, r.DryRun)
	for _, a := range r.Actions {
		b.WriteString("|" + a.Type)
	}
	if r.Parent != "" {
		b.WriteString("|parent=" + r.Parent)
	}
	for _, it := range r.Plan {
		fmt.Fprintf(&b, "|plan=%s/%s/%s/%s", it.Target.Kind, it.Target.Namespace, it.Target.Name, it.Issue.Type)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:8])
}

// Record creates a pending workflow for the request, or returns the active workflow of the same
// request (created=false): a client's retry never starts a second remediation.
func (s *Service) Record(ctx context.Context, r Request) (wf *v1alpha1.RemediationWorkflow, created bool, err error) {
	key := r.Key()
	active, last := s.byKey(key)
	if active != nil {
		return active, false, nil
	}
	// The n-th workflow of a key is wf-<key>-<n>: concurrent retries race for one name and the
	// API server lets one win. A finished workflow under the name (the index had not seen it,
	// or retention removed an earlier one) moves the request to the next number.
	for n := last + 1; n <= last+3; n++ {
		obj := s.newWorkflow(r, key, n)
		err := s.writer.Create(ctx, obj)
		if err == nil {
			obj.Status.Phase = v1alpha1.WorkflowPending
			s.index.Upsert(obj)
			return obj, true, nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return nil, false, fmt.Errorf("create workflow: %w", err)
		}
		existing, getErr := s.Get(ctx, obj.Name)
		if getErr != nil {
			return nil, false, fmt.Errorf("read existing workflow %s: %w", obj.Name, getErr)
		}
		if !existing.Phase().Finished() {
			return existing, false, nil
		}
	}
	return nil, false, fmt.Errorf("create workflow: the names of request %s are taken by finished workflows; retry", key)
}

func (s *Service) newWorkflow(r Request, key string, n int) *v1alpha1.RemediationWorkflow {
	// The status stays as the CRD defaults it (pending): the executor owns it from here, and a
	// status write racing the executor's first one would only conflict.
	return &v1alpha1.RemediationWorkflow{
		ObjectMeta: metav1.ObjectMeta{
			Name: "wf-" + key + "-" + strconv.Itoa(n), Namespace: s.namespace,
			Labels: map[string]string{v1alpha1.LabelRequestKey: key, v1alpha1.LabelIncident: r.IncidentID},
		},
		Spec: v1alpha1.RemediationWorkflowSpec{
			IncidentRef: r.IncidentID, Target: r.Target, Issue: r.Issue, Actions: r.Actions, DryRun: r.DryRun,
			Source: r.Source, Priority: r.Priority, Confidence: r.Confidence, RequestKey: key,
			ApprovalRequired: r.ApprovalRequired, ParentRef: r.Parent, Plan: r.Plan,
		},
	}
}

// byKey returns the unfinished workflow with that request key, if any, and the highest number
// among the key's workflows the index holds.
func (s *Service) byKey(key string) (active *v1alpha1.RemediationWorkflow, last int) {
	s.index.Each(func(wf *v1alpha1.RemediationWorkflow) bool {
		if wf.Spec.RequestKey != key {
			return true
		}
		if i := strings.LastIndexByte(wf.Name, '-'); i >= 0 {
			if n, err := strconv.Atoi(wf.Name[i+1:]); err == nil && n > last {
				last = n
			}
		}
		if active == nil && !wf.Phase().Finished() {
			active = wf
		}
		return true
	})
	return active, last
}

// Get returns the workflow from the index, falling back to the API server.
func (s *Service) Get(ctx context.Context, id string) (*v1alpha1.RemediationWorkflow, error) {
	if wf, ok := s.index.Get(id); ok {
		return wf, nil
	}
	var wf v1alpha1.RemediationWorkflow
	if err := s.reader.Get(ctx, client.ObjectKey{Namespace: s.namespace, Name: id}, &wf); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
		}
		return nil, fmt.Errorf("get workflow %s: %w", id, err)
	}
	return &wf, nil
}

// Counts are workflows by phase.
type Counts struct {
	Total, Pending, Running, AwaitingApproval, Completed, Failed, Cancelled int
}

// List returns up to limit workflows after offset, newest first, optionally only those of one
// incident, with the number that match and counts over all.
func (s *Service) List(incidentID string, limit, offset int) (items []*v1alpha1.RemediationWorkflow, matched int, counts Counts) {
	s.index.Each(func(wf *v1alpha1.RemediationWorkflow) bool {
		countPhase(&counts, wf.Phase())
		if incidentID != "" && wf.Spec.IncidentRef != incidentID {
			return true
		}
		if matched >= offset && len(items) < limit {
			items = append(items, wf)
		}
		matched++
		return true
	})
	return items, matched, counts
}

func countPhase(c *Counts, p v1alpha1.WorkflowPhase) {
	c.Total++
	switch p {
	case v1alpha1.WorkflowPending:
		c.Pending++
	case v1alpha1.WorkflowRunning:
		c.Running++
	case v1alpha1.WorkflowAwaitingApproval:
		c.AwaitingApproval++
	case v1alpha1.WorkflowCompleted:
		c.Completed++
	case v1alpha1.WorkflowFailed:
		c.Failed++
	case v1alpha1.WorkflowCancelled:
		c.Cancelled++
	}
}
