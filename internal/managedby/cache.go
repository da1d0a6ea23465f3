package managedby

import (
	"maps"
	"slices"
	"sync"
	"time"
)

// recentChanges is how many changes the result cache remembers to tell whether a resolve that
// ran while they arrived read stale facts. A resolve that saw more changes than this is not
// stored (it is still returned).
const recentChanges = 1024

// results caches Resolutions by target and drops them when something they were decided from
// changes. Each entry lists its dependencies (the objects read, the Helm release, the
// Applications looked up); a change to a dependency, reported by a watch event, removes every
// entry that depends on it.
//
// A resolve reads the cluster while events keep arriving, so a change may land between the read
// and the store. Every change gets a sequence number and is kept in a ring of the last
// recentChanges; a resolve notes the sequence when it starts, and its result is stored only if
// no change since then touched one of its dependencies.
type results struct {
	maxAge     time.Duration
	maxEntries int

	mu      sync.RWMutex
	entries map[string]*result
	byDep   map[string]map[string]struct{} // dependency -> target keys
	seq     uint64                         // changes so far
	recent  [recentChanges]string          // dependency of change seq at recent[seq%recentChanges]
}

type result struct {
	res    Resolution
	stored time.Time
	deps   []string
}

func newResults(maxAge time.Duration, maxEntries int) *results {
	return &results{maxAge: maxAge, maxEntries: maxEntries,
		entries: map[string]*result{}, byDep: map[string]map[string]struct{}{}}
}

// get returns the cached Resolution of a target, if it is younger than maxAge.
func (c *results) get(key string, now time.Time) (Resolution, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.entries[key]
	if !ok || now.Sub(e.stored) > c.maxAge {
		return Resolution{}, false
	}
	return e.res, true
}

// begin returns the sequence number to pass to put.
func (c *results) begin() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.seq
}

// put stores res for key unless a change to one of deps arrived since begin returned since. It
// reports whether it stored.
func (c *results) put(key string, res Resolution, deps []string, since uint64, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seq-since > recentChanges {
		return false
	}
	for s := since; s < c.seq; s++ {
		if slices.Contains(deps, c.recent[s%recentChanges]) {
			return false
		}
	}
	c.removeLocked(key)
	if len(c.entries) >= c.maxEntries {
		c.evictLocked(now)
	}
	c.entries[key] = &result{res: res, stored: now, deps: deps}
	for _, d := range deps {
		if c.byDep[d] == nil {
			c.byDep[d] = map[string]struct{}{}
		}
		c.byDep[d][key] = struct{}{}
	}
	return true
}

// changed records a change to dependency dep and drops the entries that depend on it.
func (c *results) changed(dep string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recent[c.seq%recentChanges] = dep
	c.seq++
	for key := range c.byDep[dep] {
		c.removeLocked(key)
	}
}

// clear drops every entry, for changes that may affect any of them (an API appearing).
func (c *results) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq += recentChanges + 1 // no resolve that is running now may store
	clear(c.entries)
	clear(c.byDep)
}

// sweep drops the entries older than maxAge.
func (c *results) sweep(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for key, e := range c.entries {
		if now.Sub(e.stored) > c.maxAge {
			c.removeLocked(key)
		}
	}
}

// len is the number of entries.
func (c *results) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}

// evictLocked makes room: expired entries go first; if none, an arbitrary tenth of the entries
// (map order), which is cheaper than keeping an LRU list and good enough for a backstop.
func (c *results) evictLocked(now time.Time) {
	n := 0
	for key, e := range c.entries {
		if now.Sub(e.stored) > c.maxAge {
			c.removeLocked(key)
			n++
		}
	}
	for key := range maps.Keys(c.entries) {
		if n > c.maxEntries/10 {
			return
		}
		c.removeLocked(key)
		n++
	}
}

func (c *results) removeLocked(key string) {
	e, ok := c.entries[key]
	if !ok {
		return
	}
	delete(c.entries, key)
	for _, d := range e.deps {
		delete(c.byDep[d], key)
		if len(c.byDep[d]) == 0 {
			delete(c.byDep, d)
		}
	}
}
