// Package argocd is the Argo CD Application side of the Argo CD strategy: it reads an
// Application and its AppProject, finds the repository credentials Argo CD holds for the
// Application's source, requests a sync (or a refresh) the way the Argo CD CLI does, and follows
// the Application's sync and health status as the workflow's checkpoint.
//
// # The Argo CD objects
//
// Applications and AppProjects are read as unstructured objects (the argoproj.io/v1alpha1 Go
// types are not imported: the Argo CD module does not build here) and parsed by pure functions
// that never panic on malformed input: a field of the wrong type is an error, never a crash.
//
// # Requesting a sync
//
// PlanSync decides, without I/O, whether and how to ask Argo CD to roll a commit out, as an
// ordered chain of checks: the Application being deleted, an operation already running
// (retryable refusal), the project's sync windows (retryable refusal naming the window), then
// auto-sync (a refresh only) or a manual sync. SyncRequest.Patch renders the JSON merge patch
// that sets the Application's operation field, as argocd app sync does through the API server;
// Request sends it. The Argo CD controller then runs the operation and writes
// status.operationState; Follow turns that status into the executor's Progress.
//
// # Credentials
//
// FindCredentials picks the Secret Argo CD would use for a repository URL (a write Secret before
// a read one, an exact repository Secret before the longest matching repo-creds prefix), or a
// configured Secret that overrides them, and returns its data for the Git side to turn into an
// authentication method.
package argocd
