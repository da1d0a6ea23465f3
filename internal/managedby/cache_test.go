package managedby

import (
	"strconv"
	"testing"
	"time"
)

func TestResultsCache(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	res := Resolution{Result: Result{Method: Manual}}
	tests := []struct {
		name    string
		run     func(c *results) bool // reports whether "pod" is still cached afterwards
		want    bool
		maxSize int
	}{
		{"a stored result is served", func(c *results) bool {
			c.put("pod", res, []string{"a", "b"}, c.begin(), now)
			return has(c, "pod", now)
		}, true, 10},
		{"a change to a dependency drops the result", func(c *results) bool {
			c.put("pod", res, []string{"a", "b"}, c.begin(), now)
			c.changed("b")
			return has(c, "pod", now)
		}, false, 10},
		{"a change to something else keeps it", func(c *results) bool {
			c.put("pod", res, []string{"a", "b"}, c.begin(), now)
			c.changed("c")
			return has(c, "pod", now)
		}, true, 10},
		{"a change to a dependency during the resolve keeps the result out", func(c *results) bool {
			since := c.begin()
			c.changed("a")
			c.put("pod", res, []string{"a", "b"}, since, now)
			return has(c, "pod", now)
		}, false, 10},
		{"more changes during the resolve than the ring remembers keep the result out", func(c *results) bool {
			since := c.begin()
			for i := range recentChanges + 1 {
				c.changed("x" + strconv.Itoa(i))
			}
			c.put("pod", res, []string{"a"}, since, now)
			return has(c, "pod", now)
		}, false, 10},
		{"clear keeps running resolves from storing", func(c *results) bool {
			since := c.begin()
			c.clear()
			c.put("pod", res, []string{"a"}, since, now)
			return has(c, "pod", now)
		}, false, 10},
		{"a result older than the max age is not served", func(c *results) bool {
			c.put("pod", res, []string{"a"}, c.begin(), now)
			return has(c, "pod", now.Add(time.Hour+time.Second))
		}, false, 10},
		{"a full cache makes room and keeps its bound", func(c *results) bool {
			for i := range 25 {
				c.put("t"+strconv.Itoa(i), res, []string{"d" + strconv.Itoa(i)}, c.begin(), now)
			}
			c.put("pod", res, []string{"a"}, c.begin(), now)
			return has(c, "pod", now) && c.len() <= 10 && len(c.byDep) == c.len()
		}, true, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newResults(time.Hour, tt.maxSize)
			if got := tt.run(c); got != tt.want {
				t.Errorf("cached = %v, want %v", got, tt.want)
			}
		})
	}
}

func has(c *results, key string, now time.Time) bool {
	_, ok := c.get(key, now)
	return ok
}
