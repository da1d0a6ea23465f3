package httpapi

import (
	"encoding/json"
	"fmt"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/issue"
	"selfhealing.dev/coordination-engine/internal/remediation"
)

// triggerRequest is POST /api/v1/remediation/trigger in both forms: the MCP form (namespace,
// resource, issue) and the Python-era form (action, parameters), told apart by their fields.
type triggerRequest struct {
	IncidentID      string `json:"incident_id"`
	IncidentIDCamel string `json:"incidentId"`
	Namespace       string `json:"namespace"`
	Resource        *struct {
		Kind string `json:"kind"`
		Name string `json:"name"`
	} `json:"resource"`
	Issue *struct {
		Type        string `json:"type"`
		Description string `json:"description"`
		Severity    string `json:"severity"`
	} `json:"issue"`
	DryRun      *bool `json:"dry_run"`
	DryRunCamel *bool `json:"dryRun"`

	Action     string                     `json:"action"`
	Parameters map[string]json.RawMessage `json:"parameters"`
	Priority   *int                       `json:"priority"`
	Confidence *float64                   `json:"confidence"`
}

// pythonForm reports whether the request is the Python engine's action form.
func (req triggerRequest) pythonForm() bool {
	return req.Action != "" && req.Resource == nil && req.Issue == nil
}

func (req triggerRequest) incidentID() string {
	return firstNonEmpty(req.IncidentID, req.IncidentIDCamel)
}

func (req triggerRequest) dryRun() bool {
	if req.DryRun != nil {
		return *req.DryRun
	}
	return req.DryRunCamel != nil && *req.DryRunCamel
}

// workloadKinds are the kinds the MCP form may name, by lower-cased spelling.
var workloadKinds = map[string]string{"deployment": "Deployment", "pod": "Pod", "statefulset": "StatefulSet", "daemonset": "DaemonSet", "node": "Node"}

// validateMCP checks the MCP form.
func (req triggerRequest) validateMCP() (remediation.Trigger, error) {
	var t remediation.Trigger
	if id := req.incidentID(); id != "" {
		if err := checkName("incident_id", id); err != nil {
			return t, err
		}
		t.IncidentID = id
	}
	// A Node is cluster-scoped: it needs no namespace, and one sent with it is ignored.
	node := req.Resource != nil && strings.EqualFold(req.Resource.Kind, "node")
	if req.Namespace == "" && !node {
		return t, missing("namespace")
	}
	if err := checkNamespace("namespace", req.Namespace); err != nil && !node {
		return t, err
	}
	if req.Resource == nil {
		return t, missing("resource")
	}
	kind, ok := workloadKinds[strings.ToLower(req.Resource.Kind)]
	if !ok {
		if req.Resource.Kind == "" {
			return t, missing("resource.kind")
		}
		return t, badRequest("resource.kind", fmt.Sprintf("resource.kind %q is not one of: Deployment, Pod, StatefulSet, DaemonSet, Node", req.Resource.Kind))
	}
	if req.Resource.Name == "" {
		return t, missing("resource.name")
	}
	if err := checkName("resource.name", req.Resource.Name); err != nil {
		return t, err
	}
	if req.Issue == nil {
		return t, missing("issue")
	}
	if req.Issue.Type == "" {
		return t, missing("issue.type")
	}
	typ, ok := issue.Normalize(req.Issue.Type)
	if !ok {
		return t, badRequest("issue.type", fmt.Sprintf("issue.type %q is not known; accepted: %s", req.Issue.Type, issue.Accepted()))
	}
	if err := checkLength("issue.description", req.Issue.Description, 0, 8192); err != nil {
		return t, err
	}
	t.Issue = v1alpha1.Issue{Type: string(typ), Description: req.Issue.Description}
	if req.Issue.Severity != "" {
		sev, err := checkEnum("issue.severity", req.Issue.Severity, severities...)
		if err != nil {
			return t, err
		}
		t.Issue.Severity = v1alpha1.Severity(sev)
	}
	t.Target = v1alpha1.Target{Kind: kind, Namespace: req.Namespace, Name: req.Resource.Name}
	if node {
		t.Target.Namespace = ""
	}
	t.DryRun, t.Source = req.dryRun(), v1alpha1.SourceManual
	return t, nil
}

