package manifestedit

import (
	"bytes"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// insertText adds the missing keys of path to doc as new lines, leaving every existing line as
// it is: under the deepest mapping of path that exists, next to one of its one-line pairs.
// ok is false when the shape does not allow it (a flow mapping, no one-line pair); the caller
// then writes the document again.
func insertText(doc []byte, root *yaml.Node, path []step, v scalar) ([]byte, bool) {
	parent, rest := root.Content[0], path
	var parentKey *yaml.Node
	for len(rest) > 0 {
		next := lookup(parent, rest[:1], false)
		if next == nil {
			break
		}
		if rest[0].match == "" && rest[0].index < 0 {
			parentKey = keyNode(parent, rest[0].key)
		} else {
			parentKey = nil
		}
		parent, rest = next, rest[1:]
	}
	if len(rest) == 0 || parent.Kind != yaml.MappingNode {
		return nil, false
	}
	for _, s := range rest {
		if s.key == "" || s.match != "" || s.index >= 0 {
			return nil, false
		}
	}
	step := indentOf(doc)
	var indent, at int
	var replaceEnd int // > at: bytes [at, replaceEnd) are replaced (an empty "{}")
	switch {
	case len(parent.Content) == 0 && parent.Style&yaml.FlowStyle != 0 && parentKey != nil && parent.Line == parentKey.Line:
		// key: {}  →  key:\n  new: value
		start, ok := offset(doc, parent.Line, parent.Column)
		if !ok || !bytes.HasPrefix(doc[start:], []byte("{}")) {
			return nil, false
		}
		indent = parentKey.Column - 1 + step
		at, replaceEnd = start, start+2
		for at > 0 && doc[at-1] == ' ' {
			at--
		}
	case len(parent.Content) > 0 && parent.Style&yaml.FlowStyle == 0:
		anchor := parent.Content[0]
		for i := 0; i+1 < len(parent.Content); i += 2 {
			k, val := parent.Content[i], parent.Content[i+1]
			if val.Kind == yaml.ScalarNode && val.Line == k.Line && (val.Style == 0 || val.Style == yaml.DoubleQuotedStyle || val.Style == yaml.SingleQuotedStyle) {
				anchor = k
				break
			}
		}
		indent = anchor.Column - 1
		if v := parent.Content[1]; anchor == parent.Content[0] && !(v.Kind == yaml.ScalarNode && v.Line == anchor.Line) {
			// No one-line pair: insert before the first key, which must start its line.
			start, ok := offset(doc, anchor.Line, 1)
			if !ok || strings.TrimSpace(string(doc[start:start+indent])) != "" {
				return nil, false
			}
			at = start
		} else if at = lineEnd(doc, anchor.Line); at < 0 {
			return nil, false
		}
	default:
		return nil, false
	}
	var b strings.Builder
	if replaceEnd > at {
		b.WriteString("\n")
	}
	for i, s := range rest {
		b.WriteString(strings.Repeat(" ", indent+i*step))
		b.WriteString(token(scalar{value: s.key}, 0))
		b.WriteString(":")
		if i == len(rest)-1 {
			b.WriteString(" " + token(v, 0))
		}
		if i < len(rest)-1 || replaceEnd <= at {
			b.WriteString("\n")
		}
	}
	if replaceEnd <= at {
		replaceEnd = at
	}
	var out bytes.Buffer
	out.Write(doc[:at])
	if at > 0 && replaceEnd == at && doc[at-1] != '\n' {
		out.WriteByte('\n')
	}
	out.WriteString(b.String())
	out.Write(doc[replaceEnd:])
	return out.Bytes(), true
}

// lineEnd is the offset just past line n (1-based) of doc, including its newline.
func lineEnd(doc []byte, n int) int {
	off := 0
	for l := 1; l <= n; l++ {
		i := bytes.IndexByte(doc[off:], '\n')
		if i < 0 {
			if l == n {
				return len(doc)
			}
			return -1
		}
		off += i + 1
	}
	return off
}

// offset is the byte offset of line n, column c (both 1-based) in doc.
func offset(doc []byte, n, c int) (int, bool) {
	start := 0
	if n > 1 {
		if start = lineEnd(doc, n-1); start < 0 {
			return 0, false
		}
	}
	off := start + c - 1
	if off > len(doc) {
		return 0, false
	}
	return off, true
}

func keyNode(n *yaml.Node, k string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == k {
			return n.Content[i]
		}
	}
	return nil
}
