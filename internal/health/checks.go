package health

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"

	"k8s.io/client-go/rest"
)

// HTTPCheck returns a check that GETs url: a 2xx answer is OK, another status Degraded, no answer
// Down.
func HTTPCheck(client *http.Client, url string) CheckFunc {
	return func(ctx context.Context) Result {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return Result{Status: Down, Message: err.Error()}
		}
		resp, err := client.Do(req)
		if err != nil {
			return Result{Status: Down, Message: err.Error()}
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		if resp.StatusCode/100 != 2 {
			return Result{Status: Degraded, Message: fmt.Sprintf("GET %s answered %s", url, resp.Status)}
		}
		return Result{Status: OK, Message: fmt.Sprintf("GET %s answered %s", url, resp.Status)}
	}
}

// KubernetesCheck returns a check that asks the API server's /readyz.
func KubernetesCheck(client rest.Interface) CheckFunc {
	return func(ctx context.Context) Result {
		body, err := client.Get().AbsPath("/readyz").DoRaw(ctx)
		if err != nil {
			return Result{Status: Down, Message: "Kubernetes API server unreachable or not ready: " + err.Error()}
		}
		return Result{Status: OK, Message: "Kubernetes API server /readyz: " + strings.TrimSpace(string(body))}
	}
}

// AllOf combines checks of the parts of one dependency (the models of KServe, say): OK when every
// part is OK, Down when none is, else Degraded with the failing parts named.
func AllOf(parts map[string]CheckFunc) CheckFunc {
	return func(ctx context.Context) Result {
		names := slices.Sorted(maps.Keys(parts))
		var failed []string
		for _, name := range names {
			if r := parts[name](ctx); r.Status != OK {
				failed = append(failed, name+": "+r.Message)
			}
		}
		switch {
		case len(failed) == 0:
			return Result{Status: OK, Message: fmt.Sprintf("all %d answer", len(parts))}
		case len(failed) == len(parts):
			return Result{Status: Down, Message: strings.Join(failed, "; ")}
		default:
			return Result{Status: Degraded, Message: strings.Join(failed, "; ")}
		}
	}
}
