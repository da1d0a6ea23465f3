package manifestedit

import (
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// unifiedDiff is the change of the file at path as a unified diff with three lines of context.
func unifiedDiff(path string, old, new []byte) string {
	d, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        lines(string(old)),
		B:        lines(string(new)),
		FromFile: "a/" + path,
		ToFile:   "b/" + path,
		Context:  3,
	})
	if err != nil { // difflib writes to a strings.Builder, which does not fail.
		return ""
	}
	return d
}

// lines splits s into lines that keep their "\n" (difflib.SplitLines adds an empty last line);
// a last line without one gets it, so that the diff stays line-based.
func lines(s string) []string {
	if s == "" {
		return nil
	}
	out := strings.SplitAfter(s, "\n")
	if out[len(out)-1] == "" {
		return out[:len(out)-1]
	}
	out[len(out)-1] += "\n"
	return out
}
