package workload

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// fromWatchCache lets the API server answer a list from its watch cache (resourceVersion "0"),
// which may trail etcd by milliseconds, instead of a consistent list, which waits until the
// watch cache has caught up with etcd and costs tens of milliseconds on every call. Revisions
// and pods a few milliseconds old are good enough to choose a revision: the change itself is
// checked by the API server when it is made. (LimitRanges, quotas and autoscalers, read off the
// hot path, are listed consistently.)
type fromWatchCache struct{}

// ApplyToList sets a fresh Raw each time: the client writes into it.
func (fromWatchCache) ApplyToList(o *client.ListOptions) {
	o.Raw = &metav1.ListOptions{ResourceVersion: "0"}
}
