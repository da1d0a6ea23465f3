package workload

import (
	"errors"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
	"selfhealing.dev/coordination-engine/internal/guardrail"
	"selfhealing.dev/coordination-engine/internal/managedby"
)

func TestRestartSetsTheAnnotationOnceAndCannotBeUndone(t *testing.T) {
	f := setup(t)
	d := deployment(f.ns, "web", "web:1")
	d.UID = ""
	f.create(t, d)
	a := act(action.Restart, f.ns, "web")
	ch := f.apply(t, a, resolution(managedby.Manual, "Deployment", f.ns, "web"))
	f.get(t, d)
	if got := d.Spec.Template.Annotations[RestartedAtAnnotation]; got != "2026-11-26T09:00:00Z" {
		t.Fatalf("restartedAt = %q, want 2026-11-26T09:00:00Z", got)
	}
	gen := d.Generation
	if err := f.s.Apply(t.Context(), guardrail.TestPermit(a), ch); err != nil {
		t.Fatalf("Apply again = %v", err)
	}
	f.get(t, d)
	if d.Generation != gen {
		t.Errorf("generation %d → %d after re-applying the recorded restart, want unchanged (no second restart)", gen, d.Generation)
	}
	if err := f.s.Undo(t.Context(), guardrail.TestPermit(a), ch); err == nil {
		t.Error("Undo(restart) = nil, want an error: a restart cannot be undone")
	}
}

func TestRollbackDeploymentRestoresTheLastWorkingReplicaSet(t *testing.T) {
	f := setup(t)
	d := deployment(f.ns, "web", "web:3")
	d.UID = ""
	d.Spec.Template.Labels["kwok.selfhealing.dev/fault"] = "crashloop"
	f.create(t, d)
	// Revision 1 is healthy, revision 2 never worked, revision 3 (live) crash-loops.
	for _, r := range []struct {
		n     int64
		image string
		ready int32
	}{{1, "web:1", 2}, {2, "web:2", 0}, {3, "web:3", 0}} {
		rs := replicaSet(d, r.n, r.image)
		if r.n == 3 {
			rs.Spec.Template = *d.Spec.Template.DeepCopy()
			rs.Spec.Template.Labels[podTemplateHashLabel] = "h3"
		}
		f.create(t, rs)
		rs.Status = appsv1.ReplicaSetStatus{Replicas: r.ready, ReadyReplicas: r.ready, AvailableReplicas: r.ready}
		if err := f.c.Status().Update(t.Context(), rs); err != nil {
			t.Fatal(err)
		}
	}
	w := managedby.Object{APIVersion: "apps/v1", Kind: "Deployment", Namespace: f.ns, Name: "web"}
	facts, err := f.s.Rollout(t.Context(), w)
	if err != nil {
		t.Fatal(err)
	}
	if facts.Current.Number != 3 || facts.Previous == nil || facts.Previous.Number != 2 || !facts.PreviousHealthy ||
		facts.Target == nil || facts.Target.Number != 1 || facts.Replicas != 3 {
		t.Fatalf("Rollout() = %+v (previous %+v, target %+v), want current 3, previous 2, previous healthy, target 1, 3 replicas",
			facts, facts.Previous, facts.Target)
	}

	a := act(action.Rollback, f.ns, "web")
	ch := f.apply(t, a, resolution(managedby.Manual, "Deployment", f.ns, "web"))
	f.get(t, d)
	if got := d.Spec.Template.Spec.Containers[0].Image; got != "web:1" {
		t.Fatalf("image after rollback = %s, want web:1 (%s)", got, ch.Summary)
	}
	if _, ok := d.Spec.Template.Labels[podTemplateHashLabel]; ok {
		t.Errorf("template labels after rollback = %v, want no %s", d.Spec.Template.Labels, podTemplateHashLabel)
	}
	if _, ok := d.Spec.Template.Labels["kwok.selfhealing.dev/fault"]; ok {
		t.Errorf("template labels after rollback = %v, want the fault label of revision 3 gone", d.Spec.Template.Labels)
	}
	gen := d.Generation
	if err := f.s.Apply(t.Context(), guardrail.TestPermit(a), ch); err != nil {
		t.Fatal(err)
	}
	f.get(t, d)
	if d.Generation != gen {
		t.Errorf("generation %d → %d after re-applying the recorded rollback, want unchanged", gen, d.Generation)
	}
	if err := f.s.Undo(t.Context(), guardrail.TestPermit(a), ch); err != nil {
		t.Fatal(err)
	}
	f.get(t, d)
	if got := d.Spec.Template.Spec.Containers[0].Image; got != "web:3" || d.Spec.Template.Labels["kwok.selfhealing.dev/fault"] != "crashloop" {
		t.Errorf("template after undo = %s %v, want web:3 with its labels", got, d.Spec.Template.Labels)
	}
}

