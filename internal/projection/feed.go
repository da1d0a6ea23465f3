package projection

import (
	"context"
	"time"

	"github.com/go-logr/logr"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
)

// Feed connects the index to the cache's informer for obj's kind and keeps it current until ctx
// ends. It retries getting the informer (the API server may be unreachable, or the CRD not yet
// installed) with a backoff from one second up to thirty, logging each failure, and marks the
// index synced once the informer's initial list has been delivered.
func (x *Index[T]) Feed(ctx context.Context, c cache.Cache, obj T, log logr.Logger) {
	wait := time.Second
	for {
		inf, err := c.GetInformer(ctx, obj, cache.BlockUntilSynced(false))
		if err == nil {
			reg, err := inf.AddEventHandler(x.handler())
			if err == nil {
				x.waitSynced(ctx, reg)
				return
			}
			log.Error(err, "Cannot watch; will retry", "retryIn", wait.String())
		} else {
			log.Info("Cannot watch yet; will retry", "err", err.Error(), "retryIn", wait.String())
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(wait*2, 30*time.Second)
	}
}

func (x *Index[T]) waitSynced(ctx context.Context, reg toolscache.ResourceEventHandlerRegistration) {
	if toolscache.WaitForCacheSync(ctx.Done(), reg.HasSynced) {
		x.setSynced()
	}
}

func (x *Index[T]) handler() toolscache.ResourceEventHandler {
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc: func(o any) {
			if obj, ok := o.(T); ok {
				x.Upsert(obj)
			}
		},
		UpdateFunc: func(_, o any) {
			if obj, ok := o.(T); ok {
				x.Upsert(obj)
			}
		},
		DeleteFunc: func(o any) {
			if d, ok := o.(toolscache.DeletedFinalStateUnknown); ok {
				o = d.Obj
			}
			if obj, ok := o.(T); ok {
				x.Delete(obj.GetName())
			}
		},
	}
}
