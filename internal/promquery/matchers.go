package promquery

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Quote renders s as a PromQL string literal. PromQL unquotes double-quoted strings with Go's
// rules, so strconv.Quote's escaping of quotes, backslashes and control bytes round-trips.
func Quote(s string) string { return strconv.Quote(s) }

// Equal is the matcher label="value".
func Equal(label, value string) string { return label + "=" + Quote(value) }

// AnyOf is the matcher label=~"a|b|…" that matches exactly the given values (each one's regular
// expression metacharacters escaped); PromQL anchors the expression at both ends.
func AnyOf(label string, values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = regexp.QuoteMeta(v)
	}
	return label + "=~" + Quote(strings.Join(quoted, "|"))
}

// Prefixed is the matcher label=~"<prefix><pattern>", the prefix taken literally and pattern
// as a regular expression the caller wrote (never user input).
func Prefixed(label, prefix, pattern string) string {
	return label + "=~" + Quote(regexp.QuoteMeta(prefix)+pattern)
}

// Selector joins matchers into {a,b,…}.
func Selector(matchers ...string) string {
	return fmt.Sprintf("{%s}", strings.Join(matchers, ","))
}
