// Package projection keeps, for one resource kind, an in-memory index of every object an
// informer delivers, ordered by creation time, so list endpoints filter and page without copying
// the cache. Objects are the informer's own and are never modified; callers must treat them as
// read-only.
package projection

import (
	"slices"
	"strconv"
	"sync"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Index holds objects of one kind ordered oldest first by (creation time, name).
type Index[T client.Object] struct {
	mu     sync.RWMutex
	byName map[string]T
	order  []T
	synced bool
	// version counts changes, so readers can cache what they derive from the index.
	version uint64
}

// New returns an empty index.
func New[T client.Object]() *Index[T] {
	return &Index[T]{byName: map[string]T{}}
}

func less[T client.Object](a, b T) int {
	ta, tb := a.GetCreationTimestamp().Time, b.GetCreationTimestamp().Time
	if c := ta.Compare(tb); c != 0 {
		return c
	}
	switch {
	case a.GetName() < b.GetName():
		return -1
	case a.GetName() > b.GetName():
		return 1
	}
	return 0
}

// newer reports whether a's resourceVersion is newer than b's. Resource versions are opaque, but
// etcd-backed servers hand out increasing integers; when either does not parse, a wins.
func newer(a, b client.Object) bool {
	ra, errA := strconv.ParseUint(a.GetResourceVersion(), 10, 64)
	rb, errB := strconv.ParseUint(b.GetResourceVersion(), 10, 64)
	if errA != nil || errB != nil {
		return true
	}
	return ra >= rb
}

// Upsert adds or replaces an object; an older version than the one held is ignored (a write's
// response and the informer's event may arrive in either order).
func (x *Index[T]) Upsert(obj T) {
	x.mu.Lock()
	defer x.mu.Unlock()
	name := obj.GetName()
	x.version++
	if old, ok := x.byName[name]; ok {
		if !newer(obj, old) {
			return
		}
		x.byName[name] = obj
		if i, found := slices.BinarySearchFunc(x.order, old, less[T]); found {
			x.order[i] = obj
		}
		return
	}
	x.byName[name] = obj
	i, _ := slices.BinarySearchFunc(x.order, obj, less[T])
	x.order = slices.Insert(x.order, i, obj)
}

// Delete removes the object with that name.
func (x *Index[T]) Delete(name string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	old, ok := x.byName[name]
	if !ok {
		return
	}
	delete(x.byName, name)
	x.version++
	if i, found := slices.BinarySearchFunc(x.order, old, less[T]); found {
		x.order = slices.Delete(x.order, i, i+1)
	}
}

// Get returns the object with that name.
func (x *Index[T]) Get(name string) (T, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	obj, ok := x.byName[name]
	return obj, ok
}

// Version changes whenever the index does.
func (x *Index[T]) Version() uint64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.version
}

// Len is the number of objects held.
func (x *Index[T]) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.order)
}

// Each calls fn for every object, newest first, until fn returns false. It holds a read lock:
// fn must not call back into the index.
func (x *Index[T]) Each(fn func(T) bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	for i := len(x.order) - 1; i >= 0; i-- {
		if !fn(x.order[i]) {
			return
		}
	}
}

// Synced reports whether the informer's initial list has been delivered.
func (x *Index[T]) Synced() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.synced
}

func (x *Index[T]) setSynced() {
	x.mu.Lock()
	x.synced = true
	x.mu.Unlock()
}
