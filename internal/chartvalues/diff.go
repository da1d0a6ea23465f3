package chartvalues

import (
	"fmt"
	"strings"
)

// maxDiffLines caps the changed lines Diff shows per object; the rest are counted.
const maxDiffLines = 20

// Diff says how the objects of to differ from those of from, for people: a header per changed
// object followed by only its removed ("-") and added ("+") lines, then the objects added and
// removed whole. Unchanged objects and lines are left out; "" means the renderings are the same.
func Diff(from, to Manifests) string {
	var b strings.Builder
	old := map[string]Manifest{}
	for _, m := range from {
		old[m.Key()] = m
	}
	seen := map[string]bool{}
	var added []string
	for _, m := range to {
		seen[m.Key()] = true
		o, ok := old[m.Key()]
		switch {
		case !ok:
			added = append(added, m.Key())
		case o.Content != m.Content && m.Kind == "Secret":
			// A diff is recorded on the workflow and shown to whoever reads it: never a Secret's data.
			fmt.Fprintf(&b, "%s: changed (its content is not shown)\n", m.Key())
		case o.Content != m.Content:
			fmt.Fprintf(&b, "%s:\n", m.Key())
			writeLineDiff(&b, strings.Split(o.Content, "\n"), strings.Split(m.Content, "\n"))
		}
	}
	for _, k := range added {
		fmt.Fprintf(&b, "+ %s (added)\n", k)
	}
	for _, m := range from {
		if !seen[m.Key()] {
			fmt.Fprintf(&b, "- %s (removed)\n", m.Key())
		}
	}
	return b.String()
}

// writeLineDiff writes the lines of a not in the longest common subsequence of a and b as
// "-", those of b as "+", in order, at most maxDiffLines of them.
func writeLineDiff(b *strings.Builder, a, c []string) {
	// lcs[i][j] is the length of the longest common subsequence of a[i:] and c[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(c)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(c) - 1; j >= 0; j-- {
			if a[i] == c[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	shown, hidden := 0, 0
	emit := func(sign, line string) {
		if shown == maxDiffLines {
			hidden++
			return
		}
		shown++
		fmt.Fprintf(b, "%s %s\n", sign, line)
	}
	i, j := 0, 0
	for i < len(a) || j < len(c) {
		switch {
		case i < len(a) && j < len(c) && a[i] == c[j]:
			i, j = i+1, j+1
		case i < len(a) && (j == len(c) || lcs[i+1][j] >= lcs[i][j+1]):
			emit("-", a[i])
			i++
		default:
			emit("+", c[j])
			j++
		}
	}
	if hidden > 0 {
		fmt.Fprintf(b, "  … %d more changed lines\n", hidden)
	}
}
