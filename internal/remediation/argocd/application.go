package argocd

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ApplicationGVK is Argo CD's Application kind.
var ApplicationGVK = schema.GroupVersionKind{Group: "argoproj.io", Version: "v1alpha1", Kind: "Application"}

// AnnotationRefresh asks the Argo CD controller to compare the Application with Git again now;
// the controller removes it once done.
const AnnotationRefresh = "argocd.argoproj.io/refresh"

// DefaultProject is the project of an Application that names none.
const DefaultProject = "default"

// Application is what the strategy needs of an Argo CD Application (argoproj.io/v1alpha1).
type Application struct {
	// Namespace and Name identify the Application; its namespace is Argo CD's (or an
	// apps-in-any-namespace namespace).
	Namespace, Name string
	// UID, ResourceVersion and Generation are the object's metadata as read.
	UID             types.UID
	ResourceVersion string
	Generation      int64
	// Deleting: the Application has a deletion timestamp.
	Deleting bool
	// Refresh is the value of the refresh annotation when a refresh is pending.
	Refresh string
	// Project is spec.project ("default" when empty).
	Project string
	// Sources are spec.sources, or spec.source as the only one.
	Sources []Source
	// MultiSource: the Application uses spec.sources (Argo CD then syncs revisions per source).
	MultiSource bool
	// Hydrated: the Application renders through spec.sourceHydrator.
	Hydrated bool
	// Destination is spec.destination.
	Destination Destination
	// SyncPolicy is spec.syncPolicy.
	SyncPolicy SyncPolicy
	// Operation is the operation requested and not yet finished (the top-level operation field).
	Operation *Operation
	// Status is what the Argo CD controller last wrote.
	Status Status
}

// Ref is "namespace/name".
func (a Application) Ref() string { return a.Namespace + "/" + a.Name }

// Destination is where the Application deploys.
type Destination struct {
	Server, Name, Namespace string
}

// SyncPolicy is the Application's sync policy.
type SyncPolicy struct {
	// Automated: auto-sync is on (syncPolicy.automated present and not enabled: false).
	Automated bool
	// Prune and SelfHeal are the automated policy's options.
	Prune, SelfHeal bool
	// SyncOptions are syncPolicy.syncOptions, which a manual sync carries as Argo CD's API
	// server does.
	SyncOptions []string
	// Retry is syncPolicy.retry as read, carried by a manual sync likewise; nil when absent.
	Retry map[string]any
}

// Operation is a requested operation (the Application's operation field, or the one recorded in
// status.operationState).
type Operation struct {
	// Username is initiatedBy.username; Automated is initiatedBy.automated.
	Username  string
	Automated bool
	// Sync: a sync operation; Revision and Revisions are the revisions requested.
	Sync      bool
	Revision  string
	Revisions []string
}

// Status is the Application's status as the Argo CD controller wrote it.
type Status struct {
	// SyncStatus is Synced, OutOfSync or Unknown; Revision (Revisions for several sources) is
	// the commit the live state was compared with.
	SyncStatus string
	Revision   string
	Revisions  []string
	// Health is Healthy, Progressing, Degraded, Suspended, Missing or Unknown, with its message.
	Health        string
	HealthMessage string
	// OperationState is the last (or running) operation; nil when none is recorded.
	OperationState *OperationState
	// ReconciledAt is when the controller last compared the Application with Git.
	ReconciledAt time.Time
	// History is the deployed revisions, oldest first.
	History []Deployment
}

// OperationState is a running or finished operation.
type OperationState struct {
	// Phase is Running, Terminating, Succeeded, Failed or Error.
	Phase   string
	Message string
	// Operation is the operation as requested.
	Operation Operation
	// SyncRevision and SyncRevisions are the commits the sync resolved (syncResult).
	SyncRevision  string
	SyncRevisions []string
	StartedAt     time.Time
	FinishedAt    time.Time
}

// Deployment is one entry of status.history.
type Deployment struct {
	ID         int64
	Revision   string
	Revisions  []string
	DeployedAt time.Time
}

// Operation phases, as Argo CD writes them.
const (
	PhaseRunning     = "Running"
	PhaseTerminating = "Terminating"
	PhaseSucceeded   = "Succeeded"
	PhaseFailed      = "Failed"
	PhaseError       = "Error"
)

// Sync and health statuses, as Argo CD writes them.
const (
	SyncStatusSynced    = "Synced"
	SyncStatusOutOfSync = "OutOfSync"
	HealthHealthy       = "Healthy"
	HealthProgressing   = "Progressing"
	HealthDegraded      = "Degraded"
)

// Running reports whether an operation is requested or running: Argo CD's API server refuses
// another one then ("another operation is already in progress").
func (a Application) Running() bool {
	if a.Operation != nil {
		return true
	}
	s := a.Status.OperationState
	return s != nil && (s.Phase == PhaseRunning || s.Phase == PhaseTerminating)
}

// Getter reads one object; a client.Reader is one.
type Getter interface {
	Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error
}

