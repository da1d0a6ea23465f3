package chart

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Name is the name of the Deployment, Service and ServiceAccount the platform's clients expect.
const Name = "coordination-engine"

// ComponentLabel is the pod label the platform selects the engine by.
const ComponentLabel = "app.kubernetes.io/component"

// Want is what a Deployment of the engine must be, beyond what contract §7 fixes for all.
type Want struct {
	// Namespace is the release namespace.
	Namespace string
	// Replicas is the number of replicas; above 1 LEADER_ELECTION must be "true".
	Replicas int32
	// Image and PullPolicy of the engine's container.
	Image      string
	PullPolicy corev1.PullPolicy
	// LogLevel is LOG_LEVEL.
	LogLevel string
	// MLServiceURL is ML_SERVICE_URL; empty means the variable must be absent.
	MLServiceURL string
	// Requests and Limits are the container's resources, as "cpu,memory" pairs.
	Requests, Limits [2]string
	// TokensSecret, when set, is the one Secret volume allowed (apiAuth.mode=token).
	TokensSecret string
}

// ContractWant is Want for the chart's defaults (and for the ADR-038 block, which sets the same
// resources) in namespace.
func ContractWant(namespace string) Want {
	return Want{Namespace: namespace, Replicas: 1, Image: "example/coordination-engine:0.1.0", PullPolicy: corev1.PullIfNotPresent,
		LogLevel: "info", Requests: [2]string{"200m", "256Mi"}, Limits: [2]string{"500m", "512Mi"}}
}

// CheckDeployment lists how d departs from contract §7 and want: name, namespace, the component
// label, ports http 8080 and metrics 9090, probes (/healthz, /readyz, /health on http), the
// prometheus.io annotations for 9090, a restricted security context without a fixed UID,
// resources, environment, and no volumes but emptyDirs (and the API tokens Secret). Empty means
// it conforms.
func CheckDeployment(d *appsv1.Deployment, want Want) []string {
	var p problems
	p.check(d.Name == Name, "name %q, want %q", d.Name, Name)
	p.check(d.Namespace == want.Namespace, "namespace %q, want the release's %q", d.Namespace, want.Namespace)
	p.check(d.Spec.Replicas != nil && *d.Spec.Replicas == want.Replicas, "replicas %v, want %d", d.Spec.Replicas, want.Replicas)
	tmpl := d.Spec.Template
	p.check(tmpl.Labels[ComponentLabel] == Name, "pod label %s=%q, want %q", ComponentLabel, tmpl.Labels[ComponentLabel], Name)
	if sel, err := metaSelector(d); err != nil || !sel.Matches(labels.Set(tmpl.Labels)) {
		p.add("selector %v does not select the pod template's labels %v (%v)", d.Spec.Selector, tmpl.Labels, err)
	}
	for k, v := range map[string]string{"prometheus.io/scrape": "true", "prometheus.io/port": "9090", "prometheus.io/path": "/metrics"} {
		p.check(tmpl.Annotations[k] == v, "pod annotation %s=%q, want %q", k, tmpl.Annotations[k], v)
	}
	spec := tmpl.Spec
	p.check(spec.ServiceAccountName == Name, "serviceAccountName %q, want %q", spec.ServiceAccountName, Name)
	p.check(!spec.HostNetwork && !spec.HostPID && !spec.HostIPC, "uses the host's network, PID or IPC namespace")
	checkPodSecurity(&p, spec.SecurityContext)
	checkVolumes(&p, spec.Volumes, want.TokensSecret)
	if len(spec.Containers) != 1 {
		p.add("%d containers, want 1", len(spec.Containers))
		return p
	}
	c := spec.Containers[0]
	p.check(c.Image == want.Image, "image %q, want %q", c.Image, want.Image)
	p.check(c.ImagePullPolicy == want.PullPolicy, "imagePullPolicy %q, want %q", c.ImagePullPolicy, want.PullPolicy)
	checkPorts(&p, c.Ports)
	checkProbe(&p, "startup", c.StartupProbe, "/health")
	checkProbe(&p, "liveness", c.LivenessProbe, "/healthz")
	checkProbe(&p, "readiness", c.ReadinessProbe, "/readyz")
	checkContainerSecurity(&p, c.SecurityContext)
	checkResources(&p, c.Resources, want)
	checkEnv(&p, c.Env, want)
	return p
}

type problems []string

