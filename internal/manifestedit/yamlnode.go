package manifestedit

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// scalar is a value to write: its text and whether it is an integer (else a string).
type scalar struct {
	value string
	isInt bool
}

func (s scalar) tag() string {
	if s.isInt {
		return "!!int"
	}
	return "!!str"
}

// docRange is the bytes of one YAML document of a file, without its --- separator line.
type docRange struct{ start, end int }

var separator = regexp.MustCompile(`(?m)^---[ \t]*(#.*)?\r?$\n?`)

// splitDocs cuts a multi-document YAML file at its --- lines.
func splitDocs(content []byte) []docRange {
	var docs []docRange
	start := 0
	for _, m := range separator.FindAllIndex(content, -1) {
		docs = append(docs, docRange{start, m[0]})
		start = m[1]
	}
	return append(docs, docRange{start, len(content)})
}

// parseDoc parses one document; an empty or comment-only document is a nil node and no error.
func parseDoc(b []byte) (*yaml.Node, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, err
	}
	if len(root.Content) == 0 {
		return nil, nil
	}
	return &root, nil
}

// lookup walks path from n (a mapping node). With create, missing mapping keys are added (and
// missing maps created); a missing sequence item is never created. It returns nil when the path
// is absent (and create is false) or runs into something of another shape.
func lookup(n *yaml.Node, path []step, create bool) *yaml.Node {
	for i, s := range path {
		last := i == len(path)-1 && s.match == "" && s.index < 0
		if s.key != "" {
			if n.Kind != yaml.MappingNode {
				return nil
			}
			next := mapValue(n, s.key)
			if next == nil {
				if !create || s.match != "" || s.index >= 0 {
					return nil
				}
				next = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
				if last {
					next = &yaml.Node{Kind: yaml.ScalarNode}
				}
				n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s.key}, next)
			}
			if create && next.Kind == yaml.MappingNode && len(next.Content) == 0 && next.Style == yaml.FlowStyle {
				next.Style = 0 // "{}" gets keys: write it as a block.
			}
			n = next
		}
		if s.match != "" {
			n = itemNamed(n, s.match)
		} else if s.index >= 0 {
			if n.Kind != yaml.SequenceNode || s.index >= len(n.Content) {
				return nil
			}
			n = n.Content[s.index]
		}
		if n == nil {
			return nil
		}
	}
	return n
}

func mapValue(n *yaml.Node, k string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == k {
			return n.Content[i+1]
		}
	}
	return nil
}

func itemNamed(n *yaml.Node, name string) *yaml.Node {
	if n.Kind != yaml.SequenceNode {
		return nil
	}
	for _, item := range n.Content {
		if item.Kind == yaml.MappingNode {
			if v := mapValue(item, "name"); v != nil && v.Value == name {
				return item
			}
		}
	}
	return nil
}

// scalarAt returns the scalar at path in the document, and whether it is there.
func scalarAt(doc *yaml.Node, path []step) (string, bool) {
	n := lookup(doc.Content[0], path, false)
	if n == nil || n.Kind != yaml.ScalarNode {
		return "", false
	}
	return n.Value, true
}

// setInDoc returns content with the scalar at path of document idx set to v. An existing
// scalar is replaced in place; a missing one is created when create is set, by writing that
// document again. changed is false when the value is already there.
func setInDoc(content []byte, idx int, path []step, v scalar, create bool) (out []byte, changed bool, err error) {
	docs := splitDocs(content)
	if idx >= len(docs) {
		return nil, false, fmt.Errorf("document %d of %d", idx, len(docs))
	}
	d := docs[idx]
	chunk := content[d.start:d.end]
	root, err := parseDoc(chunk)
	if err != nil {
		return nil, false, err
	}
	if root == nil {
		if !create {
			return nil, false, fmt.Errorf("%s: empty document", pathString(path))
		}
		root = &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
	}
	if root.Content[0].Kind != yaml.MappingNode {
		return nil, false, fmt.Errorf("%s: document is not a mapping", pathString(path))
	}
	if n := lookup(root.Content[0], path, false); n != nil {
		if n.Kind != yaml.ScalarNode {
			return nil, false, fmt.Errorf("%s is not a scalar", pathString(path))
		}
		if n.Value == v.value {
			return content, false, nil
		}
		if start, end, ok := tokenRange(chunk, n); ok {
			repl := token(v, n.Style)
			var b bytes.Buffer
			b.Write(content[:d.start+start])
			b.WriteString(repl)
			b.Write(content[d.start+end:])
			return b.Bytes(), true, nil
		}
	} else if !create {
		return nil, false, fmt.Errorf("%s: not set", pathString(path))
	}
	if text, ok := insertText(chunk, root, path, v); ok {
		if check, err := parseDoc(text); err == nil && check != nil && check.Content[0].Kind == yaml.MappingNode {
			if got := lookup(check.Content[0], path, false); got != nil && got.Kind == yaml.ScalarNode && got.Value == v.value && got.Tag == v.tag() {
				var b bytes.Buffer
				b.Write(content[:d.start])
				b.Write(text)
				b.Write(content[d.end:])
				return b.Bytes(), true, nil
			}
		}
	}
	n := lookup(root.Content[0], path, true)
	if n == nil || n.Kind != yaml.ScalarNode {
		return nil, false, fmt.Errorf("%s: cannot be created here", pathString(path))
	}
	n.Value, n.Tag, n.Style = v.value, v.tag(), 0
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(indentOf(chunk))
	if err := enc.Encode(root); err != nil {
		return nil, false, err
	}
	if err := enc.Close(); err != nil {
		return nil, false, err
	}
	var out2 bytes.Buffer
	out2.Write(content[:d.start])
	out2.Write(b.Bytes())
	out2.Write(content[d.end:])
	return out2.Bytes(), true, nil
}