// ReadApplication gets the Application namespace/name and parses it. A missing Application is
// the API server's NotFound error, wrapped.
func ReadApplication(ctx context.Context, r Getter, namespace, name string) (Application, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(ApplicationGVK)
	if err := r.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, u); err != nil {
		return Application{}, fmt.Errorf("read Application %s/%s: %w", namespace, name, err)
	}
	app, err := ParseApplication(u)
	if err != nil {
		return Application{}, fmt.Errorf("read Application %s/%s: %w", namespace, name, err)
	}
	return app, nil
}

// ParseApplication parses u. It never panics: a field of the wrong type returns an error
// wrapping ErrMalformed, naming the field.
func ParseApplication(u *unstructured.Unstructured) (Application, error) {
	if u == nil {
		return Application{}, fmt.Errorf("%w: no object", ErrMalformed)
	}
	m := u.Object
	o := &object{}
	app := Application{
		Namespace:       o.str(m, "metadata", "namespace"),
		Name:            o.str(m, "metadata", "name"),
		UID:             types.UID(o.str(m, "metadata", "uid")),
		ResourceVersion: o.str(m, "metadata", "resourceVersion"),
		Generation:      o.integer(m, "metadata", "generation"),
		Refresh:         o.str(m, "metadata", "annotations", AnnotationRefresh),
		Project:         o.str(m, "spec", "project"),
		Destination: Destination{
			Server:    o.str(m, "spec", "destination", "server"),
			Name:      o.str(m, "spec", "destination", "name"),
			Namespace: o.str(m, "spec", "destination", "namespace"),
		},
		SyncPolicy: parseSyncPolicy(o, m),
		Status:     parseStatus(o, m),
	}
	_, app.Deleting = o.value(m, "metadata", "deletionTimestamp")
	_, app.Hydrated = o.object(m, "spec", "sourceHydrator")
	if app.Project == "" {
		app.Project = DefaultProject
	}
	if sources := o.objects(m, "spec", "sources"); len(sources) > 0 {
		app.MultiSource = true
		for _, s := range sources {
			app.Sources = append(app.Sources, parseSource(o, s))
		}
	} else if s, ok := o.object(m, "spec", "source"); ok {
		app.Sources = []Source{parseSource(o, s)}
	}
	if op, ok := o.object(m, "operation"); ok {
		parsed := parseOperation(o, op)
		app.Operation = &parsed
	}
	if o.err != nil {
		return Application{}, o.err
	}
	return app, nil
}

func parseSyncPolicy(o *object, m map[string]any) SyncPolicy {
	p := SyncPolicy{SyncOptions: o.strings(m, "spec", "syncPolicy", "syncOptions")}
	p.Retry, _ = o.object(m, "spec", "syncPolicy", "retry")
	if auto, ok := o.object(m, "spec", "syncPolicy", "automated"); ok {
		p.Automated = true
		if _, set := o.value(auto, "enabled"); set {
			p.Automated = o.boolean(auto, "enabled")
		}
		p.Prune = o.boolean(auto, "prune")
		p.SelfHeal = o.boolean(auto, "selfHeal")
	}
	return p
}

func parseOperation(o *object, op map[string]any) Operation {
	parsed := Operation{
		Username:  o.str(op, "initiatedBy", "username"),
		Automated: o.boolean(op, "initiatedBy", "automated"),
		Revision:  o.str(op, "sync", "revision"),
		Revisions: o.strings(op, "sync", "revisions"),
	}
	_, parsed.Sync = o.object(op, "sync")
	return parsed
}

func parseStatus(o *object, m map[string]any) Status {
	s := Status{
		SyncStatus:    o.str(m, "status", "sync", "status"),
		Revision:      o.str(m, "status", "sync", "revision"),
		Revisions:     o.strings(m, "status", "sync", "revisions"),
		Health:        o.str(m, "status", "health", "status"),
		HealthMessage: o.str(m, "status", "health", "message"),
		ReconciledAt:  o.time(m, "status", "reconciledAt"),
	}
	if st, ok := o.object(m, "status", "operationState"); ok {
		state := OperationState{
			Phase:         o.str(st, "phase"),
			Message:       o.str(st, "message"),
			SyncRevision:  o.str(st, "syncResult", "revision"),
			SyncRevisions: o.strings(st, "syncResult", "revisions"),
			StartedAt:     o.time(st, "startedAt"),
			FinishedAt:    o.time(st, "finishedAt"),
		}
		if op, ok := o.object(st, "operation"); ok {
			state.Operation = parseOperation(o, op)
		}
		s.OperationState = &state
	}
	for _, h := range o.objects(m, "status", "history") {
		s.History = append(s.History, Deployment{
			ID:         o.integer(h, "id"),
			Revision:   o.str(h, "revision"),
			Revisions:  o.strings(h, "revisions"),
			DeployedAt: o.time(h, "deployedAt"),
		})
	}
	return s
}