func TestRollbackWithoutAnOlderRevisionIsRefused(t *testing.T) {
	f := setup(t)
	d := deployment(f.ns, "web", "web:1")
	d.UID = ""
	f.create(t, d)
	f.create(t, replicaSet(d, 1, "web:1"))
	_, err := f.s.Plan(t.Context(), act(action.Rollback, f.ns, "web"), resolution(managedby.Manual, "Deployment", f.ns, "web"))
	if reasonOf(err) != ReasonNoPreviousRevision {
		t.Errorf("Plan(rollback) = %v, want %s", err, ReasonNoPreviousRevision)
	}
}

func TestRollbackStatefulSetAppliesTheControllerRevision(t *testing.T) {
	f := setup(t)
	set := statefulSet(f.ns, "db", "db:2")
	set.UID = ""
	set.Spec.ServiceName = "db"
	f.create(t, set)
	old := *set.Spec.Template.DeepCopy() // defaulted by the API server
	old.Spec.Containers[0].Image = "db:1"
	f.create(t, controllerRevision(set, 1, old))
	f.create(t, controllerRevision(set, 2, set.Spec.Template))

	a := act(action.Rollback, f.ns, "db")
	owner := resolution(managedby.Manual, "StatefulSet", f.ns, "db")
	facts, err := f.s.Rollout(t.Context(), owner.Workload)
	if err != nil {
		t.Fatal(err)
	}
	if facts.Current.Number != 2 || facts.Target == nil || facts.Target.Number != 1 || facts.PreviousHealthy {
		t.Fatalf("Rollout() = %+v, want current 2, target 1 (other images), no healthy older revision", facts)
	}
	ch := f.apply(t, a, owner)
	f.get(t, set)
	if got := set.Spec.Template.Spec.Containers[0].Image; got != "db:1" {
		t.Fatalf("image after rollback = %s, want db:1 (%s)", got, ch.Summary)
	}
	if err := f.s.Undo(t.Context(), guardrail.TestPermit(a), ch); err != nil {
		t.Fatal(err)
	}
	f.get(t, set)
	if got := set.Spec.Template.Spec.Containers[0].Image; got != "db:2" {
		t.Errorf("image after undo = %s, want db:2", got)
	}
}

func TestRolloutCountsStatefulSetPodsByRevisionHash(t *testing.T) {
	f := setup(t)
	set := statefulSet(f.ns, "db", "db:3")
	set.UID = ""
	set.Spec.ServiceName = "db"
	f.create(t, set)
	for n, image := range map[int64]string{1: "db:1", 2: "db:2"} {
		old := *set.Spec.Template.DeepCopy()
		old.Spec.Containers[0].Image = image
		f.create(t, controllerRevision(set, n, old))
	}
	f.create(t, controllerRevision(set, 3, set.Spec.Template))
	// db-0 still runs revision 1 and is Ready; revision 2 has no ready pod.
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "db-0",
			Labels:          map[string]string{"app": "db", revisionHashLabel: "db-r1"},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(set, appsv1.SchemeGroupVersion.WithKind("StatefulSet"))}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "db:1"}}},
	}
	f.create(t, pod)
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}
	if err := f.c.Status().Update(t.Context(), pod); err != nil {
		t.Fatal(err)
	}
	facts, err := f.s.Rollout(t.Context(), managedby.Object{APIVersion: "apps/v1", Kind: "StatefulSet", Namespace: f.ns, Name: "db"})
	if err != nil {
		t.Fatal(err)
	}
	if facts.Current.Number != 3 || facts.Previous == nil || facts.Previous.Number != 2 || !facts.PreviousHealthy ||
		facts.Target == nil || facts.Target.Number != 1 || facts.Target.ReadyPods != 1 {
		t.Errorf("Rollout() = %+v (previous %+v, target %+v), want current 3, previous 2, target 1 with its 1 ready pod",
			facts, facts.Previous, facts.Target)
	}
}

