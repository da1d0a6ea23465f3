package alertmanager

import (
	"fmt"
	"net"
	"net/netip"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// The target kinds an alert can name.
const (
	kindDeployment  = "Deployment"
	kindStatefulSet = "StatefulSet"
	kindDaemonSet   = "DaemonSet"
	kindPod         = "Pod"
	kindNode        = "Node"
)

// targetFor returns what the labels name and, when they name something unusable, why the
// target is zero. nodeAlert says the alert is about a node (a known node alert or a node_*
// issue): its node label, else its instance label, names the target, and pod labels (which
// belong to the exporter that was scraped) are not read.
//
// Order: target_kind + target_name; for a node alert, node then instance; else deployment,
// statefulset, daemonset, pod (each with namespace), then node.
func targetFor(labels map[string]string, nodeAlert bool) (v1alpha1.Target, string) {
	kind, name := labels[labelTargetKind], labels[labelTargetName]
	if kind != "" || name != "" {
		return explicitTarget(labels, kind, name)
	}
	if nodeAlert {
		return nodeTarget(labels)
	}
	// The first workload label present decides. A workload label wins over pod because
	// kube-state-metrics' workload series can carry the scraped exporter's own pod label.
	workloads := [...]struct{ label, kind string }{
		{labelDeployment, kindDeployment},
		{labelStatefulSet, kindStatefulSet},
		{labelDaemonSet, kindDaemonSet},
		{labelPod, kindPod},
	}
	for _, w := range workloads {
		if v := labels[w.label]; v != "" {
			return namespacedTarget(w.kind, w.label, v, labelNamespace, labels[labelNamespace])
		}
	}
	if v := labels[labelNode]; v != "" {
		return clusterTarget(labelNode, v)
	}
	return v1alpha1.Target{}, ""
}

// explicitTarget reads target_kind, target_name and target_namespace (else namespace).
func explicitTarget(labels map[string]string, kind, name string) (v1alpha1.Target, string) {
	if kind == "" || name == "" {
		return v1alpha1.Target{}, "labels target_kind and target_name must be set together"
	}
	var canonical string
	for _, k := range [...]string{kindDeployment, kindStatefulSet, kindDaemonSet, kindPod, kindNode} {
		if strings.EqualFold(kind, k) {
			canonical = k
		}
	}
	switch canonical {
	case "":
		return v1alpha1.Target{}, fmt.Sprintf("label target_kind %s is not one of Deployment, StatefulSet, DaemonSet, Pod, Node", quote(kind))
	case kindNode:
		return clusterTarget(labelTargetName, name)
	}
	nsLabel := labelTargetNamespace
	if labels[nsLabel] == "" {
		nsLabel = labelNamespace
	}
	return namespacedTarget(canonical, labelTargetName, name, nsLabel, labels[nsLabel])
}

// nodeTarget reads the node label, else the instance label (kube-prometheus relabels
// node-exporter's instance to the node name), without a port. An address is not a node name.
func nodeTarget(labels map[string]string) (v1alpha1.Target, string) {
	if v := labels[labelNode]; v != "" {
		return clusterTarget(labelNode, v)
	}
	v := labels[labelInstance]
	if v == "" {
		return v1alpha1.Target{}, "a node alert without a node or instance label names no node"
	}
	host := v
	if h, _, err := net.SplitHostPort(v); err == nil {
		host = h
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return v1alpha1.Target{}, fmt.Sprintf("label instance %s is an address, not a node name; add a node label to the alert", quote(v))
	}
	return clusterTarget(labelInstance, host)
}

// namespacedTarget checks a namespaced object's name and namespace.
func namespacedTarget(kind, nameLabel, name, nsLabel, ns string) (v1alpha1.Target, string) {
	if ns == "" {
		return v1alpha1.Target{}, fmt.Sprintf("label %s names a %s but the alert has no namespace label", nameLabel, kind)
	}
	if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
		return v1alpha1.Target{}, fmt.Sprintf("label %s %s is not a valid namespace name: %s", nsLabel, quote(ns), strings.Join(errs, "; "))
	}
	if note := checkName(nameLabel, name); note != "" {
		return v1alpha1.Target{}, note
	}
	return v1alpha1.Target{Kind: kind, Namespace: ns, Name: name}, ""
}

// clusterTarget checks a Node's name.
func clusterTarget(nameLabel, name string) (v1alpha1.Target, string) {
	if note := checkName(nameLabel, name); note != "" {
		return v1alpha1.Target{}, note
	}
	return v1alpha1.Target{Kind: kindNode, Name: name}, ""
}

func checkName(label, name string) string {
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return fmt.Sprintf("label %s %s is not a valid Kubernetes name: %s", label, quote(name), strings.Join(errs, "; "))
	}
	return ""
}
