package argocd

import (
	"regexp"
	"strings"
)

// globMatch reports whether value matches pattern as Argo CD matches sync window selectors (the
// gobwas/glob syntax without separators): * is any run of characters, ? one character, [abc]
// and [a-z] a class ([!a] negated), {a,b} alternatives. A pattern that does not compile matches
// nothing, as in Argo CD.
func globMatch(pattern, value string) bool {
	re, err := regexp.Compile("^" + globRegexp(pattern) + "$")
	if err != nil {
		return false
	}
	return re.MatchString(value)
}

func globRegexp(pattern string) string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '\\' && i+1 < len(pattern):
			i++
			b.WriteString(regexp.QuoteMeta(string(pattern[i])))
		case c == '*':
			b.WriteString(".*")
		case c == '?':
			b.WriteString(".")
		case c == '[':
			end := strings.IndexByte(pattern[i+1:], ']')
			if end < 0 {
				b.WriteString(`\[`)
				continue
			}
			class := pattern[i+1 : i+1+end]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += end + 1
		case c == '{':
			depth++
			b.WriteString("(?:")
		case c == '}' && depth > 0:
			depth--
			b.WriteString(")")
		case c == ',' && depth > 0:
			b.WriteString("|")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	for ; depth > 0; depth-- {
		b.WriteString(")")
	}
	return b.String()
}