func TestSetMemoryLimit(t *testing.T) {
	memoryOf := func(t *testing.T, f *fixture, d *appsv1.Deployment) string {
		f.get(t, d)
		r := d.Spec.Template.Spec.Containers[0].Resources
		return r.Limits.Memory().String() + "/" + r.Requests.Memory().String()
	}
	t.Run("raises the limit by the factor and undoes it", func(t *testing.T) {
		f := setup(t)
		d := deployment(f.ns, "web", "web:1")
		d.UID = ""
		f.create(t, d)
		a := act(action.SetMemoryLimit, f.ns, "web")
		ch := f.apply(t, a, resolution(managedby.Manual, "Deployment", f.ns, "web"))
		if got := memoryOf(t, f, d); got != "384Mi/128Mi" {
			t.Fatalf("limit/request after Apply = %s, want 384Mi/128Mi", got)
		}
		if err := f.s.Undo(t.Context(), guardrail.TestPermit(a), ch); err != nil {
			t.Fatal(err)
		}
		if got := memoryOf(t, f, d); got != "256Mi/128Mi" {
			t.Errorf("limit/request after Undo = %s, want 256Mi/128Mi", got)
		}
	})
	refusals := []struct {
		name   string
		bound  func(ns string) client.Object
		status func(client.Object)
		reason string
		wantIn string
	}{
		{"a LimitRange at the limit refuses", func(ns string) client.Object {
			return &corev1.LimitRange{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "mem"}, Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
				Type: corev1.LimitTypeContainer, Max: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")}}}}}
		}, nil, ReasonLimitRangeMax, "max 256Mi of LimitRange mem"},
		{"a ResourceQuota without room for every replica refuses", func(ns string) client.Object {
			return &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "compute"}, Spec: corev1.ResourceQuotaSpec{
				Hard: corev1.ResourceList{corev1.ResourceLimitsMemory: resource.MustParse("1Gi")}}}
		}, func(o client.Object) {
			q := o.(*corev1.ResourceQuota)
			q.Status = corev1.ResourceQuotaStatus{
				Hard: corev1.ResourceList{corev1.ResourceLimitsMemory: resource.MustParse("1Gi")},
				Used: corev1.ResourceList{corev1.ResourceLimitsMemory: resource.MustParse("768Mi")},
			}
		}, ReasonQuotaExceeded, "needs 384Mi more limits.memory, ResourceQuota compute has 256Mi left"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			d := deployment(f.ns, "web", "web:1")
			d.UID = ""
			f.create(t, d)
			bound := tt.bound(f.ns)
			f.create(t, bound)
			if tt.status != nil {
				tt.status(bound)
				if err := f.c.Status().Update(t.Context(), bound); err != nil {
					t.Fatal(err)
				}
			}
			_, err := f.s.Plan(t.Context(), act(action.SetMemoryLimit, f.ns, "web"), resolution(managedby.Manual, "Deployment", f.ns, "web"))
			if reasonOf(err) != tt.reason || !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("Plan(set_memory_limit) = %v, want %s saying %q", err, tt.reason, tt.wantIn)
			}
		})
	}
}

