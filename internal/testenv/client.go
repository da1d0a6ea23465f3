package testenv

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
)

// Scheme knows the built-in kinds and the engine's own.
func Scheme(t testing.TB) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return s
}

// Client returns an uncached admin client of the API server that knows the engine's kinds.
func (e *Env) Client(t testing.TB) client.Client {
	t.Helper()
	c, err := client.New(e.Config, client.Options{Scheme: Scheme(t)})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	return c
}

var namespaces atomic.Int64

// Namespace creates a namespace named after the test and returns its name. Namespaces are not
// deleted: envtest has no controller-manager to finish the deletion, and the API server's data
// goes away with it.
func (e *Env) Namespace(t testing.TB) string {
	t.Helper()
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-", " ", "-").Replace(t.Name()))
	if len(name) > 40 {
		name = name[:40]
	}
	name = fmt.Sprintf("%s-%d-%d", strings.Trim(name, "-"), time.Now().UnixNano()%100000, namespaces.Add(1))
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := e.Client(t).Create(t.Context(), ns); err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
	return name
}
