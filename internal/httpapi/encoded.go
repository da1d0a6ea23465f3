package httpapi

import (
	"encoding/json"
	"sync"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// encodedIncidents caches each incident's JSON body by name and resourceVersion. Objects in the
// index are never modified, so one version's encoding never changes; list pages are then mostly
// copies. The cache is bounded: past max entries it starts over.
type encodedIncidents struct {
	max int

	mu sync.RWMutex
	m  map[string]encodedIncident
}

type encodedIncident struct {
	resourceVersion string
	body            []byte
}

func newEncodedIncidents(max int) *encodedIncidents {
	return &encodedIncidents{max: max, m: map[string]encodedIncident{}}
}

// get returns inc's JSON body, encoding it on a miss. Objects without a resourceVersion are not
// cached.
func (c *encodedIncidents) get(inc *v1alpha1.Incident) ([]byte, error) {
	rv := inc.ResourceVersion
	if rv != "" {
		c.mu.RLock()
		e, ok := c.m[inc.Name]
		c.mu.RUnlock()
		if ok && e.resourceVersion == rv {
			return e.body, nil
		}
	}
	body, err := json.Marshal(toIncidentBody(inc))
	if err != nil || rv == "" {
		return body, err
	}
	c.mu.Lock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[inc.Name] = encodedIncident{resourceVersion: rv, body: body}
	c.mu.Unlock()
	return body, nil
}
