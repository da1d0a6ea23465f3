// Package kwok holds the kwok Stage manifests that give the local control plane
// (internal/testenv/localcluster) its fake kubelet behaviour: the usual node and pod lifecycle
// taken from kwok v0.8.0, plus fault stages selected by the label kwok.selfhealing.dev/fault
// (crashloop, oomkill, imagepull on pods; notready on nodes). Each YAML file says what it does.
package kwok

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"sort"
)

// FS holds the Stage manifests, one Stage per *.yaml file.
//
//go:embed *.yaml
var FS embed.FS

// Stages returns all Stage manifests as one multi-document YAML stream, in file name order,
// in the form kwok's --config flag reads.
func Stages() ([]byte, error) {
	names, err := fs.Glob(FS, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out bytes.Buffer
	for _, name := range names {
		data, err := FS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read stage %s: %w", name, err)
		}
		fmt.Fprintf(&out, "---\n# %s\n", name)
		out.Write(bytes.TrimSpace(data))
		out.WriteString("\n")
	}
	return out.Bytes(), nil
}