func TestScale(t *testing.T) {
	t.Run("sets replicas when no HPA targets the workload", func(t *testing.T) {
		f := setup(t)
		d := deployment(f.ns, "web", "web:1")
		d.UID = ""
		f.create(t, d)
		owner := resolution(managedby.Manual, "Deployment", f.ns, "web")
		if n, err := f.s.Replicas(t.Context(), owner.Workload); n != 3 || err != nil {
			t.Fatalf("Replicas() = %d, %v; want 3", n, err)
		}
		a := act(action.Scale, f.ns, "web")
		ch := f.apply(t, a, owner)
		f.get(t, d)
		if *d.Spec.Replicas != 4 {
			t.Fatalf("replicas = %d, want 4 (%s)", *d.Spec.Replicas, ch.Summary)
		}
		if err := f.s.Undo(t.Context(), guardrail.TestPermit(a), ch); err != nil {
			t.Fatal(err)
		}
		f.get(t, d)
		if *d.Spec.Replicas != 3 {
			t.Errorf("replicas after undo = %d, want 3", *d.Spec.Replicas)
		}
	})
	t.Run("raises the HPA's maxReplicas instead of replicas", func(t *testing.T) {
		f := setup(t)
		d := deployment(f.ns, "web", "web:1")
		d.UID = ""
		f.create(t, d)
		hpa := &autoscalingv2.HorizontalPodAutoscaler{
			ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "web"},
			Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
				MinReplicas:    new(int32(2)),
				MaxReplicas:    5,
			},
		}
		f.create(t, hpa)
		a := act(action.Scale, f.ns, "web")
		ch := f.apply(t, a, resolution(managedby.Manual, "Deployment", f.ns, "web"))
		if ch.Object.Kind != "HorizontalPodAutoscaler" {
			t.Fatalf("Change.Object = %+v, want the HorizontalPodAutoscaler", ch.Object)
		}
		f.get(t, hpa)
		f.get(t, d)
		if hpa.Spec.MaxReplicas != 6 || *hpa.Spec.MinReplicas != 2 || *d.Spec.Replicas != 3 {
			t.Fatalf("HPA %d..%d, Deployment replicas %d; want HPA 2..6 and replicas untouched at 3",
				*hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas, *d.Spec.Replicas)
		}
		if err := f.s.Undo(t.Context(), guardrail.TestPermit(a), ch); err != nil {
			t.Fatal(err)
		}
		f.get(t, hpa)
		if hpa.Spec.MaxReplicas != 5 {
			t.Errorf("HPA maxReplicas after undo = %d, want 5", hpa.Spec.MaxReplicas)
		}
	})
}

func TestEvictRespectsThePodDisruptionBudget(t *testing.T) {
	f := setup(t)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "web-0", Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "web:1"}}},
	}
	f.create(t, pod)
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}
	if err := f.c.Status().Update(t.Context(), pod); err != nil {
		t.Fatal(err)
	}
	minAvailable := intstr.FromInt32(1)
	pdb := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "web"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: &minAvailable, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
	}
	f.create(t, pdb)
	// No disruption controller runs in envtest: set the status it would compute.
	setAllowed := func(allowed int32) {
		t.Helper()
		f.get(t, pdb)
		pdb.Status = policyv1.PodDisruptionBudgetStatus{ObservedGeneration: pdb.Generation, DisruptionsAllowed: allowed,
			CurrentHealthy: 1, DesiredHealthy: 1 - allowed, ExpectedPods: 1}
		if err := f.c.Status().Update(t.Context(), pdb); err != nil {
			t.Fatal(err)
		}
	}
	setAllowed(0)

	obj := managedby.Object{APIVersion: "v1", Kind: "Pod", Namespace: f.ns, Name: "web-0"}
	owner := managedby.Resolution{Result: managedby.Result{Method: managedby.Manual}, Target: obj, Workload: obj, Top: obj}
	a := act(action.Evict, f.ns, "web-0")
	ch, err := f.s.Plan(t.Context(), a, owner)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Operation != "evict" || ch.Object.UID != string(pod.UID) || ch.Undo != "" {
		t.Fatalf("Plan(evict) = %+v, want an evict of the pod's UID %s with no undo", ch, pod.UID)
	}
	err = f.s.Apply(t.Context(), guardrail.TestPermit(a), ch)
	if !errors.Is(err, ErrEvictionBlocked) || !apierrors.IsTooManyRequests(err) {
		t.Fatalf("Apply(evict) with no disruption allowed = %v, want ErrEvictionBlocked and 429 TooManyRequests", err)
	}
	f.get(t, pod)
	if pod.DeletionTimestamp != nil {
		t.Fatal("the pod is being deleted although the PodDisruptionBudget blocks")
	}

	setAllowed(1)
	if err := f.s.Apply(t.Context(), guardrail.TestPermit(a), ch); err != nil {
		t.Fatalf("Apply(evict) with a disruption allowed = %v", err)
	}
	err = f.c.Get(t.Context(), client.ObjectKeyFromObject(pod), pod)
	if !apierrors.IsNotFound(err) && pod.DeletionTimestamp == nil {
		t.Errorf("after the eviction the pod is %v (deletion %v), want it gone", err, pod.DeletionTimestamp)
	}
	if err := f.s.Apply(t.Context(), guardrail.TestPermit(a), ch); err != nil {
		t.Errorf("Apply(evict) again = %v, want nil: the pod is already evicted", err)
	}
}

