package chart

import (
	"bytes"
	"path"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"

	"selfhealing.dev/coordination-engine/internal/config"
)

func deployment(t *testing.T, objs Objects) *appsv1.Deployment {
	t.Helper()
	var d appsv1.Deployment
	if err := objs.Into("Deployment", Name, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

// The Deployment is what contract §7 describes, with the chart's defaults and with the
// platform's ADR-038 values block passed through as it is; more than one replica elects a
// leader and gets a PodDisruptionBudget.
func TestChartDeploymentMeetsTheContract(t *testing.T) {
	adr := ContractWant(releaseNamespace)
	adr.Image, adr.PullPolicy, adr.MLServiceURL = "example/coordination-engine:1.2.3", corev1.PullAlways, "http://aiops-ml-service:8080"
	two := ContractWant(releaseNamespace)
	two.Replicas = 2
	debug := ContractWant(releaseNamespace)
	debug.LogLevel = "debug"
	bigger := adr
	bigger.Requests, bigger.Limits = [2]string{"1", "1Gi"}, [2]string{"2", "2Gi"}
	elsewhere := ContractWant("platform-staging")
	tests := []struct {
		name      string
		namespace string
		values    map[string]any
		want      Want
	}{
		{"the chart's defaults", releaseNamespace, nil, ContractWant(releaseNamespace)},
		{"the ADR-038 block", releaseNamespace, adr038Block(), adr},
		{"two replicas", releaseNamespace, map[string]any{"replicas": 2}, two},
		{"an upper-case log level", releaseNamespace, map[string]any{"logLevel": "DEBUG"}, debug},
		{"the ADR-038 block with other resources", releaseNamespace, with(adr038Block(), "resources", map[string]any{
			"requests": map[string]any{"cpu": "1", "memory": "1Gi"}, "limits": map[string]any{"cpu": "2", "memory": "2Gi"}}), bigger},
		{"another release namespace", "platform-staging", nil, elsewhere},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, err := Load()
			if err != nil {
				t.Fatal(err)
			}
			objs, err := Render(t.Context(), ch, tt.namespace, tt.values)
			if err != nil {
				t.Fatal(err)
			}
			d := deployment(t, objs)
			for _, p := range CheckDeployment(d, tt.want) {
				t.Errorf("Deployment: %s", p)
			}
			for _, o := range objs {
				if ns := o.GetNamespace(); ns != "" && ns != tt.namespace {
					t.Errorf("%s/%s in namespace %s, want the release's %s", o.GetKind(), o.GetName(), ns, tt.namespace)
				}
			}
			pdbs := objs.OfKind("PodDisruptionBudget")
			if tt.want.Replicas <= 1 {
				if len(pdbs) != 0 {
					t.Errorf("a PodDisruptionBudget with %d replica", tt.want.Replicas)
				}
				return
			}
			var pdb policyv1.PodDisruptionBudget
			if err := objs.Into("PodDisruptionBudget", Name, &pdb); err != nil {
				t.Fatal(err)
			}
			sel, err := labels.ValidatedSelectorFromSet(pdb.Spec.Selector.MatchLabels)
			if err != nil || !sel.Matches(labels.Set(d.Spec.Template.Labels)) || pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() != 1 {
				t.Errorf("PodDisruptionBudget %+v, want minAvailable 1 of the engine's pods", pdb.Spec)
			}
		})
	}
}