// pythonActions are the actions of the Python engine's /remediate.
var pythonActions = []string{"scale_deployment", "scale_up", "scale_down", "restart_pod", "remediate_node",
	"clear_alerts", "correlate_alerts", "run_inference"}

// targetKeys map Python-era parameter names to the kinds they name.
var targetKeys = []struct{ key, kind string }{
	{"deployment", "Deployment"}, {"statefulset", "StatefulSet"}, {"daemonset", "DaemonSet"}, {"pod", "Pod"}, {"node", "Node"},
}

// validatePython checks the Python-era form.
func (req triggerRequest) validatePython() (remediation.Trigger, map[string]string, error) {
	var t remediation.Trigger
	id := req.incidentID()
	if id == "" {
		return t, nil, missing("incidentId")
	}
	if err := checkName("incidentId", id); err != nil {
		return t, nil, err
	}
	action, err := checkEnum("action", req.Action, pythonActions...)
	if err != nil {
		return t, nil, err
	}
	params, strs, err := scalarParams(req.Parameters)
	if err != nil {
		return t, nil, err
	}
	t = remediation.Trigger{IncidentID: id, Issue: v1alpha1.Issue{Type: "requested_action"}, DryRun: req.dryRun(),
		Source: v1alpha1.SourceManual, Priority: 5, Confidence: 0.8,
		Actions: []v1alpha1.RequestedAction{{Type: action}}}
	if params != nil {
		t.Actions[0].Parameters = &apiextensionsv1.JSON{Raw: params}
	}
	if req.Priority != nil {
		if *req.Priority < 1 || *req.Priority > 10 {
			return t, nil, badRequest("priority", "priority must be an integer from 1 to 10")
		}
		t.Priority = int32(*req.Priority)
	}
	if req.Confidence != nil {
		if err := checkFraction("confidence", *req.Confidence); err != nil {
			return t, nil, err
		}
		t.Confidence = *req.Confidence
	}
	t.Target, err = pythonTarget(strs)
	return t, strs, err
}

// scalarParams checks a parameters object: at most 64 entries, each a string, number, boolean
// or null of at most 1024 characters as decoded. It returns the object as canonical JSON (keys
// sorted) to store and return unchanged, and the string values for finding the target.
func scalarParams(raw map[string]json.RawMessage) ([]byte, map[string]string, error) {
	if len(raw) > 64 {
		return nil, nil, badRequest("parameters", "parameters may have at most 64 entries")
	}
	strs := make(map[string]string, len(raw))
	for k, v := range raw {
		field := "parameters." + k
		var val any
		if err := json.Unmarshal(v, &val); err != nil {
			return nil, nil, badRequest(field, field+" is not valid JSON")
		}
		switch x := val.(type) {
		case map[string]any, []any:
			return nil, nil, badRequest(field, field+" must be a string, number or boolean")
		case string:
			if len([]rune(x)) > 1024 {
				return nil, nil, badRequest(field, field+" must be at most 1024 characters")
			}
			strs[k] = x
		default:
			if len(v) > 1024 {
				return nil, nil, badRequest(field, field+" must be at most 1024 characters")
			}
		}
	}
	if len(raw) == 0 {
		return nil, strs, nil
	}
	out, err := json.Marshal(raw)
	if err != nil {
		return nil, nil, badRequest("parameters", "parameters cannot be encoded: "+err.Error())
	}
	return out, strs, nil
}

// pythonTarget finds the target a Python-era request names in its parameters.
func pythonTarget(params map[string]string) (v1alpha1.Target, error) {
	t := v1alpha1.Target{Namespace: params["namespace"]}
	if t.Namespace != "" {
		if err := checkNamespace("parameters.namespace", t.Namespace); err != nil {
			return t, err
		}
	}
	for _, k := range targetKeys {
		if name := params[k.key]; name != "" {
			if err := checkName("parameters."+k.key, name); err != nil {
				return t, err
			}
			t.Kind, t.Name = k.kind, name
			if k.kind == "Node" {
				t.Namespace = ""
			}
			return t, nil
		}
	}
	return t, nil
}
