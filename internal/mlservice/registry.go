package mlservice

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Model is one configured KServe model.
type Model struct {
	// Name is the logical name: <NAME> of KSERVE_<NAME>_SERVICE lower-cased, "_" → "-".
	Name string
	// ServerModel is the model's name on its predictor (KSERVE_<NAME>_MODEL, default Name).
	ServerModel string
	// Service is the InferenceService predictor (KSERVE_<NAME>_SERVICE); empty when URL was given.
	Service string
	// URL is the predictor's base URL: KSERVE_<NAME>_URL, else http://<service>.<namespace>.svc:<port>.
	URL string
}

// Registry is the configured models, sorted by Name.
type Registry struct {
	Models []Model
}

// Lookup returns the model with logical name name.
func (r Registry) Lookup(name string) (Model, bool) {
	i, ok := slices.BinarySearchFunc(r.Models, name, func(m Model, n string) int { return strings.Compare(m.Name, n) })
	if !ok {
		return Model{}, false
	}
	return r.Models[i], true
}

// Names returns the logical names in order.
func (r Registry) Names() []string {
	names := make([]string, len(r.Models))
	for i, m := range r.Models {
		names[i] = m.Name
	}
	return names
}

var (
	modelVar = regexp.MustCompile(`^KSERVE_(.*)_(SERVICE|MODEL|URL)$`)
	envName  = regexp.MustCompile(`^[A-Z0-9]+(_[A-Z0-9]+)*$`)
	dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
)

// ParseRegistry reads the models from environ ("KEY=value" entries as os.Environ returns; a later
// entry wins). A model is declared by KSERVE_<NAME>_SERVICE or KSERVE_<NAME>_URL; empty values count
// as unset; the settings KSERVE_NAMESPACE, KSERVE_PREDICTOR_PORT and KSERVE_TIMEOUT are not models.
// namespace and port build the in-cluster URLs. Errors name the offending variable.
func ParseRegistry(environ []string, namespace string, port int) (Registry, error) {
	type vars struct{ service, model, url string }
	byName := map[string]*vars{}
	for _, kv := range environ {
		key, value, _ := strings.Cut(kv, "=")
		m := modelVar.FindStringSubmatch(key)
		if m == nil || value == "" {
			continue
		}
		if !envName.MatchString(m[1]) {
			return Registry{}, fmt.Errorf("%s: model name %q must be upper-case letters, digits and single underscores", key, m[1])
		}
		v := byName[m[1]]
		if v == nil {
			v = &vars{}
			byName[m[1]] = v
		}
		switch m[2] {
		case "SERVICE":
			v.service = value
		case "MODEL":
			v.model = value
		case "URL":
			v.url = value
		}
	}
	var reg Registry
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		v := byName[name]
		prefix := "KSERVE_" + name + "_"
		model := Model{Name: strings.ReplaceAll(strings.ToLower(name), "_", "-"), ServerModel: v.model, Service: v.service}
		if model.ServerModel == "" {
			model.ServerModel = model.Name
		}
		switch {
		case v.url != "":
			u, err := url.Parse(v.url)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return Registry{}, fmt.Errorf("%sURL: %q is not an http(s) base URL", prefix, v.url)
			}
			model.URL = strings.TrimRight(v.url, "/")
		case v.service != "":
			if !dnsLabel.MatchString(v.service) {
				return Registry{}, fmt.Errorf("%sSERVICE: %q is not a DNS label", prefix, v.service)
			}
			if !dnsLabel.MatchString(namespace) {
				return Registry{}, fmt.Errorf("KSERVE_NAMESPACE: %q is not a namespace (needed by %sSERVICE)", namespace, prefix)
			}
			if port < 1 || port > 65535 {
				return Registry{}, fmt.Errorf("KSERVE_PREDICTOR_PORT: %d is not a port (needed by %sSERVICE)", port, prefix)
			}
			model.URL = "http://" + v.service + "." + namespace + ".svc:" + strconv.Itoa(port)
		default:
			return Registry{}, fmt.Errorf("%sMODEL: set without %sSERVICE or %sURL", prefix, prefix, prefix)
		}
		reg.Models = append(reg.Models, model)
	}
	slices.SortFunc(reg.Models, func(a, b Model) int { return strings.Compare(a.Name, b.Name) })
	return reg, nil
}
