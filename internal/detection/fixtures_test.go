package detection

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Container status builders.

type statusOption func(*corev1.ContainerStatus)

func status(name string, opts ...statusOption) corev1.ContainerStatus {
	cs := corev1.ContainerStatus{
		Name: name, Image: "registry.example.com/shop/" + name + ":1.0",
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}, Ready: true,
	}
	for _, o := range opts {
		o(&cs)
	}
	return cs
}

func notReady() statusOption { return func(cs *corev1.ContainerStatus) { cs.Ready = false } }

func restarted(n int32) statusOption { return func(cs *corev1.ContainerStatus) { cs.RestartCount = n } }

func waiting(reason, message string) statusOption {
	return func(cs *corev1.ContainerStatus) {
		cs.Ready = false
		cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message}}
	}
}

func terminated(reason string, code int32) statusOption {
	return func(cs *corev1.ContainerStatus) {
		cs.Ready = false
		cs.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: reason, ExitCode: code}}
	}
}

func lastTerminated(reason string, code int32) statusOption {
	return func(cs *corev1.ContainerStatus) {
		cs.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: reason, ExitCode: code}}
	}
}

// crashLoop is a container the kubelet backs off after n failed runs.
func crashLoop(n int32) statusOption {
	return func(cs *corev1.ContainerStatus) {
		waiting("CrashLoopBackOff", "back-off 5m0s restarting failed container")(cs)
		restarted(n)(cs)
		lastTerminated("Error", 1)(cs)
	}
}

// Pod builders.

type podOption func(*corev1.Pod)

// pod is a Running pod of Deployment web in namespace shop with the given app containers.
func pod(opts ...podOption) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-7d4b9c6f5d-x2x9q"},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func containers(statuses ...corev1.ContainerStatus) podOption {
	return func(p *corev1.Pod) {
		for _, cs := range statuses {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: cs.Name, Image: cs.Image})
			p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, cs)
		}
	}
}

func initContainers(statuses ...corev1.ContainerStatus) podOption {
	return func(p *corev1.Pod) {
		for _, cs := range statuses {
			p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: cs.Name, Image: cs.Image})
			p.Status.InitContainerStatuses = append(p.Status.InitContainerStatuses, cs)
		}
	}
}

func phase(ph corev1.PodPhase) podOption { return func(p *corev1.Pod) { p.Status.Phase = ph } }

func deleting() podOption {
	return func(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{} }
}

// memoryLimit sets the memory limit of the app container name (added before by containers).
func memoryLimit(name, limit string) podOption {
	return func(p *corev1.Pod) {
		for i := range p.Spec.Containers {
			if p.Spec.Containers[i].Name == name {
				p.Spec.Containers[i].Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(limit)}
			}
		}
	}
}

func labels(kv ...string) podOption {
	return func(p *corev1.Pod) {
		p.Labels = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			p.Labels[kv[i]] = kv[i+1]
		}
	}
}

func ownedBy(apiVersion, kind, name string, controller bool) podOption {
	return func(p *corev1.Pod) {
		p.OwnerReferences = append(p.OwnerReferences, metav1.OwnerReference{
			APIVersion: apiVersion, Kind: kind, Name: name, UID: types.UID("uid-" + name), Controller: &controller,
		})
	}
}
