package config

import (
	"fmt"
	"io"
	"strings"
)

// Usage writes the --help text: every setting with its variables, flag, default and meaning.
func Usage(w io.Writer) {
	fmt.Fprint(w, `coordination-engine: the self-healing platform's decision-and-action service.

Usage: coordination-engine [flags]

Every setting is read from its environment variable; a flag, when given, wins over the variable.
The engine connects to Kubernetes through KUBECONFIG, else the in-cluster service account, else
~/.kube/config. A malformed value stops the engine with exit code 2.

Settings:
`)
	for _, s := range settings {
		def := s.def
		if def == "" {
			def = "(empty)"
		}
		fmt.Fprintf(w, "  --%s  env %s  default %s\n      %s\n", s.flag, strings.Join(s.envs, " or "), def, s.usage)
	}
	fmt.Fprint(w, `  KSERVE_<NAME>_SERVICE, KSERVE_<NAME>_MODEL, KSERVE_<NAME>_URL
      one KServe model per <NAME> (logical name: lower-case, '_' becomes '-'); _SERVICE is the
      predictor Service, _MODEL the model name on it (default the logical name), _URL a full base
      URL that replaces http://<service>.<KSERVE_NAMESPACE>.svc:<KSERVE_PREDICTOR_PORT>
`)
}

// Reference writes the configuration reference in Markdown (docs/configuration.md is generated
// from it, and a test keeps the two equal).
func Reference(w io.Writer) {
	fmt.Fprint(w, "# Configuration reference\n\n")
	fmt.Fprint(w, "Generated from `internal/config/settings.go` by `make docs`; a test fails when this file and the code differ.\n\n")
	fmt.Fprint(w, "Each setting is read from its environment variable; the flag, when given, wins. A malformed value stops the engine with exit code 2 and a message naming the variable.\n\n")
	fmt.Fprint(w, "| variable | flag | default | meaning |\n|---|---|---|---|\n")
	for _, s := range settings {
		def := "`" + s.def + "`"
		if s.def == "" {
			def = "(empty)"
		}
		fmt.Fprintf(w, "| `%s` | `--%s` | %s | %s |\n", strings.Join(s.envs, "`, `"), s.flag, def, s.usage)
	}
	fmt.Fprint(w, "| `KSERVE_<NAME>_SERVICE`, `KSERVE_<NAME>_MODEL`, `KSERVE_<NAME>_URL` | | | one KServe model per `<NAME>`: logical name lower-cased with `_` turned into `-`; `_SERVICE` is the predictor Service, `_MODEL` the model name on it (default the logical name), `_URL` a full base URL that replaces `http://<service>.<KSERVE_NAMESPACE>.svc:<KSERVE_PREDICTOR_PORT>` |\n")
	fmt.Fprint(w, "\nThe `COORDINATION_ENGINE_PORT=tcp://…` variable that Kubernetes injects for a Service of that name is ignored.\n")
}