// Every variable the chart sets is a setting of the engine (docs/configuration.md), and the
// engine's configuration accepts the values the chart gives them.
func TestChartEnvironmentIsTheEngines(t *testing.T) {
	values := with(with(with(adr038Block(), "replicas", 2), "apiAuth.mode", "token"), "apiAuth.tokensSecret", "engine-api-tokens")
	values = with(values, "extraEnv", []any{map[string]any{"name": "VERIFY_TIMEOUT", "value": "10m"}})
	d := deployment(t, render(t, values))
	env := d.Spec.Template.Spec.Containers[0].Env
	var ref bytes.Buffer
	config.Reference(&ref)
	environ := []string{}
	for _, e := range env {
		if !strings.Contains(ref.String(), "`"+e.Name+"`") {
			t.Errorf("env %s is not a setting of the engine (docs/configuration.md)", e.Name)
		}
		v := e.Value
		if e.Name == "NAMESPACE" {
			v = releaseNamespace // what the downward API gives
		}
		environ = append(environ, e.Name+"="+v)
	}
	if env[len(env)-1].Name != "VERIFY_TIMEOUT" {
		t.Errorf("extraEnv is not appended to the chart's variables: %v", environ)
	}
	opts, err := config.Load(nil, environ)
	if err != nil {
		t.Fatalf("config.Load(the chart's environment) = %v", err)
	}
	if opts.Namespace != releaseNamespace || opts.LogLevel != "info" || opts.BindAddress != "" || opts.APIPort != 8080 ||
		opts.MetricsPort != 9090 || opts.GitWorkDir != "/tmp" || opts.SafetyConfigMap != "coordination-engine-safety" ||
		opts.AutoRemediationConfigMap != "coordination-engine-autoremediation" || opts.MLServiceURL == nil ||
		opts.LeaderElection != config.LeaderElectionOn || opts.APIAuthMode != "token" {
		t.Errorf("config.Load(the chart's environment) = %+v", opts)
	}
	// The tokens file is where the Secret is mounted.
	c := d.Spec.Template.Spec.Containers[0]
	if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool {
		return m.Name == "api-auth" && m.MountPath == path.Dir(opts.APIAuthTokensFile) && m.ReadOnly && m.SubPath == ""
	}) {
		t.Errorf("API_AUTH_TOKENS_FILE %s is not in a read-only mount of the whole Secret: %+v", opts.APIAuthTokensFile, c.VolumeMounts)
	}
	// The Git work directory is the writable emptyDir.
	if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.Name == "tmp" && m.MountPath == opts.GitWorkDir }) {
		t.Errorf("GIT_WORKDIR %s is not the emptyDir: %+v", opts.GitWorkDir, c.VolumeMounts)
	}
}

// CheckDeployment notices each way a Deployment can depart from the contract.
func TestChartContractCheckNoticesDepartures(t *testing.T) {
	uid := int64(1000)
	yes := true
	tests := []struct {
		name   string
		mutate func(*appsv1.Deployment)
	}{
		{"a fixed UID", func(d *appsv1.Deployment) { d.Spec.Template.Spec.SecurityContext.RunAsUser = &uid }},
		{"a writable root filesystem", func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Containers[0].SecurityContext.ReadOnlyRootFilesystem = nil
		}},
		{"privilege escalation", func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = &yes
		}},
		{"an added capability", func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Containers[0].SecurityContext.Capabilities.Add = []corev1.Capability{"NET_ADMIN"}
		}},
		{"another API port", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Ports[0].ContainerPort = 8000 }},
		{"readiness on /health", func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Containers[0].ReadinessProbe.HTTPGet.Path = "/health"
		}},
		{"no scrape annotation", func(d *appsv1.Deployment) { delete(d.Spec.Template.Annotations, "prometheus.io/scrape") }},
		{"a hostPath volume", func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Volumes = append(d.Spec.Template.Spec.Volumes, corev1.Volume{Name: "host",
				VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}})
		}},
		{"BIND_ADDRESS set", func(d *appsv1.Deployment) {
			c := &d.Spec.Template.Spec.Containers[0]
			c.Env = append(c.Env, corev1.EnvVar{Name: "BIND_ADDRESS", Value: "127.0.0.1"})
		}},
		{"a fixed NAMESPACE", func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Containers[0].Env[0] = corev1.EnvVar{Name: "NAMESPACE", Value: releaseNamespace}
		}},
		{"no component label", func(d *appsv1.Deployment) { delete(d.Spec.Template.Labels, ComponentLabel) }},
		{"lower limits", func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Containers[0].Resources.Limits[corev1.ResourceMemory] = *d.Spec.Template.Spec.Containers[0].Resources.Requests.Memory()
		}},
	}
	objs := render(t, nil)
	if p := CheckDeployment(deployment(t, objs), ContractWant(releaseNamespace)); len(p) != 0 {
		t.Fatalf("the default Deployment departs already: %v", p)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deployment(t, objs)
			tt.mutate(d)
			if p := CheckDeployment(d, ContractWant(releaseNamespace)); len(p) == 0 {
				t.Errorf("CheckDeployment(%s) found nothing", tt.name)
			}
		})
	}
}
