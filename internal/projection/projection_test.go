package projection

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func pod(name string, created time.Time, rv string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(created), ResourceVersion: rv}}
}

func names(x *Index[*corev1.Pod]) []string {
	var out []string
	x.Each(func(p *corev1.Pod) bool { out = append(out, p.Name); return true })
	return out
}

func TestIndexOrdersNewestFirstAndKeepsTheNewestVersion(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	x := New[*corev1.Pod]()
	x.Upsert(pod("b", t0.Add(time.Second), "10"))
	x.Upsert(pod("a", t0, "11"))
	x.Upsert(pod("d", t0.Add(2*time.Second), "12"))
	x.Upsert(pod("c", t0.Add(time.Second), "13"))
	if got, want := names(x), []string{"d", "c", "b", "a"}; !slices.Equal(got, want) {
		t.Fatalf("order = %v, want %v (newest first, then by name)", got, want)
	}

	x.Upsert(pod("c", t0.Add(time.Second), "20"))
	x.Upsert(pod("c", t0.Add(time.Second), "15")) // an older event arriving late is ignored
	if got, _ := x.Get("c"); got.ResourceVersion != "20" {
		t.Errorf("c has resourceVersion %s, want 20", got.ResourceVersion)
	}
	if x.Len() != 4 {
		t.Errorf("Len() = %d after replacing, want 4", x.Len())
	}

	x.Delete("b")
	x.Delete("nope")
	if got, want := names(x), []string{"d", "c", "a"}; !slices.Equal(got, want) {
		t.Errorf("after delete = %v, want %v", got, want)
	}
	var first []string
	x.Each(func(p *corev1.Pod) bool { first = append(first, p.Name); return false })
	if len(first) != 1 {
		t.Errorf("Each did not stop when fn returned false: %v", first)
	}
}

func TestIndexIsSafeForConcurrentUse(t *testing.T) {
	x := New[*corev1.Pod]()
	t0 := time.Now()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 250 {
				x.Upsert(pod(fmt.Sprintf("p-%d-%d", w, i), t0.Add(time.Duration(i)*time.Millisecond), "1"))
				x.Each(func(*corev1.Pod) bool { return false })
			}
		})
	}
	wg.Wait()
	if x.Len() != 1000 {
		t.Errorf("Len() = %d, want 1000", x.Len())
	}
	prev := time.Time{}
	x.Each(func(p *corev1.Pod) bool {
		if !prev.IsZero() && p.CreationTimestamp.After(prev) {
			t.Fatalf("order broken at %s", p.Name)
		}
		prev = p.CreationTimestamp.Time
		return true
	})
}
