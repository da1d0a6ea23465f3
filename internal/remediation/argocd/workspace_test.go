package argocd

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"selfhealing.dev/coordination-engine/api/v1alpha1"
	"selfhealing.dev/coordination-engine/internal/action"
)

// A checkout whose symbolic links lead outside it is refused; links inside it are fine.
func TestSymlinksMustStayInsideTheCheckout(t *testing.T) {
	tests := []struct {
		name, target string
		refused      bool
	}{
		{"a link to a file of the checkout", "values.yaml", false},
		{"a link out of the checkout", "/etc/hostname", true},
		{"a link that climbs out", "../../outside", true},
		{"a dangling link", "missing.yaml", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			if err := os.WriteFile(filepath.Join(root, "values.yaml"), []byte("a: 1\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(root, "charts"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(tt.target, filepath.Join(root, "charts", "link.yaml")); err != nil {
				t.Fatal(err)
			}
			if tt.target == "values.yaml" {
				// relative to the link's directory
				_ = os.Remove(filepath.Join(root, "charts", "link.yaml"))
				if err := os.Symlink("../values.yaml", filepath.Join(root, "charts", "link.yaml")); err != nil {
					t.Fatal(err)
				}
			}
			err := symlinksStayInside(root)
			var r *action.Refusal
			if refused := errors.As(err, &r) && r.Reason == v1alpha1.ReasonSourceUnsupported; refused != tt.refused || (!tt.refused && err != nil) {
				t.Errorf("symlinksStayInside() = %v, want refused %v", err, tt.refused)
			}
		})
	}
}
