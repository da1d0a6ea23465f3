// Package configmapwatch follows one ConfigMap by name with an informer on that object alone,
// for settings that change without a restart (the safety policy, the auto-remediation policy).
package configmapwatch

import (
	"context"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// Run watches the ConfigMap namespace/name until ctx ends. It calls changed with the ConfigMap
// (nil while it does not exist) once the first list is done and after every change; calls
// never overlap. It needs get, list and watch on configmaps in namespace.
func Run(ctx context.Context, c kubernetes.Interface, namespace, name string, changed func(cm *corev1.ConfigMap, err error)) {
	lw := cache.NewListWatchFromClient(c.CoreV1().RESTClient(), "configmaps", namespace,
		fields.OneTermEqualSelector("metadata.name", name))
	var (
		store  cache.Store
		mu     sync.Mutex
		synced bool
	)
	// refresh reads what the store holds now, never the event, so the order of events does
	// not matter; mu keeps calls from overlapping and holds them back until the first sync.
	refresh := func() {
		mu.Lock()
		defer mu.Unlock()
		if !synced {
			return
		}
		obj, exists, err := store.GetByKey(namespace + "/" + name)
		cm, _ := obj.(*corev1.ConfigMap)
		if !exists {
			cm = nil
		}
		changed(cm, err)
	}
	store, ctrl := cache.NewInformerWithOptions(cache.InformerOptions{
		ListerWatcher: lw,
		ObjectType:    &corev1.ConfigMap{},
		Handler: cache.ResourceEventHandlerFuncs{
			AddFunc:    func(any) { refresh() },
			UpdateFunc: func(any, any) { refresh() },
			DeleteFunc: func(any) { refresh() },
		},
	})
	done := make(chan struct{})
	go func() { defer close(done); ctrl.RunWithContext(ctx) }()
	if cache.WaitForCacheSync(ctx.Done(), ctrl.HasSynced) {
		mu.Lock()
		synced = true
		mu.Unlock()
		refresh() // the ConfigMap may not exist: that, too, is a setting (the defaults)
	}
	<-ctx.Done()
	<-done
}
