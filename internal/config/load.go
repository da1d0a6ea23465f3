package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
)

// ErrHelp is returned by Load when --help or -h was asked for; the caller prints Usage and exits 0.
var ErrHelp = flag.ErrHelp

// Load parses the command-line arguments (without the program name) and the environment (as
// os.Environ returns it) into validated Options. It returns ErrHelp for --help, a usage error for
// an unknown flag, and an *InvalidError for a malformed value.
func Load(args, environ []string) (Options, error) {
	env := envMap(environ)
	fs := flag.NewFlagSet("coordination-engine", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	values := make([]*string, len(settings))
	for i, s := range settings {
		values[i] = fs.String(s.flag, "", s.usage)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Options{}, ErrHelp
		}
		return Options{}, fmt.Errorf("%w (run with --help to list the settings)", err)
	}
	if fs.NArg() > 0 {
		return Options{}, fmt.Errorf("unexpected argument %q (run with --help to list the settings)", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })

	var o Options
	for i, s := range settings {
		name, v := s.envs[0], s.def
		if given[s.flag] {
			name, v = "--"+s.flag, *values[i]
		} else if e, val, ok := firstSet(env, s.envs); ok {
			name, v = e, val
		}
		if accepted, ok := s.apply(&o, strings.TrimSpace(v)); !ok {
			return Options{}, &InvalidError{Variable: name, Value: v, Accepted: accepted}
		}
	}
	if o.KServeNamespace == "" {
		o.KServeNamespace = o.Namespace
	}
	if o.APIAuthMode == "token" && o.APIAuthTokensFile == "" {
		return Options{}, &InvalidError{Variable: "API_AUTH_TOKENS_FILE", Value: "", Accepted: "a tokens file, required with API_AUTH_MODE=token"}
	}
	models, err := kserveModels(env)
	if err != nil {
		return Options{}, err
	}
	o.KServeModels = models
	return o, nil
}

func envMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

func firstSet(env map[string]string, names []string) (string, string, bool) {
	for _, n := range names {
		if v := env[n]; strings.TrimSpace(v) != "" {
			return n, v, true
		}
	}
	return "", "", false
}

// reservedKServe are KSERVE_* variables that are settings, not models.
var reservedKServe = map[string]bool{"KSERVE_NAMESPACE": true, "KSERVE_PREDICTOR_PORT": true, "KSERVE_TIMEOUT": true}

// kserveModels collects KSERVE_<NAME>_SERVICE / _MODEL / _URL into models. A model needs a
// _SERVICE or a _URL; a lone _MODEL is an error because it would silently configure nothing.
func kserveModels(env map[string]string) ([]KServeModel, error) {
	byName := map[string]*KServeModel{}
	for k, v := range env {
		if !strings.HasPrefix(k, "KSERVE_") || reservedKServe[k] {
			continue
		}
		rest := strings.TrimPrefix(k, "KSERVE_")
		var field string
		for _, suffix := range []string{"_SERVICE", "_MODEL", "_URL"} {
			if strings.HasSuffix(rest, suffix) && len(rest) > len(suffix) {
				field, rest = suffix, strings.TrimSuffix(rest, suffix)
				break
			}
		}
		if field == "" {
			continue
		}
		name := strings.ReplaceAll(strings.ToLower(rest), "_", "-")
		m := byName[name]
		if m == nil {
			m = &KServeModel{Name: name}
			byName[name] = m
		}
		v = strings.TrimSpace(v)
		switch field {
		case "_SERVICE":
			m.Service = v
		case "_MODEL":
			m.Model = v
		case "_URL":
			var u *url.URL
			if accepted, ok := urlValue(&u, v); !ok {
				return nil, &InvalidError{Variable: k, Value: v, Accepted: accepted}
			}
			m.URL = u
		}
	}
	models := make([]KServeModel, 0, len(byName))
	for _, m := range byName {
		if m.Service == "" && m.URL == nil {
			key := "KSERVE_" + strings.ToUpper(strings.ReplaceAll(m.Name, "-", "_")) + "_SERVICE"
			return nil, &InvalidError{Variable: key, Value: "", Accepted: "the predictor Service name of model " + m.Name}
		}
		if m.Model == "" {
			m.Model = m.Name
		}
		models = append(models, *m)
	}
	sort.Slice(models, func(i, j int) bool { return models[i].Name < models[j].Name })
	return models, nil
}