func TestPlanRefusesWorkloadsOthersManage(t *testing.T) {
	f := setup(t)
	d := deployment(f.ns, "web", "web:1")
	d.UID = ""
	f.create(t, d)
	for _, m := range []managedby.Method{managedby.ArgoCD, managedby.Flux, managedby.Helm, managedby.Operator, managedby.Unknown} {
		for _, typ := range []action.Type{action.Restart, action.Rollback, action.SetMemoryLimit, action.Scale} {
			_, err := f.s.Plan(t.Context(), act(typ, f.ns, "web"), resolution(m, "Deployment", f.ns, "web"))
			var r *action.Refusal
			if !errors.As(err, &r) {
				t.Errorf("Plan(%s) of a %s workload = %v, want a refusal", typ, m, err)
			}
		}
	}
	gen := d.Generation
	f.get(t, d)
	if d.Generation != gen {
		t.Errorf("generation %d → %d, want the refused plans to change nothing", gen, d.Generation)
	}
}

func TestARecordedChangeDoesNotTouchARecreatedWorkload(t *testing.T) {
	f := setup(t)
	d := deployment(f.ns, "web", "web:1")
	d.UID = ""
	f.create(t, d)
	a := act(action.Scale, f.ns, "web")
	ch, err := f.s.Plan(t.Context(), a, resolution(managedby.Manual, "Deployment", f.ns, "web"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.c.Delete(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	again := deployment(f.ns, "web", "web:1")
	again.UID = ""
	f.create(t, again)
	if err := f.s.Apply(t.Context(), guardrail.TestPermit(a), ch); !apierrors.IsInvalid(err) {
		t.Fatalf("Apply of a change planned for the old incarnation = %v, want 422 Invalid (metadata.uid is immutable)", err)
	}
	f.get(t, again)
	if *again.Spec.Replicas != 3 {
		t.Errorf("replicas of the new incarnation = %d, want 3 (untouched)", *again.Spec.Replicas)
	}
}

// With two containers and no container named, the one the pods report OOMKilled is raised; with
// none reported, the strategy asks for the name.
func TestSetMemoryLimitFindsTheOOMKilledContainer(t *testing.T) {
	f := setup(t)
	d := deployment(f.ns, "web", "web:1", func(d *appsv1.Deployment) {
		sidecar := d.Spec.Template.Spec.Containers[0]
		sidecar.Name = "sidecar"
		d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers, sidecar)
	})
	d.UID = ""
	f.create(t, d)
	a := act(action.SetMemoryLimit, f.ns, "web")
	owner := resolution(managedby.Manual, "Deployment", f.ns, "web")
	if _, err := f.s.Plan(t.Context(), a, owner); reasonOf(err) != ReasonContainerRequired {
		t.Fatalf("Plan with two containers and no OOMKill seen = %v, want %s", err, ReasonContainerRequired)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "web-1", Labels: map[string]string{"app": "web"}},
		Spec: d.Spec.Template.Spec}
	f.create(t, pod)
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{
		{Name: "app", Ready: true},
		{Name: "sidecar", RestartCount: 3, LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}}},
	}
	if err := f.c.Status().Update(t.Context(), pod); err != nil {
		t.Fatal(err)
	}
	var ch v1alpha1.Change
	var err error
	for range 50 { // the pod list is read from the API server's watch cache
		if ch, err = f.s.Plan(t.Context(), a, owner); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || !strings.Contains(ch.Summary, "container sidecar") {
		t.Fatalf("Plan = %q, %v; want the sidecar's limit raised", ch.Summary, err)
	}
}