// tokenRange finds the bytes of scalar n's token in doc, for a one-line plain, single- or
// double-quoted scalar. ok is false when the token cannot be delimited safely.
func tokenRange(doc []byte, n *yaml.Node) (start, end int, ok bool) {
	if n.Line < 1 || n.Column < 1 || n.Tag == "!!null" && n.Value == "" || n.Anchor != "" {
		return 0, 0, false
	}
	lineStart := 0
	for l := 1; l < n.Line; l++ {
		i := bytes.IndexByte(doc[lineStart:], '\n')
		if i < 0 {
			return 0, 0, false
		}
		lineStart += i + 1
	}
	lineEnd := len(doc)
	if i := bytes.IndexByte(doc[lineStart:], '\n'); i >= 0 {
		lineEnd = lineStart + i
	}
	line := doc[lineStart:lineEnd]
	col := n.Column - 1
	if col >= len(line) {
		return 0, 0, false
	}
	if n.Tag != "" && strings.HasPrefix(string(line[col:]), "!") { // an explicit tag before the value
		return 0, 0, false
	}
	var tokLen int
	switch n.Style {
	case 0:
		if !bytes.HasPrefix(line[col:], []byte(n.Value)) {
			return 0, 0, false
		}
		tokLen = len(n.Value)
	case yaml.DoubleQuotedStyle:
		tokLen = quotedLen(line[col:], '"')
	case yaml.SingleQuotedStyle:
		tokLen = quotedLen(line[col:], '\'')
	default:
		return 0, 0, false
	}
	if tokLen <= 0 {
		return 0, 0, false
	}
	return lineStart + col, lineStart + col + tokLen, true
}

// quotedLen is the length of the quoted token at the start of b, 0 if it does not close on
// this line.
func quotedLen(b []byte, q byte) int {
	if len(b) == 0 || b[0] != q {
		return 0
	}
	for i := 1; i < len(b); i++ {
		switch {
		case q == '"' && b[i] == '\\':
			i++
		case q == '\'' && b[i] == '\'' && i+1 < len(b) && b[i+1] == '\'':
			i++
		case b[i] == q:
			return i + 1
		}
	}
	return 0
}

// token writes v as a YAML token, keeping the original quoting style where v allows.
func token(v scalar, style yaml.Style) string {
	if v.isInt {
		return v.value
	}
	switch style {
	case yaml.SingleQuotedStyle:
		return "'" + strings.ReplaceAll(v.value, "'", "''") + "'"
	case yaml.DoubleQuotedStyle:
		return doubleQuoted(v.value)
	}
	if plainString(v.value) {
		return v.value
	}
	return doubleQuoted(v.value)
}

// plainString reports whether s, written without quotes, reads back as the string s.
func plainString(s string) bool {
	if s == "" || strings.TrimSpace(s) != s || strings.ContainsAny(s, "\n#") {
		return false
	}
	var m map[string]any
	if err := yaml.Unmarshal([]byte("v: "+s), &m); err != nil {
		return false
	}
	str, ok := m["v"].(string)
	return ok && str == s
}

func doubleQuoted(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// indentOf guesses a document's indentation: the first indented key's indent, else 2.
func indentOf(doc []byte) int {
	for _, line := range strings.Split(string(doc), "\n") {
		trimmed := strings.TrimLeft(line, " ")
		if n := len(line) - len(trimmed); n > 0 && trimmed != "" && !strings.HasPrefix(trimmed, "#") && !strings.HasPrefix(trimmed, "- ") {
			if n >= 2 && n <= 8 {
				return n
			}
			return 2
		}
	}
	return 2
}