func (p *problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

func (p *problems) check(ok bool, format string, args ...any) {
	if !ok {
		p.add(format, args...)
	}
}

func metaSelector(d *appsv1.Deployment) (labels.Selector, error) {
	if d.Spec.Selector == nil {
		return nil, fmt.Errorf("no selector")
	}
	return labels.ValidatedSelectorFromSet(d.Spec.Selector.MatchLabels)
}

func checkPorts(p *problems, ports []corev1.ContainerPort) {
	want := map[string]int32{"http": 8080, "metrics": 9090}
	got := map[string]int32{}
	for _, port := range ports {
		got[port.Name] = port.ContainerPort
		p.check(port.Protocol == "" || port.Protocol == corev1.ProtocolTCP, "port %s protocol %s, want TCP", port.Name, port.Protocol)
	}
	p.check(len(got) == len(want), "ports %v, want %v", got, want)
	for name, n := range want {
		p.check(got[name] == n, "port %s = %d, want %d", name, got[name], n)
	}
}

// checkProbe wants an HTTP GET of path on the http port (by name or number).
func checkProbe(p *problems, kind string, pr *corev1.Probe, path string) {
	if pr == nil || pr.HTTPGet == nil {
		p.add("no %s probe with an HTTP GET of %s", kind, path)
		return
	}
	g := pr.HTTPGet
	port := g.Port == intstr.FromString("http") || g.Port == intstr.FromInt32(8080)
	p.check(g.Path == path && port, "%s probe GET %s on port %s, want %s on http (8080)", kind, g.Path, g.Port.String(), path)
	p.check(g.Scheme == "" || g.Scheme == corev1.URISchemeHTTP, "%s probe scheme %s, want HTTP", kind, g.Scheme)
}

func checkPodSecurity(p *problems, sc *corev1.PodSecurityContext) {
	if sc == nil {
		p.add("no pod securityContext")
		return
	}
	p.check(sc.RunAsNonRoot != nil && *sc.RunAsNonRoot, "pod runAsNonRoot is not true")
	p.check(sc.RunAsUser == nil, "pod runAsUser is fixed (%v); OpenShift assigns the UID", sc.RunAsUser)
	p.check(sc.RunAsGroup == nil && sc.FSGroup == nil, "pod runAsGroup or fsGroup is fixed; OpenShift assigns them")
	p.check(sc.SeccompProfile != nil && sc.SeccompProfile.Type == corev1.SeccompProfileTypeRuntimeDefault, "pod seccompProfile is not RuntimeDefault")
}

func checkContainerSecurity(p *problems, sc *corev1.SecurityContext) {
	if sc == nil {
		p.add("no container securityContext")
		return
	}
	p.check(sc.RunAsUser == nil && sc.RunAsGroup == nil, "container runAsUser or runAsGroup is fixed; OpenShift assigns them")
	p.check(sc.RunAsNonRoot == nil || *sc.RunAsNonRoot, "container runAsNonRoot is false")
	p.check(sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem, "readOnlyRootFilesystem is not true")
	p.check(sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation, "allowPrivilegeEscalation is not false")
	p.check(sc.Privileged == nil || !*sc.Privileged, "the container is privileged")
	dropsAll := sc.Capabilities != nil && len(sc.Capabilities.Drop) == 1 && sc.Capabilities.Drop[0] == "ALL"
	p.check(dropsAll && len(sc.Capabilities.Add) == 0, "capabilities %+v, want drop [ALL] and nothing added", sc.Capabilities)
}

func checkVolumes(p *problems, vols []corev1.Volume, tokensSecret string) {
	for _, v := range vols {
		switch {
		case v.EmptyDir != nil:
		case tokensSecret != "" && v.Secret != nil && v.Secret.SecretName == tokensSecret:
		default:
			p.add("volume %s is neither an emptyDir nor the API tokens Secret", v.Name)
		}
	}
}

func checkResources(p *problems, r corev1.ResourceRequirements, want Want) {
	for _, c := range []struct {
		what string
		list corev1.ResourceList
		want [2]string
	}{{"requests", r.Requests, want.Requests}, {"limits", r.Limits, want.Limits}} {
		cpu, mem := c.list[corev1.ResourceCPU], c.list[corev1.ResourceMemory]
		p.check(cpu.Cmp(resource.MustParse(c.want[0])) == 0 && mem.Cmp(resource.MustParse(c.want[1])) == 0,
			"%s cpu %s memory %s, want %s %s", c.what, cpu.String(), mem.String(), c.want[0], c.want[1])
	}
}

func checkEnv(p *problems, env []corev1.EnvVar, want Want) {
	vars := map[string]corev1.EnvVar{}
	for _, e := range env {
		if _, dup := vars[e.Name]; dup {
			p.add("env %s is set twice", e.Name)
		}
		vars[e.Name] = e
	}
	ns, ok := vars["NAMESPACE"]
	p.check(ok && ns.ValueFrom != nil && ns.ValueFrom.FieldRef != nil && ns.ValueFrom.FieldRef.FieldPath == "metadata.namespace",
		"NAMESPACE does not come from the downward API (metadata.namespace)")
	p.check(vars["LOG_LEVEL"].Value == want.LogLevel, "LOG_LEVEL %q, want %q", vars["LOG_LEVEL"].Value, want.LogLevel)
	ml, ok := vars["ML_SERVICE_URL"]
	if want.MLServiceURL == "" {
		p.check(!ok, "ML_SERVICE_URL is set (%q) though the ML service is disabled", ml.Value)
	} else {
		p.check(ml.Value == want.MLServiceURL, "ML_SERVICE_URL %q, want %q", ml.Value, want.MLServiceURL)
	}
	le, ok := vars["LEADER_ELECTION"]
	if want.Replicas > 1 {
		p.check(le.Value == "true", "LEADER_ELECTION %q with %d replicas, want \"true\"", le.Value, want.Replicas)
	} else {
		p.check(!ok, "LEADER_ELECTION is set (%q) with one replica", le.Value)
	}
	p.check(vars["BIND_ADDRESS"].Value == "" && vars["BIND_ADDRESS"].ValueFrom == nil, "BIND_ADDRESS is set; a pod must listen on every interface")
}
