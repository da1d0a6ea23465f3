package detection

import (
	"encoding/json"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// FuzzPod feeds pods decoded from arbitrary JSON to Pod and GroupKey: neither may panic, and
// every symptom names a known issue type and severity.
func FuzzPod(f *testing.F) {
	for _, p := range []*corev1.Pod{
		pod(containers(status("app", crashLoop(5)))),
		pod(containers(status("app", restarted(1), lastTerminated("OOMKilled", 137))), memoryLimit("app", "1Gi")),
		pod(initContainers(status("migrate", waiting("ErrImagePull", "x\ny"))), containers(status("app", waiting("CreateContainerConfigError", "")))),
		pod(labels("pod-template-hash", "abc"), ownedBy("apps/v1", "ReplicaSet", "web-abc", true)),
		pod(deleting()),
	} {
		data, err := json.Marshal(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, int32(3))
	}
	f.Add([]byte(`{"status":{"containerStatuses":[{"state":{},"lastState":{"terminated":{"reason":"OOMKilled"}}}]}}`), int32(-1))
	f.Fuzz(func(t *testing.T, data []byte, restarts int32) {
		var p corev1.Pod
		if err := json.Unmarshal(data, &p); err != nil {
			return
		}
		for _, s := range Pod(&p, Options{CrashLoopRestarts: restarts}) {
			if s.Issue == "" || s.Reason == "" || s.Severity == "" {
				t.Errorf("Pod() gave an incomplete symptom %+v", s)
			}
		}
		GroupKey(&p)
	})
}
